"""The Riigikogu document register (parliament's WordPress site, HTML) served from one corpus body.

The markup follows recordings of the real pages: a list under "Otsingu tulemused: N" with a
``tbody.search-results-eelnoud`` table (viit, kuupäev, pealkiri with the document link, liik) and a
``div.pagination``; a document page with a label/value table and a files table whose rows carry access,
basis and validity, restricted files without a link; files under ``/download/{uuid}`` at the site root.

Behaviour follows the real one: newest first, ``prepage`` rows a page (25), agenda items ("Üksuse istungi
päevakorrapunkt") listed among the documents and counted in N, a page past the end shows the count and
no rows. Ids are UUIDs derived from corpus ids, so pages are byte-identical for one corpus.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from html import escape
from urllib.parse import parse_qsl

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import PUBLIC, Corpus, SimDocument
from dokreg.simulator.files import FileMaker
from dokreg.simulator.web import Request, Response

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
AGENDA_TYPE = "Üksuse istungi päevakorrapunkt"
AGENDA_TITLES = ("Info ja muud küsimused", "Nädala töökava kinnitamine", "Kokkuvõte", "Ülevaade eelnõust")
RESTRICTED_TEXT = "Asutusesiseseks kasutamiseks"
_NAMESPACE = uuid.UUID("6f1c3a52-9b0e-4c61-8d3f-2a7e5b4c9d10")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_DOCUMENT = re.compile(rf"^dokument/(?P<id>{_UUID})/?$")
_DOSSIER = re.compile(rf"^toimikud/(?P<id>{_UUID})/?$")
_DOWNLOAD = re.compile(rf"^/download/(?P<id>{_UUID})/?$")


def document_uuid(slug: str, doc_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{slug}:document:{doc_id}"))


def file_uuid(slug: str, file_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{slug}:file:{file_id}"))


def dossier_uuid(slug: str, case_file: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{slug}:dossier:{case_file}"))


class RiigikoguSite:
    def __init__(self, corpus: Corpus, slug: str, files: FileMaker | None = None, agenda_items: bool = True):
        corpus.body(slug)
        self.corpus = corpus
        self.slug = slug
        self.files = files or FileMaker(corpus.config.seed)
        self.agenda_items = agenda_items
        # Corpus ids never change (withdrawn ones then answer 404 through the corpus), so map once.
        documents = corpus.documents(slug)
        self._documents = {document_uuid(slug, d.id): d.id for d in documents}
        self._files = {file_uuid(slug, f.file_id): f.file_id for d in documents for f in d.files}
        self._agenda = {item[0]: item for day in corpus.days() for item in self._agenda_for(day)}

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return not_found()
        try:
            if match := _DOWNLOAD.match(request.path):
                return self._download(match["id"])
            prefix = f"/{self.slug}/"
            if not (request.path + "/").startswith(prefix):
                return not_found()
            rest = request.path[len(prefix) :]
            if rest == "":
                return self._list(_params(request.query))
            if match := _DOCUMENT.match(rest):
                return self._document(match["id"])
            if match := _DOSSIER.match(rest):
                return self._page("Toimik", "<p>Toimiku dokumendid</p>")
        except NotFoundAtSource:
            return not_found()
        return not_found()

    # -- the list ---------------------------------------------------------------------------
    def _list(self, params: dict[str, str]) -> Response:
        start, end = _date(params.get("startDate", "")), _date(params.get("endDate", ""))
        rows = self._rows(start, end) if start and end else []
        size = min(max(1, _number(params.get("prepage"), PAGE_SIZE)), MAX_PAGE_SIZE)
        page = max(1, _number(params.get("pg"), 1))
        shown = rows[(page - 1) * size : page * size]
        content = f'<h2 class="marginB-20">Otsingu tulemused:  {len(rows)}</h2>\n'
        if rows:
            content += (
                '<div class="table-wrapper"><table class="table table-striped marginT-5"><thead>'
                '<tr class="table-sort">'
                + "".join(
                    f'<th class="w-1 "><a href="?sortBy={key}"><span class="sort-text">{name}'
                    '<span class="sort-icon">Sorteeriti</span></span></a></th>'
                    for key, name in _COLUMNS
                )
                + '</tr></thead><tbody class="search-results-eelnoud">'
                + "".join(_list_row(*row) for row in shown)
                + "</tbody></table></div>"
                + _pagination(params, page, -(-len(rows) // size))
            )
        else:
            content += "<p>Otsingu tulemusi ei leitud.</p>"
        return self._page("Dokumendiregister", content, kind="search")

    def _rows(self, start: date, end: date) -> list[tuple[str, str, date, str, str]]:
        """(uuid, reference, day, title, type) newest day first; a day's agenda items before its documents."""
        by_day: dict[date, list] = {}
        for doc in self.corpus.search(self.slug, start, end):
            by_day.setdefault(doc.registered, []).append(
                (document_uuid(self.slug, doc.id), doc.reference, doc.registered, doc.title, doc.doc_type)
            )
        for day in self.corpus.days():
            if start <= day <= end:
                agenda = [(u, "", d, title, AGENDA_TYPE) for u, d, title in self._agenda_for(day)]
                by_day[day] = agenda + by_day.get(day, [])
        return [row for day in sorted(by_day, reverse=True) for row in by_day[day]]

    def _agenda_for(self, day: date) -> list[tuple[str, date, str]]:
        if not self.agenda_items:
            return []
        count = (day.toordinal() + self.corpus.config.seed) % 4  # 0-3 agenda items a day
        return [
            (str(uuid.uuid5(_NAMESPACE, f"{self.slug}:agenda:{day}:{n}")), day, AGENDA_TITLES[n])
            for n in range(count)
        ]

    # -- documents and files ----------------------------------------------------------------
    def _document(self, doc_uuid: str) -> Response:
        if doc_uuid in self._agenda:
            _u, day, title = self._agenda[doc_uuid]
            rows = (("Pealkiri", escape(title)), ("Istungi kuupäev", _d(day)))
            return self._page("Dokument", _meta_table(rows), kind="document")
        doc_id = self._documents.get(doc_uuid)
        if doc_id is None:
            raise NotFoundAtSource(f"simulator: no Riigikogu document {doc_uuid}")
        doc = self.corpus.document(self.slug, doc_id)
        return self._page("Dokument", self._meta(doc) + self._files_table(doc), kind="document")

    def _meta(self, doc: SimDocument) -> str:
        kind = next((t.kind for t in self.corpus.doc_types(self.slug) if t.name == doc.doc_type), "")
        direction = {"in": "Sisse", "request": "Sisse", "out": "Välja"}.get(kind, "")
        dossier = dossier_uuid(self.slug, doc.case_file)
        rows = [
            ("Toimik", f'<a href="/{self.slug}/toimikud/{dossier}">{escape(doc.case_file)}</a>'),
            ("Dokumendi viit", escape(doc.reference)),
            ("Dokumendi loomise kuupäev", _d(doc.registered)),
            ("Pealkiri", escape(doc.title)),
            ("Autor/Adressaat", escape(doc.correspondent)),
            ("Autori viit", escape(doc.sender_reference)),
            ("Suund", direction),
            ("Saabumise/Saatmise viis", escape(doc.channel)),
            ("Tähtaeg", _d(doc.due_date)),
        ]
        return _meta_table([(label, value) for label, value in rows if value])

    def _files_table(self, doc: SimDocument) -> str:
        if not doc.files:
            return ""
        public = doc.access == PUBLIC
        rows = ""
        for sim_file in doc.files:
            if public:
                name = f'<a target="_blank" href="/download/{file_uuid(self.slug, sim_file.file_id)}">'
                name += f"{escape(sim_file.name)}</a>"
                cells = (name, "Avalik", "", "")
            else:
                validity = f"{_d(doc.restriction_begins)} - {_d(doc.restriction_ends)}"
                cells = (escape(sim_file.name), RESTRICTED_TEXT, escape(doc.restriction_basis), validity)
            rows += "<tr>" + "".join(f"<td>\n{cell}\n</td>" for cell in cells) + "</tr>"
        heads = ("Faili nimi", "Juurdepääsupiirang", "Piirangu alus", "Kehtiv kuni")
        return (
            '<table class="table table-striped marginB-30"><thead>'
            + "".join(f"<th class=\"w-1 \" title='' >\n{h}\n</th>" for h in heads)
            + f"</thead><tbody>{rows}</tbody></table>"
        )

    def _download(self, file_key: str) -> Response:
        file_id = self._files.get(file_key)
        if file_id is None:
            raise NotFoundAtSource(f"simulator: no Riigikogu file {file_key}")
        doc, sim_file = self.corpus.file(self.slug, file_id)
        body, content_type = self.files.content(doc, sim_file)
        return Response(200, body, content_type, kind="file")

    # -- page frame -------------------------------------------------------------------------
    def _page(self, title: str, content: str, kind: str = "other", status: int = 200) -> Response:
        page = (
            '<!DOCTYPE html><html lang="et"><head><meta charset="UTF-8">'
            f"<title>{escape(title)} - Riigikogu</title></head><body>"
            '<header class="site-header"><form action="/" method="get" class="search-form">'
            '<input class="field" type="text" name="s" value="" placeholder="Otsi"></form></header>'
            '<main id="main" class="page-content" role="main"><header class="page-header"><div class="container">'
            f'<h1 class="title">{escape(title)}</h1></div></header><section class="content-section">'
            f'<div class="container">{content}</div></section></main>'
            '<footer class="site-footer"><p>Riigikogu Kantselei, Lossi plats 1a, 15165 Tallinn</p></footer>'
            "</body></html>"
        )
        return Response(status, page.encode("utf-8"), "text/html; charset=UTF-8", kind=kind)


