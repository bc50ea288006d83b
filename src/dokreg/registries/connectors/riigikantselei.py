"""Riigikantselei (Government Office): a Lotus Domino database (``avalikteave.nsf``) that answers in XML.

Listing is a full-text search per registration day::

    {base}search?open&query=[date]>=d.m.Y AND [date]<=d.m.Y&SearchOrder=4&SearchMax=…&Start=…&Count=…

answered by ``<entries totalhits="…">`` holding ``<document noteid="NT…">`` rows of ``<field name>``.
A server may hand out fewer rows than ``Count`` asks (a per-query maximum), so paging advances ``Start``
by the rows actually received until they add up to ``totalhits``. A server that truncates the total
itself says ``totalhits`` == ``searchmax``: then the day may hold more and is reported incomplete.

A document (``{base}documents/NT%08X?open``) is ``<field name>`` children titled by ``<fieldtitles>``,
``<file href size>`` elements and ``<case number>`` blocks listing the matter's documents. Domino omits
empty fields, so a document without ``docaccesstype`` is public.

The register's TLS chain lacks an intermediate certificate; ``tls_context`` adds the PEMs shipped in
``registries/certs/`` to certifi's roots for this family only, with verification left on.
"""

from __future__ import annotations

import functools
import re
import ssl
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import certifi
from lxml import etree

from dokreg.errors import BadInput, Broken, NotFoundAtSource, SourceChanged, SourceUnavailable
from dokreg.registries.connectors.base import Connector
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

PARSER = "riigikantselei/1"
PAGE_SIZE = 20
# What we ask for; the recorded query used 250. A server may lower it (see ``searchmax`` in replies).
SEARCH_MAX = 1000
CERTS_DIR = Path(__file__).resolve().parent.parent / "certs"
SAME_MATTER = "sama asi"
PUBLIC = "Avalik"

_NOTE_ID = re.compile(r"NT[0-9A-F]{8}", re.IGNORECASE)
_LEADING_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
# "05 Peaministri nõustamine …/5-19 Kirjavahetus …": function, then the series from its code on.
_HIERARCHY = re.compile(r"^(?P<function>.*?)\s*/\s*(?P<series>\d+(?:[.-]\d+)+\s.*)$", re.DOTALL)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


# --- TLS: the missing intermediate --------------------------------------------------------------
def tls_context(extra_dir: Path = CERTS_DIR) -> ssl.SSLContext:
    """certifi's roots plus every ``*.pem`` in ``extra_dir``; hostname and chain checks stay on."""
    context = ssl.create_default_context(cafile=certifi.where())
    for pem in sorted(extra_dir.glob("*.pem")) if extra_dir.is_dir() else []:
        try:
            context.load_verify_locations(cafile=str(pem))
        except (ssl.SSLError, OSError) as exc:
            raise Broken(f"{pem}: not a usable PEM certificate ({exc})") from exc
    return context


@functools.cache
def _shipped_cas() -> ssl.SSLContext:
    """``tls_context`` of the shipped certificates, read once per process: a worker makes a connector
    for every task (as ``http.trusted_roots`` for the default roots)."""
    return tls_context()


def _client_trusting_shipped_cas(client: PoliteClient, base_url: str) -> PoliteClient:
    """A sibling client with ``tls_context`` for an https register; a caller's own choice is kept."""
    if urlsplit(base_url).scheme != "https" or getattr(client, "verify", None) is not True:
        return client
    return PoliteClient(
        client.user_agent,
        client.interval,
        client.timeout,
        client.retries,
        transport=client.transport,
        backoff=client.backoff,
        max_retry_after=client.max_retry_after,
        max_page_bytes=client.max_page_bytes,
        verify=_shipped_cas(),
        turns=client.turns,
    )


# --- the connector ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchPage:
    entries: tuple[ListedEntry, ...]
    rows: int  # <document> elements, readable or not
    total: int
    search_max: int | None


