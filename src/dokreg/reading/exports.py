"""Bulk export: one JSON object per document, through the publication rule.

File text is not exported, only its length (the text is reachable per document); files of
non-public documents are counted but not described.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import F

from dokreg.archive.models import Access
from dokreg.fields import EXPORTED
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading.rule import publishable_documents, publishable_files
from dokreg.reading.types import RegistryView

# What the register says of a document, framed by its address and by when the archive saw it: the
# field table's export columns, in its order.
DOCUMENT_FIELDS = EXPORTED
# The CSV's fixed header: the body, every export column, then files as a count and a text length.
CSV_COLUMNS = ("registry", *EXPORTED, "matter", "file_count", "text_length")


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def export_documents(*, registry: RegistryView, year: int | None = None, chunk: int = 500) -> Iterator[dict]:
    documents = (
        publishable_documents()
        .filter(registry_id=registry.pk)
        .select_related("matter")
        .prefetch_related("bases", "relations")
        .order_by("registered", "pk")
    )
    if year is not None:
        documents = documents.filter(registered__year=year)
    for document in documents.iterator(chunk_size=chunk):
        row = {"registry": registry.slug, "registry_name": registry.name}
        row.update({name: _plain(getattr(document, name)) for name in DOCUMENT_FIELDS})
        row["matter"] = document.matter.root if document.matter else None
        row["bases"] = [
            {"text": b.text, "law": b.law, "section": b.section, "subsection": b.subsection, "point": b.point}
            for b in document.bases.all()
        ]
        row["relations"] = [
            {
                "kind": r.kind,
                "reference": r.reference,
                "title": r.title,
                "doc_type": r.doc_type,
                "source_id": r.target_source_id,
            }
            for r in document.relations.all()
        ]
        row["files"] = _files(document)
        # Every export (CLI and HTTP) is public output: no personal code in any string of it.
        yield masked_deep(row)


def masked_deep(value):
    """``value`` with personal codes masked in every string, however deep in dicts and lists."""
    if isinstance(value, str):
        return mask_personal_codes(value)
    if isinstance(value, dict):
        # A content address is a hash, not text: masking a chance match would corrupt it.
        return {key: item if key == "sha256" else masked_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked_deep(item) for item in value]
    return value


def _files(document) -> list[dict]:
    if document.access != Access.PUBLIC:
        return []
    files = (
        publishable_files()
        .filter(document=document)
        .order_by(F("parent_id").asc(nulls_first=True), "ordinal")
    )
    return [
        {
            "name": f.name,
            "size": f.size,
            "kind": f.kind,
            "parent": f.parent_id and f.parent.name,
            "sha256": f.blob_id,
            "extract_state": f.extract_state,
            "text_length": len(f.text),
            "signatures": [
                {
                    "signer": s.signer_name,
                    "signed_at": _plain(s.signed_at),
                    "profile": s.profile,
                    "value_valid": s.value_valid,
                    "digests_valid": s.digests_valid,
                }
                for s in f.signatures.all()
            ],
        }
        for f in files.select_related("parent")
    ]
