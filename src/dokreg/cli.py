"""The `dokreg` command: one thin group of subcommands, each calling one service.

Run `dokreg --help` or `dokreg COMMAND --help`.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from dokreg import __version__


def _setup() -> None:
    """Configure Django and bring the database schema up to date (the embedded default needs no setup step)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
    import django
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1–65535)")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0 or more)")
    return int(text)


def _shard_number(text: str) -> int:
    from dokreg.search.shards import MAX_SHARDS

    if not text.isdigit() or int(text) >= MAX_SHARDS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shard number (0-{MAX_SHARDS - 1})")
    return int(text)


def _registry(slug: str):
    from dokreg.registries.models import Registry

    try:
        return Registry.objects.get(slug=slug)
    except Registry.DoesNotExist:
        raise SystemExit(f"dokreg: no registry {slug!r}; see `dokreg registry list`") from None


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(),
        transient=False,
    )


# --- commands --------------------------------------------------------------------------------------


def cmd_registry(args) -> int:
    from dokreg.registries.models import Registry
    from dokreg.registries.services import catalogue_load, registry_save

    if args.action == "add":
        registry = registry_save(slug=args.slug, family=args.family, base_url=args.url, name=args.name or "")
        print(f"{registry.slug}: {registry.name} ({registry.family}) {registry.base_url} [{registry.state}]")
    elif args.action == "load":
        print(f"{catalogue_load()} registries added from the built-in catalogue")
    else:
        for r in Registry.objects.order_by("state", "slug"):
            print(f"{r.slug:34} {r.family:15} {r.state:12} {r.document_count:>8} {r.name}  {r.base_url}")
    return 0


def cmd_sync(args) -> int:
    from dokreg.pipeline.progress import RichReporter
    from dokreg.pipeline.sync import registry_revisit, registry_sync, registry_sync_ids
    from dokreg.pipeline.tasks import sync_enqueue
    from dokreg.registries.models import Registry

    if args.follow:
        return _follow(args)
    if args.ids and not args.registry:
        raise SystemExit("dokreg: --ids needs --registry")
    if not (args.registry or args.all):
        # A bare `dokreg sync` once synced every active register for today: too much to do by accident.
        raise SystemExit(
            "dokreg: name a register with --registry S, or sync every active ADR register with --all"
        )
    until = args.until or date.today()
    since = args.since or until - timedelta(days=args.days - 1)
    if since > until:
        raise SystemExit(f"dokreg: --since {since} is after --until {until}")
    if args.registry:
        registries = [_registry(args.registry)]
        if args.ids and not _connector_class(registries[0]).sequential_ids:
            raise SystemExit(
                f"dokreg: {args.registry} ({registries[0].family}) lists documents by registration day, "
                "not by id: use --since/--until"
            )
    else:
        registries = list(Registry.objects.filter(state=Registry.State.ACTIVE, family="adr"))
    failed = False
    for registry in registries:
        if args.queue:
            days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
            queued = sync_enqueue(registry=registry, days=days, refresh=args.refresh)
            print(f"{registry.slug}: {queued} days queued")
            continue
        with _progress() as progress:
            reporter = RichReporter(progress)
            if args.ids:
                first, last = args.ids
                report = registry_sync_ids(
                    registry=registry, first=first, last=last, refresh=args.refresh, reporter=reporter
                )
            elif args.revisit:
                report = registry_revisit(registry=registry, due_only=False, reporter=reporter)
            else:
                report = registry_sync(
                    registry=registry, since=since, until=until, refresh=args.refresh, reporter=reporter
                )
        print(f"{registry.slug}: {report.summary()}")
        failed |= bool(report.paused or report.failed or report.incomplete_days)
    return 1 if failed else 0


def _connector_class(registry):
    from dokreg.registries.connectors import CONNECTORS

    if registry.family not in CONNECTORS:
        raise SystemExit(f"dokreg: no connector for platform family {registry.family!r} yet")
    return CONNECTORS[registry.family]


