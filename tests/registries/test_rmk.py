"""The RMK connector on the real API recordings, on broken copies of them, and over HTTP."""

from __future__ import annotations

import json
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
from dokreg.registries.connectors.rmk import RmkConnector, parse_document
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import FileRef, RawCapture

BASE = "https://adr.rmk.ee/"
RECORDED = ("410948", "411048", "411060", "412349")


def capture(body: bytes, source_id: str) -> RawCapture:
    return RawCapture(
        url=f"{BASE}api/dokument/{source_id}",
        status=200,
        body=body,
        content_type="application/json",
        source_id=source_id,
    )


def recorded(fixtures_dir, source_id: str) -> RawCapture:
    return capture((fixtures_dir / f"rmk_document_{source_id}.json").read_bytes(), source_id)


def connector(handler) -> RmkConnector:
    return RmkConnector(
        BASE, PoliteClient("dokreg-test/1", 0, 5.0, 0, transport=httpx.MockTransport(handler))
    )


def fields(entry) -> dict[str, str]:
    return dict(entry.source_fields)


# --- recorded documents ---------------------------------------------------------------------------
def test_outgoing_restricted_letter(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "410948"))

    assert entry.source_id == "410948"
    assert entry.url == "https://adr.rmk.ee/dokument/410948"
    assert entry.reference == "3-1.1/8419"  # no single reference field: series marker / number
    assert entry.registered == date(2025, 12, 22)
    assert entry.doc_type == "Kiri"
    assert entry.title == "20251812_A_DIV_StSiP_Piirsalu_LISA1"
    assert entry.series == "3-1.1 Metsahalduse / Maakasutuse alane kirjavahetus"
    assert entry.access == "Asutusesiseseks kasutamiseks"
    assert access_level(entry.access) == Access.AK
    assert entry.restriction_basis == (
        "AvTS § 35 lg 1 p 3 (1) Struktuuriüksuse koosseisu, ametnikke ja töötajaid ning nende ülesandeid "
        "käsitlev teave, mille avalikuks tulek ohustaks riigi julgeolekut või salastatud teabe kaitset"
    )
    assert entry.restriction_begins == date(2025, 12, 18)
    assert entry.restriction_ends == date(2030, 12, 18)
    assert entry.correspondent == "Kaitsevägi"
    assert entry.channel == "e-post"
    assert entry.responsible == "Edela regioon"  # no handler named: the unit
    assert entry.due_date is None
    assert entry.parser == "rmk/1"
    extra = fields(entry)
    assert extra["Suund"] == "Väljaminev"
    assert extra["Allkirjastaja"] == "Margus Emberg"
    assert extra["Dokumendi alaliik"] == "vastuskiri"
    assert extra["Dokumendi kuupäev"] == "22.12.2025"
    assert extra["Täitmise märge"] == "välja saadetud"
    assert extra["Juurdepääsupiirangu alus ja kehtivus"].endswith("piirangu kehtivus: 18.12.2025-18.12.2030")
    assert [(f.name, f.source_file_id, f.access, f.relation) for f in entry.files] == [
        ("20251812_A_DIV_StSiP_Piirsalu_LISA1.pdf", "1701948", "AK", "Dokumendi fail"),
        ("FW_ Piirsalu väljaõpeala.pdf", "1701949", "AK", "Lisaksolemise seos (Peadokument)"),
    ]
    assert entry.files[0].url == "https://adr.rmk.ee/api/fail/1701948"
    assert [(r.kind, r.title) for r in entry.relations] == [
        ("Lisaksolemise seos (Peadokument)", "Kooskõlastus")
    ]
    assert entry.unknown_labels == ()


