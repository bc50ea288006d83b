"""The file stages: download a public document's files, then extract them (and their children).

A failure is stored on the file (state, code, message) and as a Problem, and the stage goes on
with the next file: one broken file never stops a sync.
"""

from __future__ import annotations

from dataclasses import replace

from dokreg.archive.models import Access, Document, File
from dokreg.archive.services import (
    extraction_copy,
    extraction_store,
    file_failed,
    file_ocr_done,
    file_problem_record,
    file_store_bytes,
    file_unsupported,
    files_withheld_mark,
)
from dokreg.archive.storage import blob_read
from dokreg.errors import SourcePaused, Unsupported
from dokreg.extract.limits import limits_from_settings
from dokreg.extract.types import Extraction
from dokreg.registries.connectors.base import Connector
from dokreg.registries.types import FileRef

# ``extraction_store`` and ``file_store_bytes`` are archive writes; they are named here too because
# the stages are where callers look for them.
__all__ = ["extraction_store", "file_store_bytes"]


def document_files_download(*, document: Document, connector: Connector) -> int:
    """Download the pending files of a public document; returns how many arrived."""
    if document.access != Access.PUBLIC:
        return 0
    files_withheld_mark(document=document)
    done = 0
    for file in document.files.filter(
        parent=None, download_state__in=[File.Download.PENDING, File.Download.FAILED]
    ):
        ref = FileRef(
            ordinal=file.ordinal,
            name=file.name,
            url=file.url,
            source_file_id=file.source_file_id,
            access=file.access,
        )
        try:
            data = connector.download(ref)
        except SourcePaused:
            raise  # the whole source stops, not just this file
        except Exception as error:  # noqa: BLE001 — recorded on the file; the sync goes on
            file_failed(
                file=file,
                stage="download",
                error=error,
                state_field="download_state",
                state=File.Download.FAILED,
            )
            continue
        file_store_bytes(file=file, data=data)
        done += 1
    return done


def document_files_extract(*, document: Document, isolate: bool = True) -> int:
    """Extract every downloaded, not yet extracted file of a document, children included."""
    count = 0
    while True:
        pending = list(
            document.files.filter(download_state=File.Download.OK, extract_state=File.Extract.PENDING)
        )
        if not pending:
            return count
        for file in pending:
            file_extract(file=file, isolate=isolate)
            count += 1


def file_extract(*, file: File, isolate: bool = True) -> None:
    """The quick pass: text layers, containers, office files. Pages that need OCR wait for ``file_ocr``."""
    reuse = _same_bytes_extracted(file)
    if reuse is not None:
        extraction_copy(source=reuse, target=file)
        return
    extraction = _extract(file, limits=replace(limits_from_settings(), ocr=False), isolate=isolate)
    if extraction is not None:
        extraction_store(file=file, extraction=extraction, ocr_pending=_needs_ocr(extraction))


def file_ocr(*, file: File, isolate: bool = True) -> None:
    """The OCR pass over a file whose quick pass found pages without a text layer."""
    limits = replace(limits_from_settings(), ocr=True, seconds=600, ocr_seconds=540, max_ocr_pages=200)
    extraction = _extract(file, limits=limits, isolate=isolate, keep_on_failure=True)
    if extraction is None:
        file_ocr_done(file=file)
        return
    extraction_store(file=file, extraction=extraction, ocr_pending=False)


def files_ocr_pending(*, registry=None, progress=None, isolate: bool = True) -> int:
    """Run the OCR pass over every file waiting for it; returns how many were read."""
    files = File.objects.filter(ocr_pending=True, download_state=File.Download.OK).select_related("document")
    if registry is not None:
        files = files.filter(document__registry=registry)
    done = 0
    for file in files.iterator(chunk_size=50):
        file_ocr(file=file, isolate=isolate)
        done += 1
        if progress:
            progress(1)
    return done


def _needs_ocr(extraction: Extraction) -> bool:
    return bool(dict(extraction.metadata).get("needs_ocr"))


def _extract(file: File, *, limits, isolate: bool, keep_on_failure: bool = False) -> Extraction | None:
    """Run the extractors; a failure is recorded on the file (unless an earlier result is kept) and as a Problem."""
    from dokreg.extract.runner import extract_bytes

    try:
        return extract_bytes(blob_read(file.blob_id), file.name, limits=limits, isolate=isolate)
    except Unsupported as error:
        if not keep_on_failure:
            file_unsupported(file=file, code=error.code, message=error.message)
    except Exception as error:  # noqa: BLE001 — recorded; the stage goes on
        if keep_on_failure:
            file_problem_record(file=file, stage="extract", error=error)
        else:
            file_failed(
                file=file,
                stage="extract",
                error=error,
                state_field="extract_state",
                state=File.Extract.FAILED,
            )
    return None


def _same_bytes_extracted(file: File) -> File | None:
    """Identical bytes are extracted once: reuse a finished extraction of the same blob (not containers)."""
    return (
        File.objects.filter(blob_id=file.blob_id, extract_state=File.Extract.OK, children__isnull=True)
        .exclude(pk=file.pk)
        .exclude(kind__in=CONTAINER_KINDS)
        .first()
    )


CONTAINER_KINDS = ("asice", "bdoc", "ddoc", "zip", "eml", "msg")
