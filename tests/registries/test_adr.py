"""The ADR connector on the recorded pages of real registers, and on a fake register for paging and caps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, TooLarge, Unsupported
from dokreg.registries.connectors import CONNECTORS, connector_for
from dokreg.registries.connectors.adr import AdrConnector, field_for_label, parse_document, parse_result_page
from dokreg.registries.connectors.base import Connector
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import FileRef, RawCapture

BASE = "https://adr.rik.ee/som/"
DAY = date(2025, 12, 1)
SOM_TYPES = 14


def connector(handler) -> AdrConnector:
    client = PoliteClient("dokreg-test/1", 0, 5.0, 0, transport=httpx.MockTransport(handler))
    return AdrConnector(BASE, client)


def capture(fixtures_dir, name: str, url: str, source_id: str = "") -> RawCapture:
    body = (fixtures_dir / name).read_bytes()
    return RawCapture(
        url=url, status=200, body=body, content_type="text/html;charset=UTF-8", source_id=source_id
    )


# --- recorded document pages --------------------------------------------------------------------
def test_recorded_som_document_page(fixtures_dir):
    raw = capture(fixtures_dir, "som_document_18270648.html", BASE + "dokument/18270648", "18270648")
    entry = parse_document(raw)

    assert entry.source_id == "18270648"
    assert entry.reference == "5.1-2/3233-1"
    assert entry.registered == date(2025, 12, 23)
    assert entry.doc_type == "Sissetulev kiri"
    assert entry.title == "Pöördumine"
    assert entry.function == "5.1 Tervisekaitse, haiguste ennetamise ja tervise edendamise korraldamine"
    assert entry.series == (
        "5.1-2 Tervisekaitse ja tervisliku elukeskkonna kavandamise ja korraldamisega seotud kirjavahetus "
        "(Arhiiviväärtuslik)"
    )
    assert entry.case_file == "5.1-2/2025"
    assert entry.access == "Avalik"
    assert entry.sender_reference == "8-2/10302"
    assert entry.correspondent == "Justiits- ja Digiministeerium"
    assert entry.channel == "DVK"
    assert entry.responsible == (
        "Anniki Lai (Sotsiaalministeerium, Kantsleri vastutusvaldkond, Terviseala asekantsleri vastutusvaldkond)"
    )
    assert entry.due_date == date(2026, 1, 22)
    assert entry.sent_at is None
    assert entry.files == (
        FileRef(
            ordinal=1,
            name="8-210302 23.12.2025 Väljaminev kiri.asice",
            url="https://adr.rik.ee/som/fail/18270649/8-210302%2023.12.2025%20V%C3%A4ljaminev%20kiri.asice",
            source_file_id="18270649",
        ),
    )
    assert entry.relations == ()
    assert entry.unknown_labels == ()
    assert entry.parser == "adr/1"
    # Labels keep their own spelling, without the colon and the indentation around "Adressaat:".
    assert [label for label, _ in entry.source_fields] == [
        "Viit", "Registreerimise kpv", "Dokumendi liik", "Pealkiri", "Funktsioon", "Sari", "Toimik",
        "Juurdepääsupiirang", "Saatja/saaja viit", "Adressaat", "Saabumis/saatmisviis", "Vastutaja",
        "Lahendamise tähtaeg",
    ]  # fmt: skip
    assert ("Lahendamise tähtaeg", "22.01.2026") in entry.source_fields


def test_recorded_page_with_sending_time_relations_and_footer_name(fixtures_dir):
    entry = parse_document(capture(fixtures_dir, "doc_page.html", "https://adr.rik.ee/jm/dokument/15194964"))

    assert entry.source_id == "15194964"  # from the URL when the capture does not say
    assert entry.reference == "2-1/2801"
    assert entry.registered == date(2024, 3, 19)
    assert entry.sent_at == datetime(2024, 3, 20, 8, 19, tzinfo=ZoneInfo("Europe/Tallinn"))
    assert entry.sent_at.astimezone(UTC) == datetime(2024, 3, 20, 6, 19, tzinfo=UTC)
    assert entry.responsible == (
        "Marilin Reintamm (Justiitsministeerium, Kantsleri vastutusvaldkond, Justiitshalduspoliitika valdkond, "
        "Justiitshalduspoliitika osakond, Kohtute talitus)"
    )
    assert [(f.name, f.source_file_id) for f in entry.files] == [
        ("2-12801 19.03.2024 Väljaminev kiri.asice", "15194965")
    ]
    assert len(entry.relations) == 1
    relation = entry.relations[0]
    assert relation.kind == "alusdokument"
    assert relation.target_source_id == "15191692"
    assert relation.title == "Teabenõue"
    assert relation.reference == "2-1/2801"
    assert relation.doc_type == "Sissetulev kiri"
    assert entry.registry_name == "Justiitsministeerium"


RESTRICTED_PAGE = """<html><head><title>Sotsiaalministeeriumi avalik dokumendiregister</title></head><body>
<div id="content"><table class="form"><tbody>
<tr><th>Viit:</th><td class="data">1.8-2/2749-1</td></tr>
<tr><th>Registreerimise kpv:</th><td class="data">01.12.2025</td></tr>
<tr><th>Juurdepääsupiirang:</th><td class="data">AK</td></tr>
<tr><th>Juurdepääsupiirangu alus:</th><td class="data">AvTS § 35 lg 1 p 12</td></tr>
<tr><th>Juurdepääsupiirangu muutmise alus:</th><td class="data">AvTS § 40 lg 1</td></tr>
<tr><th>Juurdepääsupiirangu algus:</th><td class="data">01.12.2025</td></tr>
<tr><th>Juurdepääsupiirangu lõpp:</th><td class="data">01.12.2100</td></tr>
<tr><th>Kooskõlastajad:</th><td class="data">X. Y.</td></tr>
</tbody></table>
<div class="title clear"><h2>Seosed</h2></div><table class="data hover"><thead><tr><th>Liik</th><th>Viit</th>
<th>Pealkiri</th><th>Seos</th></tr></thead><tbody><tr><td><a href="/som/dokument/18263300">Sissetulev kiri</a></td>
<td><a href="/som/dokument/18263300">1.8-2/2749</a></td><td><a href="/som/dokument/18263300">Leping</a></td>
<td><a href="/som/dokument/18263300">vastusdokument</a></td></tr></tbody></table></div>
<div id="footer"><p><strong>Sotsiaalministeerium</strong></p></div></body></html>"""


def test_restricted_document_restriction_fields_unknown_labels_and_no_files():
    raw = RawCapture(
        url=BASE + "dokument/18263313", status=200, body=RESTRICTED_PAGE.encode(), source_id="18263313"
    )
    entry = parse_document(raw)

    assert entry.access == "AK"
    assert entry.restriction_basis == "AvTS § 35 lg 1 p 12"
    assert entry.restriction_change_basis == "AvTS § 40 lg 1"
    assert entry.restriction_begins == date(2025, 12, 1)
    assert entry.restriction_ends == date(2100, 12, 1)
    assert entry.unknown_labels == ("Kooskõlastajad",)
    assert ("Kooskõlastajad", "X. Y.") in entry.source_fields
    assert entry.files == ()
    # Without a files table the relations table is still found by its own header, not by position.
    assert [(r.kind, r.target_source_id) for r in entry.relations] == [("vastusdokument", "18263300")]
    assert entry.registry_name == "Sotsiaalministeerium"


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Piirangu kehtivuse algus", "restriction_begins"),
        ("Piirangu kehtivuse lõpp", "restriction_ends"),
        ("Juurdepääsupiirangu lõppkuupäev", "restriction_ends"),
        ("Juurdepääsupiirangu kehtivuse alguse kuupäev", "restriction_begins"),
        ("Juurdepääsupiirangu alus", "restriction_basis"),
        ("Saatja/saaja viit", "sender_reference"),
        ("Välja saatmise kuupäev", "sent_at"),
        ("Koostaja", None),
    ],
)
def test_label_variants(label, field):
    assert field_for_label(label) == field


def test_unparseable_date_is_left_empty_and_its_text_kept(fixtures_dir):
    body = (
        (fixtures_dir / "som_document_18270648.html")
        .read_bytes()
        .replace(b"23.12.2025</td>", b"32.13.2025</td>")
    )
    entry = parse_document(RawCapture(url=BASE + "dokument/18270648", status=200, body=body))
    assert entry.registered is None
    assert ("Registreerimise kpv", "32.13.2025") in entry.source_fields
    assert entry.reference == "5.1-2/3233-1"


def test_truncated_page_is_a_named_error_never_a_partial_entry(fixtures_dir):
    # A partial entry would be stored with its later rows (series, files) blank, as if the source said so.
    body = (fixtures_dir / "som_document_18270648.html").read_bytes()
    half = body[: body.index(b"Funktsioon")]
    with pytest.raises(SourceChanged, match="cut short"):
        parse_document(RawCapture(url=BASE + "dokument/18270648", status=200, body=half))

    with pytest.raises(SourceChanged, match="dokument/18270648"):
        parse_document(RawCapture(url=BASE + "dokument/18270648", status=200, body=body[:200]))
    with pytest.raises(SourceChanged):
        parse_document(RawCapture(url=BASE + "dokument/1", status=200, body=bytes(range(256)) * 8))


# --- recorded search pages ----------------------------------------------------------------------
def test_recorded_result_pages(fixtures_dir):
    first = parse_result_page((fixtures_dir / "som_otsing_avalik_page1.html").read_text(), BASE + "otsing")
    second = parse_result_page((fixtures_dir / "som_otsing_avalik_page2.html").read_text(), BASE + "otsing")
    restricted = parse_result_page((fixtures_dir / "som_otsing_ak_page1.html").read_text(), BASE + "otsing")

    assert (len(first.entries), first.shown_to, first.total) == (20, 20, 22)
    assert (len(second.entries), second.shown_to, second.total) == (2, 22, 22)
    assert (len(restricted.entries), restricted.shown_to, restricted.total) == (19, 19, 19)
    row = first.entries[0]
    assert (row.source_id, row.reference, row.registered, row.title, row.doc_type, row.party) == (
        "18186998", "1.2-3/2965-2", date(2025, 12, 1), "Arvamuse edastamine", "Sissetulev kiri", "Terviseamet",
    )  # fmt: skip
    assert [e.source_id for e in second.entries] == ["18186995", "18186992"]
    assert second.entries[0].doc_type == "Väikehange"
    assert restricted.entries[0].party == "Tartu Ülikool"


def test_recorded_search_form_types_and_site_name(fixtures_dir):
    form = (fixtures_dir / "som_otsing_form.html").read_text()
    adr = connector(lambda request: httpx.Response(200, text=form))
    parsed = adr._search_form()
    assert len(parsed.document_types) == SOM_TYPES
    assert parsed.document_types[0] == ("4945102", "Personalikäskkiri")
    assert ("4941796", "Sissetulev kiri") in parsed.document_types
    assert parsed.type_markers == SOM_TYPES
    assert adr.site_name() == "Sotsiaalministeerium"


# --- list_day on the recorded pages ---------------------------------------------------------------
def test_a_recorded_two_page_day_is_complete(fixtures_dir):
    pages = {
        ("Avalik", "1"): "som_otsing_avalik_page1.html",
        ("Avalik", "2"): "som_otsing_avalik_page2.html",
        ("Avalik", "3"): "som_otsing_avalik_page3.html",
        ("AK", "1"): "som_otsing_ak_page1.html",
    }
    posted: list[dict] = []

    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, content=(fixtures_dir / "som_otsing_form.html").read_bytes())
        form = parse_qs(request.content.decode(), keep_blank_values=True)
        posted.append(form)
        name = pages[(form["accessRestriction"][0], form["pageNumber"][0])]
        return httpx.Response(200, content=(fixtures_dir / name).read_bytes())

    listing = connector(handler).list_day(DAY)

    assert listing.complete is True
    assert listing.reported_total == 41
    assert len(listing.entries) == 41
    assert listing.slices == ("Avalik:22", "AK:19")
    assert listing.problems == ()
    assert [(f["accessRestriction"][0], f["pageNumber"][0]) for f in posted] == [
        ("Avalik", "1"), ("Avalik", "2"), ("AK", "1"),
    ]  # fmt: skip
    assert posted[0]["regDateBegin"] == ["01.12.2025"] == posted[0]["regDateEnd"]
    assert posted[0]["_documentTypes"] == ["on"] * SOM_TYPES


# --- list_day on a fake register ------------------------------------------------------------------
@dataclass
class FakeAdr:
    """A register with the recorded markup: caps searches at 100 results, 20 rows a page."""

    docs: list[tuple[str, str, str]]  # (id, access, type id)
    types: tuple[str, ...] = ("4941796", "4941889", "4946939")
    repeat_first_page: bool = False
    posts: list[dict] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, text=self.form())
        form = parse_qs(request.content.decode(), keep_blank_values=True)
        self.posts.append(form)
        hits = [
            d for d in self.docs
            if d[1] == form["accessRestriction"][0] and (not form.get("documentTypes") or d[2] in form["documentTypes"])
        ]  # fmt: skip
        page = int(form["pageNumber"][0])
        if self.repeat_first_page:
            page = 1
        shown = hits[:100]
        last_page = max(1, -(-len(shown) // 20))
        page = min(page, last_page)  # out of range: the last page again, as the real server does
        rows = shown[(page - 1) * 20 : page * 20]
        return httpx.Response(
            200, text=result_page(rows, (page - 1) * 20 + 1, (page - 1) * 20 + len(rows), len(hits))
        )

    def form(self) -> str:
        boxes = "".join(
            f'<li><input id="documentType-{t}" name="documentTypes" type="checkbox" value="{t}"/>'
            f'<input type="hidden" name="_documentTypes" value="on"/>'
            f'<label for="documentType-{t}"><span>Liik {t}</span></label></li>'
            for t in self.types
        )
        return (
            f'<form id="advancedSearch"><input name="regDateBegin"/><ul>{boxes}</ul></form>'
            '<div id="footer"><p><strong>Sotsiaalministeerium</strong></p></div>'
        )


def result_page(rows, first: int, last: int, total: int) -> str:
    body = "".join(
        f'<tr><td><a href="/som/dokument/{i}">1-1/{i}</a></td><td><a href="/som/dokument/{i}">01.12.2025</a></td>'
        f'<td><a href="/som/dokument/{i}">Kiri {i}</a></td><td><a href="/som/dokument/{i}">Liik {t}</a></td>'
        f'<td><a href="/som/dokument/{i}">Asutus</a></td></tr>'
        for i, _access, t in rows
    )
    return (
        '<div id="content"><h1>Otsingu tulemused</h1><table class="data hover"><thead><tr><th>Viit</th>'
        "<th>Reg. kpv</th><th>Pealkiri</th><th>Dokumendi liik</th><th>Teised osapooled</th></tr></thead>"
        f'<tbody>{body}</tbody></table><div class="pager clear"><p>Näitan: {first}-{last} <span>|</span> '
        f"Kokku: {total}</p></div></div>"
    )


def docs(start: int, count: int, access: str, type_id: str) -> list[tuple[str, str, str]]:
    return [(str(start + i), access, type_id) for i in range(count)]


def test_a_capped_slice_is_split_by_document_type_until_complete():
    fake = FakeAdr(
        docs(1000, 70, "Avalik", "4941796")
        + docs(2000, 60, "Avalik", "4941889")
        + docs(3000, 5, "AK", "4946939")
    )

    listing = connector(fake).list_day(DAY)

    assert listing.complete is True
    assert listing.problems == ()
    assert listing.reported_total == 135
    assert len(listing.entries) == 135
    assert len({e.source_id for e in listing.entries}) == 135
    assert listing.slices == (
        "Avalik:130 type=4941796:70", "Avalik:130 type=4941889:60", "Avalik:130 type=4946939:0", "AK:5",
    )  # fmt: skip
    # The capped search is not paged through before splitting: one request, then the type slices.
    avalik_unsplit = [
        p for p in fake.posts if p["accessRestriction"] == ["Avalik"] and "documentTypes" not in p
    ]
    assert len(avalik_unsplit) == 1


def test_a_slice_that_cannot_be_split_leaves_the_day_incomplete():
    fake = FakeAdr(docs(1000, 120, "Avalik", "4941796"))

    listing = connector(fake).list_day(DAY)

    assert listing.complete is False
    assert "Avalik:120 type=4941796:120" in listing.slices
    assert len(listing.entries) == 100  # all the register would show, still kept
    assert any("Avalik:120 type=4941796:120" in p and "at most 100" in p for p in listing.problems)


def test_a_page_repeating_earlier_rows_stops_paging_and_marks_the_day_incomplete():
    fake = FakeAdr(docs(1000, 45, "Avalik", "4941796"), repeat_first_page=True)

    listing = connector(fake).list_day(DAY)

    assert listing.complete is False
    assert len(listing.entries) == 20
    assert sum(1 for p in fake.posts if p["accessRestriction"] == ["Avalik"]) == 2
    assert any("repeated" in p for p in listing.problems)
    assert any("read 20 of 45" in p for p in listing.problems)


def test_an_empty_day_is_a_legitimate_zero():
    listing = connector(FakeAdr([])).list_day(DAY)
    assert (listing.complete, listing.reported_total, listing.entries) == (True, 0, ())
    assert listing.slices == ("Avalik:0", "AK:0")


def test_a_no_results_message_without_pager_is_zero():
    page = '<div id="content"><h1>Otsingu tulemused</h1><p>Otsingu tulemusi ei leitud.</p></div>'
    assert parse_result_page(page, BASE + "otsing").total == 0


@pytest.mark.parametrize(
    "page",
    [
        '<div id="content"><ul class="results"><li><a href="/som/dokument/1">1-1/1</a></li></ul></div>',
        result_page(docs(1, 3, "Avalik", "1"), 1, 3, 3)
        .replace('<div class="pager clear">', "<div>")
        .replace("Näitan: 1-3 <span>|</span> Kokku: 3", ""),
        '<div id="content"><div class="pager"><p>Näitan: 1-20 | Kokku: 22</p></div></div>',
    ],
    ids=["results-in-new-markup", "rows-without-pager", "pager-without-table"],
)
def test_a_changed_result_page_raises_source_changed_naming_the_url(page):
    def handler(request):
        return httpx.Response(200, text=FakeAdr([]).form() if request.method == "GET" else page)

    with pytest.raises(SourceChanged, match="https://adr.rik.ee/som/otsing"):
        connector(handler).list_day(DAY)


# --- fetch, download, addresses -------------------------------------------------------------------
def test_fetch_keeps_the_raw_capture(fixtures_dir):
    page = (fixtures_dir / "som_document_18270648.html").read_bytes()

    def handler(request):
        assert request.url == BASE + "dokument/18270648"
        return httpx.Response(200, content=page, headers={"Content-Type": "text/html;charset=UTF-8"})

    raw = connector(handler).fetch("18270648")
    assert (raw.url, raw.status, raw.body, raw.source_id) == (
        BASE + "dokument/18270648",
        200,
        page,
        "18270648",
    )
    assert raw.content_type == "text/html;charset=UTF-8"
    assert raw.fetched_at.tzinfo is not None
    assert connector(handler).parse(raw).reference == "5.1-2/3233-1"


def test_fetch_of_a_withdrawn_document_raises_not_found(fixtures_dir):
    form = (fixtures_dir / "som_otsing_form.html").read_bytes()  # an ADR page without a document table

    def handler(request):
        if request.url.path.endswith("/404"):
            return httpx.Response(404, text="Not found")
        return httpx.Response(200, content=form)

    adr = connector(handler)
    with pytest.raises(NotFoundAtSource, match="dokument/404"):
        adr.fetch("404")
    with pytest.raises(NotFoundAtSource, match="dokument/5"):
        adr.fetch("5")


def test_fetch_of_a_page_with_document_labels_in_new_markup_is_a_change_not_a_withdrawal():
    page = "<html><body><div class='doc'><table><tr><th>Viit:</th><td>1-1/1</td></tr></table></div></body></html>"
    with pytest.raises(SourceChanged):
        connector(lambda request: httpx.Response(200, text=page)).fetch("7")


def test_download_returns_bytes_and_enforces_the_size_limit(settings):
    ref = FileRef(ordinal=1, name="a.asice", url=BASE + "fail/18270649/a.asice", source_file_id="18270649")
    adr = connector(lambda request: httpx.Response(200, content=b"PK\x03\x04" + b"0" * 60))
    assert adr.download(ref)[:4] == b"PK\x03\x04"

    settings.DOKREG_MAX_DOWNLOAD_BYTES = 10
    with pytest.raises(TooLarge, match="fail/18270649"):
        adr.download(ref)


def test_download_refuses_links_off_the_register_and_reports_missing_files():
    adr = connector(lambda request: httpx.Response(404))
    with pytest.raises(BadInput):
        adr.download(FileRef(ordinal=1, name="x", url="http://169.254.169.254/latest/meta-data"))
    with pytest.raises(NotFoundAtSource):
        adr.download(FileRef(ordinal=1, name="x", url=BASE + "fail/1/x"))


def test_document_url_and_hostile_ids():
    adr = connector(lambda request: httpx.Response(200))
    assert adr.document_url("18270648") == "https://adr.rik.ee/som/dokument/18270648"
    assert (
        AdrConnector("https://adr.rik.ee/som", adr.client).document_url("1")
        == "https://adr.rik.ee/som/dokument/1"
    )
    with pytest.raises(BadInput):
        adr.document_url("../../admin")


def test_connector_registry():
    client = PoliteClient("dokreg-test/1", 0, 5.0, 0)
    assert isinstance(connector_for("adr", BASE, client), AdrConnector)
    for family, cls in CONNECTORS.items():
        assert issubclass(cls, Connector)
        assert cls.family == family
    with pytest.raises(Unsupported, match="lotus"):
        connector_for("lotus", "https://example.invalid/", client)