def test_contract_with_the_newer_reference_and_validity(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "411048"))

    assert entry.reference == "3-6.11/2025/130"
    assert entry.registered == date(2025, 12, 23)
    assert entry.doc_type == "Leping"
    assert entry.title == "Leping_Jaagarahu laoplats_Sikassaare Vanametall"
    assert entry.series == "3-6.11 Looduskaitseliste tööde ja teenuste lepingud"
    assert access_level(entry.access) == Access.PUBLIC
    assert entry.restriction_basis == ""
    assert entry.correspondent == "Sikassaare Vanametall OÜ"
    assert entry.responsible == "Looduskaitseosakond"
    assert entry.due_date is None  # a contract's expiration date is its end, not a reply deadline
    extra = fields(entry)
    assert extra["Jõustumise kuupäev"] == "2025-10-27"
    assert extra["Kehtiv kuni"] == "31.10.2026"
    assert extra["Kehtivus"] == "Muudetud"
    assert extra["Allkirjastaja"] == "Küllike Kuusik"
    assert extra["Riigihanke viitenumber"] == "301221"
    assert [f.name for f in entry.files] == [
        "jaagarahu täiendav tähtaeg.asice",
        "leping_jaagarahu laoplatsid_sikassaare.asice",
    ]
    assert all(f.access == "Avalik" for f in entry.files)


def test_restricted_contract_with_one_public_file(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "411060"))

    assert access_level(entry.access) == Access.AK
    assert entry.restriction_basis == "AvTS § 35 lg 1 p 12 Eraelu puutumatust kahjustav teave"
    assert entry.restriction_begins == date(2025, 12, 27)
    assert entry.restriction_ends == date(2100, 12, 27)
    assert [(f.name, f.access) for f in entry.files] == [
        ("feofanis oü.zip", "AK"),
        ("võsasaetööde raamleping 2026-2027 ida-raplamaa feofanis oü (2).asice", "Avalik"),
    ]
    assert fields(entry)["Fail 1 juurdepääs"] == "RESTRICTED"


def test_incoming_letter_with_a_deadline_a_handler_and_a_shared_number(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "412349"))

    assert entry.reference == "3-2.1/270"
    assert entry.registered == date(2026, 1, 16)
    assert entry.title == "Rail Baltica raudteetaristu maaparandusehitiste uuendustööde kava"
    assert entry.correspondent == "Kobras OÜ"
    assert entry.responsible == "Toomas Kivisto"
    assert entry.due_date == date(2026, 1, 31)
    assert fields(entry)["Suund"] == "Sissetulev"  # RMK sends "\tSissetulev"
    assert fields(entry)["Vastamise tähtaeg"] == "31.01.2026"
    assert len(entry.files) == 5
    assert entry.files[0].relation == "Ühise numbri seos"
    assert [(r.kind, r.title) for r in entry.relations] == [
        ("Ühise numbri seos", "Vastuskiri - RB Kärpla-Selja lõigu hoiutööd"),
        ("Lisaksolemise seos", "KeA seisukoht"),
        ("Lisaksolemise seos", "uuendustöödekava"),
        ("Lisaksolemise seos", "Kooskõlastusleht"),
    ]


def test_a_missing_id_is_not_found(fixtures_dir):
    with pytest.raises(NotFoundAtSource, match="Dokumenti ei leitud"):
        parse_document(recorded(fixtures_dir, "411049"))


