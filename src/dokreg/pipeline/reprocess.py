"""Re-run stages over what is stored, without touching the sources (`dokreg reprocess`)."""

from __future__ import annotations

from collections import Counter

from dokreg.archive.models import Capture, Document, File
from dokreg.archive.services import (
    capture_body,
    document_upsert,
    files_extract_reset,
    files_extract_retry,
    problem_record,
)
from dokreg.pipeline.files import document_files_download, document_files_extract, files_ocr_pending
from dokreg.pipeline.indexing import index_pending
from dokreg.pipeline.sync import registry_connector
from dokreg.registries.models import Registry
from dokreg.registries.types import RawCapture


def captures_reparse(*, registry: Registry | None = None) -> dict[str, int]:
    """Parse every stored capture again with today's parser; changes become versions as in a sync."""
    counts: Counter = Counter()
    registries = [registry] if registry else list(Registry.objects.exclude(state=Registry.State.NOT_COVERED))
    for reg in registries:
        connector = registry_connector(reg)
        for capture in Capture.objects.filter(registry=reg).iterator(chunk_size=200):
            raw = RawCapture(
                url=capture.url,
                status=capture.status,
                body=capture_body(capture),
                content_type=capture.content_type,
                fetched_at=capture.fetched_at,
                source_id=capture.source_id,
            )
            try:
                entry = connector.parse(raw)
            except Exception as error:  # noqa: BLE001 — recorded; the run goes on
                problem_record(registry=reg, stage="parse", subject=capture.url, error=error)
                counts["failed"] += 1
                continue
            # The capture is already stored: pass raw=None so reprocessing never rewrites it.
            outcome = document_upsert(registry=reg, entry=entry, raw=None, seen_at=capture.fetched_at)
            counts[outcome.kind] += 1
    index_pending()
    return dict(counts)


def files_retry(*, registry: Registry | None = None) -> int:
    """Retry every failed download and extraction."""
    failed = File.objects.filter(download_state=File.Download.FAILED) | File.objects.filter(
        extract_state=File.Extract.FAILED
    )
    if registry:
        failed = failed.filter(document__registry=registry)
    document_ids = set(failed.values_list("document_id", flat=True))
    files_extract_retry(registry=registry)
    for document in Document.objects.filter(pk__in=document_ids).select_related("registry"):
        document_files_download(document=document, connector=registry_connector(document.registry))
        document_files_extract(document=document)
    index_pending()
    return len(document_ids)


def files_reextract(*, extractor: str, registry: Registry | None = None) -> int:
    """Redo one extractor's work over the whole archive (after it improved): `dokreg reprocess --extractor pdf`."""
    files = File.objects.filter(extractor=extractor, download_state=File.Download.OK)
    if registry:
        files = files.filter(document__registry=registry)
    document_ids = set(files.values_list("document_id", flat=True))
    files_extract_reset(extractor=extractor, registry=registry)
    for document in Document.objects.filter(pk__in=document_ids):
        document_files_extract(document=document)
    files_ocr_pending(registry=registry)
    index_pending()
    return len(document_ids)
