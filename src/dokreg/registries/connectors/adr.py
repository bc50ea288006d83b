"""ADR / Delta public view: the register platform of 47 ministries, prosecutors, courts and boards.

Listing is a form search per registration day. The register shows at most 100 results per search
and says nothing when it cuts the rest, so every search is a *slice* (access restriction, then document
type) and a slice reporting 100 or more is split until none is capped; what cannot be split is
reported as an incomplete day, never passed off as whole.

Document pages are label/value tables (``table.form``), a "Failid" table (public documents only) and a
"Seosed" table of related documents. ``parse`` is pure so stored captures can be re-parsed any time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, SourceUnavailable
from dokreg.registries.connectors.base import Connector
from dokreg.registries.connectors.markup import complete_page, node_text, page_text
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import (
    DayListing,
    FileRef,
    ListedEntry,
    RawCapture,
    RegisterEntry,
    RelationRef,
    Validators,
)

PARSER = "adr/1"
PAGE_SIZE = 20
# The register never shows more than this many results for one search.
RESULT_CAP = 100
ACCESS_SLICES = ("Avalik", "AK")
TALLINN = ZoneInfo("Europe/Tallinn")

_PAGER = re.compile(r"Näitan:\s*(\d+)\s*-\s*(\d+)\s*\|?\s*Kokku:\s*(\d+)", re.IGNORECASE)
_TOTAL_ONLY = re.compile(r"Kokku:\s*(\d+)", re.IGNORECASE)
_NO_RESULTS = re.compile(
    r"ei leitud|ei leidnud|tulemusi pole|tulemused puuduvad|tulemusi ei ole", re.IGNORECASE
)
_DOC_LINK = re.compile(r"/dokument/(\d+)(?:[/?#]|$)")
_FILE_LINK = re.compile(r"/fail/(\d+)(?:[/?#]|$)")
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DATETIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


# --- the connector -------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchForm:
    """What the search form tells us: document types to split by, and the body's name."""

    document_types: tuple[tuple[str, str], ...]  # (id, name) in form order
    type_markers: int  # how many hidden ``_documentTypes=on`` the form sends
    body_name: str


@dataclass(frozen=True)
class ResultPage:
    entries: tuple[ListedEntry, ...]
    shown_to: int
    total: int


@dataclass(frozen=True)
class SliceRead:
    entries: tuple[ListedEntry, ...]
    total: int
    complete: bool
    problems: tuple[str, ...] = ()

    @property
    def capped(self) -> bool:
        return self.total >= RESULT_CAP