def _follow(args) -> int:
    from dokreg.pipeline.follow import follow
    from dokreg.pipeline.progress import Reporter

    class Printer(Reporter):
        def note(self, message: str) -> None:
            print(message, flush=True)

    follow(interval=args.interval, once=args.once, reporter=Printer(), only=args.registry)
    return 0


def _ids(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    if not (first.isdigit() and last.isdigit()) or int(first) > int(last):
        raise argparse.ArgumentTypeError(f"{text!r} is not an id range: use FROM-TO, e.g. 410900-411100")
    return int(first), int(last)


def cmd_serve(args) -> int:
    from dokreg.conf.security import deployment_findings
    from dokreg.conf.serving import web_serve

    errors = [f for f in deployment_findings() if f.level == "error"]
    if errors:
        for finding in errors:
            print(f"dokreg serve: {finding.message}", file=sys.stderr)
        print("dokreg serve: refusing to start; `dokreg check` lists every finding", file=sys.stderr)
        return 2

    print(f"dokreg serving on http://{args.host}:{args.port}/", flush=True)
    web_serve(host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_worker(args) -> int:
    from django.core.management import call_command

    queues = args.queue or ["sync", "download", "extract", "ocr", "default"] + (
        ["index"] if args.indexer else []
    )
    from dokreg.extract.runner import sandbox_reset
    from dokreg.pipeline.tasks import tasks_recover, worker_id_new

    recovered = tasks_recover()
    if recovered:
        print(f"{recovered} tasks of dead workers queued again", file=sys.stderr)
    try:
        # reload=False: db_worker's default (settings.DEBUG) would run the worker under the autoreloader.
        call_command(
            "db_worker",
            queue_name=",".join(queues),
            interval=args.interval,
            batch=args.batch,
            reload=False,
            worker_id=worker_id_new(),
        )
    finally:
        # The forked extraction child inherits db_worker's SIGTERM handler, which ignores the TERM
        # multiprocessing sends daemon children at exit: without this the worker never exits.
        sandbox_reset()
    return 0


def cmd_check(args) -> int:
    from django.core.management import call_command

    from dokreg.conf.security import deployment_findings

    failed = False
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except Exception as exc:  # noqa: BLE001 - Django's SystemCheckError carries the text to show
        print(exc, file=sys.stderr)
        failed = True
    for finding in deployment_findings():
        print(f"{finding.level}: {finding.code}: {finding.message}")
        failed |= finding.level == "error"
    print("dokreg check: " + ("problems found" if failed else "ready to serve"))
    return 1 if failed else 0


def cmd_status(args) -> int:
    from rich.table import Table

    from dokreg.archive.selectors import registry_status

    if args.registry:
        _registry(args.registry)  # an unknown slug is an error, not an empty table

    table = Table(
        "registry",
        "state",
        "documents",
        "newest",
        "last sync",
        "last success",
        "open problems",
        "incomplete days",
        "last error",
    )
    rows = registry_status(slug=args.registry, covered_only=not args.all)
    for row in rows:
        table.add_row(
            row.slug,
            row.state,
            str(row.documents),
            str(row.newest or ""),
            _when(row.last_sync),
            _when(row.last_success),
            str(row.open_problems),
            str(row.incomplete_days),
            (row.last_error or "")[:60],
        )
    from rich.console import Console

    Console().print(table)
    for row in rows:
        if row.unfinished:
            print(f"{row.slug}: the last sync never finished (interrupted, or still running); run it again")
    from dokreg.pipeline.queue import failed_count

    if failed := failed_count():
        print(f"{failed} queued tasks failed: see `dokreg tasks`, then `dokreg tasks --retry-failed`")
    if args.registry:
        from dokreg.archive.models import Problem

        for problem in Problem.objects.filter(registry__slug=args.registry, resolved_at__isnull=True)[:50]:
            print(
                f"  {problem.seen_at:%Y-%m-%d %H:%M} {problem.stage:8} {problem.code:20} {problem.subject} — "
                f"{problem.message}"
            )
    return 0


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def cmd_tasks(args) -> int:
    from django.conf import settings
    from rich.console import Console
    from rich.table import Table

    from dokreg.pipeline.queue import queue_overview, tasks_failed, tasks_prune, tasks_retry_failed

    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        print("tasks run in the calling process here: nothing is queued (DOKREG_TASKS=database queues them)")
    if args.retry_failed:
        print(f"{tasks_retry_failed(queue=args.queue)} failed tasks queued again")
    if args.prune_days is not None:
        print(f"{tasks_prune(older_than=timedelta(days=args.prune_days))} finished task rows pruned")
    rows = [row for row in queue_overview() if args.queue in (None, row.queue)]
    if rows:
        table = Table("queue", "waiting", "running", "failed", "done", "oldest waiting since")
        for row in rows:
            counts = (row.waiting, row.running, row.failed, row.done)
            table.add_row(row.queue, *map(str, counts), _when(row.oldest_waiting))
        Console().print(table)
    else:
        print("no tasks in the queue" + (f" {args.queue!r}" if args.queue else ""))
    failed = tasks_failed(queue=args.queue, limit=args.limit)
    for task in failed:
        arguments = ", ".join(repr(a) for a in task.args)
        print(f"  {_when(task.finished_at)} {task.task}({arguments}): {task.error}")
    if failed and not args.retry_failed:
        print("run `dokreg tasks --retry-failed` to queue them again once the cause is fixed")
    return 0


def cmd_reprocess(args) -> int:
    from dokreg.pipeline.reprocess import captures_reparse, files_reextract, files_retry

    registry = _registry(args.registry) if args.registry else None
    if args.extractor:
        count = files_reextract(extractor=args.extractor, registry=registry)
        print(f"files of {count} documents extracted again with {args.extractor}")
    elif args.failed:
        print(f"{files_retry(registry=registry)} failed files queued again and extracted")
    else:
        counts = captures_reparse(registry=registry)
        print(", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing to reprocess")
    return 0


def cmd_takedown(args) -> int:
    from dokreg.archive.models import Document
    from dokreg.archive.services import document_take_down, document_take_down_undo
    from dokreg.pipeline.indexing import index_documents_now, index_publish

    document = Document.objects.filter(pk=args.document).first()
    if document is None:
        raise SystemExit(f"dokreg: no document {args.document}")
    if args.undo:
        document_take_down_undo(document=document, actor="cli:takedown")
        print(f"document {document.pk} is public again (files return with the next sync)")
    else:
        if not args.reason:
            raise SystemExit("dokreg: a takedown needs --reason (it is kept for the audit)")
        document_take_down(document=document, reason=args.reason, actor="cli:takedown")
        print(f"document {document.pk} taken down: {args.reason}")
    # Off (or back on) the index at once, not at the next sync; deferred while a reindex holds the writer.
    if not index_documents_now(doc_ids=[document.pk]):
        print("the index is busy: the running indexer applies it (public pages already follow the database)")
    index_publish()  # and off the web hosts' copies at their next pull
    return 0


def cmd_requests(args) -> int:
    from django.utils import timezone

    from dokreg.desk.models import RemovalRequest
    from dokreg.desk.services import removal_requests_purge, retention_days

    if args.purge:
        report = removal_requests_purge()
        print(
            f"{report.anonymised} decided requests anonymised (older than {retention_days()} days after the "
            f"decision), {report.deleted} unconfirmed requests deleted"
        )
        return 0
    now = timezone.now()
    queue = RemovalRequest.objects.filter(status=RemovalRequest.Status.PENDING).order_by("due_at")
    for r in queue:
        late = " OVERDUE" if r.due_at and r.due_at < now else ""
        print(
            f"#{r.pk}\tdue {timezone.localtime(r.due_at):%Y-%m-%d}{late}\t{r.get_basis_display()}\t{r.document_label}"
        )
    print(f"{queue.count()} pending removal requests")
    return 0


def cmd_digest(args) -> int:
    from dokreg.desk.alerts import digest_build, digest_send

    if args.dry_run:
        from datetime import timedelta

        from django.utils import timezone

        now = timezone.now()
        digest = digest_build(since=now - timedelta(days=1), now=now)
        print(f"last 24 h: {digest.attention} items want attention (nothing mailed)")
        return 0
    digest, mailed = digest_send()
    if not mailed:
        print(
            "dokreg digest: no operator address (set DOKREG_OPERATOR_EMAILS or give a staff user an e-mail)",
            file=sys.stderr,
        )
        return 1
    print(f"digest mailed: {digest.attention} items want attention")
    return 0


def cmd_alerts(args) -> int:
    from dokreg.desk.alerts import heartbeat_check

    result = heartbeat_check()
    print(result.message)
    return 1 if result.stale and not result.mailed and "already" not in result.message else 0


def cmd_reindex(args) -> int:
    from dokreg.pipeline.indexing import index_pending

    if args.shard is not None:  # one process of a parallel rebuild: progress lines for the parent
        index_pending(shard=args.shard, progress=lambda n: print(n, flush=True))
        return 0
    return _reindex(parallel=not args.one_process)


def _reindex(*, parallel: bool) -> int:
    from dokreg.archive.models import Document
    from dokreg.pipeline.indexing import index_rebuild

    total = Document.objects.count()
    with _progress() as progress:
        task = progress.add_task("reindex", total=total)
        done = index_rebuild(progress=lambda n: progress.advance(task, n), parallel=parallel)
    print(f"{done} documents re-indexed")
    return 0


def cmd_index(args) -> int:
    from dokreg.search.snapshots import snapshot_follow, snapshot_publish, snapshot_pull

    def said(snapshot, verb: str) -> None:
        print(
            f"generation {snapshot.generation} (published {snapshot.published_at}): {snapshot.files} files, "
            f"{snapshot.moved} {verb} ({snapshot.moved_bytes / 1e6:.1f} MB)",
            flush=True,
        )

    if args.action == "publish":
        said(snapshot_publish(), "uploaded")
        return 0
    if args.follow:
        snapshot_follow(interval=args.interval, on_pull=lambda snapshot: said(snapshot, "downloaded"))
        return 0
    pulled = snapshot_pull()
    if pulled is None:
        print("nothing published yet")
    else:
        said(pulled, "downloaded")
    return 0


def cmd_export(args) -> int:
    import json

    from dokreg.reading.exports import export_documents

    registry = _registry(args.registry)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        for row in export_documents(registry=registry):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def cmd_subscriptions(args) -> int:
    from dokreg.alerts.sending import alerts_send

    frequency = "immediate" if args.immediate else "daily"
    report = alerts_send(frequency=frequency, base_url=args.base_url)
    print(
        f"{report.checked} {frequency} subscriptions checked, {report.mailed} mailed "
        f"({report.documents} documents), {report.failed} failed"
    )
    return 1 if report.failed else 0


def cmd_extract(args) -> int:
    from dokreg.extract.report import extract_report

    return extract_report(args.path, as_json=args.format == "json")


def cmd_demo(args) -> int:
    from dokreg.pipeline.demo import demo_run

    return demo_run(
        port=args.port,
        bodies=args.bodies,
        days=args.days,
        docs_per_day=args.docs_per_day,
        serve=not args.no_serve,
    )


def cmd_backup(args) -> int:
    from pathlib import Path

    from dokreg.backup import archive_backup

    report = archive_backup(destination=Path(args.destination))
    print(
        f"backup in {args.destination}: {report.database} database, {report.blobs} files ({report.blobs_copied} new)"
    )
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path

    from django.core.management import call_command

    from dokreg.backup import archive_restore

    report = archive_restore(source=Path(args.source))
    # A backup made by an older dokreg is brought up to this version's schema, then the derived index rebuilt.
    call_command("migrate", interactive=False, verbosity=0)
    print(f"restored {report.database} database and {report.blobs} files ({report.blobs_copied} copied)")
    return _reindex(parallel=True)


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    return 0


# --- the parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dokreg",
        description="dokreg: an open archive of Estonian public document registers. Data lives in "
        "$DOKREG_DATA_DIR (default ./dokreg-data); set DATABASE_URL for PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"dokreg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "demo",
        help="simulated registers → sync → extract → index → web archive on 127.0.0.1",
        description="Start the register simulator, sync its bodies, extract and index their files, "
        "then serve the archive on 127.0.0.1.",
    )
    p.add_argument("--port", type=_port, default=8000, help="web port (default 8000)")
    p.add_argument("--bodies", type=int, default=3, help="simulated bodies (default 3)")
    p.add_argument("--days", type=int, default=10, help="registration days per body (default 10)")
    p.add_argument("--docs-per-day", type=int, default=12, help="documents on an ordinary day (default 12)")
    p.add_argument("--no-serve", action="store_true", help="stop after indexing instead of serving")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "sync",
        help="fetch registration days from registers into the archive",
        description="List registration days, fetch every listed document, download and extract "
        "public files and update the search index. Safe to interrupt and run again.",
    )
    p.add_argument("--registry", help="registry slug")
    p.add_argument("--all", action="store_true", help="every active ADR registry")
    p.add_argument("--since", type=_day, help="first registration day, YYYY-MM-DD")
    p.add_argument("--until", type=_day, help="last registration day, YYYY-MM-DD (default today)")
    p.add_argument("--days", type=int, default=1, help="with no --since: how many days back (default 1)")
    p.add_argument(
        "--ids",
        type=_ids,
        metavar="FROM-TO",
        help="sources with sequential ids (RMK, Tallinn): this id range",
    )
    p.add_argument(
        "--revisit", action="store_true", help="fetch every stored document again now to catch changes"
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep every registry current: new days or ids, and due re-visits, every --interval seconds",
    )
    p.add_argument("--once", action="store_true", help="with --follow: one cycle, then stop")
    p.add_argument(
        "--interval", type=float, default=900, help="with --follow: seconds between cycles (default 900)"
    )
    p.add_argument(
        "--refresh", action="store_true", help="re-fetch documents already stored (records changes)"
    )
    p.add_argument(
        "--queue", action="store_true", help="queue the days for `dokreg worker` instead of running now"
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "serve",
        help="serve the public web archive (WSGI under granian)",
        description="Serve the public web archive over WSGI with granian.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker",
        help="run queued pipeline tasks (with DOKREG_TASKS=database)",
        description="Run queued pipeline tasks. Start many on PostgreSQL; exactly one with "
        "--indexer (the search index has one writer).",
    )
    p.add_argument("--queue", action="append", help="queue to take (repeatable; default all but index)")
    p.add_argument("--indexer", action="store_true", help="also run the index queue (one worker only)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
    p.add_argument("--batch", action="store_true", help="exit when the queues are empty")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "status",
        help="per-registry freshness, counts, problems and incomplete days",
        description="Show each registry's last sync, newest document, errors and incomplete days.",
    )
    p.add_argument("--registry", help="one registry, with its open problems")
    p.add_argument("--all", action="store_true", help="include registers not covered yet")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "tasks",
        help="the task queue: waiting, running and failed tasks; retry the failed, prune the finished",
        description="Show each queue's tasks by state (DOKREG_TASKS=database) and the latest failed tasks "
        "with their error. --retry-failed puts failed tasks back in their queues (every task is safe to "
        "run again); --prune-days N deletes successful task rows finished more than N days ago.",
    )
    p.add_argument("--queue", help="only this queue (sync, extract, ocr, index, …)")
    p.add_argument("--retry-failed", action="store_true", help="queue the failed tasks again")
    p.add_argument(
        "--prune-days", type=_count, metavar="N", help="delete successful task rows older than N days"
    )
    p.add_argument("--limit", type=_count, default=20, help="failed tasks listed (default 20)")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser(
        "backup",
        help="copy the database and the file store into a folder (safe while dokreg runs)",
        description="Write a restorable backup into DEST: the database (SQLite online backup or pg_dump) "
        "and the content-addressed file store (only new files when DEST holds an older backup). The search "
        "index is derived and is rebuilt by `dokreg restore`.",
    )
    p.add_argument("destination", help="backup folder")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="put a backup made by `dokreg backup` back, then migrate and rebuild the index",
        description="Replace this archive's database with the backup's, copy its files into the file store "
        "(each checked against its SHA-256), apply migrations and rebuild the search index.",
    )
    p.add_argument("source", help="backup folder")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "check",
        help="is this instance safe to serve the public? (Django's deploy checks and dokreg's own)",
        description="Run Django's deployment checks and dokreg's own: secret key, allowed hosts, data "
        "folders writable, database reachable, search index readable, Tesseract and LibreOffice present. "
        "Exits 1 when an error is found; `dokreg serve` refuses to start on the same errors.",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "reprocess",
        help="re-parse stored captures, or retry failed files",
        description="Re-run parsers over the stored raw captures (no requests to the sources), or "
        "with --failed retry files whose download or extraction failed.",
    )
    p.add_argument("--registry", help="only this registry")
    p.add_argument("--failed", action="store_true", help="retry failed file downloads and extractions")
    p.add_argument(
        "--extractor", metavar="KIND", help="extract every file of this kind again (pdf, asice, docx, …)"
    )
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser(
        "takedown",
        help="take a document off every public route (or --undo)",
        description="Take a document off every public route at once (pages, search, API, feeds, sitemaps, "
        "exports) and purge its files, keeping its metadata history; --undo puts it back.",
    )
    p.add_argument("document", type=int, help="the document's id (as in /dokument/<id>/)")
    p.add_argument("--reason", help="why (kept with the document for the audit)")
    p.add_argument("--undo", action="store_true", help="put a taken-down document back")
    p.set_defaults(func=cmd_takedown)

    p = sub.add_parser(
        "requests",
        help="the removal-request queue by deadline, or --purge personal data past retention",
        description="List pending removal requests, soonest deadline first (overdue ones marked). With "
        "--purge: erase requesters' names, addresses and explanations DOKREG_REQUEST_RETENTION_DAYS after "
        "the decision (the anonymised decision stays) and delete requests never confirmed within 7 days.",
    )
    p.add_argument(
        "--purge", action="store_true", help="erase request personal data past the retention period"
    )
    p.set_defaults(func=cmd_requests)

    p = sub.add_parser(
        "digest",
        help="mail the operators the daily digest",
        description="Mail the operators what happened since the last digest: new and overdue removal "
        "requests, new personal-data restrictions, paused registers, stalled tasks, failed extractions.",
    )
    p.add_argument("--dry-run", action="store_true", help="count the last 24 hours, mail nothing")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser(
        "alerts",
        help="mail the operators if the follow loop has stopped (run every few minutes)",
        description="Check the heartbeat of `dokreg sync --follow`; when it is older than "
        "DOKREG_HEARTBEAT_STALE_MINUTES, mail the operators once (not again until it has beaten anew).",
    )
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "reindex",
        help="rebuild the search index from the database",
        description="Drop and rebuild the search index from the database. An index in shards "
        "(DOKREG_INDEX_SHARDS) is rebuilt by one process per shard, side by side.",
    )
    p.add_argument(
        "--one-process", action="store_true", help="write every shard from this one process (less memory)"
    )
    p.add_argument("--shard", type=_shard_number, help=argparse.SUPPRESS)  # a child of a parallel rebuild
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser(
        "index",
        help="publish the search index to an object store, or pull it (web hosts on other machines)",
        description="publish: upload the index's new files and a manifest to DOKREG_INDEX_SNAPSHOTS "
        "(the indexer's host; `dokreg worker --indexer` does it after every index task). pull: download "
        "the newest snapshot into DOKREG_INDEX_DIR and swap it in atomically (web hosts); --follow "
        "keeps pulling. See docs/deployment.md.",
    )
    p.add_argument("action", choices=["publish", "pull"])
    p.add_argument("--follow", action="store_true", help="pull: keep pulling every --interval seconds")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between pulls (default 10)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "registry", help="list, add or update registers", description="Manage the catalogue of registers."
    )
    p.add_argument(
        "action", choices=["list", "add", "load"], help="list; add (or update); load the catalogue"
    )
    p.add_argument("--family", default="adr", help="adr, rmk, riigikantselei, riigikogu, tallinn or other")
    p.add_argument("--slug", help="short name used in URLs and commands")
    p.add_argument("--name", help="the body's name")
    p.add_argument("--url", help="the register's base URL")
    p.set_defaults(func=cmd_registry)

    p = sub.add_parser(
        "export",
        help="export a registry's documents (NDJSON)",
        description="Write one JSON object per public document: every metadata field, its files and "
        "their extracted text length.",
    )
    p.add_argument("--registry", required=True, help="registry slug")
    p.add_argument("--format", choices=["ndjson"], default="ndjson", help="output format (ndjson)")
    p.add_argument("--output", help="file to write (default standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "subscriptions",
        help="mail saved searches their new documents",
        description="Mail every confirmed saved search of one frequency the public documents first seen "
        "since its last mail (run --immediate every few minutes and --daily once a day, e.g. from cron).",
    )
    p.add_argument("action", choices=["send"])
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--daily", action="store_true", help="the once-a-day subscriptions")
    when.add_argument("--immediate", action="store_true", help="the as-soon-as-possible subscriptions")
    p.add_argument(
        "--base-url", help="the archive's public address in links (default DOKREG_PUBLIC_BASE_URL)"
    )
    p.set_defaults(func=cmd_subscriptions)

    p = sub.add_parser(
        "extract",
        help="show what the extractors make of a file",
        description="Print the tree of child files, text, metadata, signatures (personal codes "
        "masked), warnings and errors for any file.",
    )
    p.add_argument("path", help="the file")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_extract)

    # Parsed by the simulator itself (see main); listed here for `dokreg --help`.
    sub.add_parser("simulate", help="serve simulated registers on 127.0.0.1 (see `dokreg simulate --help`)")

    p = sub.add_parser(
        "migrate",
        help="create or update the database schema",
        description="Apply database migrations (other commands do this by themselves too).",
    )
    p.set_defaults(func=cmd_migrate)
    return parser


NEEDS_NO_DATABASE = {"simulate", "extract", "index"}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:
        # The simulator has its own options (and --help); hand them over untouched.
        from dokreg.simulator import simulate_main

        sys.exit(simulate_main(argv[1:]))
    args = parser.parse_args(argv)
    if args.command == "registry" and args.action == "add" and not (args.slug and args.url):
        parser.error("registry add needs --slug and --url")
    if args.command in NEEDS_NO_DATABASE:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
        import django

        django.setup()
    else:
        _setup()
    from dokreg.errors import DokregError

    try:
        code = args.func(args)
    except DokregError as error:
        print(f"dokreg: {error.message}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("dokreg: interrupted; run the same command again to continue", file=sys.stderr)
        code = 130
    sys.exit(code)