# --- broken copies --------------------------------------------------------------------------------
@pytest.mark.parametrize("source_id", RECORDED)
def test_truncated_or_empty_copies_are_named_errors(fixtures_dir, source_id):
    body = (fixtures_dir / f"rmk_document_{source_id}.json").read_bytes()
    for broken in (b"", body[: len(body) // 2], body.rstrip()[:-1], b"<html>Service Unavailable</html>"):
        with pytest.raises(SourceChanged):
            parse_document(capture(broken, source_id))


def test_changed_shapes_are_named_errors_or_partial_entries(fixtures_dir):
    envelope = json.loads((fixtures_dir / "rmk_document_412349.json").read_bytes())

    def parse(data) -> object:
        return parse_document(capture(json.dumps(data).encode(), "412349"))

    for changed in ([], {"status": True}, {**envelope, "data": "412349"}, {**envelope, "data": [1, 2]}):
        with pytest.raises(SourceChanged):
            parse(changed)
    renamed = {**envelope, "data": {k: v for k, v in envelope["data"].items() if k != "doc_headline"}}
    with pytest.raises(SourceChanged, match="doc_headline"):
        parse(renamed)
    with pytest.raises(SourceChanged, match="failid"):
        parse({**envelope, "data": {**envelope["data"], "failid": "none"}})

    # A new key and odd values give a partial entry that says what it did not understand.
    odd = {**envelope["data"], "doc_trans_date": "kuupäev puudub", "doc_date": None, "doc_new_thing": "x"}
    entry = parse({**envelope, "data": odd})
    assert entry.registered is None
    assert fields(entry)["Registreerimise kuupäev"] == "kuupäev puudub"
    assert entry.unknown_labels == ("doc_new_thing",)
    assert ("doc_new_thing", "x") in entry.source_fields


def test_a_record_marked_deleted_is_not_found(fixtures_dir):
    envelope = json.loads((fixtures_dir / "rmk_document_411048.json").read_bytes())
    envelope["data"]["doc_is_deleted"] = 1
    with pytest.raises(NotFoundAtSource, match="deleted"):
        parse_document(capture(json.dumps(envelope).encode(), "411048"))


# --- the connector over HTTP ----------------------------------------------------------------------
def test_registered_as_a_sequential_id_family_without_day_listing():
    assert CONNECTORS["rmk"] is RmkConnector
    assert RmkConnector.sequential_ids is True
    with pytest.raises(Unsupported, match="--ids"):
        connector(lambda request: httpx.Response(500)).list_day(date(2026, 1, 16))
    with pytest.raises(BadInput):
        connector(lambda request: httpx.Response(500)).document_url("../etc")


def test_fetch_reads_the_api_and_maps_missing_and_failing_ids(fixtures_dir):
    bodies = {
        "/api/dokument/412349": (200, (fixtures_dir / "rmk_document_412349.json").read_bytes()),
        "/api/dokument/411049": (200, (fixtures_dir / "rmk_document_411049.json").read_bytes()),
        "/api/dokument/5": (404, b""),
        "/api/dokument/6": (403, b"forbidden"),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        status, body = bodies[request.url.path]
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    rmk = connector(handler)
    raw = rmk.fetch("412349")
    assert raw.url == "https://adr.rmk.ee/api/dokument/412349"
    assert rmk.parse(raw).title == "Rail Baltica raudteetaristu maaparandusehitiste uuendustööde kava"
    for missing in ("411049", "5"):
        with pytest.raises(NotFoundAtSource):
            rmk.fetch(missing)
    with pytest.raises(SourceUnavailable):
        rmk.fetch("6")


def test_download_fetches_public_files_only_and_from_the_register_only():
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path.endswith("/404"):
            return httpx.Response(200, json={"status": False, "data": False, "message": "Faili ei leitud!"})
        return httpx.Response(200, content=b"%PDF-1.7 bytes", headers={"Content-Type": "application/pdf"})

    rmk = connector(handler)
    assert rmk.download(FileRef(1, "a.pdf", BASE + "api/fail/1", "1", access="Avalik")) == b"%PDF-1.7 bytes"
    with pytest.raises(Unsupported, match="only public files"):
        rmk.download(FileRef(2, "b.pdf", BASE + "api/fail/2", "2", access="AK"))
    with pytest.raises(BadInput):
        rmk.download(FileRef(3, "c.pdf", "https://elsewhere.example/api/fail/3", "3"))
    with pytest.raises(NotFoundAtSource, match="Faili ei leitud"):
        rmk.download(FileRef(4, "d.pdf", BASE + "api/fail/404", "404"))
    assert asked == ["/api/fail/1", "/api/fail/404"]  # the restricted and foreign files were never asked for


def test_odd_values_in_any_field_give_an_entry_or_a_named_error(fixtures_dir):
    """Whatever a field holds, parse answers an entry or a named error, never a bare exception."""
    envelope = json.loads((fixtures_dir / "rmk_document_410948.json").read_bytes())
    for key in envelope["data"]:
        for odd in (None, True, 7, [], {"a": [1]}, "  "):
            data = {**envelope["data"], key: odd}
            try:
                entry = parse_document(capture(json.dumps({**envelope, "data": data}).encode(), "410948"))
            except DokregError:
                continue
            assert entry.source_id == "410948"