class AdrConnector(Connector):
    family = "adr"
    own_markup = re.compile(r"dokumendiregist", re.IGNORECASE)

    def __init__(self, base_url: str, client: PoliteClient) -> None:
        super().__init__(base_url, client)
        self._form: SearchForm | None = None

    # --- listing ---------------------------------------------------------------------------
    def list_day(self, day: date) -> DayListing:
        form = self._search_form()
        found: dict[str, ListedEntry] = {}
        slices: list[str] = []
        problems: list[str] = []
        total = 0
        complete = True

        def keep(read: SliceRead, name: str) -> None:
            nonlocal total, complete
            for entry in read.entries:
                found.setdefault(entry.source_id, entry)
            slices.append(name)
            problems.extend(read.problems)
            total += read.total
            if read.capped:
                problems.append(
                    f"{name}: the register shows at most {RESULT_CAP} results; cannot split further"
                )
            complete = complete and read.complete and not read.capped

        for access in ACCESS_SLICES:
            whole = self._read_slice(day, access, None, stop_if_capped=bool(form.document_types))
            label = f"{access}:{whole.total}"
            if not (whole.capped and form.document_types):
                keep(whole, label)
                continue
            split_total = 0
            for type_id, _name in form.document_types:
                part = self._read_slice(day, access, type_id, stop_if_capped=False)
                split_total += part.total
                keep(part, f"{label} type={type_id}:{part.total}")
            if split_total < whole.total:
                # Documents of a type the form does not offer would be lost silently otherwise.
                problems.append(f"{label}: the document types add up to {split_total} of {whole.total}")
                complete = False
        return DayListing(
            day=day,
            entries=tuple(found.values()),
            reported_total=total,
            complete=complete,
            slices=tuple(slices),
            problems=tuple(problems),
        )

    def _read_slice(self, day: date, access: str, type_id: str | None, *, stop_if_capped: bool) -> SliceRead:
        """Read one search page by page until the pager's range reaches its total."""
        name = access if type_id is None else f"{access} type={type_id}"
        seen: dict[str, ListedEntry] = {}
        problems: list[str] = []
        page_number = 1
        while True:
            page = self._search_page(day, access, type_id, page_number)
            new = [e for e in page.entries if e.source_id not in seen]
            for entry in new:
                seen[entry.source_id] = entry
            if stop_if_capped and page.total >= RESULT_CAP:
                return SliceRead(tuple(seen.values()), page.total, complete=False)
            last_page = math.ceil(min(page.total, RESULT_CAP) / PAGE_SIZE)
            if (
                page.shown_to >= min(page.total, RESULT_CAP)
                or not page.entries
                or page_number >= last_page + 1
            ):
                break
            if not new:
                # An out-of-range page repeats the last one; going on would loop forever.
                problems.append(f"{name}: page {page_number} repeated earlier rows; stopped there")
                break
            page_number += 1
        total = page.total
        read_all = len(seen) == total or (total >= RESULT_CAP and len(seen) >= RESULT_CAP)
        if not read_all:
            problems.append(f"{name}: read {len(seen)} of {total} rows the register reports")
        return SliceRead(
            tuple(seen.values()), total, complete=read_all and total < RESULT_CAP, problems=tuple(problems)
        )

    def _search_page(self, day: date, access: str, type_id: str | None, page_number: int) -> ResultPage:
        url = self.base_url + "otsing"
        response = self.client.post(url, data=self._search_data(day, access, type_id, page_number))
        if response.status_code != 200:
            raise SourceUnavailable(
                f"{url}: HTTP {response.status_code} for the {access} search of {day:%d.%m.%Y}"
            )
        self._page_check(response, url, "search result page")
        return parse_result_page(response.text, url)

    def _search_data(self, day: date, access: str, type_id: str | None, page_number: int) -> dict:
        """The form as a browser sends it, hidden ``_documentTypes`` markers included."""
        when = day.strftime("%d.%m.%Y")
        data: dict[str, str | list[str]] = {"title": "", "regDateBegin": when, "regDateEnd": when}
        if type_id is not None:
            data["documentTypes"] = [type_id]
        if self._search_form().type_markers:
            data["_documentTypes"] = ["on"] * self._search_form().type_markers
        data.update(
            party="",
            senderRegNr="",
            accessRestriction=access,
            accessRestrictionReason="",
            accessRestrictionBeginDate="",
            accessRestrictionEndDate="",
            pageNumber=str(page_number),
        )
        return data

    def _search_form(self) -> SearchForm:
        if self._form is None:
            url = self.base_url + "otsing"
            response = self.client.get(url)
            if response.status_code != 200:
                raise SourceUnavailable(f"{url}: HTTP {response.status_code} for the search form")
            self._page_check(response, url, "search form")
            self._form = parse_search_form(response.text, url)
        return self._form

    def site_name(self) -> str:
        return self._search_form().body_name

    # --- documents -------------------------------------------------------------------------
    def document_url(self, source_id: str) -> str:
        if not str(source_id).isdigit():
            raise BadInput(f"ADR document ids are numbers, got {source_id!r}")
        return f"{self.base_url}dokument/{source_id}"

    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        raw = self._capture(self.document_url(source_id), str(source_id), validators)
        _check_document_page(raw)
        return raw

    def parse(self, raw: RawCapture) -> RegisterEntry:
        return parse_document(raw)

    def download(self, ref: FileRef) -> bytes:
        return self._download_from_register(ref.url, ref.name).content


# --- pure parsing: search pages ------------------------------------------------------------
def parse_search_form(html: str, url: str) -> SearchForm:
    tree = LexborHTMLParser(html)
    if tree.css_first('input[name="regDateBegin"]') is None:
        raise SourceChanged(f"{url}: no search form with a registration date field")
    types = []
    for box in tree.css('input[name="documentTypes"]'):
        type_id = (box.attributes.get("value") or "").strip()
        if not type_id:
            continue
        label = (
            tree.css_first(f'label[for="{box.attributes.get("id", "")}"]')
            if box.attributes.get("id")
            else None
        )
        types.append((type_id, node_text(label)))
    markers = len(tree.css('input[name="_documentTypes"]'))
    return SearchForm(document_types=tuple(types), type_markers=markers, body_name=_body_name(tree))


