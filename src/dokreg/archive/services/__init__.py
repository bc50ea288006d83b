"""Writes to the archive. Every row of an archive table is created, changed or deleted here (and in
``archive.storage`` for blobs); the pipeline decides *when*, these functions decide *how*.

One module per kind of row; import from the package: ``from dokreg.archive.services import document_upsert``.
Reads go through ``archive.selectors``, which imports nothing from here.
"""

from dokreg.archive.services.documents import (
    UpsertOutcome,
    capture_body,
    document_checked,
    document_fetch_failed,
    document_listed,
    document_take_down,
    document_take_down_undo,
    document_upsert,
    document_withdrawn,
    documents_index_all_dirty,
    documents_index_resume,
    documents_index_taken,
    documents_indexed,
    documents_listed,
    files_withhold,
    registry_counts_refresh,
)
from dokreg.archive.services.files import (
    MAX_DEPTH,
    extraction_copy,
    extraction_store,
    file_failed,
    file_ocr_done,
    file_problem_record,
    file_store_bytes,
    file_unsupported,
    files_extract_reset,
    files_extract_retry,
    files_withheld_mark,
)
from dokreg.archive.services.problems import problem_record, problems_resolve
from dokreg.archive.services.syncs import sync_day_failed, sync_day_record, sync_range_record, sync_writes
from dokreg.archive.versions import TRACKED_FIELDS

__all__ = [
    "MAX_DEPTH",
    "TRACKED_FIELDS",
    "UpsertOutcome",
    "capture_body",
    "document_checked",
    "document_fetch_failed",
    "document_listed",
    "document_take_down",
    "document_take_down_undo",
    "document_upsert",
    "document_withdrawn",
    "documents_index_all_dirty",
    "documents_index_resume",
    "documents_index_taken",
    "documents_indexed",
    "documents_listed",
    "extraction_copy",
    "extraction_store",
    "file_failed",
    "file_ocr_done",
    "file_problem_record",
    "file_store_bytes",
    "file_unsupported",
    "files_extract_reset",
    "files_extract_retry",
    "files_withheld_mark",
    "files_withhold",
    "problem_record",
    "problems_resolve",
    "registry_counts_refresh",
    "sync_day_failed",
    "sync_day_record",
    "sync_range_record",
    "sync_writes",
]
