"""Tallinn's document register (DHS "atp"): HTML pages walked by sequential document ids.

``{base}?c_tpl=1092&command=details&dok_id={id}`` shows ``div.row`` label/value pairs inside
``#document_container``; a missing id is a 200 page whose container has no rows. One register serves
every city office ("Asutus"), so the page's labels depend on the document: letters name a sender
("Saatja") and an addressee ("Kellele"), contracts list each party as its own "Lepingu pool" row.
File links carry mangled names; the link text keeps the readable one. "Dokumendid samas küsimuses"
lists the matter's other documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, Unsupported
from dokreg.registries.connectors.adr import field_for_label, parse_date
from dokreg.registries.connectors.base import Connector
from dokreg.registries.connectors.markup import complete_page, node_text, page_text
from dokreg.registries.types import DayListing, FileRef, RawCapture, RegisterEntry, RelationRef, Validators

PARSER = "tallinn/1"
DETAILS_QUERY = "?c_tpl=1092&command=details&dok_id="
# A related document's line names its origin type ("Algatusdokument, Saabunud kiri"); a line without
# one still belongs to the same matter.
SAME_MATTER = "samas küsimuses"

# Label (case-folded) → RegisterEntry field; the parties and the title are decided separately.
FIELDS = {
    "reg nr": "reference",
    "reg kpv": "registered",
    "liik": "doc_type",
    "juurdepääsupiirang": "access",
    "juurdepääsupiirang alates": "restriction_begins",
    "juurdepääsupiirang kuni": "restriction_ends",
    "juurdepääsupiirangu alus": "restriction_basis",
    "saatja kirja nr": "sender_reference",
    "saatmisviis": "channel",
    "täitja": "responsible",
}
DATE_FIELDS = frozenset({"registered", "restriction_begins", "restriction_ends", "due_date"})
TITLE_LABELS = ("pealkiri", "lepingu objekt", "objekt")
PARTY_LABELS = ("saatja", "kellele", "lepingu pool")
# Labels kept in source_fields only: they have no RegisterEntry field but are known, not new markup.
KEPT_LABELS = frozenset({"id", "asutus", "saatja kuupäev", "päritolu tüüp", "lisainfo", "failid"})
# A private person is named only in the extra info, as "Isik:O.Z.".
_PERSON = re.compile(r"^\s*isik\s*:\s*(?P<who>.+)$", re.IGNORECASE)
_RELATED_LINE = re.compile(r"^(?P<day>\d{1,2}\.\d{1,2}\.\d{4})\s+(?P<rest>.*)$")


class TallinnConnector(Connector):
    family = "tallinn"
    own_markup = re.compile(r"dokumendiregist", re.IGNORECASE)
    sequential_ids = True

    def list_day(self, day: date) -> DayListing:
        raise Unsupported("Tallinn lists by id: use dokreg sync --ids")

    def document_url(self, source_id: str) -> str:
        text = str(source_id).strip()
        if not text.isdigit():
            raise BadInput(f"Tallinn document ids are numbers, got {source_id!r}")
        return f"{self.base_url}{DETAILS_QUERY}{text}"

    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        raw = self._capture(self.document_url(source_id), str(source_id), validators)
        document_rows(raw)  # the empty "not found" page or new markup fails here, not later in parse
        return raw

    def parse(self, raw: RawCapture) -> RegisterEntry:
        return parse_document(raw)

    def download(self, ref: FileRef) -> bytes:
        return self._download_from_register(ref.url, ref.name).content


# --- pure parsing --------------------------------------------------------------------------
def document_rows(raw: RawCapture) -> list[tuple[str, LexborNode]]:
    """The page's (label, value node) rows; NotFoundAtSource for the empty page, SourceChanged for new markup."""
    tree = LexborHTMLParser(complete_page(page_text(raw), raw.url))
    container = tree.css_first("#document_container")
    if container is None:
        raise SourceChanged(f"{raw.url}: no #document_container on the document page")
    rows = []
    for row in container.css("div.row"):
        label, value = row.css_first(".detail_label"), row.css_first(".detail_desc")
        if label is not None and value is not None and (text := node_text(label).rstrip(":").strip()):
            rows.append((text, value))
    if rows:
        return rows
    if container.css_first("div.row") is not None or node_text(container):
        raise SourceChanged(f"{raw.url}: document rows without detail_label/detail_desc")
    raise NotFoundAtSource(f"{raw.url}: no document with this id (an empty page)")