def parse_result_page(html: str, url: str) -> ResultPage:
    """One page of search results; SourceChanged when the page is not recognisably a result page."""
    tree = LexborHTMLParser(html)
    table = _table_with_header(tree, "viit", "pealkiri")
    entries = tuple(_listed_entries(table)) if table is not None else ()
    pager = tree.css_first("div.pager")
    pager_text = node_text(pager) if pager is not None else node_text(tree.css_first("#content") or tree.body)
    if match := _PAGER.search(pager_text):
        shown_to, total = int(match.group(2)), int(match.group(3))
        if total and table is None:
            raise SourceChanged(f"{url}: the pager reports {total} results but there is no result table")
        return ResultPage(entries, shown_to, total)
    if entries:
        raise SourceChanged(f"{url}: result rows without a pager (Näitan … | Kokku …)")
    zero = _TOTAL_ONLY.search(pager_text)
    if (zero and int(zero.group(1)) == 0) or _NO_RESULTS.search(pager_text) or table is not None:
        return ResultPage((), 0, 0)
    raise SourceChanged(f"{url}: neither a result table nor a pager (Näitan … | Kokku …) on the result page")


def _listed_entries(table: LexborNode):
    columns = _column_index(table)
    for row in table.css("tbody tr"):
        cells = row.css("td")
        link = _document_link(row)
        if link is None or not cells:
            continue  # counted against the total by the caller, so a lost row shows as incomplete

        yield ListedEntry(
            source_id=link.group(1),
            reference=_cell(cells, columns, "viit", 0),
            registered=parse_date(_cell(cells, columns, "reg. kpv", 1)),
            title=_cell(cells, columns, "pealkiri", 2),
            doc_type=_cell(cells, columns, "dokumendi liik", 3),
            party=_cell(cells, columns, "teised osapooled", 4),
        )


# --- pure parsing: document pages ----------------------------------------------------------
# Label (case-folded, without the colon) → RegisterEntry field.
_FIELDS = {
    "viit": "reference",
    "registreerimise kpv": "registered",
    "registreerimise kuupäev": "registered",
    "dokumendi liik": "doc_type",
    "pealkiri": "title",
    "funktsioon": "function",
    "sari": "series",
    "toimik": "case_file",
    "juurdepääsupiirang": "access",
    "juurdepääs": "access",
    "juurdepääsupiirangu alus": "restriction_basis",
    "juurdepääsupiirangu muutmise alus": "restriction_change_basis",
    "saatja/saaja viit": "sender_reference",
    "saatja viit": "sender_reference",
    "adressaat": "correspondent",
    "saabumis/saatmisviis": "channel",
    "saabumisviis": "channel",
    "saatmisviis": "channel",
    "vastutaja": "responsible",
    "lahendamise tähtaeg": "due_date",
    "tähtaeg": "due_date",
    # The real AK page (upstream recording adr_document_ak_18976496) words the restriction term so.
    "kehtiv alates": "restriction_begins",
    "kehtiv kuni": "restriction_ends",
    "välja saatmise kuupäev": "sent_at",
    "väljasaatmise kuupäev": "sent_at",
    "saatmise kuupäev": "sent_at",
}
_DATE_FIELDS = frozenset({"registered", "restriction_begins", "restriction_ends", "due_date"})


def field_for_label(label: str) -> str | None:
    """The RegisterEntry field a document-page label maps to, or None for labels we do not know."""
    key = label.casefold()
    if key in _FIELDS:
        return _FIELDS[key]
    # Restriction dates are worded many ways ("Juurdepääsupiirangu algus", "Piirangu kehtivuse lõpp",
    # "Juurdepääsupiirangu lõppkuupäev", …): recognise the idea, not one spelling.
    if ("piirang" in key or "juurdepääs" in key) and "alus" not in key.replace("algus", ""):
        if "algus" in key or "alates" in key:
            return "restriction_begins"
        if "lõpp" in key or "lõpu" in key or "kuni" in key:
            return "restriction_ends"
    return None


