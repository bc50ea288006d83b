"""The values that cross the search package's boundary: what the indexer is given, what a search returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dokreg.fields import FILTERS, filter_values
from dokreg.search.schema import KEYWORD_COLUMNS, TEXT_COLUMNS

ACCESS_VALUES = ("public", "on_request", "ak", "unknown")
# A filter value beside ACCESS_VALUES: AK documents whose restriction end date has passed (the
# register still says AK, the law no longer does). Decided at query time, so it never goes stale.
EXPIRED_AK = "expired_ak"
# The facets every search can count, in the order pages show them.
FACET_NAMES = ("registry", "doc_type", "year", "access", "series")


@dataclass(frozen=True)
class FileText:
    """One public file's text as pages, so a snippet can say "failis X.pdf, lk 3".

    ``pages`` are (page number, text); a file without pages is one entry with number None.
    """

    name: str
    pages: tuple[tuple[int | None, str], ...]


def _with_table_fields(cls: type, names: tuple[tuple[str, Any, Any], ...]) -> Any:
    """``cls`` as a frozen dataclass with a field per (name, type, default) it does not declare itself:
    the field table's, so that an entry added there is a field here with no edit."""
    annotations = dict(cls.__dict__.get("__annotations__", {}))
    for name, kind, default in names:
        if name not in annotations:
            annotations[name] = kind
            setattr(cls, name, default)
    cls.__annotations__ = annotations
    return dataclass(frozen=True)(cls)


# The field table's text columns the writer takes as they are: keyword fields, analysed words.
INDEXED_TEXT_COLUMNS = tuple(dict.fromkeys(name for name, _ in (*KEYWORD_COLUMNS, *TEXT_COLUMNS)))


class IndexDoc:
    """One document as the pipeline hands it to the indexer, built from the database.

    ``text`` and ``files`` hold the extracted text of the document's PUBLIC files only: the caller
    guarantees it, so AK documents arrive without text and the index never holds restricted text.
    The indexed body is ``text`` followed by every file's pages.

    Besides the fields below, one text field (default "") per other column of ``INDEXED_TEXT_COLUMNS``
    (``function``, ``series``, ``case_file``, ``correspondent``, … as the field table says).
    """

    doc_id: int
    registry: str
    registry_name: str
    reference: str
    title: str
    doc_type: str
    registered: date | None
    access: str  # "public" | "on_request" | "ak" | "unknown"
    sender_reference: str = ""
    text: str = ""
    file_names: tuple[str, ...] = ()
    files: tuple[FileText, ...] = ()
    # Kinds of the public files ("pdf", "docx", …); non-empty file_names, files or kinds mean "has files".
    file_kinds: tuple[str, ...] = ()
    # Normalised citations "AvTS § 35 lg 1 p 2" (law, §, lg, p as the archive's RestrictionBasis rows).
    restriction_bases: tuple[str, ...] = ()
    restriction_ends: date | None = None


IndexDoc = _with_table_fields(IndexDoc, tuple((name, "str", "") for name in INDEXED_TEXT_COLUMNS))


class SearchFilters:
    """Every filter ANDs with the others; values within one filter OR (``registries=("a", "b")``).

    One field per filter of the field table (``dokreg.fields.FILTERS``, by its ``attr``): a tuple of
    values, ``date_from`` and ``date_to`` for the date range, ``has_files`` True, False or None.
    Text values compare trimmed and case-insensitively. ``access`` may hold EXPIRED_AK.
    A restriction basis matches at any depth: "AvTS § 35" finds "AvTS § 35 lg 1 p 2".
    """


SearchFilters = _with_table_fields(
    SearchFilters,
    tuple((attr, kind, default) for f in FILTERS for attr, _, kind, default in filter_values(f)),
)


@dataclass(frozen=True)
class Hit:
    doc_id: int
    score: float
    snippet: str  # HTML-escaped text with the matched words in <mark>…</mark>; "" without words
    file_name: str | None = None  # the public file the snippet quotes, when it quotes one
    page: int | None = None


@dataclass(frozen=True)
class FacetCount:
    value: str  # what the filter takes: a registry slug, a type as written, "2024", an access value
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    query: str
    corrected: str | None = None
    # Facet name (FACET_NAMES) → counts, largest first; empty unless search(facets=True).
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    # A personal code was taken out of the query: the index holds none, and no one may look one up.
    personal_code_removed: bool = False
    # ... and nothing else was asked, so nothing was searched (an empty query would list everything).
    personal_code_only: bool = False
    # False when more than ``total`` match ("more than N": counting stopped there); see search().
    total_exact: bool = True
    # 0 when the facets counted every match; else how many of the newest matches they counted.
    facet_sample: int = 0