class RiigikantseleiConnector(Connector):
    family = "riigikantselei"
    own_markup = re.compile(r"<entries\b|<document\b", re.IGNORECASE)
    page_size = PAGE_SIZE

    def __init__(self, base_url: str, client: PoliteClient) -> None:
        super().__init__(base_url, _client_trusting_shipped_cas(client, base_url))

    # --- listing -------------------------------------------------------------------------------
    def list_day(self, day: date) -> DayListing:
        seen: dict[str, ListedEntry] = {}
        problems: list[str] = []
        start, total, search_max = 1, None, None
        while True:
            page = self._search_page(day, start)
            if total is None:
                total, search_max = page.total, page.search_max
            elif page.total != total:
                problems.append(f"the total changed from {total} to {page.total} while paging")
            new = [entry for entry in page.entries if entry.source_id not in seen]
            seen.update((entry.source_id, entry) for entry in new)
            if page.rows == 0:
                break
            if not new:
                problems.append(f"Start={start} repeated earlier rows; stopped there")
                break
            start += page.rows
            if start > total:
                break
        complete = not problems and len(seen) == total
        if len(seen) != total:
            problems.append(f"read {len(seen)} of {total} documents the register reports")
        if search_max is not None and 0 < total == search_max:
            # A truncating server reports its maximum as the total: more may exist than it admits.
            problems.append(f"totalhits {total} equals SearchMax {search_max}; the day may hold more")
            complete = False
        return DayListing(
            day=day,
            entries=tuple(seen.values()),
            reported_total=total,
            complete=complete,
            slices=(f"day:{total}",),
            problems=tuple(problems),
        )

    def search_url(self, day: date, start: int) -> str:
        when = day.strftime("%d.%m.%Y")
        query = quote(f"[date]>={when} AND [date]<={when}", safe="")
        return (
            f"{self.base_url}search?open&query={query}&SearchOrder=4&SearchMax={SEARCH_MAX}"
            f"&Start={start}&Count={self.page_size}"
        )

    def _search_page(self, day: date, start: int) -> SearchPage:
        url = self.search_url(day, start)
        response = self.client.get(url)
        if response.status_code != 200:
            raise SourceUnavailable(f"{url}: HTTP {response.status_code} for the search of {day:%d.%m.%Y}")
        self._page_check(response, url, "search result page")
        return parse_search_page(response.content, url)

    # --- documents -----------------------------------------------------------------------------
    def document_url(self, source_id: str) -> str:
        return f"{self.base_url}documents/{normalise_note_id(source_id)}?open"

    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        raw = self._capture(self.document_url(source_id), normalise_note_id(source_id), validators)
        parse_document(raw)  # a page we cannot read is a SourceChanged now, not at reprocess time
        return raw

    def parse(self, raw: RawCapture) -> RegisterEntry:
        return parse_document(raw)

    def download(self, ref: FileRef) -> bytes:
        if not is_public(ref.access):
            raise NotFoundAtSource(f"{ref.url}: the file is not public ({ref.access}); not downloaded")
        return self._download_from_register(ref.url, ref.name).content


def normalise_note_id(source_id: str) -> str:
    """``NT0041518e`` → ``NT0041518E``; anything else is not a Domino note id (BadInput)."""
    text = str(source_id).strip()
    if not _NOTE_ID.fullmatch(text):
        raise BadInput(f"Riigikantselei document ids are note ids like NT00415122, got {source_id!r}")
    return "NT" + text[2:].upper()


def is_public(access: str) -> bool:
    text = " ".join(access.split()).casefold()
    return text.startswith("avalik") and "teabenõude" not in text