def parse_document(raw: RawCapture) -> RegisterEntry:
    """A document page → RegisterEntry. Pure; unknown labels are kept, never fatal."""
    tree = LexborHTMLParser(complete_page(page_text(raw), raw.url))
    pairs = _label_rows(tree)
    if not pairs:
        raise SourceChanged(f"{raw.url}: no document table (table.form with label rows)")
    values: dict[str, object] = {}
    unknown: list[str] = []
    for label, value in pairs:
        name = field_for_label(label)
        if name is None:
            unknown.append(label)
        elif name not in values:
            values[name] = _convert(name, value)
    title = node_text(tree.css_first("title"))
    return RegisterEntry(
        source_id=raw.source_id or _source_id_from_url(raw.url),
        url=raw.url,
        **values,
        files=tuple(_file_refs(tree, raw.url)),
        relations=tuple(_relations(tree)),
        source_fields=tuple(pairs),
        unknown_labels=tuple(dict.fromkeys(unknown)),
        registry_name=_body_name(tree),
        parser=PARSER,
        extra={"page_title": title} if title else {},
    )


def _check_document_page(raw: RawCapture) -> None:
    """A page without the document table is a withdrawn document; labels elsewhere mean new markup."""
    tree = LexborHTMLParser(page_text(raw))
    if _label_rows(tree):
        return
    known = [t for th in tree.css("th") if field_for_label(t := _label(th)) in ("reference", "registered")]
    if known:
        raise SourceChanged(f"{raw.url}: document labels ({', '.join(known)}) outside the known table markup")
    raise NotFoundAtSource(f"{raw.url}: no document on the page; withdrawn or never public")


def _label_rows(tree: LexborHTMLParser) -> list[tuple[str, str]]:
    pairs = []
    for row in tree.css("table.form tr"):
        head, cell = row.css_first("th"), row.css_first("td")
        if head is None or cell is None:
            continue
        label = _label(head)
        if label:
            pairs.append((label, node_text(cell)))
    return pairs


def _convert(name: str, value: str) -> object:
    if name in _DATE_FIELDS:
        return parse_date(value)
    if name == "sent_at":
        return parse_datetime(value)
    return value


def _file_refs(tree: LexborHTMLParser, page_url: str):
    seen: set[str] = set()
    host = urlsplit(page_url).netloc
    # Cells marked "subfile" list what is inside a container; the container itself is the file.
    for link in tree.css('td:not(.subfile) a[href*="/fail/"]'):
        url = urljoin(page_url, link.attributes.get("href") or "")
        match = _FILE_LINK.search(urlsplit(url).path)
        if match is None or url in seen or urlsplit(url).netloc != host:
            continue
        seen.add(url)
        yield FileRef(ordinal=len(seen), name=node_text(link), url=url, source_file_id=match.group(1))


def _relations(tree: LexborHTMLParser):
    table = _table_with_header(tree, "seos")
    if table is None:
        return
    columns = _column_index(table)
    for row in table.css("tbody tr"):
        cells = row.css("td")
        if not cells:
            continue

        link = _document_link(row)
        yield RelationRef(
            kind=_cell(cells, columns, "seos", 3),
            target_source_id=link.group(1) if link else "",
            reference=_cell(cells, columns, "viit", 1),
            title=_cell(cells, columns, "pealkiri", 2),
            doc_type=_cell(cells, columns, "liik", 0),
        )


# --- small helpers -------------------------------------------------------------------------
def parse_date(text: str) -> date | None:
    """dd.mm.yyyy → date; anything else → None (the raw text stays in source_fields)."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """dd.mm.yyyy [HH:MM[:SS]] in Tallinn time → an aware datetime; None if unparseable."""
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=TALLINN)
    except ValueError:
        return None


def _label(head: LexborNode) -> str:
    return node_text(head).rstrip(":").strip()


def _body_name(tree: LexborHTMLParser) -> str:
    return node_text(tree.css_first("#footer strong"))


def _table_with_header(tree: LexborHTMLParser, *names: str) -> LexborNode | None:
    for table in tree.css("table"):
        headers = {node_text(th).casefold() for th in table.css("thead th")}
        if all(name in headers for name in names):
            return table
    return None


def _cell(cells: list[LexborNode], columns: dict[str, int], name: str, default: int) -> str:
    """A row's cell by its column header, falling back to the recorded position."""
    index = columns.get(name, default)
    return node_text(cells[index]) if index < len(cells) else ""


def _document_link(row: LexborNode) -> re.Match | None:
    for anchor in row.css("a[href]"):
        if match := _DOC_LINK.search(anchor.attributes.get("href") or ""):
            return match
    return None


def _column_index(table: LexborNode) -> dict[str, int]:
    return {node_text(th).casefold(): i for i, th in enumerate(table.css("thead th"))}


def _source_id_from_url(url: str) -> str:
    match = _DOC_LINK.search(urlsplit(url).path)
    return match.group(1) if match else ""
