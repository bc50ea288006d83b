"""Full sync of one simulated register at scale, then a re-visit that must find known changes.

    python bench/sync_full.py --docs 100000 --files none --out bench/out/full-100k-none.json

Sync: one simulated ADR register of about ``--docs`` documents (served from a forked child
process, as in bench/sync_search.py, whose helpers this reuses) is synced end to end through the
real ``registry_sync`` with politeness off, on SQLite in a fresh data folder or, with
``--database postgres``, in a fresh PostgreSQL database created and dropped by the script.
Busy days (130-250 documents) are over ADR's 100-result cap, so the listing splits them.

Re-visit: the first ``--revisit`` documents ``registry_revisit(due_only=False)`` would take are
read from the archive; in the simulator a known number of them are edited, restricted and
withdrawn; then the real ``registry_revisit`` runs over them and the changes it reports are
checked against what was done (the run exits 1 on a mismatch, after writing its JSON).

A progress line (phase, documents so far, rate, RSS, load) goes to stderr every
``--progress-every`` seconds, so a run stopped half way still says something. Nothing here is
asserted in unit tests except that it runs: see BENCHMARKS.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_search import (  # noqa: E402 — bench/ is not a package; its sibling is imported by path
    BIG_DAY_MEAN,
    StageClock,
    django_ready,
    machine,
    peak_rss_mib,
    profile_report,
    profiler_start,
)

START = date(2022, 1, 3)
DOCS_PER_DAY = 60  # a busy ministry's ordinary day; every 4th day is a big one over the cap
BIG_DAY_EVERY = 4
EDIT_SUFFIX = " (parandatud)"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- set-up ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="about how many documents to sync")
    parser.add_argument("--files", choices=("none", "pdf", "asice", "mix"), default="none")
    parser.add_argument("--days", type=int, default=0, help="registration days (default: from --docs)")
    parser.add_argument("--docs-per-day", type=int, default=DOCS_PER_DAY)
    parser.add_argument("--big-day-every", type=int, default=BIG_DAY_EVERY)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the fresh database")
    parser.add_argument(
        "--revisit", type=int, default=20_000, help="documents to re-visit (0: all, -1: skip)"
    )
    parser.add_argument("--edit-pct", type=float, default=1.0, help="of the re-visited: metadata edits")
    parser.add_argument("--restrict-pct", type=float, default=0.5, help="of the re-visited: public made AK")
    parser.add_argument("--withdraw-pct", type=float, default=0.2, help="of the re-visited: withdrawn")
    parser.add_argument("--no-isolate", action="store_true", help="extract in-process")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the sync here and print its top 15")
    parser.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")
    parser.add_argument("--work-dir", type=Path, help="data folder to use (default: a fresh temporary one)")
    parser.add_argument("--out", type=Path, help="write the JSON results here")
    parser.add_argument(
        "--prefill",
        type=int,
        default=0,
        help="documents bulk-inserted into the register before the sync (days before it), so the sync "
        "runs against an archive of that size",
    )
    return parser.parse_args(argv)


def corpus_config(args: argparse.Namespace):
    from dokreg.simulator.corpus import CorpusConfig

    every, per_day = args.big_day_every, args.docs_per_day
    mean = ((every - 1) * per_day + BIG_DAY_MEAN) / every if every else per_day
    days = args.days or max(1, math.ceil(args.docs / mean))
    return CorpusConfig(
        bodies=1, days=days, start=START, docs_per_day=per_day, big_day_every=every, files=args.files
    )


def pg_database_create(admin_url: str) -> tuple[str, str]:
    """A fresh, uniquely named database; returns (its name, its URL)."""
    import psycopg

    name = f"dokreg_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def pg_database_drop(admin_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the simulator, in its own process, taking orders ---------------------------------------------


def _simulator_main(config, conn) -> None:
    from dokreg.simulator.corpus import Corpus
    from dokreg.simulator.server import SimulatorServer

    corpus = Corpus(config)
    server = SimulatorServer(corpus).start()
    slug = corpus.bodies[0].slug
    docs = corpus.documents(slug)
    conn.send((server.url, slug, len(docs), sum(len(d.listed_files) for d in docs)))
    while True:
        command, payload = conn.recv()
        if command == "requests":
            conn.send(dict(server.requests))
        elif command == "mutate":
            conn.send(mutate_sample(corpus, slug, **payload))
        else:  # stop
            server.stop()
            conn.send((dict(server.requests), _own_peak_rss_mib()))
            return


def mutate_sample(corpus, slug: str, ids: list[str], edits: int, restricts: int, withdraws: int, seed: int):
    """Change disjoint, randomly chosen documents of ``ids`` the way registers do; returns which."""
    from dokreg.simulator.corpus import RESTRICTED

    rng = random.Random(seed)
    pool = [int(i) for i in ids]
    rng.shuffle(pool)
    withdrawn, pool = pool[:withdraws], pool[withdraws:]
    public = [i for i in pool if corpus.document(slug, i).is_public]
    restricted = public[:restricts]
    taken = set(restricted)
    edited = [i for i in pool if i not in taken][:edits]
    for doc_id in withdrawn:
        corpus.withdraw(slug, doc_id)
    for doc_id in restricted:
        corpus.mutate(slug, doc_id, access=RESTRICTED)
    for doc_id in edited:
        corpus.mutate(slug, doc_id, title=corpus.document(slug, doc_id).title + EDIT_SUFFIX)
    return {"edited": len(edited), "restricted": len(restricted), "withdrawn": len(withdrawn)}


def _own_peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Simulator:
    """One simulated register in a forked child that can also be told to change its documents."""

    def __init__(self, config) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_simulator_main, args=(config, child_conn), daemon=True)
        self._process.start()
        self.url, self.slug, self.documents, self.files = self._conn.recv()
        self.peak_rss_mib = 0.0

    def ask(self, command: str, payload: dict | None = None):
        self._conn.send((command, payload or {}))
        return self._conn.recv()

    def stop(self) -> dict:
        requests, self.peak_rss_mib = self.ask("stop")
        self._process.join(10)
        return requests


def requests_between(before: dict, after: dict) -> dict:
    return {kind: after[kind] - before.get(kind, 0) for kind in after if after[kind] - before.get(kind, 0)}


# -- progress -------------------------------------------------------------------------------------


class CountingClock(StageClock):
    """StageClock that also counts ``advance`` calls in the current stage, for the progress lines."""

    def __init__(self) -> None:
        super().__init__()
        self.advanced = 0
        self.current = ""

    def stage(self, name: str, total: int | None = None) -> None:
        super().stage(name, total)
        self.current, self.advanced = self._current or "", 0

    def advance(self, n: int = 1) -> None:
        self.advanced += n


class Progress(threading.Thread):
    """Prints a line every few seconds: phase, documents stored, rates, RSS and load."""

    def __init__(self, every: float, registry, clock: CountingClock) -> None:
        super().__init__(name="bench-progress", daemon=True)
        self.every, self.registry, self.clock = every, registry, clock
        self._done = threading.Event()
        self._t0 = time.perf_counter()

    def run(self) -> None:
        from django.db import connection

        last_count, last_time = 0, self._t0
        while not self._done.wait(self.every):
            now = time.perf_counter()
            count = _stored(self.registry)
            rate = (count - last_count) / (now - last_time)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"[{now - self._t0:7.0f} s] {self.clock.current or '-'}: {self.clock.advanced} advanced; "
                f"{count} documents stored ({count / (now - self._t0):.1f}/s overall, {rate:.1f}/s "
                f"last {now - last_time:.0f} s); RSS {_rss_mib('VmRSS')} MiB (peak {_rss_mib('VmHWM')}); "
                f"load {load}",
                file=sys.stderr,
                flush=True,
            )
            last_count, last_time = count, now
        connection.close()

    def stop(self) -> None:
        self._done.set()
        self.join(self.every + 5)


def _stored(registry) -> int:
    from dokreg.archive.models import Document, FetchState

    return Document.objects.filter(registry=registry, fetch_state=FetchState.OK).count()


def _rss_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# -- sync -----------------------------------------------------------------------------------------


class StatementCounter:
    """Counts SQL statements sent by the main thread (``connection.execute_wrapper``), per stage."""

    def __init__(self, clock) -> None:
        self.clock, self.by_stage = clock, {}

    def __call__(self, execute, sql, params, many, context):
        stage = self.clock.current or "-"
        self.by_stage[stage] = self.by_stage.get(stage, 0) + 1
        return execute(sql, params, many, context)


def prefill(registry, n: int, *, before: date) -> dict:
    """``n`` stored documents of ``registry`` on days before ``before`` (60 a day), as a sync leaves them:
    the document row with its page's fields, its matter (not on one in six), one version, a capture of
    2 KB, a relation on every 3rd and an unresolved one on every 10th; written in bulk
    (a real sync of 1M documents would take hours), marked indexed so the sync's index stage skips them."""
    from django.db import transaction
    from django.utils import timezone

    from dokreg.archive import stats
    from dokreg.archive.models import Capture, Document, DocumentVersion, FetchState, Matter, Relation

    started = time.perf_counter()
    now = timezone.now()
    fields = [[f"Väli {n}", f"väärtus {n} " * 3] for n in range(15)]  # the page's label/value pairs
    chunk = 5_000
    for first in range(0, n, chunk):
        ids = range(first, min(n, first + chunk))
        with transaction.atomic():
            matters = Matter.objects.bulk_create(
                [Matter(registry=registry, root=f"P-{i // 5}") for i in ids if i % 5 == 0]
            )
            matter_of = {m.root: m for m in matters}
            docs = Document.objects.bulk_create(
                [
                    Document(
                        registry=registry,
                        source_id=f"p{i}",
                        reference=f"P-{i // 5}/{i % 5}",
                        registered=before - timedelta(days=1 + i // 60),
                        doc_type="Kiri",
                        title=f"Eeltäidetud dokument {i}",
                        correspondent="Asutus",
                        access="public",
                        access_text="Avalik",
                        fetch_state=FetchState.OK,
                        first_seen_at=now,
                        last_checked_at=now,
                        last_changed_at=now,
                        # As in the real 100k archive: about one in six without a matter.
                        matter=None if i % 6 == 0 else matter_of.get(f"P-{i // 5}"),
                        source_fields=fields,
                        index_dirty=False,
                    )
                    for i in ids
                ],
                batch_size=1_000,
            )
            DocumentVersion.objects.bulk_create(
                [DocumentVersion(document=d, kind="created", seen_at=now) for d in docs], batch_size=1_000
            )
            Capture.objects.bulk_create(
                [
                    Capture(
                        registry=registry,
                        source_id=d.source_id,
                        url="",
                        status=200,
                        body=os.urandom(2_000),  # a compressed page is a few KB
                        sha256="0" * 64,
                        fetched_at=now,
                    )
                    for d in docs
                ],
                batch_size=1_000,
            )
            Relation.objects.bulk_create(
                [
                    Relation(document=d, kind="Vastus", target_source_id=f"p{i - 1}", target=docs[k - 1])
                    for k, (i, d) in enumerate(zip(ids, docs, strict=True))
                    if k and i % 3 == 0
                ]
                # and some to documents never stored (another register's, or not public): unresolved
                + [
                    Relation(document=d, kind="Seotud", target_source_id=f"x{i}")
                    for i, d in zip(ids, docs, strict=True)
                    if i % 10 == 0
                ],
                batch_size=1_000,
            )
    stats.body_months_rebuild(registry=registry)
    return {"documents": n, "seconds": round(time.perf_counter() - started, 1)}


def sync_run(args: argparse.Namespace, simulator: Simulator, registry, config) -> dict:
    from django.db import connection

    from dokreg.archive.models import Document, File, SyncDay
    from dokreg.pipeline.sync import registry_sync

    clock = CountingClock()
    statements = StatementCounter(clock)
    progress = Progress(args.progress_every, registry, clock)
    load_before = os.getloadavg()
    progress.start()
    profiler = profiler_start(args.profile)
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(statements):
            report = registry_sync(
                registry=registry,
                since=config.start,
                until=config.start + timedelta(days=config.days - 1),
                reporter=clock,
                isolate=not args.no_isolate,
            )
        clock.stop()
        seconds = time.perf_counter() - started
    finally:
        if profiler is not None:
            profiler.disable()
        progress.stop()
    if profiler is not None:
        profile_report(profiler, args.profile)
    stored = Document.objects.filter(registry=registry).count() - args.prefill
    days = SyncDay.objects.filter(registry=registry)
    stages = {name: round(s, 3) for name, s in clock.seconds.items()}
    stages["other"] = round(max(0.0, seconds - sum(clock.seconds.values())), 3)
    return {
        "source_documents": simulator.documents,
        "source_files": simulator.files,
        "days": config.days,
        "docs_per_day": config.docs_per_day,
        "big_day_every": config.big_day_every,
        "split_days": sum(
            any("type=" in s for s in slices) for slices in days.values_list("slices", flat=True)
        ),
        "files_mode": config.files,
        "documents_stored": stored,
        "files_stored": File.objects.count(),
        "report": _report_dict(report),
        "seconds": round(seconds, 3),
        "docs_per_s": round(stored / seconds, 1),
        "stages_s": stages,
        "stage_docs_per_s": {
            name: round(stored / s, 1) for name, s in stages.items() if s > 0 and name != "other"
        },
        "files_per_s": _rate(report.files, clock.seconds["download_extract"]),
        "extractions_per_s": _rate(report.extracted, clock.seconds["download_extract"]),
        "statements": statements.by_stage,
        "statements_per_doc": {name: round(n / stored, 2) for name, n in statements.by_stage.items()},
        "peak_rss_mib": peak_rss_mib(),
        "load_before": _load(load_before),
        "load_after": _load(os.getloadavg()),
    }


def _report_dict(report) -> dict:
    names = ("days", "listed", "new", "changed", "unchanged", "failed", "withdrawn", "files", "extracted")
    out = {name: getattr(report, name) for name in (*names, "indexed", "revisited")}
    out["incomplete_days"] = len(report.incomplete_days)
    out["paused"] = report.paused
    return out


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds and count else 0.0


def _load(values) -> list[float]:
    return [round(x, 2) for x in values]


# -- re-visit -------------------------------------------------------------------------------------


def revisit_run(args: argparse.Namespace, simulator: Simulator, registry) -> dict:
    from dokreg.pipeline.revisit import revisit_due
    from dokreg.pipeline.sync import registry_revisit

    limit = args.revisit or None
    ids = list(
        revisit_due(registry=registry, due_only=False, limit=limit).values_list("source_id", flat=True)
    )
    wanted = {
        "edits": round(len(ids) * args.edit_pct / 100),
        "restricts": round(len(ids) * args.restrict_pct / 100),
        "withdraws": round(len(ids) * args.withdraw_pct / 100),
    }
    done = simulator.ask("mutate", {"ids": ids, "seed": len(ids), **wanted})
    clock = CountingClock()
    progress = Progress(args.progress_every, registry, clock)
    requests_before = simulator.ask("requests")
    load_before = os.getloadavg()
    progress.start()
    started = time.perf_counter()
    try:
        report = registry_revisit(
            registry=registry, due_only=False, limit=limit, reporter=clock, isolate=not args.no_isolate
        )
        clock.stop()
        seconds = time.perf_counter() - started
    finally:
        progress.stop()
    stages = {name: round(s, 3) for name, s in clock.seconds.items() if s}
    fetch_seconds = clock.seconds.get("revisit", 0.0)
    expected = {"changed": done["edited"] + done["restricted"], "withdrawn": done["withdrawn"], "failed": 0}
    found = {"changed": report.changed, "withdrawn": report.withdrawn, "failed": report.failed}
    return {
        "sample": len(ids),
        "mutated": done,
        "expected": expected,
        "found": found,
        "matches": expected == found and report.revisited == len(ids),
        "report": _report_dict(report),
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(ids) / seconds, 1),
        "fetch_docs_per_s": _rate(len(ids), fetch_seconds),
        "stages_s": stages,
        "requests": requests_between(requests_before, simulator.ask("requests")),
        "load_before": _load(load_before),
        "load_after": _load(os.getloadavg()),
    }


