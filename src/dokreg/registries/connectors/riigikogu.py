"""Riigikogu (parliament): the document register on the parliament's WordPress site, in HTML.

Listing is one search per registration day, newest first, 25 rows a page::

    {base}?pg=N&searchIn=documents&startDate=d.m.Y&endDate=d.m.Y&order=DESC&sortBy=created&prepage=25

under "Otsingu tulemused: N". The list mixes in agenda items ("Üksuse istungi päevakorrapunkt") that are
not register documents: they count towards N, so the day is complete when all N rows were read, and they
are then left out of the entries (``reported_total`` is N minus the agenda rows).

A document page (``{base}dokument/{uuid}/``) is a label/value table and a files table whose rows carry
their own access restriction, basis and validity ("14.05.2026 - 14.05.2101"); restricted files have no
link. The page does not say the document's type: only the list row does (``ListedEntry.doc_type``), so
``parse`` leaves ``doc_type`` empty and the archive keeps the listed type. The dossier ("Toimik", a
``/toimikud/{uuid}`` link) becomes ``case_file`` with its address in ``extra["case_file_url"]``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, SourceUnavailable
from dokreg.registries.connectors.base import Connector
from dokreg.registries.connectors.markup import complete_page, node_text
from dokreg.registries.types import DayListing, FileRef, ListedEntry, RawCapture, RegisterEntry, Validators

PARSER = "riigikogu/1"
PAGE_SIZE = 25
PUBLIC = "Avalik"
AGENDA_MARK = "päevakorrapunkt"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_DOC_LINK = re.compile(r"/dokument/(" + _UUID.pattern + r")", re.IGNORECASE)
_DOWNLOAD = re.compile(r"/download/(" + _UUID.pattern + r")", re.IGNORECASE)
_TOTAL = re.compile(r"Otsingu tulemused:?\s*(\d+)", re.IGNORECASE)
_NO_RESULTS = re.compile(r"ei leitud|tulemusi pole|tulemused puuduvad", re.IGNORECASE)
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True)
class ListRow:
    entry: ListedEntry
    agenda_item: bool


@dataclass(frozen=True)
class ListPage:
    rows: tuple[ListRow, ...]
    total: int


class RiigikoguConnector(Connector):
    family = "riigikogu"
    own_markup = re.compile(r"\bpage-content\b|/wpcms/", re.IGNORECASE)

    # --- listing -------------------------------------------------------------------------------
    def list_day(self, day: date) -> DayListing:
        seen: dict[str, ListRow] = {}
        problems: list[str] = []
        page_number, total = 1, 0
        while True:
            page = self._list_page(day, page_number)
            total = page.total if page_number == 1 else total
            new = [row for row in page.rows if row.entry.source_id not in seen]
            seen.update((row.entry.source_id, row) for row in new)
            if len(seen) >= total or not page.rows or page_number >= math.ceil(total / PAGE_SIZE):
                break
            if not new:
                problems.append(f"page {page_number} repeated earlier rows; stopped there")
                break
            page_number += 1
        if len(seen) != total:
            problems.append(f"read {len(seen)} of {total} rows the register reports")
        agenda = sum(row.agenda_item for row in seen.values())
        return DayListing(
            day=day,
            entries=tuple(row.entry for row in seen.values() if not row.agenda_item),
            reported_total=max(0, total - agenda),
            complete=not problems,
            slices=(f"rows:{total}", f"agenda items:{agenda}"),
            problems=tuple(problems),
        )

    def list_url(self, day: date, page_number: int) -> str:
        when = day.strftime("%d.%m.%Y")
        return (
            f"{self.base_url}?pg={page_number}&searchIn=documents&startDate={when}&endDate={when}"
            f"&order=DESC&sortBy=created&prepage={PAGE_SIZE}"
        )

    def _list_page(self, day: date, page_number: int) -> ListPage:
        url = self.list_url(day, page_number)
        response = self.client.get(url)
        if response.status_code != 200:
            raise SourceUnavailable(f"{url}: HTTP {response.status_code} for the list of {day:%d.%m.%Y}")
        self._page_check(response, url, "list page")
        return parse_list_page(response.text, url)

    # --- documents -----------------------------------------------------------------------------
    def document_url(self, source_id: str) -> str:
        if not _UUID.fullmatch(str(source_id).strip()):
            raise BadInput(f"Riigikogu document ids are UUIDs, got {source_id!r}")
        return f"{self.base_url}dokument/{str(source_id).strip().lower()}/"

    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        raw = self._capture(self.document_url(source_id), str(source_id).strip().lower(), validators)
        parse_document(raw)  # unreadable markup is a SourceChanged now, not at reprocess time
        return raw

    def parse(self, raw: RawCapture) -> RegisterEntry:
        return parse_document(raw)

    def download(self, ref: FileRef) -> bytes:
        if not ref.url:
            raise NotFoundAtSource(f"file {ref.name!r}: the register gives no link ({ref.access})")
        if not is_public(ref.access):
            raise NotFoundAtSource(f"{ref.url}: the file is not public ({ref.access}); not downloaded")
        return self._download_from_register(ref.url, ref.name).content


def is_public(access: str) -> bool:
    text = " ".join(access.split()).casefold()
    return text.startswith("avalik") and "teabenõude" not in text


# --- pure parsing: the list ---------------------------------------------------------------------
def parse_list_page(html: str, url: str) -> ListPage:
    """One list page; SourceChanged when it has neither a result count nor an honest "nothing found"."""
    tree = LexborHTMLParser(complete_page(html, url))
    table = _table_with_headers(tree, "pealkiri", "liik")
    rows = tuple(_list_rows(table)) if table is not None else ()
    content = node_text(tree.css_first("main") or tree.body)
    match = _TOTAL.search(content)
    if match is None:
        if rows or table is not None or not _NO_RESULTS.search(content):
            raise SourceChanged(f"{url}: no 'Otsingu tulemused: N' count on the list page")
        return ListPage((), 0)
    total = int(match.group(1))
    if total and table is None:
        raise SourceChanged(f"{url}: the page reports {total} results but has no result table")
    return ListPage(rows, total)


def _list_rows(table: LexborNode):
    columns = {node_text(th).casefold(): i for i, th in enumerate(table.css("thead th"))}
    for row in table.css("tbody tr"):
        cells = row.css("td")
        link = next(
            (m for a in row.css("a[href]") if (m := _DOC_LINK.search(a.attributes["href"] or ""))), None
        )
        if link is None or not cells:
            continue  # counted against the total by the caller, so a lost row shows as incomplete
        doc_type = _cell(cells, columns, "liik", 3)
        yield ListRow(
            ListedEntry(
                source_id=link.group(1).lower(),
                reference=_cell(cells, columns, "viit", 0),
                registered=parse_date(_cell(cells, columns, "kuupäev", 1)),
                title=_cell(cells, columns, "pealkiri", 2),
                doc_type=doc_type,
            ),
            agenda_item=AGENDA_MARK in doc_type.casefold(),
        )


def _cell(cells: list[LexborNode], columns: dict[str, int], word: str, default: int) -> str:
    """A cell by the column whose header contains ``word``, else the recorded position."""
    index = next((i for name, i in columns.items() if word in name), default)
    return node_text(cells[index]) if index < len(cells) else ""


# --- pure parsing: document pages ---------------------------------------------------------------
_FIELDS = {
    "toimik": "case_file",
    "dokumendi viit": "reference",
    "viit": "reference",
    "dokumendi loomise kuupäev": "registered",
    "pealkiri": "title",
    "dokumendi liik": "doc_type",
    "liik": "doc_type",
    "autor/adressaat": "correspondent",
    "saabumise/saatmise viis": "channel",
    "autori viit": "sender_reference",
    "autori registreerimise viit": "sender_reference",
    "kirja autori registreerimise viit": "sender_reference",
    "vastutaja": "responsible",
    "tähtaeg": "due_date",
}
_DATE_FIELDS = frozenset({"registered", "due_date"})
# Labels seen on real pages and kept in source_fields only.
_KEPT_ONLY = frozenset({"kuupäev", "jõustumise kuupäev", "seisund", "autori kuupäev", "suund", "kehtiv kuni"})


def parse_document(raw: RawCapture) -> RegisterEntry:
    html = complete_page(raw.body.decode("utf-8", errors="replace"), raw.url)
    tree = LexborHTMLParser(html)
    meta = _metadata_table(tree)
    if meta is None:
        raise SourceChanged(f"{raw.url}: no metadata table (Dokumendi viit / Pealkiri) on the document page")
    source_id = raw.source_id or _source_id_from_url(raw.url)
    values: dict[str, object] = {}
    source_fields: list[tuple[str, str]] = []
    unknown: list[str] = []
    extra: dict[str, str] = {}
    for label, value, cell in meta:
        source_fields.append((label, value))
        key = label.casefold()
        target = _FIELDS.get(key)
        if target is None:
            if key not in _KEPT_ONLY:
                unknown.append(label)
            continue
        if target == "case_file" and (link := cell.css_first("a[href]")) is not None:
            extra["case_file_url"] = urljoin(raw.url, link.attributes.get("href") or "")
        if target not in values and value:
            values[target] = parse_date(value) if target in _DATE_FIELDS else value
    files, file_fields = _files(tree, raw.url)
    source_fields.extend(file_fields)
    values.update(_document_access(files))
    return RegisterEntry(
        source_id=source_id,
        url=raw.url,
        files=tuple(ref for ref, _row in files),
        source_fields=tuple(source_fields),
        unknown_labels=tuple(unknown),
        parser=PARSER,
        extra=extra,
        **values,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class FileRow:
    access: str
    basis: str
    validity: str


def _metadata_table(tree: LexborHTMLParser) -> list[tuple[str, str, LexborNode]] | None:
    for table in tree.css("table"):
        rows = []
        for row in table.css("tr"):
            cells = row.css("td")
            label = cells[0].css_first("strong") if len(cells) >= 2 else None
            if label is not None:
                rows.append((node_text(label).rstrip(":").strip(), node_text(cells[1]), cells[1]))
        labels = {label.casefold() for label, _, _ in rows}
        if labels & {"dokumendi viit", "pealkiri"}:
            return rows
    return None


def _files(tree: LexborHTMLParser, page_url: str) -> tuple[list[tuple[FileRef, FileRow]], list]:
    table = _table_with_headers(tree, "faili nimi")
    if table is None:
        return [], []
    headers = [node_text(th) for th in table.css("thead th")]
    columns = {name.casefold(): i for i, name in enumerate(headers)}
    files: list[tuple[FileRef, FileRow]] = []
    fields: list[tuple[str, str]] = []
    for row in table.css("tbody tr"):
        cells = row.css("td")
        if not cells:
            continue
        ordinal = len(files) + 1
        fields.extend(
            (f"{headers[i]} ({ordinal})", node_text(cell)) for i, cell in enumerate(cells) if i < len(headers)
        )
        link = cells[0].css_first("a[href]")
        href = urljoin(page_url, link.attributes.get("href") or "") if link is not None else ""
        match = _DOWNLOAD.search(urlsplit(href).path) if href else None
        info = FileRow(
            access=_cell(cells, columns, "juurdepääs", 1) or PUBLIC,
            basis=_cell(cells, columns, "alus", 2),
            validity=_cell(cells, columns, "kehtiv", 3),
        )
        ref = FileRef(
            ordinal=ordinal,
            name=node_text(cells[0]),
            url=href,
            source_file_id=match.group(1).lower() if match else "",
            access=info.access,
        )
        files.append((ref, info))
    return files, fields


def _document_access(files: list[tuple[FileRef, FileRow]]) -> dict[str, object]:
    """The page has no document-level access: public unless every file is restricted.

    A document with one public and one restricted file stays public; the restricted file keeps its
    own access text on its FileRef so the archive withholds just that file.
    """
    restricted = [info for _ref, info in files if not is_public(info.access)]
    if not files or len(restricted) < len(files):
        return {"access": PUBLIC}
    first = restricted[0]
    begins, ends = parse_validity(first.validity)
    return {
        "access": first.access,
        "restriction_basis": first.basis,
        "restriction_begins": begins,
        "restriction_ends": ends,
    }


def parse_validity(text: str) -> tuple[date | None, date | None]:
    """``14.05.2026 - 14.05.2101`` → (begins, ends); a single date is the end."""
    dates = [_date(m) for m in _DATE.finditer(text)]
    if len(dates) >= 2:
        return dates[0], dates[1]
    return None, dates[0] if dates else None


# --- small helpers ------------------------------------------------------------------------------
def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text.strip())
    return _date(match) if match else None


def _date(match: re.Match) -> date | None:
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _table_with_headers(tree: LexborHTMLParser, *words: str) -> LexborNode | None:
    for table in tree.css("table"):
        headers = " | ".join(node_text(th).casefold() for th in table.css("thead th"))
        if all(word in headers for word in words):
            return table
    return None


def _source_id_from_url(url: str) -> str:
    match = _DOC_LINK.search(urlsplit(url).path)
    return match.group(1).lower() if match else ""
