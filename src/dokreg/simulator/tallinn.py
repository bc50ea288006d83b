"""Tallinn's document register (DHS "atp", HTML over sequential ids), served from one body of a corpus.

Paths, under ``/{slug}/`` (so the connector's base URL is ``server.url + "/{slug}/"``):

- ``?c_tpl=1092&command=details&dok_id={id}`` — the document page: ``div.row`` pairs of
  ``detail_label``/``detail_desc`` in ``#document_container``; a missing id is a 200 page whose
  container is empty, as the real register answers;
- ``failid/adr2/{file id}/public/{mangled name}`` — a public document's file.

Which labels appear depends on the document, as on the real pages: an incoming letter has "Saatja",
"Saatja kirja nr", "Saatja kuupäev" and "Täitja"; an outgoing one names the official as "Saatja" and
the addressee as "Kellele"; a contract has two "Lepingu pool" rows and a "Lepingu objekt"; a private
person appears only as "Lisainfo: Isik:K. P.". File links carry a mangled name, the link text the
readable one. "Dokumendid samas küsimuses" lists the matter's documents with their origin type.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from urllib.parse import parse_qs

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import Corpus, SimDocument, SimFile
from dokreg.simulator.files import FileMaker
from dokreg.simulator.sequential import SequentialSite
from dokreg.simulator.web import Request, Response

FIRST_ID = 5_600_000
REGISTER_TITLE = "Tallinna ametiasutuste dokumendiregister"
ACCESS_WORDS = {"Avalik": "Avalik", "AK": "Asutusesiseseks kasutamiseks"}
# How a related document's role in the matter reads on Tallinn's pages.
ORIGIN_WORDS = {
    "alusdokument": "Algatusdokument",
    "vastusdokument": "Vastusdokument",
    "seotud dokument": "Järg",
}
_PRIVATE = re.compile(r"^(?:[A-ZÕÄÖÜŠŽ]\.\s?)+$")
_FILE_PATH = re.compile(r"^failid/adr2/(?P<file_id>\d+)/public/[^/]+$")


class TallinnSite(SequentialSite):
    def __init__(
        self, corpus: Corpus, slug: str = "tallinn", files: FileMaker | None = None, first_id: int = FIRST_ID
    ):
        super().__init__(corpus, slug, files, first_id)

    def handle(self, request: Request) -> Response:
        prefix = f"/{self.slug}"
        if request.method not in ("GET", "HEAD") or not (request.path + "/").startswith(prefix + "/"):
            return _missing_file()
        rest = request.path[len(prefix) :].strip("/")
        if match := _FILE_PATH.match(rest):
            return self._file(int(match["file_id"]))
        if rest:
            return _missing_file()
        query = parse_qs(request.query)
        dok_id = query.get("dok_id", [""])[-1]
        if query.get("command", [""])[-1] != "details" or not (dok_id.isascii() and dok_id.isdigit()):
            return self._html("", kind="other")
        return self._details(int(dok_id))

    # -- what a document looks like -------------------------------------------------------------

    def rows(self, doc: SimDocument) -> list[tuple[str, str]]:
        """The label/value rows in the order the real pages use; empty values are left out."""
        kind = self.kind(doc)
        # A letter to or from a private person names them only in the extra info; a contract party is a row.
        private = kind != "contract" and bool(_PRIVATE.match(doc.correspondent))
        party = "" if private else doc.correspondent
        rows = [
            ("ID", str(doc.id)),
            ("Liik", doc.doc_type),
            ("Reg nr", doc.reference),
            ("Reg kpv", _d(doc.registered)),
        ]
        if kind in ("in", "request"):
            rows += [
                ("Saatja", party),
                ("Saatja kirja nr", doc.sender_reference),
                ("Saatja kuupäev", _d(doc.registered)),
                ("Asutus", self.body.name),
                ("Täitja", doc.responsible),
                ("Pealkiri", doc.title),
                ("Saatmisviis", doc.channel),
                ("Päritolu tüüp", "Järg" if doc.relations else "Algatusdokument"),
            ]
        elif kind == "out":
            rows += [
                ("Asutus", self.body.name),
                ("Saatja", doc.responsible),
                ("Kellele", party),
                ("Pealkiri", doc.title),
                ("Saatmisviis", doc.channel),
            ]
        elif kind == "contract":
            rows += [("Lepingu pool", self.body.name), ("Lepingu pool", party), ("Lepingu objekt", doc.title)]
        else:
            rows += [("Asutus", self.body.name), ("Täitja", doc.responsible), ("Pealkiri", doc.title)]
        rows.append(("Juurdepääsupiirang", ACCESS_WORDS.get(doc.access, doc.access)))
        if not doc.is_public:
            rows += [
                ("Juurdepääsupiirang alates", _d(doc.restriction_begins)),
                ("Juurdepääsupiirang kuni", _d(doc.restriction_ends)),
                ("Juurdepääsupiirangu alus", doc.restriction_basis),
            ]
        if private:
            rows.append(("Lisainfo", f"Isik:{doc.correspondent}"))
        return [(label, value) for label, value in rows if value]

    def file_href(self, doc: SimDocument, sim_file: SimFile) -> str:
        """The link's mangled name: every character outside ASCII letters and digits becomes "_"."""
        stem, dot, extension = sim_file.name.rpartition(".")
        mangled = re.sub(r"[^A-Za-z0-9]", "_", stem if dot else sim_file.name)
        return f"/{self.slug}/failid/adr2/{sim_file.file_id:08d}/public/{mangled}.{doc.id}.{extension}"

    # -- responses ------------------------------------------------------------------------------

    def _details(self, public_id: int) -> Response:
        try:
            doc = self.document(public_id)
        except NotFoundAtSource:
            return self._html(_container(""), kind="document")
        rows = "".join(
            f'<div class="row">\n<div class="detail_label">{escape(label)}</div>\n'
            f'<div class="detail_desc">{escape(value, quote=False)}{"<br>" if label == "Lisainfo" else ""}</div>\n</div>\n'
            for label, value in self.rows(doc)
        )
        rows += self._files_row(doc)
        return self._html(_container(rows) + self._related(doc), kind="document")

    def _files_row(self, doc: SimDocument) -> str:
        if not doc.listed_files:
            return ""
        links = "".join(
            f'<a href="{escape(self.file_href(doc, f))}">{escape(f.name, quote=False)}</a><br>\n'
            for f in doc.listed_files
        )
        return f'<div class="row">\n<div class="detail_label">Failid</div>\n<div class="detail_desc">{links}</div>\n</div>\n'

    def _related(self, doc: SimDocument) -> str:
        related = sorted(
            self.corpus.related(self.slug, doc.id), key=lambda pair: (pair[1].registered, pair[1].id)
        )
        if not related:
            return ""
        items = ""
        for kind, other in related:
            href = f"/{self.slug}/?c_tpl=1092&amp;command=details&amp;dok_id={self.ids.public_id(other.id)}"
            text = f"{_d(other.registered)} {ORIGIN_WORDS.get(kind, kind.capitalize())}, {other.doc_type}"
            items += f'<li><a href="{href}">{escape(text, quote=False)}</a></li>\n'
        own = "Järg" if doc.relations else "Algatusdokument"
        items += f"<li><b>{_d(doc.registered)} {own}, {escape(doc.doc_type, quote=False)}</b></li>\n"
        return f'<div class="doc_related">Dokumendid samas küsimuses: </div>\n<div id="related_container">\n<ul>\n{items}</ul>\n</div>\n'

    def _file(self, file_id: int) -> Response:
        try:
            doc, sim_file = self.corpus.file(self.slug, file_id)
        except NotFoundAtSource:
            return _missing_file()
        body, content_type = self.files.content(doc, sim_file)
        # The real server sends no Content-Disposition: the name is known only from the link text.
        return Response(200, body, content_type, kind="file")

    def _html(self, content: str, kind: str) -> Response:
        page = _PAGE.format(slug=self.slug, title=REGISTER_TITLE, content=content)
        return Response(200, page.encode("utf-8"), kind=kind)


