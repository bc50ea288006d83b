"""The sync stage: list a register's days, fetch and parse what they hold, and keep the archive current.

Every step is idempotent: a killed sync run again ends with the same archive. A listed document
gets a row before it is fetched, so a failed fetch is visible and retried, never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from dokreg.archive.models import Capture, Document, FetchState, File
from dokreg.archive.services import (
    document_checked,
    document_fetch_failed,
    document_listed,
    document_upsert,
    document_withdrawn,
    documents_listed,
    problem_record,
    problems_resolve,
    registry_counts_refresh,
    sync_day_failed,
    sync_day_record,
    sync_range_record,
    sync_writes,
)
from dokreg.errors import DokregError, NotFoundAtSource, NotModified, SourcePaused
from dokreg.pipeline.files import document_files_download, document_files_extract, files_ocr_pending
from dokreg.pipeline.indexing import index_pending
from dokreg.pipeline.progress import Reporter
from dokreg.reading.figures import warm_soon
from dokreg.registries.connectors import connector_for
from dokreg.registries.connectors.base import Connector
from dokreg.registries.http import client_from_settings
from dokreg.registries.models import Registry
from dokreg.registries.services import (
    registry_error_record,
    registry_name_refresh,
    registry_pause,
    registry_sync_finished,
    registry_sync_started,
)
from dokreg.registries.types import ListedEntry, Validators

log = logging.getLogger(__name__)


MAX_REPORTED_ERRORS = 3


@dataclass
class SyncReport:
    days: int = 0
    incomplete_days: list = field(default_factory=list)
    incomplete_ranges: list = field(default_factory=list)
    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    withdrawn: int = 0
    files: int = 0
    extracted: int = 0
    indexed: int = 0
    ocred: int = 0
    missing: int = 0  # ids a sequential source does not know (gaps)
    revisited: int = 0
    paused: str = ""
    # The distinct reasons of failures (a DNS failure, a refused connection), so the run's own summary
    # says why it is incomplete and the operator need not open `dokreg status` to find out.
    errors: list = field(default_factory=list)

    def error_note(self, error: Exception) -> None:
        message = _message(error)
        if message not in self.errors and len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(message)

    def summary(self) -> str:
        listing = f"{self.days} days, {self.listed} listed: " if self.days else ""
        text = (
            f"{listing}{self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.failed} failed, {self.withdrawn} withdrawn; "
            f"{self.files} files downloaded, {self.extracted} extracted, {self.indexed} indexed"
        )
        if self.ocred:
            text += f"; {self.ocred} files OCR'd"
        if self.missing:
            text += f"; {self.missing} ids unknown at the source"
        if self.revisited:
            text += f"; {self.revisited} revisited"
        if self.incomplete_days:
            text += f"; incomplete days: {', '.join(d.isoformat() for d in self.incomplete_days)}"
        if self.incomplete_ranges:
            text += "; incomplete id ranges: " + ", ".join(f"{a}-{b}" for a, b in self.incomplete_ranges)
        if self.paused:
            text += f"; PAUSED: {self.paused}"
        if self.errors:
            text += "; errors: " + " | ".join(self.errors)
        return text


def registry_connector(registry: Registry) -> Connector:
    return connector_for(registry.family, registry.base_url, client_from_settings())


def registry_sync(
    *,
    registry: Registry,
    since: date,
    until: date,
    refresh: bool = False,
    reporter: Reporter | None = None,
    connector: Connector | None = None,
    isolate: bool = True,
) -> SyncReport:
    """Sync registration days ``since``..``until`` (inclusive), then download, extract and index."""
    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]

    def work(connector: Connector, report: SyncReport, reporter: Reporter) -> None:
        reporter.stage(f"{registry.slug}: days", total=len(days))
        for day in days:
            day_sync(registry=registry, connector=connector, day=day, refresh=refresh, report=report)
            reporter.advance()

    return _sync_run(registry=registry, work=work, reporter=reporter, connector=connector, isolate=isolate)


def registry_sync_ids(
    *,
    registry: Registry,
    first: int,
    last: int,
    refresh: bool = False,
    reporter: Reporter | None = None,
    connector: Connector | None = None,
    isolate: bool = True,
) -> SyncReport:
    """Walk an id range of a source with sequential ids; an id the source does not know is a gap, not an error."""

    def work(connector: Connector, report: SyncReport, reporter: Reporter) -> None:
        reporter.stage(f"{registry.slug}: ids {first}-{last}", total=last - first + 1)
        before = (report.new + report.changed + report.unchanged, report.missing, report.failed)
        ids_sync(
            registry=registry,
            connector=connector,
            ids=range(first, last + 1),
            refresh=refresh,
            report=report,
            progress=reporter.advance,
        )
        found = report.new + report.changed + report.unchanged - before[0]
        missing, failed = report.missing - before[1], report.failed - before[2]
        sync_range_record(
            registry=registry, first=first, last=last, found=found, missing=missing, failed=failed
        )
        if failed:
            report.incomplete_ranges.append((first, last))

    return _sync_run(registry=registry, work=work, reporter=reporter, connector=connector, isolate=isolate)


def registry_sync_frontier(
    *,
    registry: Registry,
    misses_allowed: int = 20,
    reporter: Reporter | None = None,
    connector: Connector | None = None,
    isolate: bool = True,
) -> SyncReport:
    """For sequential-id sources: fetch the ids after the highest one stored, until a run of unknown ids."""
    top = highest_source_id(registry)

    def work(connector: Connector, report: SyncReport, reporter: Reporter) -> None:
        if top is None:
            reporter.note(f"{registry.slug}: nothing stored yet; seed it with `dokreg sync --ids FROM-TO`")
            return
        reporter.stage(f"{registry.slug}: ids after {top}", total=None)
        next_id, misses = top + 1, 0
        while misses < misses_allowed:
            before = report.missing
            ids_sync(registry=registry, connector=connector, ids=[next_id], refresh=False, report=report)
            misses = misses + 1 if report.missing > before else 0
            next_id += 1
            reporter.advance()

    return _sync_run(registry=registry, work=work, reporter=reporter, connector=connector, isolate=isolate)


def highest_source_id(registry: Registry) -> int | None:
    value = (
        Document.objects.filter(registry=registry)
        .annotate(digits=Length("source_id"))
        .order_by("-digits", "-source_id")
        .values_list("source_id", flat=True)
        .first()
    )
    return int(value) if value and value.isdigit() else None


def registry_revisit(
    *,
    registry: Registry,
    due_only: bool = True,
    limit: int | None = None,
    reporter: Reporter | None = None,
    connector: Connector | None = None,
    isolate: bool = True,
) -> SyncReport:
    """Fetch stored documents again to catch edits, restrictions added or lifted, files changed, withdrawals."""
    from dokreg.pipeline.revisit import revisit_due

    def work(connector: Connector, report: SyncReport, reporter: Reporter) -> None:
        due = revisit_due(registry=registry, due_only=due_only, limit=limit)
        reporter.stage(f"{registry.slug}: revisit", total=due.count())
        # Streamed: a re-visit of a whole register must not hold every document in memory.
        for document in due.iterator(chunk_size=500):
            document_fetch(registry=registry, connector=connector, document=document, report=report)
            report.revisited += 1
            reporter.advance()

    return _sync_run(registry=registry, work=work, reporter=reporter, connector=connector, isolate=isolate)


def _sync_run(
    *, registry: Registry, work, reporter: Reporter | None, connector: Connector | None, isolate: bool
) -> SyncReport:
    """What every sync mode shares: the registry's state, the work, then files, extraction and the index."""
    reporter = reporter or Reporter()
    report = SyncReport()
    if registry.state != Registry.State.ACTIVE:
        report.paused = f"{registry.slug} is {registry.get_state_display()}: {registry.state_reason}".strip(
            ": "
        )
        return report
    connector = connector or registry_connector(registry)
    registry_sync_started(registry=registry)
    try:
        with sync_writes():
            work(connector, report, reporter)
    except SourcePaused as error:
        registry_pause(registry=registry, reason=error.message)
        report.paused = error.message
    _files_stage(registry=registry, connector=connector, report=report, reporter=reporter, isolate=isolate)
    reporter.stage("index", total=None)
    report.indexed = index_pending(progress=reporter.advance)
    if settings.DOKREG_OCR_INLINE and not report.paused:
        # Text-layer documents are searchable already; now the slow pass over scans, then index again.
        reporter.stage("OCR", total=None)
        report.ocred = files_ocr_pending(registry=registry, progress=reporter.advance, isolate=isolate)
        if report.ocred:
            index_pending()
    registry_counts_refresh(registry=registry)
    _statistics_refresh()
    registry_sync_finished(
        registry=registry,
        success=not (report.paused or report.incomplete_days or report.incomplete_ranges or report.failed),
    )
    warm_soon(registry.pk)  # a new month changes the body's stamp without hiding anything
    return report


