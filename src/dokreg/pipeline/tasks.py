"""The pipeline's stages as background tasks, for `dokreg worker` processes to share.

Stage order lives here: a day's sync enqueues the file work of the documents it touched, and
the file work enqueues indexing. Each task takes ids, loads the rows and calls one service, so a
task retried after a crash redoes nothing that already happened, and one the database aborted
for a conflict with another worker (a deadlock) runs again at once (``retried``). With the default
("immediate") backend these run in the calling process; with DOKREG_TASKS=database they are queued
in the database and any number of workers (on PostgreSQL, on several machines) pick them up.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from dokreg.archive.models import Document
from dokreg.errors import SourcePaused
from dokreg.reading.figures import warm_soon
from dokreg.registries.models import Registry
from dokreg.transactions import retried


@task(queue_name="sync")
@retried
def sync_day_task(registry_id: int, day: str, refresh: bool = False) -> dict:
    from dokreg.pipeline.sync import SyncReport, day_sync, registry_connector, registry_pause

    registry = Registry.objects.get(pk=registry_id)
    if registry.state != Registry.State.ACTIVE:
        return {"day": day, "skipped": f"{registry.slug} is {registry.state}"}
    report = SyncReport()
    try:
        touched = day_sync(
            registry=registry,
            connector=registry_connector(registry),
            day=date.fromisoformat(day),
            refresh=refresh,
            report=report,
        )
    except SourcePaused as error:
        registry_pause(registry=registry, reason=error.message)
        return {"day": day, "paused": error.message}
    unfinished = _unfinished_files(registry, date.fromisoformat(day))
    for document_id in sorted({*_with_file_work(touched), *unfinished}):
        files_task.enqueue(document_id)
    index_soon()
    warm_soon(registry.pk)  # a new month changes the body's stamp without hiding anything
    return {"day": day, "listed": report.listed, "new": report.new, "failed": report.failed}


def _unfinished_files(registry: Registry, day: date) -> list[int]:
    """Documents of the day fetched earlier whose files are not done: a run killed before it queued them.

    `day_sync` only returns the documents it touched; one stored by a killed run is skipped next time, so
    without this its files would stay pending for ever (the inline sync's files stage looks for them too).
    """
    from dokreg.archive.models import Access, FetchState

    return list(
        Document.objects.filter(
            _file_work(retry_failed=False),
            registry=registry,
            registered=day,
            fetch_state=FetchState.OK,
            access=Access.PUBLIC,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def _with_file_work(document_ids: list[int]) -> list[int]:
    """Of these documents, those with a file to download (again) or to extract: a task for each.

    Most documents of a register have none (restricted ones, letters without attachments): a files
    task for them would only load the row and find nothing, one task row and a dozen statements each."""
    from dokreg.archive.models import Access

    work = _file_work(retry_failed=True)
    found: set[int] = set()
    ids = sorted(set(document_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found |= set(
            Document.objects.filter(work, pk__in=chunk, access=Access.PUBLIC).values_list("pk", flat=True)
        )
    return sorted(found)


def _file_work(*, retry_failed: bool):
    """A document with a file waiting for its download (or, ``retry_failed``, a failed one) or its
    extraction."""
    from django.db.models import Q

    from dokreg.archive.models import File

    download = [File.Download.PENDING, File.Download.FAILED] if retry_failed else [File.Download.PENDING]
    return Q(files__download_state__in=download) | Q(
        files__download_state=File.Download.OK, files__extract_state=File.Extract.PENDING
    )


@task(queue_name="extract")
@retried
def files_task(document_id: int) -> int:
    from dokreg.pipeline.files import document_files_download, document_files_extract
    from dokreg.pipeline.sync import registry_connector

    document = Document.objects.select_related("registry").get(pk=document_id)
    document_files_download(document=document, connector=registry_connector(document.registry))
    extracted = document_files_extract(document=document)
    index_soon()
    for file_id in document.files.filter(ocr_pending=True).values_list("pk", flat=True):
        ocr_task.enqueue(file_id)
    return extracted


@task(queue_name="ocr")
@retried
def ocr_task(file_id: int) -> None:
    from dokreg.archive.models import File
    from dokreg.pipeline.files import file_ocr

    file = File.objects.select_related("document").filter(pk=file_id, ocr_pending=True).first()
    if file is not None:
        file_ocr(file=file)
        index_soon()


@task(queue_name="index")
@retried
def index_task() -> int:
    from dokreg.pipeline.indexing import index_pending

    return index_pending()


def index_soon() -> None:
    """Queue an index run, unless one waits in the queue already: not started yet, it will take every
    document dirty when it starts, this one included. Without this every document's files task left an
    index task behind, and the indexer committed and published a snapshot per document."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(index_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.ready().filter(task_path=index_task.module_path, queue_name="index")
        if waiting.exists():
            return
    index_task.enqueue()


def sync_enqueue(*, registry: Registry, days: list[date], refresh: bool = False) -> int:
    for day in days:
        sync_day_task.enqueue(registry.pk, day.isoformat(), refresh)
    return len(days)


# A task RUNNING this long is taken back even when its worker's host cannot be checked (another machine).
STALE_AFTER = timedelta(hours=6)


def worker_id_new() -> str:
    """host:pid:random, so `tasks_recover` can tell whether the worker that claimed a task still lives."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def tasks_recover(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Put back in the queue the tasks whose worker died while running them; returns how many.

    django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a worker
    killed mid-task (SIGKILL, OOM, power loss) leaves it RUNNING forever. A task is taken back when its
    worker was on this host and its process is gone, or when it has run longer than ``stale_after``.
    The tasks are idempotent, so running one again redoes nothing that already happened.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    recovered = 0
    for row in DBTaskResult.objects.running().only("id", "worker_ids", "started_at"):
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if not _worker_gone(worker) and (row.started_at and row.started_at > timezone.now() - stale_after):
            continue
        # Only if still RUNNING as we saw it: another worker may have recovered it meanwhile.
        recovered += DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        ).update(status=TaskResultStatus.READY, started_at=None)
    return recovered


def _worker_gone(worker_id: str) -> bool:
    host, _, rest = worker_id.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False  # not ours to judge: the age rule applies
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed worker its parent has not reaped yet is a zombie: gone too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):  # no /proc (macOS), or it went away just now
        return False
