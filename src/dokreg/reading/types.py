"""What the read layer hands out: frozen values, every text already masked, no model instances.

Only ``reading`` builds these (``reading.build``), and only from publishable rows, so a template or an
API router holding one can neither reach a hidden row through a relation (``doc.files.all``) nor print
an unmasked personal code. Attribute names follow the model's where they mean the same, so templates
read ``doc.reference`` or ``doc.registry.slug`` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString

from dokreg.reading.rule import files_public as _files_public


@dataclass(frozen=True)
class RegistryRef:
    """The body a document belongs to, as a link needs it."""

    slug: str
    name: str


@dataclass(frozen=True)
class MatterRef:
    pk: int
    root: str


@dataclass(frozen=True)
class DocumentCard:
    """A document in a list: results, feeds, browse pages, matters, the API's items."""

    pk: int
    registry: RegistryRef
    reference: str
    registered: date | None
    doc_type: str
    title: str
    access: str
    source_url: str  # the register's page, http(s) only ("" otherwise)
    first_seen_at: datetime | None
    last_changed_at: datetime | None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def files_public(self) -> bool:
        return _files_public(self.access)


@dataclass(frozen=True)
class BasisView:
    text: str
    law: str
    section: str
    subsection: str
    point: str


class _FieldValues:
    """Fields of the field table read as attributes (``doc.case_file``) from the ``values`` mapping."""

    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: a table field such as ``doc.case_file``.
        if name.startswith("_") or name == "values":
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None


@dataclass(frozen=True)
class FieldRow:
    """A row of the document page's table of fields (``dokreg.fields.PAGE_ROWS``)."""

    label: Promise  # translated as the page renders it
    value: Any  # masked text, a date, or the register's http(s) address
    cell: str  # dokreg.fields.Cell, or "date"


@dataclass(frozen=True)
class DocumentDetail(_FieldValues, DocumentCard):
    """Every field of ``dokreg.fields`` (as ``values`` and as attributes), the page's rows of them, its
    matter and bases."""

    values: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[FieldRow, ...] = ()
    matter: MatterRef | None = None
    bases: tuple[BasisView, ...] = ()
    access_label: str = ""

    @property
    def matter_id(self) -> int | None:
        return self.matter.pk if self.matter else None


@dataclass(frozen=True)
class FileFacts:
    """A public file as a link and a line of metadata need it."""

    pk: int
    name: str
    kind: str
    size: int | None
    extract_state: str
    sha256: str
    parent_id: int | None


@dataclass(frozen=True)
class SignatureView:
    # The signer's personal code is deliberately not here: it never reaches a page or the API.
    signer_name: str
    role: str
    signed_at: datetime | None
    profile: str
    value_valid: bool | None
    digests_valid: bool | None


@dataclass(frozen=True)
class FileView:
    file: FileFacts
    signatures: tuple[SignatureView, ...] = ()
    children: tuple[FileView, ...] = ()
    pages: tuple[tuple[int, str], ...] = ()
    text: str = ""
    text_cut: bool = False
    # The original bytes hold a personal code (its own text or name, or a file inside it): not served.
    original_withheld: bool = False


@dataclass(frozen=True)
class RelationView:
    kind: str
    reference: str
    title: str
    doc_type: str
    target_id: int | None


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str = ""
    after: str = ""
    values_shown: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # the kind as the page says it ("andmed muutusid")
    code: str  # DocumentVersion.Kind value, for the API
    seen_at: datetime
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class MatterView:
    pk: int
    root: str
    registry: RegistryRef


@dataclass(frozen=True)
class ResultRow:
    document: DocumentCard
    snippet: SafeString | str = ""
    file_name: str | None = None  # the public file the snippet quotes, and its page
    page: int | None = None
    file_url: str = ""  # that file's download, at that page (reading.snippet_files)


@dataclass(frozen=True)
class ListedDocument(_FieldValues):
    """A document in a downloaded result list (``reading.result_export``): only what travels, the
    field table's ``listed`` columns (as ``values`` and as attributes; ``url`` http(s) only)."""

    pk: int
    registry: RegistryRef
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SitemapEntry:
    pk: int
    lastmod: datetime | None


@dataclass(frozen=True)
class RegistryView:
    """A body of the catalogue as pages and the API show it (the register's own texts masked)."""

    pk: int
    slug: str
    name: str
    family: str
    family_label: str
    base_url: str  # http(s) only
    state: str
    state_reason: str
    covered: bool
    document_count: int  # denormalised: counts hidden documents too, so only shown as a rough size
    newest_registered: date | None
    last_sync_finished_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None

    def get_family_display(self) -> str:
        # The model's spelling, so the body pages' templates read the view as they read the row.
        return self.family_label
