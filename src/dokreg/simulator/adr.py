"""The ADR ("Delta public view") register family, served from a corpus.

The markup follows recordings of the real register (search form, result lists with the pager,
document pages with "Failid" and "Seosed", the 404 page), because the ADR connector is written against
those recordings and has to read these pages unchanged. Behaviour follows the real one too:
20 rows a page, newest first, at most 100 results reachable per search ("Kokku: 100" when more match),
an out-of-range page repeats the last page, and paging (`GET otsing/N`) uses the last search kept
in a cookie-keyed session like the Java app's JSESSIONID.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from urllib.parse import quote

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import PUBLIC, RESTRICTED, Corpus, SimDocument
from dokreg.simulator.files import FileMaker
from dokreg.simulator.web import Request, Response

PAGE_SIZE = 20
RESULT_CAP = 100
VERSION = "v1.4.19"
SESSION_COOKIE = "JSESSIONID"

_ROUTE = re.compile(r"^/(?P<slug>[a-z0-9_-]+)(?:/(?P<rest>.*))?$")


@dataclass(frozen=True)
class SearchForm:
    title: str = ""
    reg_from: date | None = None
    reg_to: date | None = None
    type_ids: tuple[int, ...] = ()
    access: str = ""


class AdrSite:
    def __init__(self, corpus: Corpus, files: FileMaker | None = None):
        self.corpus = corpus
        self.files = files or FileMaker(corpus.config.seed)
        self._sessions: dict[tuple[str, str], SearchForm] = {}
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        match = _ROUTE.match(request.path)
        if not match or match["slug"] not in {spec.slug for spec in self.corpus.bodies}:
            return not_found()
        slug, rest = match["slug"], (match["rest"] or "").rstrip("/")
        try:
            return self._route(request, slug, rest)
        except NotFoundAtSource:
            return not_found()

    def _route(self, request: Request, slug: str, rest: str) -> Response:
        parts = rest.split("/") if rest else []
        if request.method == "POST" and parts == ["otsing"]:
            return self._search(request, slug)
        if request.method not in ("GET", "HEAD"):
            return not_found()
        if parts in ([], ["otsing"]):
            return self._html(slug, self._form(slug, None, submitted=False), "", kind="form")
        if len(parts) == 2 and parts[0] == "otsing" and _int(parts[1], -1) >= 0:
            return self._page(request, slug, int(parts[1]))
        if len(parts) == 2 and parts[0] == "dokument" and _int(parts[1], -1) >= 0:
            return self._html(
                slug, self._form(slug, None, False), self._document(slug, int(parts[1])), "document"
            )
        if len(parts) >= 2 and parts[0] == "fail" and _int(parts[1], -1) >= 0:
            return self._file(slug, int(parts[1]))
        return not_found()

    # -- search -----------------------------------------------------------------------------

    def _search(self, request: Request, slug: str) -> Response:
        fields = request.form()
        try:
            form = _parse_form(fields)
        except ValueError as error:
            message = f'<div class="message msg-error"><div><h2>{escape(str(error))}</h2></div></div>'
            return self._html(slug, self._form(slug, None, submitted=False), message, kind="search")
        session = request.cookie(SESSION_COOKIE) or secrets.token_hex(16).upper()
        with self._lock:
            self._sessions[(session, slug)] = form
        page = _int(fields.get("pageNumber", ["1"])[-1], default=1)
        response = self._results(slug, form, page, kind="search")
        cookie = f"{SESSION_COOKIE}={session}; Path=/{slug}; HttpOnly"
        return Response(
            response.status, response.body, response.content_type, (("Set-Cookie", cookie),), "search"
        )

    def _page(self, request: Request, slug: str, page: int) -> Response:
        with self._lock:
            form = self._sessions.get((request.cookie(SESSION_COOKIE), slug))
        if form is None:  # no search in this session: the app shows the empty form
            return self._html(slug, self._form(slug, None, submitted=False), "", kind="page")
        return self._results(slug, form, page, kind="page")

    def _results(self, slug: str, form: SearchForm, page: int, kind: str) -> Response:
        found = self.corpus.search(
            slug, form.reg_from, form.reg_to, form.access or None, form.type_ids, form.title
        )
        visible = found[:RESULT_CAP]
        pages = max(1, -(-len(visible) // PAGE_SIZE))
        page = min(max(page, 1), pages)  # out of range: the last page again, like the real one
        rows = visible[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        content = (
            "<h1>\n            Otsingu tulemused\n         </h1>"
            '<table class="data hover"><thead><tr><th>Viit</th><th>Reg. kpv</th><th>Pealkiri</th>'
            "<th>Dokumendi liik</th><th>Teised osapooled</th></tr></thead><tbody>"
            + "".join(_result_row(slug, doc) for doc in rows)
            + "</tbody></table>"
            + _pager(slug, page, pages, (page - 1) * PAGE_SIZE, len(rows), len(visible))
        )
        return self._html(slug, self._form(slug, form, submitted=True), content, kind)

    # -- document and files -----------------------------------------------------------------

    def _document(self, slug: str, doc_id: int) -> str:
        doc = self.corpus.document(slug, doc_id)
        meta = [
            ("Viit", doc.reference),
            ("Registreerimise kpv", _d(doc.registered)),
            ("Dokumendi liik", doc.doc_type),
        ]
        meta.append(("Pealkiri", doc.title))
        classification = [("Funktsioon", doc.function), ("Sari", doc.series), ("Toimik", doc.case_file + " ")]
        access = [("Juurdepääsupiirang", doc.access)]
        if doc.access == RESTRICTED:
            if doc.restriction_change_basis:
                access.append(("Juurdepääsupiirangu muutmise alus", doc.restriction_change_basis))
            access += [
                ("Juurdepääsupiirangu alus", doc.restriction_basis),
                ("Kehtiv alates", _d(doc.restriction_begins)),
                ("Kehtiv kuni", _d(doc.restriction_ends)),
            ]
        parties = [
            ("Saatja/saaja viit", doc.sender_reference),
            ("Adressaat", doc.correspondent),
            ("Saabumis/saatmisviis", doc.channel),
            ("Vastutaja", doc.responsible),
            ("Lahendamise tähtaeg", _d(doc.due_date)),
            ("Välja saatmise kuupäev", f"{doc.sent_at:%d.%m.%Y %H:%M}" if doc.sent_at else ""),
        ]
        tables = [
            _form_table(rows) for rows in (meta, classification, access, parties) if any(v for _, v in rows)
        ]
        html = '<h1>Dokument</h1><div class="title clear"><h2>Metaandmed</h2></div>'
        html += '<div class="hr"><hr/></div>'.join(tables)
        html += _files_table(slug, doc) + _relations_table(slug, self.corpus.related(slug, doc_id))
        return html

    def _file(self, slug: str, file_id: int) -> Response:
        doc, sim_file = self.corpus.file(slug, file_id)
        body, content_type = self.files.content(doc, sim_file)
        disposition = f"attachment; filename*=UTF-8''{quote(sim_file.name)}"
        return Response(200, body, content_type, (("Content-Disposition", disposition),), kind="file")

    # -- page frame -------------------------------------------------------------------------

    def _html(self, slug: str, form: str, content: str, kind: str) -> Response:
        spec = self.corpus.body(slug)
        title = escape(spec.register_title)
        active = ' class="active"' if kind == "document" else ' class=""'
        page = (
            _HEAD.format(title=title) + '<body><div id="wrap"><div id="header"><div class="aligner">'
            f'<p id="logo"><a href="/{slug}/">{title}</a></p>'
            f'<form id="quickSearch" action="/{slug}/kiirotsing" method="post"><p id="search">'
            '<input id="input" name="input" class="txt" title="Otsing üle kõigi dokumendi andmete" type="text"'
            ' value=""/><input value="1" name="pageNumber" type="hidden"/><input value="Otsi" class="button"'
            ' type="submit"/></p></form></div></div>'
            f'<div id="nav"><div class="aligner"><ul><li{active}><a href="/{slug}/">Dokumentide loetelu</a></li>'
            '</ul></div></div><div class="clear" id="page"><div class="aligner"><div id="sidebarcontainer">'
            f'<div id="sidebar"><div class="inner">{form}</div></div>'
            '<img alt="Euroopa Regionaalarengu Fond" src="/gfx/logo_euro2.png" id="eulogo"/></div>'
            f'<div id="content">{content}</div></div></div>'
            '<div id="footer"><div class="aligner"><p>'
            f'<strong>{escape(spec.name)}</strong><span class="sep">|</span>\n'
            f'                     {VERSION}<span class="sep">|</span>\n'
            f'                     Telefon: {escape(spec.phone)}<span class="sep">|</span>\n'
            f'                     E-post: <a href="mailto:{escape(spec.email)}">{escape(spec.email)}</a><br/>'
            "</p></div></div></div>" + _SCRIPTS + "</body></html>"
        )
        return Response(200, page.encode("utf-8"), kind=kind)

    def _form(self, slug: str, form: SearchForm | None, submitted: bool) -> str:
        form = form or SearchForm()
        css = ' class="submitted"' if submitted else ""
        type_items = "".join(
            '<li class="item"><em class="input">'
            f'<input id="documentType-{t.type_id}" name="documentTypes" type="checkbox" value="{t.type_id}"'
            + (' checked="checked"' if t.type_id in form.type_ids else "")
            + '/><input type="hidden" name="_documentTypes" value="on"/></em>'
            f'<label class="clear" for="documentType-{t.type_id}"><span>{escape(t.name)}</span></label></li>'
            for t in self.corpus.doc_types(slug)
        )
        access_options = "".join(
            f'<option value="{value}"'
            + (' selected="selected"' if value and value == form.access else "")
            + f">{value}</option>"
            for value in ("", PUBLIC, RESTRICTED)
        )
        return _FORM.format(
            slug=slug,
            css=css,
            title=escape(form.title),
            reg_from=_d(form.reg_from),
            reg_to=_d(form.reg_to),
            type_items=type_items,
            access_options=access_options,
        )


def not_found() -> Response:
    return Response(404, _NOT_FOUND.encode("utf-8"), kind="other")


def _parse_form(fields: dict[str, list[str]]) -> SearchForm:
    def one(name: str) -> str:
        return fields.get(name, [""])[-1].strip()

    access = one("accessRestriction")
    if access not in ("", PUBLIC, RESTRICTED):
        raise ValueError(f"Tundmatu juurdepääs: {access}")
    type_ids = tuple(sorted({_int(v, default=-1) for v in fields.get("documentTypes", []) if v.strip()}))
    return SearchForm(one("title"), _date(one("regDateBegin")), _date(one("regDateEnd")), type_ids, access)


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%d.%m.%Y").date()
    except ValueError:
        raise ValueError(f"Vigane kuupäev: {value}") from None


def _int(value: str, default: int) -> int:
    value = value.strip()
    return int(value) if value.isascii() and value.isdecimal() else default


def _d(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def _result_row(slug: str, doc: SimDocument) -> str:
    href = f"/{slug}/dokument/{doc.id}"
    cells = (doc.reference, _d(doc.registered), doc.title, doc.doc_type, doc.correspondent)
    return (
        "<tr>" + "".join(f'<td><a href="{href}">{escape(c, quote=False)}</a></td>' for c in cells) + "</tr>"
    )


def _pager(slug: str, page: int, pages: int, offset: int, shown: int, total: int) -> str:
    def link(number: int, text: str) -> str:
        return f'<a href="/{slug}/otsing/{number}">{text}</a>'

    first = "<span>Esimene</span>" if page == 1 else link(1, "Esimene")
    last = "<span>Viimane</span>" if page == pages else link(pages, "Viimane")
    numbers = "".join(
        f'<li class="active"><strong>{n}</strong></li>' if n == page else f"<li>{link(n, str(n))}</li>"
        for n in range(1, pages + 1)
    )
    begin = offset + 1 if shown else 0
    return (
        f'<div class="pager clear"><ul><li class="first">{first}</li>{numbers}<li class="last">{last}</li></ul>'
        f"<p>Näitan: {begin}-{offset + shown} <span>|</span> Kokku: {total}</p></div>"
    )


# Two labels carry the line breaks and indentation the real templates leave in them.
_PADDED_LABELS = {
    "Adressaat": "\n                  Adressaat:\n            ",
    "Lahendamise tähtaeg": "\n                     Lahendamise tähtaeg:\n            ",
}


def _form_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><th class="nowrap">{_PADDED_LABELS.get(label, label + ":")}</th>'
        f'<td class="data">{escape(value, quote=False)}</td></tr>'
        for label, value in rows
        if value
    )
    return f'<table class="form"><tbody>{cells}</tbody></table>'


def _files_table(slug: str, doc: SimDocument) -> str:
    if not doc.listed_files:
        return ""
    rows = "".join(
        f'<tr><td><a href="/{slug}/fail/{f.file_id}/{quote(f.name)}">{escape(f.name, quote=False)}</a></td></tr>'
        for f in doc.listed_files
    )
    return (
        '<div class="title clear"><h2>Failid</h2></div><table class="data hover"><thead><tr><th>Nimetus</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _relations_table(slug: str, related: list[tuple[str, SimDocument]]) -> str:
    if not related:
        return ""
    rows = ""
    for kind, other in related:
        href = f"/{slug}/dokument/{other.id}"
        cells = ((other.doc_type, "nowrap"), (other.reference, "nowrap"), (other.title, ""), (kind, "nowrap"))
        rows += "<tr>" + "".join(_cell(text, css, href) for text, css in cells) + "</tr>"
    return (
        '<div class="title clear"><h2>Seosed</h2></div><table class="data hover"><thead><tr>'
        '<th class="nowrap">Liik</th><th class="nowrap">Viit</th><th>Pealkiri</th><th class="nowrap">Seos</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _cell(text: str, css: str, href: str) -> str:
    attribute = f' class="{css}"' if css else ""
    return f'<td{attribute}><a href="{href}">{escape(text, quote=False)}</a></td>'


_HEAD = (
    '\n      <!DOCTYPE html>\n   <html lang="et"><head><meta charset="utf-8"/>\n'
    "            <!--[if IE]>\n"
    '         <meta content="IE=edge,chrome=1" http-equiv="X-UA-Compatible"/>\n'
    "            <![endif]-->\n"
    '         <title>{title}</title><meta content="Webmedia" name="Author"/><meta content="" name="Keywords"/>'
    '<meta content="" name="Description"/><meta content="noindex, nofollow" name="robots"/>'
    '<meta content="noindex" name="googlebot"/><link href="/gfx/_reset.css" rel="stylesheet"/>'
    '<link media="screen, projection, tv" href="/gfx/_screen.css" rel="stylesheet"/>'
    '<link media="screen, projection, tv" href="/cal/jquery.datepick.css" rel="stylesheet"/>'
    '<link media="print" href="/gfx/_print.css" rel="stylesheet"/>'
    '<script>document.documentElement.className += " js";</script></head>'
)

_SCRIPTS = (
    '<script src="/js/jquery.js"></script><script src="/js/plugins.js"></script>'
    '<script src="/cal/jquery.datepick.min.js"></script><script src="/js/custom.js"></script>'
)


def _hint_row(inner: str, hint: str) -> str:
    return f'<div class="form-row hint-trigger">{inner}<div class="hint-content"><p>{hint}</p></div></div>'


def _date_pair(label: str, begin: str, end: str, begin_value: str, end_value: str) -> str:
    return (
        f'<label>{label}</label><span class="form-subrow clear"><input id="{begin}" name="{begin}" class="date"'
        f' type="text" value="{begin_value}"/><label for="{begin}" class="field-comment">(alates)</label></span>'
        f'<span class="form-subrow clear"><input id="{end}" name="{end}" class="date" type="text"'
        f' value="{end_value}"/><label for="{end}" class="field-comment">(kuni)</label></span>'
    )


def _text_input(name: str, label: str, value: str = "") -> str:
    return f'<label for="{name}">{label}</label><input id="{name}" name="{name}" class="text" type="text" value="{value}"/>'


def _multi_select(trigger: str, items: str, all_name: str) -> str:
    return (
        f'<div class="multi-select"><a title="" class="multi-select-trigger" href="javascript: void(0);"'
        f' id="{trigger}"><span></span></a><ul class="multi-select-list">{items}<li class="all"><em class="input">'
        f'<input value="" name="{all_name}" type="checkbox"/></em><label class="clear"><span>Vali kõik</span>'
        "</label></li></ul></div>"
    )


_MODES = "".join(
    f'<li class="item"><em class="input"><input id="transmittalMode-{n}" name="transmittalModes" type="checkbox"'
    f' value="{n}"/><input type="hidden" name="_transmittalModes" value="on"/></em>'
    f'<label class="clear" for="transmittalMode-{n}"><span>{mode}</span></label></li>'
    for n, mode in enumerate(("e-post", "Riigiportaal eesti.ee", "DVK", "post"))
)

# The advanced search form; doubled braces survive `str.format`.
_FORM = (
    '<form id="advancedSearch"{css} action="/{slug}/otsing" method="post">'
    + _hint_row(_text_input("title", "Pealkiri:", "{title}"), "Dokumendi pealkiri")
    + _hint_row(
        _date_pair("Registreerimise kpv:", "regDateBegin", "regDateEnd", "{reg_from}", "{reg_to}"),
        "Vali kalendrist dokumendi registreerimise algus- ja/või lõppkuupäev",
    )
    + _hint_row(
        "<label>Dokumendi liik:</label>" + _multi_select("i02-04", "{type_items}", "documentTypesAll"),
        "Vali alljärgnevast loetelust otsingule sobivad dokumendi liigid",
    )
    + _hint_row(
        _text_input("party", "Teine osapool:"),
        "Isik/asutus, kellele dokument on saadetud või kellelt saadud või kes on dokumendi väline osapool",
    )
    + _hint_row(_text_input("senderRegNr", "Saatja viit:"), "Välise asutuse poolt määratud dokumendi viit")
    + _hint_row(
        "<label>Saabumis/saatmisviis:</label>" + _multi_select("i02-05", _MODES, "transmittalModesAll"),
        "Vali alljärgnevast loetelust otsingule sobivad saabumise või saatmise viisid",
    )
    + _hint_row(
        '<label for="accessRestriction">Juurdepääs:</label><select id="accessRestriction" name="accessRestriction"'
        ' class="text">{access_options}</select>',
        "Vali dokumendile juurdepääsu tüüp",
    )
    + _hint_row(
        _text_input("accessRestrictionReason", "Juurdepääsupiirangu alus:"),
        "Dokumendi juurdepääsupiirangu alus",
    )
    + _hint_row(
        _date_pair("Juurdepääsu lõpu kpv:", "accessRestrictionBeginDate", "accessRestrictionEndDate", "", ""),
        "Vali kalendrist dokumendi juurdepääsupiirangu lõpu aja järgi piirangu määramise perioodi algus- ja/või"
        " lõppkuupäev",
    )
    + _hint_row(
        '<p><input value="1" name="pageNumber" type="hidden"/><input value="Otsi" class="button" type="submit"/></p>',
        "Otsingu teostamiseks on vähemalt ühe otsingu välja täitmine kohustuslik",
    )
    + "</form>"
)

_NOT_FOUND = (
    _HEAD.format(title="Avalik dokumendiregister")
    + '<body><div id="wrap"><div id="header"><div class="aligner"><p id="logo"><a href="/">Avalik'
    ' dokumendiregister</a></p></div></div><div id="nav"><div class="aligner"></div></div><div class="clear"'
    ' id="page"><div class="aligner"><div class="message msg-error"><div><h2>Lehekülge ei leitud!</h2></div>'
    '</div></div></div><div id="footer"></div></div></body></html>'
)
