"""`dokreg demo`: simulated registers → sync → extract → index → the web archive, on one machine."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings


def demo_run(*, port: int, bodies: int, days: int, docs_per_day: int, serve: bool) -> int:
    from rich.console import Console

    from dokreg.pipeline.progress import RichReporter
    from dokreg.pipeline.sync import registry_sync
    from dokreg.registries.services import registry_save
    from dokreg.simulator.corpus import Corpus, CorpusConfig
    from dokreg.simulator.server import SimulatorServer

    console = Console()
    started = time.monotonic()
    # The simulator is ours and on loopback: no need to be polite to it.
    settings.DOKREG_REQUEST_INTERVAL = 0
    until = date.today() - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    corpus = Corpus(CorpusConfig(bodies=bodies, days=days, start=since, docs_per_day=docs_per_day))
    server = SimulatorServer(corpus).start()
    console.print(
        f"[bold]dokreg demo[/bold]: simulated registers at {server.url} "
        f"({bodies} bodies, {days} days from {since} to {until})"
    )
    console.print(f"data folder: {settings.DATA_DIR}")
    reports = []
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    for body in corpus.bodies:
        registry = registry_save(
            slug=f"demo-{body.slug}",
            family="adr",
            base_url=server.base_url(body.slug),
            name=f"{body.name} (simulatsioon)",
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            report = registry_sync(
                registry=registry, since=since, until=until, reporter=RichReporter(progress)
            )
        console.print(f"  {registry.slug}: {report.summary()}")
        reports.append(report)
    total = sum(r.new + r.changed + r.unchanged for r in reports)
    console.print(
        f"synced {total} documents, {sum(r.files for r in reports)} files downloaded, "
        f"{sum(r.extracted for r in reports)} extracted, in {time.monotonic() - started:.0f} s"
    )
    if not serve:
        server.stop()
        return 0
    console.print(f"[bold green]open http://127.0.0.1:{port}/[/bold green]  (Ctrl-C stops)")
    from dokreg.conf.serving import web_serve

    try:
        web_serve(host="127.0.0.1", port=port)
    finally:
        server.stop()
    return 0
