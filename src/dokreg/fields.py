"""The document fields, once: what each is called, how it is indexed, filtered, asked for, shown and exported.

Everything that lists document fields is built from ``DOCUMENT_FIELDS``: the search index's keyword
and analysed fields and what the writer puts in them (``search.schema``, ``search.types.IndexDoc``,
``search.writer``), the index's filters (``search.types.SearchFilters``, ``search.filters``), the
columns the index stage reads (``pipeline.indexing``), the search parameters and form
(``reading.params``), the API's query parameters (``api.routers.documents``), the document page's
rows (``reading.build``), the export columns (``reading.exports`` and the CSV header, and the result
list's in ``reading.result_export``), the field labels of the history, the values the history must
not repeat (``personal``), the archive's list of fields whose changes are recorded, and the columns a
redaction rewrites (``review.redaction``: every text field here, and the model's other text columns
but a commented few). Adding a field is one entry here (plus its model column and where connectors
fill it).

It sits below every layer (it imports nothing of dokreg): the archive, the index, the pipeline and
the read layer all read it, and none of them has to import another to learn the fields.

Labels are Estonian source strings (``gettext_lazy``), translated in the ``en`` catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Shown(StrEnum):
    """Whether the document page has a row for the field."""

    NO = ""
    ALWAYS = "always"  # a row even when empty: readers know these rows from the earlier aggregator
    IF_SET = "if_set"  # a row only when the register gave a value


class Cell(StrEnum):
    """How the document page shows a value beyond plain text (dates are told by the model column)."""

    TEXT = "text"
    REF = "ref"  # a reference: kept on one line, in the reference style
    LINK = "link"  # the register's page, opened in a new window
    REGISTRY = "registry"  # the body's name, linking to its page in the archive


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
    # The document page: whether it has a row, how the value looks, and the row it follows when that
    # is not the one before it in this table.
    shown: Shown = Shown.IF_SET
    cell: Cell = Cell.TEXT
    shown_after: str = ""
    # Its column in a downloaded result list (``reading.result_export``), by this number; 0: not there.
    listed: int = 0


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
        shown=Shown.ALWAYS,
        cell=Cell.REGISTRY,
    ),
    DocField("source_id", _("Allika tunnus"), tracked=False, shown=Shown.NO),
    DocField("reference", _("Viit"), keyword="ref", shown=Shown.ALWAYS, cell=Cell.REF, listed=1),
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
        shown=Shown.ALWAYS,
        listed=2,
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
        shown=Shown.ALWAYS,
        listed=3,
    ),
    DocField("title", _("Pealkiri"), text="title", shown=Shown.NO, listed=4),  # the page's heading
    DocField(
        "function",
        _("Funktsioon"),
        keyword="function",
        text="meta",
        filter=_text("function", "functions", _("Funktsioon"), "function (repeatable)"),
        shown=Shown.ALWAYS,
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
        shown=Shown.ALWAYS,
    ),
    DocField(
        "case_file",
        _("Toimik"),
        keyword="case_file",
        text="meta",
        filter=_text("case_file", "case_files", _("Toimik"), "case file (repeatable)"),
        shown=Shown.ALWAYS,
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
        shown=Shown.ALWAYS,  # in the register's words (access_text) when it gave them
        listed=6,
    ),
    DocField("access_text", _("Juurdepääsupiirang"), shown=Shown.NO),
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
        shown=Shown.ALWAYS,
    ),
    DocField("restriction_change_basis", _("Juurdepääsupiirangu muutmise alus")),
    DocField("restriction_begins", _("Juurdepääsupiirangu algus")),
    DocField("restriction_ends", _("Juurdepääsupiirangu lõpp"), keyword="restriction_ends"),
    DocField("sender_reference", _("Saatja/saaja viit"), keyword="ref", personal=True, cell=Cell.REF),
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
        shown=Shown.ALWAYS,
        listed=5,
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
        shown=Shown.ALWAYS,
    ),
    DocField("responsible", _("Vastutaja"), text="meta", personal=True, shown=Shown.ALWAYS),
    DocField("due_date", _("Lahendamise tähtaeg")),
    DocField("sent_at", _("Välja saatmise kuupäev")),
    DocField("url", _("Originaal"), tracked=False, shown=Shown.ALWAYS, cell=Cell.LINK, listed=7),
    DocField("first_seen_at", _("Sünkroonitud"), tracked=False, shown=Shown.ALWAYS, shown_after="registered"),
    DocField("last_checked_at", _("Viimati kontrollitud"), tracked=False, shown=Shown.NO),
    DocField("last_changed_at", _("Viimati muutunud"), tracked=False, shown=Shown.NO),
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
        shown=Shown.NO,
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
        shown=Shown.NO,
    ),
)

BY_NAME = {f.name: f for f in DOCUMENT_FIELDS}
FILTERS: tuple[Filter, ...] = tuple(f.filter for f in DOCUMENT_FIELDS if f.filter is not None)
TEXT_FILTERS: tuple[Filter, ...] = tuple(f for f in FILTERS if f.kind == FilterKind.TEXT)


def filter_values(f: Filter) -> tuple[tuple[str, str, Any, Any], ...]:
    """(attribute, query-string key, type, default) of what one filter holds, as the search
    parameters and the index's filters both declare it: a tuple of values, a yes/no/either flag,
    or for a date range two dates (``<param>_from``, ``<param>_to``)."""
    if f.kind == FilterKind.DATES:
        return tuple((f"{f.param}_{end}", f"{f.param}_{end}", date | None, None) for end in ("from", "to"))
    if f.kind == FilterKind.FLAG:
        return ((f.attr, f.param, bool | None, None),)
    return ((f.attr, f.param, tuple[str, ...], ()),)


# Document columns whose changes at the source are recorded (archive.services.TRACKED_FIELDS).
TRACKED: tuple[str, ...] = tuple(f.name for f in DOCUMENT_FIELDS if f.tracked and not f.derived)
# Document columns every export carries, in this order.
EXPORTED: tuple[str, ...] = tuple(f.name for f in DOCUMENT_FIELDS if f.export and not f.derived)
# Fields whose old values the history never repeats.
PERSONAL: frozenset[str] = frozenset(f.name for f in DOCUMENT_FIELDS if f.personal)
# Document columns of a downloaded result list, in its order.
LISTED: tuple[str, ...] = tuple(f.name for f in sorted(DOCUMENT_FIELDS, key=lambda f: f.listed) if f.listed)


def _page_rows(table: tuple[DocField, ...]) -> tuple[DocField, ...]:
    rows = [f for f in table if f.shown and not f.shown_after]
    for f in table:
        if f.shown and f.shown_after:
            rows.insert([r.name for r in rows].index(f.shown_after) + 1, f)
    return tuple(rows)


# The document page's rows, in its order.
PAGE_ROWS: tuple[DocField, ...] = _page_rows(DOCUMENT_FIELDS)


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