# --- pure parsing: search results ---------------------------------------------------------------
def parse_search_page(body: bytes, url: str) -> SearchPage:
    root = _xml(body, url)
    if root.tag != "entries":
        raise SourceChanged(f"{url}: expected <entries>, got <{root.tag}>")
    total = _int_attr(root, "totalhits", url)
    if total is None:
        raise SourceChanged(f"{url}: <entries> without a totalhits count")
    rows = root.findall("document")
    entries = tuple(entry for row in rows if (entry := _listed_entry(row)) is not None)
    return SearchPage(entries, len(rows), total, _int_attr(root, "searchmax", url))


def _listed_entry(row: etree._Element) -> ListedEntry | None:
    note_id = row.get("noteid") or ""
    if not _NOTE_ID.fullmatch(note_id):
        return None  # counted against totalhits by the caller, so a lost row shows as incomplete
    values = _field_values(row)
    return ListedEntry(
        source_id=normalise_note_id(note_id),
        reference=values.get("docid", ""),
        registered=leading_date(values.get("date", "")),
        title=values.get("subject", ""),
        doc_type=values.get("documenttype") or values.get("doctype", ""),
        party=values.get("companyname", ""),
    )


# --- pure parsing: documents --------------------------------------------------------------------
# Domino field name → RegisterEntry field. The first field present wins (doctype before acttype).
_FIELDS = {
    "docid": "reference",
    "date": "registered",
    "doctype": "doc_type",
    "acttype": "doc_type",
    "documenttype": "doc_type",
    "subject": "title",
    "docaccesstype": "access",
    "accessrestrictionreason": "restriction_basis",
    "accessrestrictionbegindate": "restriction_begins",
    "accessrestrictionenddate+enddatecomment": "restriction_ends",
    "accessrestrictionenddate": "restriction_ends",
    "otherref": "sender_reference",
    "eis$vol.initiatorrefs": "sender_reference",
    "companyname": "correspondent",
    "govinstitution": "correspondent",
    "receivedfrom": "correspondent",
    "sentto": "correspondent",
    "indoccat": "channel",
    "outdoccat": "channel",
    "from": "responsible",
    "dtdeadline": "due_date",
    "deadline": "due_date",
}
_DATE_FIELDS = frozenset({"registered", "restriction_begins", "restriction_ends", "due_date"})
# Fields we know and keep in source_fields only; anything else is an unknown label worth a look.
_KEPT_ONLY = frozenset(
    {
        "indocdate", "outdocdate", "eisref", "body", "docnumber", "docissuer", "contentkeywords", "protocolnumber",
        "meetingplace", "contractstartdate", "contractenddate", "journalkeyhierarchy",
    }
)  # fmt: skip


def parse_document(raw: RawCapture) -> RegisterEntry:
    """Pure: a stored document capture → an entry; SourceChanged when it is not a Domino document."""
    root = _xml(raw.body, raw.url)
    note_id = root.get("noteid") or ""
    if root.tag != "document" or not _NOTE_ID.fullmatch(note_id):
        raise SourceChanged(f"{raw.url}: expected <document noteid='NT…'>, got <{root.tag}>")
    note_id = normalise_note_id(note_id)
    if raw.source_id and normalise_note_id(raw.source_id) != note_id:
        raise SourceChanged(f"{raw.url}: asked for {raw.source_id}, the register sent {note_id}")
    titles = _field_titles(root)
    values: dict[str, object] = {}
    source_fields: list[tuple[str, str]] = []
    unknown: list[str] = []
    for name, value in _fields(root):
        source_fields.append((titles.get(name) or name, value))
        target = _FIELDS.get(name)
        if target is None:
            if name not in _KEPT_ONLY and name not in unknown:
                unknown.append(name)
            continue
        if target not in values and value:
            values[target] = leading_date(value) if target in _DATE_FIELDS else value
    function, series = split_hierarchy(_first(root, "journalkeyhierarchy"))
    values.setdefault("access", PUBLIC)  # Domino leaves an empty field out: no restriction field
    relations, case_numbers = _case_relations(root, note_id)
    source_fields.extend(("Asi", number) for number in case_numbers)
    return RegisterEntry(
        source_id=note_id,
        url=raw.url,
        function=function,
        series=series,
        files=tuple(_files(root, raw.url, str(values["access"]))),
        relations=relations,
        source_fields=tuple(source_fields),
        unknown_labels=tuple(unknown),
        parser=PARSER,
        extra={"form": root.get("form") or "", "case": case_numbers[0] if case_numbers else ""},
        **values,  # type: ignore[arg-type]
    )