_COLUMNS = (
    ("reference", "Registreerimise viit"),
    ("created", "Kuupäev"),
    ("title", "Pealkiri"),
    ("documentTypeCode", "Toimiku/dokumendi liik"),
)


def not_found() -> Response:
    page = (
        '<!DOCTYPE html><html lang="et"><head><meta charset="UTF-8"><title>Lehekülge ei leitud - Riigikogu'
        '</title></head><body><main id="main"><h1 class="title">Lehekülge ei leitud</h1></main></body></html>'
    )
    return Response(404, page.encode("utf-8"), "text/html; charset=UTF-8", kind="other")


def _list_row(doc_uuid: str, reference: str, day: date, title: str, doc_type: str) -> str:
    href = f"https://www.riigikogu.ee/tegevus/dokumendiregister/dokument/{doc_uuid}"
    return (
        f"<tr>\n<td>\n{escape(reference)}</td>\n<td>\n{_d(day)}</td>\n"
        f'<td>\n<a href="{href}">{escape(title)}</a></td>\n<td>\n{escape(doc_type)}</td>\n</tr>\n'
    )


def _meta_table(rows) -> str:
    body = "".join(
        f'<tr>\n<td class="width-20"><strong>{label}:</strong></td>\n<td>{value}</td>\n</tr>\n'
        for label, value in rows
    )
    return f'<table class="table table-striped marginB-30">\n{body}</table>\n'


def _pagination(params: dict[str, str], page: int, pages: int) -> str:
    def link(number: int, text: str, css: str = "") -> str:
        query = "&amp;".join(f"{k}={escape(v)}" for k, v in {**params, "pg": str(number)}.items())
        return f'<a class="{css}" href="?{query}">{text}</a>'

    parts = [link(max(1, page - 1), "Eelmine", "prev")]
    parts += [link(n, str(n), "current" if n == page else "") for n in range(1, pages + 1)]
    parts.append(link(min(pages, page + 1), "Järgmine ", "next"))
    return '<div class="pagination">' + "".join(parts) + "</div>"


def _params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query, keep_blank_values=True))


def _number(value: str | None, default: int) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdecimal() else default


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None


def _d(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""
