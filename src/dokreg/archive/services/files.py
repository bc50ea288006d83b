"""Writes of files: downloaded bytes, extraction results (text, signatures, nested children) and failures.

The pipeline's file stages decide what to do; every row they change is changed here.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from dokreg.archive.models import Document, File, Signature
from dokreg.archive.selectors import FILE_ACCESS_WITHHELD
from dokreg.archive.services.problems import problem_record
from dokreg.archive.storage import blob_put
from dokreg.archive.text import xml_safe_all
from dokreg.errors import DokregError
from dokreg.extract.limits import limits_from_settings
from dokreg.extract.types import Extraction
from dokreg.registries.models import Registry
from dokreg.transactions import retried_atomic

log = logging.getLogger("dokreg.pipeline.files")

# Children beyond this depth are listed but not extracted (containers inside containers inside …).
MAX_DEPTH = 5


def files_withheld_mark(*, document: Document) -> int:
    """A file the register itself marks restricted (RMK, Riigikogu list them) is never asked for."""
    return (
        document.files.filter(parent=None, download_state=File.Download.PENDING)
        .filter(Q(access__in=FILE_ACCESS_WITHHELD) | Q(url=""))
        .update(download_state=File.Download.WITHHELD)
    )


def file_store_bytes(*, file: File, data: bytes) -> None:
    blob = blob_put(data)
    File.objects.filter(pk=file.pk).update(
        blob=blob, size=len(data), download_state=File.Download.OK, error_code="", error_message=""
    )
    file.blob, file.size, file.download_state = blob, len(data), File.Download.OK


def file_ocr_done(*, file: File) -> None:
    """The OCR pass gave nothing better: the file stops waiting for it and keeps its quick-pass text."""
    File.objects.filter(pk=file.pk).update(ocr_pending=False)


def file_unsupported(*, file: File, code: str, message: str) -> None:
    File.objects.filter(pk=file.pk).update(
        extract_state=File.Extract.UNSUPPORTED,
        error_code=code,
        error_message=message[:4000],
        extracted_at=timezone.now(),
    )


def file_failed(*, file: File, stage: str, error: Exception, state_field: str, state: str) -> None:
    """A download or extraction failed: the state, code and message on the file, and a Problem."""
    code = error.code if isinstance(error, DokregError) else "internal"
    message = error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}"
    File.objects.filter(pk=file.pk).update(
        **{state_field: state}, error_code=code, error_message=message[:4000], attempts=file.attempts + 1
    )
    file_problem_record(file=file, stage=stage, error=error)


def file_problem_record(*, file: File, stage: str, error: Exception) -> None:
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


def extraction_copy(*, source: File, target: File) -> None:
    """Identical bytes are extracted once: the target takes the source's finished extraction."""
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
    _redactions_reapply(target.document_id)


@retried_atomic
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
    _redactions_reapply(file.document_id)
    Document.objects.filter(pk=file.document_id).update(index_dirty=True)


def _redactions_reapply(document_id: int) -> None:
    """A redacted name must not come back with a new extraction of the document's files."""
    from dokreg.review.redaction import files_reapply  # review builds on archive: imported late

    files_reapply(document_id=document_id)


def _depth(file: File) -> int:
    depth, parent_id = 1, file.parent_id
    while parent_id is not None:
        depth += 1
        parent_id = File.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return depth


def files_extract_retry(*, registry: Registry | None = None) -> None:
    """Failed extractions wait again (failed downloads are asked again as they are)."""
    failed = File.objects.filter(extract_state=File.Extract.FAILED)
    if registry is not None:
        failed = failed.filter(document__registry=registry)
    failed.update(extract_state=File.Extract.PENDING)


def files_extract_reset(*, extractor: str, registry: Registry | None = None) -> None:
    """Every file one extractor read waits to be read again (after the extractor improved)."""
    files = File.objects.filter(extractor=extractor, download_state=File.Download.OK)
    if registry is not None:
        files = files.filter(document__registry=registry)
    files.update(extract_state=File.Extract.PENDING)
