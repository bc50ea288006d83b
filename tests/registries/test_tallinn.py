"""The Tallinn connector on the real recorded pages, on broken copies of them, and over HTTP."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from dokreg.archive.models import Access
from dokreg.archive.restrictions import access_level
from dokreg.errors import (
    BadInput,
    DokregError,
    NotFoundAtSource,
    SourceChanged,
    SourceUnavailable,
    Unsupported,
)
from dokreg.registries.connectors import CONNECTORS
from dokreg.registries.connectors.tallinn import TallinnConnector, parse_document
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import FileRef, RawCapture

BASE = "https://dhs.tallinn.ee/atp/"
RECORDED = ("5601037", "5601043", "5601063", "5618037", "5618203", "5618411", "5709346", "5711044")


def url(source_id: str) -> str:
    return f"{BASE}?c_tpl=1092&command=details&dok_id={source_id}"


def capture(body: bytes, source_id: str) -> RawCapture:
    return RawCapture(
        url=url(source_id), status=200, body=body, content_type="text/html", source_id=source_id
    )


def recorded(fixtures_dir, name: str) -> RawCapture:
    return capture(
        (fixtures_dir / f"tallinn_document_{name}.html").read_bytes(), name if name.isdigit() else "1"
    )


def connector(handler) -> TallinnConnector:
    return TallinnConnector(
        BASE, PoliteClient("dokreg-test/1", 0, 5.0, 0, transport=httpx.MockTransport(handler))
    )


def fields(entry) -> dict[str, str]:
    return dict(entry.source_fields)


# --- recorded documents ---------------------------------------------------------------------------
def test_outgoing_letter_to_a_private_person(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5601037"))

    assert entry.source_id == "5601037"
    assert entry.url == "https://dhs.tallinn.ee/atp/?c_tpl=1092&command=details&dok_id=5601037"
    assert entry.reference == "7-5/1401-2"
    assert entry.registered == date(2025, 5, 30)
    assert entry.doc_type == "Väljasaadetud kiri"
    assert entry.title == "Sotsiaalhoolekandelise abi otsus"
    assert entry.access == "Asutusesiseseks kasutamiseks"
    assert access_level(entry.access) == Access.AK
    assert entry.restriction_begins == date(2025, 5, 30)
    assert entry.restriction_ends == date(2100, 5, 30)
    assert entry.restriction_basis == "AvTS § 35 lg 1 p 12"
    # On an outgoing letter "Saatja" is the city's own official; the addressee is in the extra info.
    assert entry.responsible == "Regina Truman (osakonna juhataja)"
    assert entry.correspondent == "O.Z."
    assert entry.channel == "elektroonselt (läbi Postipoisi)"
    assert fields(entry)["Lisainfo"] == "Isik:O.Z."
    assert fields(entry)["Asutus"] == "Lasnamäe Linnaosa Valitsus"
    assert fields(entry)["ID"] == "254630"
    assert entry.files == ()
    assert [(r.kind, r.target_source_id, r.doc_type) for r in entry.relations] == [
        ("samas küsimuses", "5563349", "Saabunud kiri")
    ]
    assert entry.parser == "tallinn/1"
    assert entry.unknown_labels == ()


def test_outgoing_letter_with_an_addressee_and_two_bases(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5601043"))

    assert entry.reference == "S-4-3/443-2"
    assert entry.correspondent == "Harju Maakohus"
    assert entry.responsible == "Reve Rohtmaa (sotsiaaltöö spetsialist)"
    assert entry.restriction_basis == "AvTS § 35 lg 1 p 11, AvTS § 35 lg 1 p 12"
    assert entry.restriction_begins == date(2025, 5, 19)
    assert [(r.kind, r.target_source_id) for r in entry.relations] == [("Algatusdokument", "5586532")]


def test_public_letter_file_gets_its_readable_name(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5601063"))

    assert entry.title == (
        "Ettepanekud ja arvamused nimeseaduse ja riigilõivuseaduse muutmise seaduse eelnõu kohta"
    )
    assert access_level(entry.access) == Access.PUBLIC
    assert [(f.ordinal, f.name, f.url, f.access) for f in entry.files] == [
        (
            1,
            "6-6_595-2_30052025_146890.asice",
            "https://dhs.tallinn.ee/atp/failid/adr2/2275431/public/6_6_595_2_30052025_146890.261524.asice",
            "Avalik",
        )
    ]


def test_incoming_letter_keeps_the_senders_number_and_date(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5618037"))

    assert entry.reference == "F3-2/216-1"
    assert entry.registered == date(2025, 6, 30)
    assert entry.doc_type == "Saabunud kiri"
    assert entry.title == "Käskkiri"
    assert entry.correspondent == "Tallinna Linnavalitsus"
    assert entry.sender_reference == "T-4-1/25/6"
    assert entry.responsible == "Keiu Friedenthal (kantselei juhataja)"
    assert entry.channel == "e-post"
    extra = fields(entry)
    assert extra["Saatja kuupäev"] == "27.06.2025"
    assert extra["Päritolu tüüp"] == "Algatusdokument"
    assert extra["Lisainfo"] == "Saatja nimi:J.O.l."
    assert [f.name for f in entry.files] == ["T-4-1_25_6.asice"]


def test_mangled_file_links_become_readable_names(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5618203"))

    assert [f.name for f in entry.files] == [
        "Register_24995501.pdf",
        "maatüki_väljavõte_78404_408_0094.pdf",
        "kinnisasjale juurdelõike tegemine _kadaka puiestee t2_ tallinn_.asice",
    ]
    assert entry.files[1].url == (
        "https://dhs.tallinn.ee/atp/failid/adr2/75014913/public/maat_ki_v_ljav_te_78404_408_0094.137013.pdf"
    )
    assert [f.ordinal for f in entry.files] == [1, 2, 3]
    assert [v for label, v in entry.source_fields if label == "Failid"] == [f.name for f in entry.files]


def test_restriction_under_another_law_and_a_far_end_date(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5618411"))

    assert entry.title == "Lepingu edastamine - isikliku kasutusõiguse seadmin"
    assert entry.restriction_basis == "NotS § 3 lg 5"
    assert entry.restriction_ends == date(3024, 6, 30)
    assert entry.files == ()


def test_both_contract_parties_are_kept(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5709346"))

    assert entry.reference == "3.4-4/417-3"
    assert entry.registered == date(2025, 12, 24)
    assert entry.doc_type == "Leping"
    assert entry.title == "LEPINGU NR 3.4-4/417 MUUTMISE KOKKULEPE NR 2"
    assert entry.correspondent == "Tallinna Linnavaraamet; OÜ Astlanda Ehitus"
    assert [v for label, v in entry.source_fields if label == "Lepingu pool"] == [
        "Tallinna Linnavaraamet",
        "OÜ Astlanda Ehitus",
    ]
    assert [(r.kind, r.target_source_id, r.doc_type) for r in entry.relations] == [
        ("Algatusdokument", "5600222", "Leping"),
        ("Järg", "5681082", "Leping"),
    ]


def test_contract_titled_by_its_object(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5711044"))

    assert entry.reference == "3-25-13815/8"
    assert entry.doc_type == "lepingud"
    assert entry.title == "Üürileping (otsustuskorras)"
    assert entry.correspondent == "Nõmme Linnaosa Valitsus; Media Station OÜ"
    assert fields(entry)["ID"] == "104402-tera"
    assert [f.name for f in entry.files] == ["3-25-13815-8.asice"]


def test_the_page_without_rows_is_not_found(fixtures_dir):
    with pytest.raises(NotFoundAtSource):
        parse_document(recorded(fixtures_dir, "notfound"))


# --- broken copies --------------------------------------------------------------------------------
@pytest.mark.parametrize("source_id", RECORDED)
def test_truncated_and_changed_copies_give_a_named_error(fixtures_dir, source_id):
    body = (fixtures_dir / f"tallinn_document_{source_id}.html").read_bytes()
    assert parse_document(capture(body, source_id)).reference
    start = body.index(b'<div id="document_container">')
    cut_in_rows = body[: start + (len(body[start:]) // 3)]

    # Cut in its rows, the page would still parse with its later fields missing: it is refused, never
    # stored as an entry with blank fields the register never blanked.
    with pytest.raises(SourceChanged, match="cut short"):
        parse_document(capture(cut_in_rows, source_id))

    with pytest.raises(SourceChanged):
        parse_document(capture(b"", source_id))
    with pytest.raises(SourceChanged):
        parse_document(capture(body[:start], source_id))  # cut before the document
    renamed = body.replace(b"detail_label", b"field-name").replace(b"detail_desc", b"field-value")
    with pytest.raises(SourceChanged, match="detail_label"):
        parse_document(capture(renamed, source_id))
    moved = body.replace(b'id="document_container"', b'id="dokument"')
    with pytest.raises(SourceChanged, match="document_container"):
        parse_document(capture(moved, source_id))


def test_garbage_bytes_give_an_entry_or_a_named_error(fixtures_dir):
    body = (fixtures_dir / "tallinn_document_5709346.html").read_bytes()
    for cut in range(0, len(body), 211):
        try:
            parse_document(capture(body[:cut] + b"\xff\xfe<div class='row'><a href='?dok_id=x", "5709346"))
        except DokregError:
            pass


def test_a_new_label_is_kept_and_reported(fixtures_dir):
    body = (fixtures_dir / "tallinn_document_5618037.html").read_bytes()
    added = body.replace(
        b'<div class="row">\n<div class="detail_label">Pealkiri</div>',
        b'<div class="row">\n<div class="detail_label">Toimik</div>\n<div class="detail_desc">F3-2/2025</div>\n</div>\n'
        b'<div class="row">\n<div class="detail_label">Kiireloomulisus</div>\n<div class="detail_desc">jah</div>\n</div>\n'
        b'<div class="row">\n<div class="detail_label">Pealkiri</div>',
    )
    entry = parse_document(capture(added, "5618037"))
    assert entry.case_file == "F3-2/2025"  # labels the ADR family knows are understood here too
    assert entry.unknown_labels == ("Kiireloomulisus",)
    assert ("Kiireloomulisus", "jah") in entry.source_fields
    assert entry.title == "Käskkiri"


# --- the connector over HTTP ----------------------------------------------------------------------
def test_registered_as_a_sequential_id_family_without_day_listing():
    assert CONNECTORS["tallinn"] is TallinnConnector
    assert TallinnConnector.sequential_ids is True
    tallinn = connector(lambda request: httpx.Response(500))
    with pytest.raises(Unsupported, match="--ids"):
        tallinn.list_day(date(2025, 6, 30))
    assert tallinn.document_url("5618037") == url("5618037")
    with pytest.raises(BadInput):
        tallinn.document_url("1&command=delete")


def test_fetch_maps_pages_missing_ids_and_failures(fixtures_dir):
    pages = {
        "5618037": (200, (fixtures_dir / "tallinn_document_5618037.html").read_bytes()),
        "1": (200, (fixtures_dir / "tallinn_document_notfound.html").read_bytes()),
        "2": (404, b"gone"),
        "3": (400, b"bad"),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/atp/"
        status, body = pages[request.url.params["dok_id"]]
        return httpx.Response(status, content=body, headers={"Content-Type": "text/html; charset=UTF-8"})

    tallinn = connector(handler)
    raw = tallinn.fetch("5618037")
    assert raw.url == url("5618037")
    assert tallinn.parse(raw).sender_reference == "T-4-1/25/6"
    for missing in ("1", "2"):
        with pytest.raises(NotFoundAtSource):
            tallinn.fetch(missing)
    with pytest.raises(SourceUnavailable):
        tallinn.fetch("3")


def test_download_stays_on_the_register():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("gone.pdf"):
            return httpx.Response(404)
        return httpx.Response(200, content=b"%PDF-1.4 x", headers={"Content-Type": "application/pdf"})

    tallinn = connector(handler)
    ok = FileRef(1, "a.pdf", "https://dhs.tallinn.ee/atp/failid/adr2/1/public/a.1.pdf")
    assert tallinn.download(ok) == b"%PDF-1.4 x"
    with pytest.raises(NotFoundAtSource):
        tallinn.download(FileRef(2, "gone.pdf", "https://dhs.tallinn.ee/atp/failid/adr2/1/public/gone.pdf"))
    with pytest.raises(BadInput):
        tallinn.download(FileRef(3, "x.pdf", "https://evil.example/atp/failid/x.pdf"))
