"""What the API answers, as typed schemas: they are also the OpenAPI document clients read."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import create_model

from dokreg.fields import EXPORTED, value_type


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorBody


class DocumentItem(Schema):
    id: int
    registry: str
    registry_name: str
    reference: str
    registered: date | None
    type: str
    title: str
    access: str
    # False for AK and on-request documents: their files are never served, mirrors should drop them.
    files_public: bool
    url: str
    source_url: str
    snippet: str | None = None


class FacetOut(Schema):
    value: str  # what the filter parameter takes (registry slug, type as written, year, access value)
    label: str
    count: int
    selected: bool


class DocumentList(Schema):
    total: int
    # False when ``total`` is a lower bound: more documents match ("more than total"); counts past
    # a bound are not taken, so a search that matches most of the archive stays cheap.
    total_exact: bool = True
    items: list[DocumentItem]
    next_cursor: str | None
    # registry, doc_type, year, access, series → counts for the same query and filters, each facet
    # counted without its own filter (multi-select); only documents the public may see are counted.
    facets: dict[str, list[FacetOut]] = {}
    # "Did you mean": the query with doubtful words replaced by the nearest ones the index knows, when a
    # search with words finds nothing or little (the results page's "Kas mõtlesite"); else null.
    corrected: str | None = None
    # 0 when the facets counted every match; else how many of the newest matches they counted.
    facet_sample: int = 0


class BasisOut(Schema):
    text: str
    law: str
    section: str
    subsection: str
    point: str


class SignatureOut(Schema):
    signer_name: str
    role: str
    signed_at: datetime | None
    profile: str
    value_valid: bool | None
    digests_valid: bool | None


class PageOut(Schema):
    number: int
    text: str


class FileOut(Schema):
    id: int
    parent: int | None
    name: str
    size: int | None
    kind: str
    sha256: str | None
    download_url: str
    extract_state: str
    text: str
    pages: list[PageOut]
    text_truncated: bool
    signatures: list[SignatureOut]


class RelationOut(Schema):
    kind: str
    reference: str
    title: str
    type: str
    document_id: int | None
    url: str | None


class MatterRef(Schema):
    id: int
    root: str
    url: str
    documents: list[DocumentItem]


class FieldChangeOut(Schema):
    field: str
    # Present only where showing them leaks nothing: public documents, and never for names of people.
    before: str | None = None
    after: str | None = None


class HistoryOut(Schema):
    kind: str
    seen_at: datetime
    changes: list[FieldChangeOut]


class _DocumentDetailBase(DocumentItem):
    bases: list[BasisOut]
    file_count: int
    withheld_file_count: int
    files: list[FileOut]
    relations: list[RelationOut]
    matter: MatterRef | None
    same_correspondence: list[DocumentItem]
    history: list[HistoryOut]


# Every export column of the field table that the item does not already carry (``doc_type`` is the
# item's ``type``), typed as its column is: a field added to the table is in the detail and its schema.
DocumentDetail = create_model(
    "DocumentDetail",
    __base__=_DocumentDetailBase,
    **{
        name: (value_type(name), ...)
        for name in EXPORTED
        if name != "doc_type" and name not in DocumentItem.model_fields
    },
)


class RegistryOut(Schema):
    slug: str
    name: str
    family: str
    state: str
    covered: bool
    source_url: str
    url: str
    documents: int
    newest_registered: date | None
    last_sync_finished_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None


class MonthOut(Schema):
    month: date
    documents: int
    ak: int


class RegistryDetail(RegistryOut):
    ak: int
    months: list[MonthOut]
    export_ndjson: str
    export_csv: str
    feed: str


class MatterOut(Schema):
    id: int
    registry: str
    root: str
    documents: list[DocumentItem]


class ChangeOut(Schema):
    id: int
    hidden: bool
    # Absent on tombstones: a hidden document's content is never sent, only that it is gone.
    document: DocumentItem | None = None


class ChangeList(Schema):
    items: list[ChangeOut]
    next_cursor: str
    has_more: bool
