"""The Riigikantselei register (Lotus Domino ``avalikteave.nsf``, XML views) served from one corpus body.

The XML shapes follow recordings of the real database: ``search?open&query=…`` answers ``<entries
totalhits>`` with ``<document noteid>`` rows, a document answers ``<document form noteid>`` with
``<fieldtitles>``, the non-empty ``<field name>`` values, ``<file size href>`` and a ``<case>`` block of
the matter's documents. A note id is the corpus id in hex (``NT%08X``).

How the simulated server pages (our model of a Domino server with a per-query maximum):
``SearchMax`` is lowered to ``per_query_max`` (100), one answer holds at most ``min(Count, SearchMax)``
rows from ``Start`` on, and ``totalhits`` is the whole number of matches, so a client pages past the
maximum with ``Start``. With ``truncate_total=True`` it behaves like a server that cuts the search
itself: ``totalhits`` never exceeds ``SearchMax`` and rows past it are unreachable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape, quoteattr

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import PUBLIC, Corpus, SimDocument
from dokreg.simulator.files import FileMaker
from dokreg.simulator.web import Request, Response

PER_QUERY_MAX = 100
DB_PATH = "avalikteave.nsf"  # only used in the stylesheet line, as the real one names its database
XML_TYPE = "text/xml;charset=UTF-8"
RESTRICTED_TEXT = "Asutusesiseseks kasutamiseks"

_ROUTE = re.compile(r"^/(?P<slug>[a-z0-9_-]+)/(?P<rest>.*)$")
_DOCUMENT = re.compile(r"^documents/NT(?P<hex>[0-9A-Fa-f]{8})$")
_FILE = re.compile(r"^documents/NT(?P<hex>[0-9A-Fa-f]{8})/\$file/(?P<name>.+)$")
_QUERY = re.compile(
    r"^\s*\[date\]\s*>=\s*(\d{1,2}\.\d{1,2}\.\d{4})\s+AND\s+\[date\]\s*<=\s*(\d{1,2}\.\d{1,2}\.\d{4})\s*$",
    re.IGNORECASE,
)
_SEARCH_TITLES = (
    ("subject", "Pealkiri"), ("date", "Kuupäev"), ("from", "Autor"), ("receivedfrom", "Kellelt saabunud"),
    ("sentto", "Kellele saadetud"), ("docid", "Dokumendi nr"), ("documenttype", "Liik"),
)  # fmt: skip


class RiigikantseleiSite:
    def __init__(
        self,
        corpus: Corpus,
        slug: str,
        files: FileMaker | None = None,
        per_query_max: int = PER_QUERY_MAX,
        truncate_total: bool = False,
    ):
        corpus.body(slug)  # an unknown body fails now, not on the first request
        self.corpus = corpus
        self.slug = slug
        self.files = files or FileMaker(corpus.config.seed)
        self.per_query_max = per_query_max
        self.truncate_total = truncate_total

    def handle(self, request: Request) -> Response:
        match = _ROUTE.match(request.path)
        if request.method not in ("GET", "HEAD") or not match or match["slug"] != self.slug:
            return not_found()
        rest = match["rest"]
        try:
            if rest == "search":
                return self._search(_params(request.query))
            if found := _DOCUMENT.match(rest):
                return self._document(int(found["hex"], 16))
            if found := _FILE.match(rest):
                return self._file(int(found["hex"], 16), found["name"])
        except NotFoundAtSource:
            return not_found()
        return not_found()

    # -- search -----------------------------------------------------------------------------
    def _search(self, params: dict[str, str]) -> Response:
        query = params.get("query", "")
        match = _QUERY.match(query)
        days = (_date(match.group(1)), _date(match.group(2))) if match else (None, None)
        if days[0] is None or days[1] is None:
            return _error(400, f"Query is not understandable - {query}")
        found = sorted(self.corpus.search(self.slug, days[0], days[1]), key=lambda d: d.id)
        search_max = _number(params.get("searchmax"), self.per_query_max) or self.per_query_max
        search_max = min(search_max, self.per_query_max)
        if self.truncate_total:
            found = found[:search_max]
        start = max(1, _number(params.get("start"), 1))
        count = max(1, _number(params.get("count"), 20))
        rows = found[start - 1 : start - 1 + min(count, search_max)]
        encoded = quote(query, safe="")
        head = (
            f'<entries viewname="search" viewtitle="Otsing" start="{start}" count="{count}" '
            f'query="{encoded}" searchorder="{params.get("searchorder", "4")}" searchmax="{search_max}" '
            f'hits="{len(rows)}" totalhits="{len(found)}" from="{start}" to="{start + count - 1}" '
            f'prev="{max(1, start - count)}" next="{start + count}">\n'
        )
        titles = "".join(f'<fieldtitle name="{n}">{t}</fieldtitle>\n' for n, t in _SEARCH_TITLES)
        body = head + f"<fieldtitles>\n{titles}</fieldtitles>\n" + "".join(self._row(d) for d in rows)
        return _xml(body + "</entries>\n", kind="search")

    def _row(self, doc: SimDocument) -> str:
        fields = (("date", _d(doc.registered)), ("docid", doc.reference), ("documenttype", doc.doc_type))
        fields += (("subject", doc.title),)
        return (
            f'<document noteid="{note_id(doc.id)}" href="{self._href(doc.id)}?open">\n'
            + "".join(_field(name, value) for name, value in fields)
            + "</document>\n"
        )

    # -- documents --------------------------------------------------------------------------
    def _document(self, doc_id: int) -> Response:
        doc = self.corpus.document(self.slug, doc_id)
        kind = self._kind(doc)
        fields = self._fields(doc, kind)
        titles = "".join(f"<fieldtitle name={quoteattr(n)}>{escape(t)}</fieldtitle>\n" for n, t, _ in fields)
        body = (
            f'<document form="{"InDoc" if kind in ("in", "request") else "Doc"}" noteid="{note_id(doc.id)}">\n'
            f"<fieldtitles>\n{titles}</fieldtitles>\n"
            + "".join(_field(name, value) for name, _title, value in fields if value)
            + "".join(self._file_element(doc, f) for f in doc.listed_files)
            + "\n"
            + self._case(doc)
            + "</document>\n"
        )
        return _xml(body, kind="document")

    def _fields(self, doc: SimDocument, kind: str) -> list[tuple[str, str, str]]:
        incoming = kind in ("in", "request")
        restricted = doc.access != PUBLIC
        way = "Saabumise" if incoming else "Saatmise"
        ends = f"{_d(doc.restriction_ends)} dokumendi avalikustamine" if doc.restriction_ends else ""
        return [
            (
                "companyname" if incoming else "sentto",
                "Kellelt" if incoming else "Kellele",
                doc.correspondent,
            ),
            ("indocdate" if incoming else "outdocdate", f"{way} kuupäev", _d(doc.registered)),
            ("indoccat" if incoming else "outdoccat", f"{way} viis", doc.channel),
            ("doctype", "Dokumendi liik", doc.doc_type),
            ("docid", "Dokumendi number", doc.reference),
            ("date", "Kuupäev", _d(doc.registered)),
            ("otherref", "Saatja viit", doc.sender_reference),
            ("subject", "Pealkiri", doc.title),
            ("dtdeadline", "Tähtaeg", _d(doc.due_date)),
            ("from", "Autor", doc.responsible),
            ("journalkeyhierarchy", "Sari", f"{doc.function}/{doc.series}"),
            ("docaccesstype", "Juurdepääs", RESTRICTED_TEXT if restricted else ""),
            ("accessrestrictionbegindate", "Piirangu algus", _d(doc.restriction_begins)),
            ("accessrestrictionenddate+enddatecomment", "Piirangu lõpp", ends),
            ("accessrestrictionreason", " Piirangu alus", doc.restriction_basis),
            ("body", "Tekst", " \\nl".join(doc.paragraphs[:1])),
        ]

    def _file_element(self, doc: SimDocument, sim_file) -> str:
        size = len(self.files.content(doc, sim_file)[0])
        href = f"{self._href(doc.id)}/$file/{sim_file.name}"
        return f'<file size="{size}" href={quoteattr(href)}>{escape(sim_file.name)}</file>\n'

    def _case(self, doc: SimDocument) -> str:
        root = matter_root(doc.reference)
        members = [d for d in self.corpus.documents(self.slug) if matter_root(d.reference) == root]
        rows = "".join(
            f'<document noteid="{note_id(d.id)}" href="{self._href(d.id)}?open">\n'
            f'<field name="docid" link="true">{escape(d.reference)}</field>\n'
            f'<field name="subject" link="true">{escape(d.title)}</field>\n</document>\n'
            for d in members
        )
        return f"<case number={quoteattr(root)}>\n{rows}</case>\n"

    def _file(self, doc_id: int, name: str) -> Response:
        doc = self.corpus.document(self.slug, doc_id)
        for sim_file in doc.listed_files:
            if sim_file.name == unquote(name):
                body, content_type = self.files.content(doc, sim_file)
                return Response(200, body, content_type, kind="file")
        raise NotFoundAtSource(f"simulator: {note_id(doc_id)} lists no public file {name!r}")

    def _kind(self, doc: SimDocument) -> str:
        return next((t.kind for t in self.corpus.doc_types(self.slug) if t.name == doc.doc_type), "")

    def _href(self, doc_id: int) -> str:
        return f"/{self.slug}/documents/{note_id(doc_id)}"


def note_id(doc_id: int) -> str:
    return f"NT{doc_id:08X}"


def matter_root(reference: str) -> str:
    """``26-00914-2`` → ``26-00914``; a reference without a ``-N`` suffix is its own matter."""
    head, _, tail = reference.rpartition("-")
    return head if head and tail.isdigit() else reference


def not_found() -> Response:
    return _error(404, "Entry not found in index")


def _error(status: int, message: str) -> Response:
    # Domino answers errors with a small HTML page, not XML.
    page = (
        '<html><head><title>Error</title></head><body text="#000000">'
        f"<h1>Error {status}</h1>HTTP Web Server: Lotus Notes Exception - {escape(message)}</body></html>"
    )
    return Response(status, page.encode("utf-8"), "text/html;charset=UTF-8", kind="other")


def _xml(body: str, kind: str) -> Response:
    prolog = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<?xml-stylesheet type="text/xsl" href="/{DB_PATH}/default.xsl"?>\n'
    )
    # XML 1.0 cannot carry control characters: Domino leaves them out, and so does the simulator (the hostile
    # corpus puts them in every field).
    return Response(200, (prolog + body.translate(_NOT_IN_XML)).encode("utf-8"), XML_TYPE, kind=kind)


_NOT_IN_XML = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r") | {0xFFFE: None, 0xFFFF: None}


def _field(name: str, value: str) -> str:
    return f"<field name={quoteattr(name)}>{escape(value)}</field>\n"


def _params(query: str) -> dict[str, str]:
    """Domino's URL arguments: ``open`` first, names case-insensitive, values percent-encoded."""
    params: dict[str, str] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        params[unquote(name).strip().lower()] = unquote(value.replace("+", " "))
    return params


def _number(value: str | None, default: int) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdecimal() else default


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def _d(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""
