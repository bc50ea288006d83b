"""The document fields, once: what each is called, how it is indexed, filtered, asked for and exported.

Everything that lists document fields is built from ``DOCUMENT_FIELDS``: the search parameters and
form (``reading.params``), the API's query parameters (``api.routers.documents``), the export
columns (``reading.exports`` and the CSV header), the field labels of the history, the values the
history must not repeat (``personal``), and the archive's list of fields whose changes are recorded.
Adding a field is one entry here (plus its model column and where connectors fill it).

Labels are Estonian source strings (``gettext_lazy``), translated in the ``en`` catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FilterKind(StrEnum):
    TEXT = "text"  # free text, repeatable, matched whole and case-insensitively (``?series=a&series=b``)
    CHOICE = "choice"  # one of a fixed set, repeatable
    DATES = "dates"  # a range: ``date_from`` and ``date_to``
    BASIS = "basis"  # a restriction basis citation, normalised ("AvTS § 35 lg 1 p 12"), repeatable
    FLAG = "flag"  # yes / no / either


@dataclass(frozen=True)
class Filter:
    """How a field narrows a search, on the results page, in feeds and in the API alike."""

    param: str  # the query-string key and the API parameter
    attr: str  # the SearchParams (and dokreg.search.SearchFilters) attribute
    kind: FilterKind
    label: Promise  # the form's label (may say more than the field's own label)
    help: str = ""  # the API parameter's description (English, as the OpenAPI document is)
    placeholder: Promise | str = ""
    lower: bool = False  # values compared lower-cased (file kinds)


@dataclass(frozen=True)
class DocField:
    """One thing the archive says about a document."""

    name: str  # the Document attribute (or, for ``derived`` fields, the name the read layer gives it)
    label: Promise  # as the document page labels it
    # How it goes into the Tantivy index: the raw keyword field a filter matches, and the analysed
    # field whose words find it (names from dokreg.search.schema; "" when not indexed that way).
    keyword: str = ""
    text: str = ""
    filter: Filter | None = None
    export: bool = True  # a column of every export (NDJSON, CSV, the CLI's)
    tracked: bool = True  # a change at the source is recorded as history
    # Its value may name a private person: masked like all text, and its old values are never
    # repeated in the history (a register that later hides a name must not have us republish it).
    personal: bool = False
    derived: bool = False  # not a Document column: computed by the read layer (from files, the catalogue)


def _text(param: str, attr: str, label: Promise, help: str, placeholder: Promise | str = "") -> Filter:
    return Filter(
        param=param, attr=attr, kind=FilterKind.TEXT, label=label, help=help, placeholder=placeholder
    )


DOCUMENT_FIELDS: tuple[DocField, ...] = (
    DocField(
        "registry",
        _("Dokumendiregister"),
        keyword="registry",
        text="meta",
        filter=Filter(
            "registry", "registries", FilterKind.CHOICE, _("Asutus"), "body slugs; repeat for several"
        ),
        export=False,  # every export row names its body already ("registry", "registry_name")
        tracked=False,
        derived=True,
    ),
    DocField("source_id", _("Allika tunnus"), tracked=False),
    DocField("reference", _("Viit"), keyword="ref"),
    DocField(
        "registered",
        _("Registreeritud"),
        keyword="registered",
        filter=Filter(
            "date",
            "date",
            FilterKind.DATES,
            _("Registreeritud"),
            "registered on or after / before (YYYY-MM-DD or dd.mm.yyyy)",
        ),
    ),
    DocField(
        "doc_type",
        _("Liik"),
        keyword="doc_type",
        text="type",
        filter=_text(
            "type",
            "doc_types",
            _("Dokumendi liik"),
            "document type as the register writes it; repeat for several",
            _("nt Sissetulev kiri"),
        ),
    ),
    DocField("title", _("Pealkiri"), text="title"),
    DocField(
        "function",
        _("Funktsioon"),
        keyword="function",
        text="meta",
        filter=_text("function", "functions", _("Funktsioon"), "function (repeatable)"),
    ),
    DocField(
        "series",
        _("Sari"),
        keyword="series_key",
        text="series",
        filter=_text(
            "series",
            "series",
            _("Sari"),
            "series, e.g. '1-1 Kirjavahetus' (repeatable)",
            _("nt 1-1 Kirjavahetus"),
        ),
    ),
    DocField(
        "case_file",
        _("Toimik"),
        keyword="case_file",
        text="meta",
        filter=_text("case_file", "case_files", _("Toimik"), "case file (repeatable)"),
    ),
    DocField(
        "access",
        _("Juurdepääsupiirang"),
        keyword="access",
        filter=Filter(
            "access",
            "access",
            FilterKind.CHOICE,
            _("Juurdepääs"),
            "public, on_request, ak, expired_ak (AK past its end date); repeat for several",
        ),
    ),
    DocField("access_text", _("Juurdepääsupiirang")),
    DocField(
        "restriction_basis",
        _("Juurdepääsupiirangu alus"),
        keyword="restriction",
        filter=Filter(
            "restriction",
            "restriction_bases",
            FilterKind.BASIS,
            _("Juurdepääsupiirangu alus"),
            "restriction basis, e.g. 'AvTS § 35 lg 1 p 12'; 'AvTS § 35' matches all below it",
            _("nt AvTS § 35 lg 1 p 12"),
        ),
    ),
    DocField("restriction_change_basis", _("Juurdepääsupiirangu muutmise alus")),
    DocField("restriction_begins", _("Juurdepääsupiirangu algus")),
    DocField("restriction_ends", _("Juurdepääsupiirangu lõpp"), keyword="restriction_ends"),
    DocField("sender_reference", _("Saatja/saaja viit"), keyword="ref", personal=True),
    DocField(
        "correspondent",
        _("Adressaat"),
        keyword="correspondent",
        text="party",
        filter=_text(
            "correspondent",
            "correspondents",
            _("Adressaat / saatja"),
            "addressee or sender, whole or by its words: 'Tallinna Vesi' (repeatable)",
        ),
        personal=True,
    ),
    DocField(
        "channel",
        _("Saabumis/saatmisviis"),
        keyword="channel",
        text="meta",
        filter=_text(
            "channel",
            "channels",
            _("Saabumis- või saatmisviis"),
            "arrival or sending channel (repeatable)",
            _("nt e-post"),
        ),
    ),
    DocField("responsible", _("Vastutaja"), text="meta", personal=True),
    DocField("due_date", _("Lahendamise tähtaeg")),
    DocField("sent_at", _("Välja saatmise kuupäev")),
    DocField("url", _("Originaal"), tracked=False),
    DocField("first_seen_at", _("Sünkroonitud"), tracked=False),
    DocField("last_checked_at", _("Viimati kontrollitud"), tracked=False),
    DocField("last_changed_at", _("Viimati muutunud"), tracked=False),
    DocField(
        "has_files",
        _("Avalikud failid"),
        keyword="has_files",
        filter=Filter(
            "has_files",
            "has_files",
            FilterKind.FLAG,
            _("Avalikud failid"),
            "1: with public files, 0: without",
        ),
        export=False,  # the export lists the files themselves
        tracked=False,
        derived=True,
    ),
    DocField(
        "file_kind",
        _("Faili liik"),
        keyword="file_kind",
        filter=Filter(
            "file_kind",
            "file_kinds",
            FilterKind.TEXT,
            _("Faili liik"),
            "kind of a public file: pdf, docx, … (repeatable)",
            _("nt pdf"),
            lower=True,
        ),
        export=False,
        tracked=False,
        derived=True,
    ),
)

BY_NAME = {f.name: f for f in DOCUMENT_FIELDS}
FILTERS: tuple[Filter, ...] = tuple(f.filter for f in DOCUMENT_FIELDS if f.filter is not None)
TEXT_FILTERS: tuple[Filter, ...] = tuple(f for f in FILTERS if f.kind == FilterKind.TEXT)
# Document columns whose changes at the source are recorded (archive.services.TRACKED_FIELDS).
TRACKED: tuple[str, ...] = tuple(f.name for f in DOCUMENT_FIELDS if f.tracked and not f.derived)
# Document columns every export carries, in this order.
EXPORTED: tuple[str, ...] = tuple(f.name for f in DOCUMENT_FIELDS if f.export and not f.derived)
# Fields whose old values the history never repeats.
PERSONAL: frozenset[str] = frozenset(f.name for f in DOCUMENT_FIELDS if f.personal)


def index_keyword_filters(table: tuple[DocField, ...] = DOCUMENT_FIELDS) -> tuple[tuple[str, str], ...]:
    """(SearchFilters attribute, keyword field) of each filter the index answers as "any of these
    keywords" on one raw field; access (with its expired-AK reading), dates, bases and the files flag
    have their own clauses in ``dokreg.search.filters``."""
    return tuple(
        (f.filter.attr, f.keyword)
        for f in table
        if f.filter
        and f.keyword
        and (f.filter.kind == FilterKind.TEXT or (f.filter.kind == FilterKind.CHOICE and f.name != "access"))
    )


def value_type(name: str) -> Any:
    """The type of a column's value as the API's typed schemas declare it (read from the model)."""
    from django.db import models

    from dokreg.archive.models import Document

    column = Document._meta.get_field(name)
    if isinstance(column, models.DateTimeField):
        return datetime | None
    if isinstance(column, models.DateField):
        return date | None
    return str


def label(name: str) -> str:
    """The field's label in the active language; an unknown name is shown as it is."""
    field = BY_NAME.get(name)
    return str(field.label) if field else name
