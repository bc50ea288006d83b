"""Plain, frozen values that cross the boundary between a connector and the archive.

A connector turns a register's pages into these and knows nothing of the database;
the archive stores them and knows nothing of HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class RawCapture:
    """What a source sent for one request, kept so parsers can be re-run later (`dokreg reprocess`)."""

    url: str
    status: int
    body: bytes
    content_type: str = ""
    fetched_at: datetime | None = None
    source_id: str = ""
    # The validators the source sent, for a conditional request next time (304 Not Modified).
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Validators:
    """What we hold of a page already: the source may answer 304 instead of sending it again."""

    etag: str = ""
    last_modified: str = ""

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FileRef:
    """A file listed on a document page. `ordinal` keeps same-named files of one document apart."""

    ordinal: int
    name: str
    url: str
    source_file_id: str = ""
    # Per-file access where the platform has it (RMK, Riigikogu); ADR lists public files only.
    access: str = "Avalik"
    relation: str = ""


@dataclass(frozen=True)
class RelationRef:
    """A row of the document's "Seosed" table: another document and how it relates."""

    kind: str
    target_source_id: str = ""
    reference: str = ""
    title: str = ""
    doc_type: str = ""


@dataclass(frozen=True)
class ListedEntry:
    """One row of a register's result list: enough to fetch the document and to check counts."""

    source_id: str
    reference: str = ""
    registered: date | None = None
    title: str = ""
    doc_type: str = ""
    party: str = ""


@dataclass(frozen=True)
class DayListing:
    """Everything a register lists for one registration day.

    ``complete`` is true only when the listed rows add up to the total the source reports
    for every slice, so a capped or broken search can never pass as a whole day.
    """

    day: date
    entries: tuple[ListedEntry, ...]
    reported_total: int
    complete: bool
    slices: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterEntry:
    """One document as its register describes it, normalised but with the source's own labels kept."""

    source_id: str
    url: str
    reference: str = ""
    registered: date | None = None
    doc_type: str = ""
    title: str = ""
    function: str = ""
    series: str = ""
    case_file: str = ""
    access: str = ""
    restriction_basis: str = ""
    restriction_change_basis: str = ""
    restriction_begins: date | None = None
    restriction_ends: date | None = None
    sender_reference: str = ""
    correspondent: str = ""
    channel: str = ""
    responsible: str = ""
    due_date: date | None = None
    sent_at: datetime | None = None
    files: tuple[FileRef, ...] = ()
    relations: tuple[RelationRef, ...] = ()
    # Every label and value exactly as the page had them: provenance, and room for labels we do not map yet.
    source_fields: tuple[tuple[str, str], ...] = ()
    unknown_labels: tuple[str, ...] = ()
    registry_name: str = ""
    parser: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