# -- sizes ----------------------------------------------------------------------------------------


def database_mib() -> float:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return round(cursor.fetchone()[0] / 2**20, 1)
    name = Path(settings.DATABASES["default"]["NAME"])
    return round(sum(p.stat().st_size for p in name.parent.glob(name.name + "*")) / 2**20, 1)


def folder_mib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


# -- output ---------------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    sync, stages = results["sync"], results["sync"]["stages_s"]
    per_stage = sync["stage_docs_per_s"]
    lines = [
        "| sync | value |",
        "|---|---|",
        f"| database | {results['database']} |",
        f"| documents stored (source) | {sync['documents_stored']} ({sync['source_documents']}) |",
        f"| days (split over the cap) | {sync['days']} ({sync['split_days']}) |",
        f"| files ({sync['files_mode']}): downloaded / extracted | "
        f"{sync['report']['files']} / {sync['report']['extracted']} |",
        f"| stored before the sync (bulk prefill) | {results.get('prefill', {}).get('documents', 0)} |",
        f"| SQL statements a document, by stage | {sync['statements_per_doc']} |",
        f"| wall time | {sync['seconds']:.1f} s |",
        f"| **documents/s end to end** | **{sync['docs_per_s']}** |",
        f"| list+fetch+parse+upsert | {stages['list_fetch_parse_upsert']:.1f} s "
        f"({per_stage.get('list_fetch_parse_upsert', 0)} docs/s) |",
        f"| download+extract | {stages['download_extract']:.1f} s ({sync['files_per_s']} files/s) |",
        f"| index | {stages['index']:.1f} s ({per_stage.get('index', 0)} docs/s) |",
        f"| other | {stages['other']:.1f} s |",
        f"| HTTP requests | {sum(results['requests']['sync'].values())} ({results['requests']['sync']}) |",
        f"| database / index on disk | {results['database_mib']} MiB / {results['index_mib']} MiB |",
        f"| peak RSS: process / simulator / reaped children | {sync['peak_rss_mib']['self']} / "
        f"{results['simulator_peak_rss_mib']} / {sync['peak_rss_mib']['children']} MiB |",
        f"| load average before / after | {sync['load_before']} / {sync['load_after']} |",
        "",
    ]
    revisit = results.get("revisit")
    if revisit:
        lines += [
            "| re-visit | value |",
            "|---|---|",
            f"| documents re-visited | {revisit['sample']} |",
            f"| wall time | {revisit['seconds']:.1f} s |",
            f"| **documents/s** (fetch stage alone) | **{revisit['docs_per_s']}** ({revisit['fetch_docs_per_s']}) |",
            f"| stages | {revisit['stages_s']} |",
            f"| mutated in the simulator | {revisit['mutated']} |",
            f"| expected / found | {revisit['expected']} / {revisit['found']} |",
            f"| **counts match** | **{revisit['matches']}** |",
            f"| HTTP requests | {revisit['requests']} |",
            f"| load average before / after | {revisit['load_before']} / {revisit['load_after']} |",
            "",
        ]
    lines.append(f"peak RSS at the end: {results['peak_rss_mib']['self']} MiB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dokreg-bench-full-") as tmp:
        work_dir = (args.work_dir or Path(tmp)).resolve()
        pg_name, database_url = (
            pg_database_create(args.pg_admin_url) if args.database == "postgres" else ("", None)
        )
        try:
            django_ready(work_dir / "data", database_url)
            results = measure(args, argv)
        finally:
            if pg_name:
                pg_database_drop(args.pg_admin_url, pg_name)
    print(markdown(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if results.get("revisit") and not results["revisit"]["matches"]:
        print("re-visit counts do not match what was changed in the simulator", file=sys.stderr)
        if argv is None:
            sys.exit(1)
    return results


def measure(args: argparse.Namespace, argv: list[str] | None) -> dict:
    from django.conf import settings
    from django.db import connection

    from dokreg.registries.services import registry_save

    config = corpus_config(args)
    made = time.perf_counter()
    simulator = Simulator(config)
    print(
        f"simulator: {simulator.documents} documents, {simulator.files} files over {config.days} days "
        f"(built in {time.perf_counter() - made:.1f} s); database {connection.vendor}",
        file=sys.stderr,
        flush=True,
    )
    shown = argv if argv is not None else sys.argv[1:]
    results: dict = {
        "command": " ".join(["python bench/sync_full.py", *shown]),
        "machine": machine(),
        "database": connection.vendor,
        "requests": {},
    }
    try:
        registry = registry_save(
            slug=f"bench-{simulator.slug}",
            family="adr",
            base_url=f"{simulator.url}/{simulator.slug}/",
            name="Bench",
        )
        if args.prefill:
            results["prefill"] = prefill(registry, args.prefill, before=config.start)
            print(f"prefilled: {results['prefill']}", file=sys.stderr, flush=True)
        results["sync"] = sync_run(args, simulator, registry, config)
        results["requests"]["sync"] = simulator.ask("requests")
        results["database_mib"] = database_mib()
        results["index_mib"] = folder_mib(Path(settings.INDEX_DIR))
        if args.revisit >= 0:
            results["revisit"] = revisit_run(args, simulator, registry)
    finally:
        simulator.stop()
    results["simulator_peak_rss_mib"] = simulator.peak_rss_mib
    results["peak_rss_mib"] = peak_rss_mib()
    return results


if __name__ == "__main__":
    main()