def parse_document(raw: RawCapture) -> RegisterEntry:
    """A stored document page → RegisterEntry. Pure; unknown labels are kept, never fatal."""
    rows = document_rows(raw)
    pairs: list[tuple[str, str]] = []
    values: dict[str, object] = {}
    unknown: list[str] = []
    files: list[FileRef] = []
    for label, node in rows:
        key = label.casefold()
        if key == "failid":
            found = list(_file_refs(node, raw.url, start=len(files) + 1))
            files += found
            pairs += [(label, ref.name) for ref in found]
            continue
        value = node_text(node)
        pairs.append((label, value))
        name = FIELDS.get(key) or (
            None if key in KEPT_LABELS or key in PARTY_LABELS else field_for_label(label)
        )
        if name is not None and name not in values:
            values[name] = parse_date(value) if name in DATE_FIELDS else value
        elif name is None and key not in KEPT_LABELS | set(PARTY_LABELS) | set(TITLE_LABELS):
            unknown.append(label)
    values.update(_parties(pairs, values))
    values["title"] = _first(pairs, *TITLE_LABELS)
    tree = LexborHTMLParser(page_text(raw))
    related = list(_related_lines(tree, raw.url))
    pairs += [("Dokumendid samas küsimuses", text) for text, _ in related]
    access = str(values.get("access", ""))
    files = [_with_access(ref, access) for ref in files]
    return RegisterEntry(
        source_id=raw.source_id or _dok_id(raw.url),
        url=raw.url,
        **values,  # type: ignore[arg-type]
        files=tuple(files),
        relations=tuple(relation for _, relation in related if relation is not None),
        source_fields=tuple(pairs),
        unknown_labels=tuple(dict.fromkeys(unknown)),
        parser=PARSER,
        extra={"office": _first(pairs, "asutus")} if _first(pairs, "asutus") else {},
    )


def _parties(pairs: list[tuple[str, str]], values: dict[str, object]) -> dict[str, str]:
    """Who the document is with, and who handled it.

    An incoming letter's "Saatja" is the outside sender and "Täitja" the city's official; on an
    outgoing letter "Saatja" is the city's own official and "Kellele" the addressee. Every contract
    party is kept (a contract has two "Lepingu pool" rows).
    """
    doc_type = str(values.get("doc_type", "")).casefold()
    incoming = "saabunud" in doc_type or any(
        label.casefold() in ("täitja", "saatja kirja nr", "saatja kuupäev") for label, _ in pairs
    )
    parties = _all(pairs, "kellele") + _all(pairs, "lepingu pool")
    result: dict[str, str] = {}
    if incoming:
        parties = _all(pairs, "saatja") + parties
    elif (official := _first(pairs, "saatja")) and not values.get("responsible"):
        result["responsible"] = official
    if not parties:
        for label, value in pairs:
            if label.casefold() == "lisainfo" and (match := _PERSON.match(value)):
                parties.append(match["who"].strip())
    result["correspondent"] = "; ".join(dict.fromkeys(p for p in parties if p))
    return result


def _file_refs(node: LexborNode, page_url: str, start: int) -> Iterator[FileRef]:
    ordinal = start
    for link in node.css("a[href]"):
        href = (link.attributes.get("href") or "").strip()
        if not href:
            continue
        url = urljoin(page_url, href)
        # The link text is the readable name; the path's last part is a mangled copy of it.
        name = node_text(link) or urlsplit(url).path.rsplit("/", 1)[-1]
        yield FileRef(ordinal=ordinal, name=name, url=url)
        ordinal += 1


def _with_access(ref: FileRef, document_access: str) -> FileRef:
    """Links under /public/ are public files; any other path gets the document's own access."""
    if "/public/" in urlsplit(ref.url).path:
        return ref
    return FileRef(ref.ordinal, ref.name, ref.url, ref.source_file_id, access=document_access or "AK")


def _related_lines(tree: LexborHTMLParser, page_url: str) -> Iterator[tuple[str, RelationRef | None]]:
    """Each line of "Dokumendid samas küsimuses"; the document's own (unlinked) line has no relation."""
    for item in tree.css("#related_container li"):
        text = node_text(item)
        link = item.css_first("a[href]")
        if link is None:
            yield text, None
            continue
        target = _dok_id(urljoin(page_url, link.attributes.get("href") or ""))
        match = _RELATED_LINE.match(text)
        rest = match["rest"] if match else text
        origin, _, doc_type = rest.rpartition(", ")
        yield text, RelationRef(kind=origin or SAME_MATTER, target_source_id=target, doc_type=doc_type)


def _first(pairs: list[tuple[str, str]], *labels: str) -> str:
    for wanted in labels:
        for label, value in pairs:
            if label.casefold() == wanted and value:
                return value
    return ""


def _all(pairs: list[tuple[str, str]], wanted: str) -> list[str]:
    return [value for label, value in pairs if label.casefold() == wanted and value]


def _dok_id(url: str) -> str:
    values = parse_qs(urlsplit(url).query).get("dok_id", [""])
    return values[-1] if values[-1].isdigit() else ""