def split_hierarchy(text: str) -> tuple[str, str]:
    """``journalkeyhierarchy`` → (function, series); all of it is the function when no series code."""
    match = _HIERARCHY.match(text.strip())
    if match is None:
        return text.strip(), ""
    return match["function"].strip(), match["series"].strip()


def _fields(root: etree._Element):
    for node in root.findall("field"):
        name = (node.get("name") or "").strip()
        if not name:
            continue
        value = "".join(node.itertext())
        if name == "body":
            value = value.replace("\\nl", "\n")  # Domino's line breaks in rich text exports
        yield name, _clean(value)


def _field_titles(root: etree._Element) -> dict[str, str]:
    titles: dict[str, str] = {}
    for node in root.iterfind("fieldtitles/fieldtitle"):
        name, title = (node.get("name") or "").strip(), _clean(node.text or "")
        if name and title:
            titles.setdefault(name, title)
    return titles


def _first(root: etree._Element, name: str) -> str:
    return next((value for field, value in _fields(root) if field == name), "")


def _files(root: etree._Element, page_url: str, access: str):
    seen: set[str] = set()
    for node in root.findall("file"):
        href = (node.get("href") or "").strip()
        if not href:
            continue
        # Domino writes names raw (spaces, ä); a request needs them percent-encoded.
        url = urljoin(page_url, quote(href, safe="/$?=&%:"))
        if url in seen:
            continue
        seen.add(url)
        name = _clean("".join(node.itertext())) or href.rsplit("/", 1)[-1]
        yield FileRef(ordinal=len(seen), name=name, url=url, access=access)


def _case_relations(root: etree._Element, note_id: str) -> tuple[tuple[RelationRef, ...], list[str]]:
    relations: list[RelationRef] = []
    numbers: list[str] = []
    for case in root.findall("case"):
        numbers.append((case.get("number") or "").strip())
        for row in case.findall("document"):
            other = row.get("noteid") or ""
            if not _NOTE_ID.fullmatch(other) or normalise_note_id(other) == note_id:
                continue
            values = _field_values(row)
            relations.append(
                RelationRef(
                    kind=SAME_MATTER,
                    target_source_id=normalise_note_id(other),
                    reference=values.get("docid", ""),
                    title=values.get("subject", ""),
                    doc_type=values.get("documenttype") or values.get("doctype", ""),
                )
            )
    return tuple(relations), [n for n in numbers if n]


# --- small helpers ------------------------------------------------------------------------------
def leading_date(text: str) -> date | None:
    """``12.05.2031 dokumendi vastuvõtmine …`` → 2031-05-12; None without a valid leading date."""
    match = _LEADING_DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _field_values(node: etree._Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for field in node.findall("field"):
        name = (field.get("name") or "").strip()
        if name:
            values.setdefault(name, _clean("".join(field.itertext())))
    return values


def _xml(body: bytes, url: str) -> etree._Element:
    if not body.strip():
        raise SourceChanged(f"{url}: empty answer where XML was expected")
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise SourceChanged(f"{url}: not well-formed XML ({exc})") from exc
    if root is None:
        raise SourceChanged(f"{url}: no XML document element")
    return root


def _int_attr(node: etree._Element, name: str, url: str) -> int | None:
    value = (node.get(name) or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise SourceChanged(f"{url}: {name}={value!r} is not a count")
    return int(value)


def _clean(text: str) -> str:
    """Trim the value and collapse runs of spaces, keeping line breaks inside long texts."""
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
