"""`dokreg demo`: simulated registers → sync → extract → index → the web archive, on one machine.

Simulated ADR registers (several bodies, busy days past the 100-result cap, signed containers),
plus one register of each other platform family (RMK, Riigikantselei, Riigikogu, Tallinn) with a
mix of file kinds (e-mails, DOCX, DDOC, ZIP, scans), each synced through its own connector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings

# One body per non-ADR family, as the real catalogue names them.
FAMILY_BODIES = (
    ("rmk", "rmk", "Riigimetsa Majandamise Keskus"),
    ("riigikantselei", "riigikantselei", "Riigikantselei"),
    ("riigikogu", "riigikogu", "Riigikogu"),
    ("tallinn", "tallinn", "Tallinna linn"),
)


@dataclass
class DemoSource:
    registry: object
    server: object
    site: object = None
    reports: list = field(default_factory=list)


def demo_run(*, port: int, bodies: int, days: int, docs_per_day: int, serve: bool) -> int:
    from rich.console import Console

    console = Console()
    started = time.monotonic()
    # The simulator is ours and on loopback: no need to be polite to it.
    settings.DOKREG_REQUEST_INTERVAL = 0
    until = date.today() - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    sources = _adr_sources(bodies, days, since, docs_per_day) + _family_sources(days, since, docs_per_day)
    console.print(
        f"[bold]dokreg demo[/bold]: {len(sources)} simulated registers on 127.0.0.1 "
        f"({days} days from {since} to {until}); data folder {settings.DATA_DIR}"
    )
    try:
        for source in sources:
            report = _sync(source, since, until, console)
            console.print(f"  {source.registry.slug}: {report.summary()}")
            source.reports.append(report)
        reports = [r for s in sources for r in s.reports]
        total = sum(r.new + r.changed + r.unchanged for r in reports)
        console.print(
            f"synced {total} documents from {len(sources)} registers, {sum(r.files for r in reports)} files "
            f"downloaded, {sum(r.extracted for r in reports)} extracted, in {time.monotonic() - started:.0f} s"
        )
        if not serve:
            return 0
        console.print(f"[bold green]open http://127.0.0.1:{port}/[/bold green]  (Ctrl-C stops)")
        from dokreg.conf.serving import web_serve

        web_serve(host="127.0.0.1", port=port)
    finally:
        for source in sources:
            source.server.stop()
    return 0


def _adr_sources(bodies: int, days: int, since: date, docs_per_day: int) -> list[DemoSource]:
    from dokreg.registries.services import registry_save
    from dokreg.simulator.corpus import Corpus, CorpusConfig
    from dokreg.simulator.server import SimulatorServer

    corpus = Corpus(CorpusConfig(bodies=bodies, days=days, start=since, docs_per_day=docs_per_day))
    server = SimulatorServer(corpus).start()
    return [
        DemoSource(
            registry=registry_save(
                slug=f"demo-{body.slug}",
                family="adr",
                base_url=server.base_url(body.slug),
                name=f"{body.name} (simulatsioon)",
            ),
            server=server,
        )
        for body in corpus.bodies
    ]


def _family_sources(days: int, since: date, docs_per_day: int) -> list[DemoSource]:
    from dokreg.registries.services import registry_save
    from dokreg.simulator.cli import SITES
    from dokreg.simulator.corpus import BodySpec, Corpus, CorpusConfig
    from dokreg.simulator.server import SimulatorServer

    sources = []
    for seed, (family, slug, name) in enumerate(FAMILY_BODIES, start=11):
        config = CorpusConfig(
            bodies=(BodySpec(slug, name),),
            days=days,
            start=since,
            docs_per_day=max(3, docs_per_day // 2),
            big_day_every=0,
            files="mix",
            seed=seed,
        )
        corpus = Corpus(config)
        site = SITES[family](corpus, slug=slug)
        server = SimulatorServer(corpus, site=site).start()
        registry = registry_save(
            slug=f"demo-{family}",
            family=family,
            base_url=f"{server.url}/{slug}/",
            name=f"{name} (simulatsioon)",
        )
        sources.append(DemoSource(registry=registry, server=server, site=site))
    return sources


def _sync(source: DemoSource, since: date, until: date, console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dokreg.pipeline.progress import RichReporter
    from dokreg.pipeline.sync import registry_sync, registry_sync_ids

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        reporter = RichReporter(progress)
        ids = getattr(source.site, "ids", None)
        if ids is not None:  # sequential-id sources are walked by id, as `dokreg sync --ids` does
            public = ids.public_ids()
            return registry_sync_ids(
                registry=source.registry, first=public[0], last=public[-1], reporter=reporter
            )
        return registry_sync(registry=source.registry, since=since, until=until, reporter=reporter)
