"""The pipeline's stages as background tasks, for `dokreg worker` processes to share.

Stage order lives here: a day's sync enqueues the file work of the documents it touched, and
the file work enqueues indexing. Each task takes ids, loads the rows and calls one service, so a
task retried after a crash redoes nothing that already happened. With the default ("immediate")
backend these run in the calling process; with DOKREG_TASKS=database they are queued in the
database and any number of workers (on PostgreSQL, on several machines) pick them up.
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from dokreg.archive.models import Document
from dokreg.registries.models import Registry


@task(queue_name="sync")
def sync_day_task(registry_id: int, day: str, refresh: bool = False) -> dict:
    from dokreg.pipeline.sync import SyncReport, day_sync, registry_connector

    registry = Registry.objects.get(pk=registry_id)
    report = SyncReport()
    touched = day_sync(
        registry=registry,
        connector=registry_connector(registry),
        day=date.fromisoformat(day),
        refresh=refresh,
        report=report,
    )
    for document_id in touched:
        files_task.enqueue(document_id)
    index_task.enqueue()
    return {"day": day, "listed": report.listed, "new": report.new, "failed": report.failed}


@task(queue_name="extract")
def files_task(document_id: int) -> int:
    from dokreg.pipeline.files import document_files_download, document_files_extract
    from dokreg.pipeline.sync import registry_connector

    document = Document.objects.select_related("registry").get(pk=document_id)
    document_files_download(document=document, connector=registry_connector(document.registry))
    extracted = document_files_extract(document=document)
    index_task.enqueue()
    for file_id in document.files.filter(ocr_pending=True).values_list("pk", flat=True):
        ocr_task.enqueue(file_id)
    return extracted


@task(queue_name="ocr")
def ocr_task(file_id: int) -> None:
    from dokreg.archive.models import File
    from dokreg.pipeline.files import file_ocr

    file = File.objects.select_related("document").filter(pk=file_id, ocr_pending=True).first()
    if file is not None:
        file_ocr(file=file)
        index_task.enqueue()


@task(queue_name="index")
def index_task() -> int:
    from dokreg.pipeline.indexing import index_pending

    return index_pending()


def sync_enqueue(*, registry: Registry, days: list[date], refresh: bool = False) -> int:
    for day in days:
        sync_day_task.enqueue(registry.pk, day.isoformat(), refresh)
    return len(days)
