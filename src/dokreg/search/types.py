"""The values that cross the search package's boundary: what the indexer is given, what a search returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True)
class IndexDoc:
    """One document as the pipeline hands it to the indexer, built from the database.

    ``text`` and ``files`` hold the extracted text of the document's PUBLIC files only: the caller
    guarantees it, so AK documents arrive without text and the index never holds restricted text.
    The indexed body is ``text`` followed by every file's pages.
    """

    doc_id: int
    registry: str
    registry_name: str
    reference: str
    title: str
    doc_type: str
    registered: date | None
    access: str  # "public" | "on_request" | "ak" | "unknown"
    correspondent: str = ""
    function: str = ""
    series: str = ""
    case_file: str = ""
    sender_reference: str = ""
    responsible: str = ""
    channel: str = ""
    text: str = ""
    file_names: tuple[str, ...] = ()
    files: tuple[FileText, ...] = ()
    # Kinds of the public files ("pdf", "docx", …); non-empty file_names, files or kinds mean "has files".
    file_kinds: tuple[str, ...] = ()
    # Normalised citations "AvTS § 35 lg 1 p 2" (law, §, lg, p as the archive's RestrictionBasis rows).
    restriction_bases: tuple[str, ...] = ()
    restriction_ends: date | None = None


@dataclass(frozen=True)
class SearchFilters:
    """Every filter ANDs with the others; values within one filter OR (``registries=("a", "b")``).

    Text values compare trimmed and case-insensitively. ``access`` may hold EXPIRED_AK.
    A restriction basis matches at any depth: "AvTS § 35" finds "AvTS § 35 lg 1 p 2".
    """

    registries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    doc_types: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    case_files: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    restriction_bases: tuple[str, ...] = ()
    has_files: bool | None = None
    file_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    doc_id: int
    score: float
    snippet: str  # HTML-escaped text with the matched words in <mark>…</mark>
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