def _statistics_refresh() -> None:
    """Let SQLite's planner see the tables as they are now (PostgreSQL's autovacuum does this by itself)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")


def ids_sync(
    *, registry: Registry, connector: Connector, ids, refresh: bool, report: SyncReport, progress=None
) -> None:
    """Fetch each id; stored and current ones are skipped unless ``refresh``. Ids go in chunks, so a range
    of 100k ids neither builds one huge IN list nor holds 100k rows."""
    ids = list(ids)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = [str(i) for i in ids[start : start + ID_CHUNK]]
        stored = {d.source_id: d for d in Document.objects.filter(registry=registry, source_id__in=chunk)}
        for source_id in chunk:
            document = stored.get(source_id)
            if document is not None and document.fetch_state == FetchState.OK and not refresh:
                report.unchanged += 1
            else:
                source_fetch(
                    registry=registry,
                    connector=connector,
                    source_id=source_id,
                    document=document,
                    report=report,
                )
            if progress:
                progress(1)


ID_CHUNK = 1000


def day_sync(
    *, registry: Registry, connector: Connector, day: date, refresh: bool, report: SyncReport
) -> list[int]:
    """List one day, make sure every listed document is stored and current; returns the ids it touched."""
    report.days += 1
    now = timezone.now()
    try:
        listing = connector.list_day(day)
    except SourcePaused:
        raise
    except Exception as error:  # noqa: BLE001 — recorded as an incomplete day; the run goes on
        problem_record(
            registry=registry, stage="list", subject=f"{registry.slug} {day.isoformat()}", error=error
        )
        _record_error(registry, error)
        report.error_note(error)
        sync_day_failed(registry=registry, day=day, checked_at=now, problem=_message(error))
        report.incomplete_days.append(day)
        return []
    documents = documents_listed(registry=registry, listed=list(listing.entries), seen_at=now)
    report.listed += len(documents)
    touched, fetched_ok = [], 0
    for document in documents:
        if document.fetch_state == FetchState.OK and not refresh:
            fetched_ok += 1
            continue
        if document_fetch(registry=registry, connector=connector, document=document, report=report):
            fetched_ok += 1
        touched.append(document.pk)
    if listing.complete:
        touched += _unlisted_recheck(
            registry=registry, connector=connector, day=day, listing=listing, report=report
        )
    complete = listing.complete and fetched_ok == len(documents)
    sync_day_record(
        registry=registry,
        day=day,
        complete=complete,
        reported_total=listing.reported_total,
        listed=len(listing.entries),
        fetched=fetched_ok,
        slices=list(listing.slices),
        problems=list(listing.problems),
        checked_at=now,
    )
    if complete:
        problems_resolve(registry=registry, subject=f"{registry.slug} {day.isoformat()}")
    else:
        report.incomplete_days.append(day)
    return touched


def document_fetch(
    *, registry: Registry, connector: Connector, document: Document, report: SyncReport
) -> bool:
    """Fetch, parse and store one listed document; a failure is recorded on it and as a Problem."""
    before = report.failed
    source_fetch(
        registry=registry, connector=connector, source_id=document.source_id, document=document, report=report
    )
    return report.failed == before


def source_fetch(
    *, registry: Registry, connector: Connector, source_id: str, document: Document | None, report: SyncReport
) -> Document | None:
    """Fetch and store one document by its source id; None when the source has no such document."""
    try:
        raw = connector.fetch(source_id, validators=_validators(registry, document))
        entry = connector.parse(raw)
    except SourcePaused:
        raise
    except NotModified:
        document_checked(document=document)
        report.unchanged += 1
        return document
    except NotFoundAtSource as error:
        if document is not None and document.fetch_state == FetchState.OK:
            report.withdrawn += document_withdrawn(document=document)
            return document
        if document is None:
            report.missing += 1
            return None
        _fetch_failed(registry, document, error, report)
        return document
    except Exception as error:  # noqa: BLE001 — recorded on the document; the run goes on
        if document is None:
            document = document_listed(
                registry=registry, listed=ListedEntry(source_id=source_id), seen_at=timezone.now()
            )
        _fetch_failed(registry, document, error, report)
        return document
    outcome = document_upsert(registry=registry, entry=entry, raw=raw)
    if entry.registry_name:
        registry_name_refresh(registry=registry, seen_name=entry.registry_name)
    setattr(report, outcome.kind, getattr(report, outcome.kind) + 1)
    problems_resolve(registry=registry, subject=connector.document_url(source_id))
    return outcome.document


def _validators(registry: Registry, document: Document | None) -> Validators | None:
    """A conditional request only for a document stored whole and current (not withdrawn, not failed)."""
    if document is None or document.fetch_state != FetchState.OK or document.withdrawn_at is not None:
        return None
    capture = Capture.objects.filter(registry=registry, source_id=document.source_id).values(
        "etag", "last_modified"
    )
    found = capture.first()
    if not found or not (found["etag"] or found["last_modified"]):
        return None
    return Validators(etag=found["etag"], last_modified=found["last_modified"])


def _fetch_failed(registry: Registry, document: Document, error: Exception, report: SyncReport) -> bool:
    log.warning("fetching %s/%s failed: %s", registry.slug, document.source_id, _message(error))
    document_fetch_failed(document=document, error=error)
    problem_record(
        registry=registry,
        stage="fetch",
        subject=_document_url(registry, document),
        error=error,
        document=document,
    )
    _record_error(registry, error)
    report.error_note(error)
    report.failed += 1
    return False


def _document_url(registry: Registry, document: Document) -> str:
    return document.url or f"{registry.base_url}dokument/{document.source_id}"


def _unlisted_recheck(*, registry, connector, day, listing, report) -> list[int]:
    """Documents stored for this day that a complete listing no longer shows: gone or restricted? Ask."""
    listed = {e.source_id for e in listing.entries}
    missing = Document.objects.filter(
        registry=registry, registered=day, fetch_state=FetchState.OK, withdrawn_at__isnull=True
    ).exclude(source_id__in=listed)
    touched = []
    for document in missing:
        document_fetch(registry=registry, connector=connector, document=document, report=report)
        touched.append(document.pk)
    return touched


def _files_stage(*, registry, connector, report, reporter, isolate) -> None:
    """Download and extract every file of the register still waiting: this run's and any an interrupted
    run left. Only ids are held, so a register of 100k documents costs no more memory than one of 100."""
    unfinished = Q(files__download_state=File.Download.PENDING) | Q(
        files__download_state=File.Download.OK, files__extract_state=File.Extract.PENDING
    )
    document_ids = list(
        Document.objects.filter(unfinished, registry=registry, fetch_state=FetchState.OK)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    reporter.stage("files", total=len(document_ids))
    for document_id in document_ids:
        document = Document.objects.get(pk=document_id)
        # A paused source answers with its robot check: ask it nothing more, but extract what arrived.
        if not report.paused:
            try:
                report.files += document_files_download(document=document, connector=connector)
            except SourcePaused as error:
                registry_pause(registry=registry, reason=error.message)
                report.paused = error.message
        report.extracted += document_files_extract(document=document, isolate=isolate)
        reporter.advance()


def _record_error(registry: Registry, error: Exception) -> None:
    registry_error_record(registry=registry, message=_message(error))


def _message(error: Exception) -> str:
    return error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}"
