"""The values that cross the search package's boundary: what the indexer is given, what a search returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ACCESS_VALUES = ("public", "on_request", "ak", "unknown")


@dataclass(frozen=True)
class IndexDoc:
    """One document as the pipeline hands it to the indexer, built from the database.

    ``text`` holds the extracted text of the document's PUBLIC files only: the caller guarantees
    it, so AK documents arrive with ``text=""`` and the index never holds restricted text.
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


@dataclass(frozen=True)
class SearchFilters:
    registries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    doc_types: tuple[str, ...] = ()
    access: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    doc_id: int
    score: float
    snippet: str  # HTML-escaped text with the matched words in <mark>…</mark>


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    query: str
    corrected: str | None = None
