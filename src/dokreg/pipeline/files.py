"""The file stages: download a public document's files, then extract them (and their children).

A failure is stored on the file (state, code, message) and as a Problem, and the stage goes on
with the next file: one broken file never stops a sync.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dokreg.archive.models import Access, Document, File, Signature
from dokreg.archive.services import problem_record
from dokreg.archive.storage import blob_put, blob_read
from dokreg.archive.text import xml_safe_all
from dokreg.errors import DokregError, SourcePaused, Unsupported
from dokreg.extract.limits import limits_from_settings
from dokreg.extract.types import Extraction
from dokreg.reading.rule import FILE_ACCESS_WITHHELD
from dokreg.registries.connectors.base import Connector
from dokreg.registries.types import FileRef

log = logging.getLogger(__name__)

# Children beyond this depth are listed but not extracted (containers inside containers inside …).
MAX_DEPTH = 5


def document_files_download(*, document: Document, connector: Connector) -> int:
    """Download the pending files of a public document; returns how many arrived."""
    if document.access != Access.PUBLIC:
        return 0
    # A file the register itself marks restricted (RMK, Riigikogu list them) is never asked for.
    document.files.filter(parent=None, download_state=File.Download.PENDING).filter(
        Q(access__in=FILE_ACCESS_WITHHELD) | Q(url="")
    ).update(download_state=File.Download.WITHHELD)
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
            _file_failed(file, "download", error, state_field="download_state", state=File.Download.FAILED)
            continue
        file_store_bytes(file=file, data=data)
        done += 1
    return done


def file_store_bytes(*, file: File, data: bytes) -> None:
    blob = blob_put(data)
    File.objects.filter(pk=file.pk).update(
        blob=blob, size=len(data), download_state=File.Download.OK, error_code="", error_message=""
    )
    file.blob, file.size, file.download_state = blob, len(data), File.Download.OK


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
        _extraction_copy(source=reuse, target=file)
        return
    extraction = _extract(file, limits=replace(limits_from_settings(), ocr=False), isolate=isolate)
    if extraction is not None:
        extraction_store(file=file, extraction=extraction, ocr_pending=_needs_ocr(extraction))


def file_ocr(*, file: File, isolate: bool = True) -> None:
    """The OCR pass over a file whose quick pass found pages without a text layer."""
    limits = replace(limits_from_settings(), ocr=True, seconds=600, ocr_seconds=540, max_ocr_pages=200)
    extraction = _extract(file, limits=limits, isolate=isolate, keep_on_failure=True)
    if extraction is None:
        File.objects.filter(pk=file.pk).update(ocr_pending=False)
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
            File.objects.filter(pk=file.pk).update(
                extract_state=File.Extract.UNSUPPORTED,
                error_code=error.code,
                error_message=error.message[:4000],
                extracted_at=timezone.now(),
            )
    except Exception as error:  # noqa: BLE001 — recorded; the stage goes on
        if keep_on_failure:
            _problem(file, "extract", error)
        else:
            _file_failed(file, "extract", error, state_field="extract_state", state=File.Extract.FAILED)
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


def _extraction_copy(*, source: File, target: File) -> None:
    File.objects.filter(pk=target.pk).update(
        kind=source.kind,
        text=source.text,
        pages=source.pages,
        metadata=source.metadata,
        warnings=source.warnings,
        extractor=source.extractor,
        extractor_version=source.extractor_version,
        extract_state=File.Extract.OK,
        error_code="",
        error_message="",
        extracted_at=timezone.now(),
        ocr_pending=source.ocr_pending,
    )


@transaction.atomic
def extraction_store(*, file: File, extraction: Extraction, ocr_pending: bool = False) -> None:
    # Text, pages, metadata, signer names, child names: whatever the file held, stored XML-safe.
    extraction = xml_safe_all(extraction)
    File.objects.filter(pk=file.pk).update(
        kind=extraction.kind,
        text=extraction.text,
        pages=[{"number": p.number, "text": p.text} for p in extraction.pages],
        metadata=[list(pair) for pair in extraction.metadata],
        warnings=list(extraction.warnings),
        extractor=extraction.kind,
        extractor_version=extraction.version,
        extract_state=File.Extract.OK,
        error_code="",
        error_message="",
        extracted_at=timezone.now(),
        ocr_pending=ocr_pending,
    )
    file.signatures.all().delete()
    Signature.objects.bulk_create(
        Signature(
            file=file,
            signer_name=s.signer_name,
            personal_code=s.personal_code,
            role=s.role,
            country=s.country,
            issuer=s.issuer,
            signed_at=s.signed_at,
            profile=s.profile,
            value_valid=s.value_valid,
            digests_valid=s.digests_valid,
            note=s.note,
        )
        for s in extraction.signatures
    )
    file.children.all().delete()
    depth = _depth(file)
    room = limits_from_settings().max_tree_files - File.objects.filter(document_id=file.document_id).count()
    if len(extraction.children) > room:
        # A nested-archive bomb is thousands of harmless files: keep the document's tree bounded.
        File.objects.filter(pk=file.pk).update(
            warnings=[
                *extraction.warnings,
                f"{len(extraction.children) - max(room, 0)} nested files not stored: "
                f"more than {limits_from_settings().max_tree_files} files in one document",
            ]
        )
    for ordinal, child in enumerate(extraction.children[: max(room, 0)], start=1):
        blob = blob_put(child.data)
        File.objects.create(
            document_id=file.document_id,
            parent=file,
            ordinal=ordinal,
            name=child.name,
            blob=blob,
            size=len(child.data),
            download_state=File.Download.OK,
            extract_state=File.Extract.PENDING if depth < MAX_DEPTH else File.Extract.UNSUPPORTED,
            error_message=""
            if depth < MAX_DEPTH
            else f"nested deeper than {MAX_DEPTH} levels: not extracted",
        )
    Document.objects.filter(pk=file.document_id).update(index_dirty=True)


def _depth(file: File) -> int:
    depth, parent_id = 1, file.parent_id
    while parent_id is not None:
        depth += 1
        parent_id = File.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return depth


def _file_failed(file: File, stage: str, error: Exception, *, state_field: str, state: str) -> None:
    code = error.code if isinstance(error, DokregError) else "internal"
    message = error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}"
    File.objects.filter(pk=file.pk).update(
        **{state_field: state}, error_code=code, error_message=message[:4000], attempts=file.attempts + 1
    )
    _problem(file, stage, error)


def _problem(file: File, stage: str, error: Exception) -> None:
    message = error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}"
    log.warning("%s of file %s (%s) failed: %s", stage, file.pk, file.name, message)
    document = file.document
    problem_record(
        registry=document.registry,
        stage=stage,
        subject=file.url or file.name,
        error=error,
        document=document,
        file=file,
    )