def _container(rows: str) -> str:
    return f'<div id="document_container">\n{rows}</div><!-- #document_container -->\n'


def _missing_file() -> Response:
    body = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
    return Response(404, body, "text/html; charset=iso-8859-1", kind="other")


def _d(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="et" lang="et">
<head>
    <title>{title}</title>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <meta name="robots" content="noindex">
</head>
<body>
    <div id="header_container"><div id="header_logo"></div></div>
    <div id="main_container">
        <div id="sidebar_container">
            <div id="side_menu_container"><ul>
                <li class="active"><a href="/{slug}/?id=1255">Dokumentide kataloog</a></li>
                <li><a href="/{slug}/?id=1271">Detailotsing</a></li>
            </ul></div>
            <form method="get" action="/{slug}/" name="quickform" id="quickform"><div id="search_container"><dl>
                <dt>Kiirotsing</dt>
                <dd><div>Pealkiri</div><input type="text" name="pealkiri" id="pealkiri"/></dd>
                <dd><div>Reg nr</div><input type="text" class="short" name="regnr" id="regnr"/>
                <input type="hidden" name="c_tpl" value="1092"><input type="hidden" name="command" value="quick"></dd>
            </dl></div></form>
        </div> <!-- / sidebar_container -->
        <div id="content">
            <div id="content_wrapper">
            <div class="catalog_details">
<div class="doc_paging"><a href="#" onclick="history.go(-1);">« tagasi</a></div>
</div>
{content}            </div>
        </div><!-- #content -->
    </div> <!-- / main_container -->
    <div id="footer_container">Copyright 2005</div>
</body>
</html>
"""
