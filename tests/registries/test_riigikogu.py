"""The Riigikogu connector on the recorded pages of the parliament's register and on the simulator."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, SourceUnavailable
from dokreg.registries.connectors import CONNECTORS
from dokreg.registries.connectors.riigikogu import (
    RiigikoguConnector,
    parse_document,
    parse_list_page,
    parse_validity,
)
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import FileRef, RawCapture
from dokreg.simulator import Corpus, CorpusConfig, FileMaker, SimulatorServer
from dokreg.simulator.riigikogu import RiigikoguSite, document_uuid

BASE = "https://www.riigikogu.ee/tegevus/dokumendiregister/"
DAY = date(2026, 5, 14)
AK = "Asutusesiseseks kasutamiseks"
BASIS_P12 = (
    "AvTS § 35 lg 1 p 12 teave, mis sisaldab isikuandmeid, kui sellisele teabele juurdepääsu võimaldamine "
    "kahjustaks oluliselt andmesubjekti eraelu puutumatust"
)
CONFIG = CorpusConfig(bodies=1, days=4, docs_per_day=12, big_day_every=4, files="pdf", seed=9)
UUIDS = {
    "5a0c8190": "5a0c8190-b1d1-49ba-bf96-bc6444eb5afa",
    "dae70257": "dae70257-aeb9-431a-8fa9-0d77119189d0",
    "e8a72f4e": "e8a72f4e-a8d9-4d8e-95dc-e755c619123f",
}


def recorded(fixtures_dir, short: str) -> RawCapture:
    uuid = UUIDS[short]
    body = (fixtures_dir / f"riigikogu_document_{short}.html").read_bytes()
    return RawCapture(url=f"{BASE}dokument/{uuid}/", status=200, body=body, source_id=uuid)


def mock_connector(handler) -> RiigikoguConnector:
    client = PoliteClient("dokreg-test/1", 0, 5.0, 0, transport=httpx.MockTransport(handler))
    return RiigikoguConnector(BASE, client)


# --- recorded pages -----------------------------------------------------------------------------
def test_recorded_order_with_one_public_and_one_restricted_file(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "5a0c8190"))

    assert entry.source_id == UUIDS["5a0c8190"]
    assert entry.reference == "4-11/26-12"
    assert entry.registered == DAY
    assert entry.title == (
        "Riigikogu Kantselei 2026. aasta eelarve kinnitamine koos 2025. aastast ülekantud vahenditega"
    )
    assert entry.case_file == "Käskkirjad 2026"
    assert entry.extra["case_file_url"] == f"{BASE}toimikud/0a12ea17-5cef-4e71-93ad-6d06d00d518e"
    assert entry.doc_type == ""  # the page does not say; the list row does ("Käskkiri")
    assert entry.access == "Avalik"  # one file is public, so the document is
    name = (
        "KK_14.05.2026_nr_12_Riigikogu_Kantselei_2026._aasta_eelarve_kinnitamine_koos_2025._aastast_"
        "ülekantud_vahenditega.pdf"
    )
    assert entry.files == (
        FileRef(
            ordinal=1,
            name=name,
            url="https://www.riigikogu.ee/download/04cf9df3-7f3e-4c3c-8d70-6112df36536c",
            source_file_id="04cf9df3-7f3e-4c3c-8d70-6112df36536c",
            access="Avalik",
        ),
        FileRef(ordinal=2, name="Fail", url="", access=AK),
    )
    assert ("Jõustumise kuupäev", "14.05.2026") in entry.source_fields
    assert ("Seisund", "Kehtiv") in entry.source_fields
    assert ("Juurdepääsupiirang (2)", AK) in entry.source_fields
    assert entry.unknown_labels == ()
    assert entry.parser == "riigikogu/1"


def test_recorded_incoming_letter(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "dae70257"))

    assert entry.reference == "10-3/26-6/1"
    assert entry.correspondent == "Tarbijakaitse ja Tehnilise Järelevalve Amet - Marju Seling"
    assert entry.channel == "E-post"
    assert entry.access == "Avalik"
    assert ("Suund", "Sisse") in entry.source_fields
    assert [(f.name, f.source_file_id) for f in entry.files] == [
        ("Sissetulev kiri", "d1de0824-6ce1-4c51-af4a-2c11a7ce841a")
    ]


def test_recorded_restricted_letter_takes_the_files_restriction(fixtures_dir):
    entry = parse_document(recorded(fixtures_dir, "e8a72f4e"))

    assert entry.reference == "1-6/26-93/1"
    assert entry.title == "Kohtumenetluse praktikast"
    assert entry.correspondent == "M. K."
    assert entry.access == AK
    assert entry.restriction_basis == BASIS_P12
    assert (entry.restriction_begins, entry.restriction_ends) == (DAY, date(2101, 5, 14))
    assert len(entry.files) == 20
    assert {f.access for f in entry.files} == {AK}
    assert all(f.url == "" for f in entry.files)
    assert entry.files[0].name == "Sissetulev kiri"


def test_recorded_list_page_marks_agenda_items(fixtures_dir):
    page = parse_list_page((fixtures_dir / "riigikogu_list_2026-05-14_page1.html").read_text(), BASE)

    assert page.total == 98
    assert len(page.rows) == 25
    assert sum(row.agenda_item for row in page.rows) == 18
    documents = [row.entry for row in page.rows if not row.agenda_item]
    assert [(e.reference, e.doc_type) for e in documents] == [
        ("4-11/26-12", "Käskkiri"), ("2-7/26-138/1", "Kiri"), ("4-11/26-11", "Käskkiri"), ("", "Protokoll"),
        ("4-11/26-10", "Käskkiri"), ("10-3/26-6/1", "Kiri"), ("1-6/26-93/1", "Kiri"),
    ]  # fmt: skip
    assert documents[0].source_id == UUIDS["5a0c8190"]
    assert documents[0].registered == DAY
    assert documents[3].title == "ELAK protokoll nr 162 08.05.2026"


def test_a_list_that_repeats_its_page_is_incomplete(fixtures_dir):
    html = (fixtures_dir / "riigikogu_list_2026-05-14_page1.html").read_text()
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(parse_qs(urlsplit(str(request.url)).query))
        return httpx.Response(200, text=html)

    listing = mock_connector(handler).list_day(DAY)
    assert listing.complete is False
    assert len(listing.entries) == 7
    assert any("read 25 of 98" in p for p in listing.problems)
    assert asked[0]["startDate"] == asked[0]["endDate"] == ["14.05.2026"]
    assert (asked[0]["prepage"], asked[0]["sortBy"], asked[1]["pg"]) == (["25"], ["created"], ["2"])


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body><main><h1>Hooldustööd</h1></main></body></html>",
        "<html><body><main><h2>Otsingu tulemused: 12</h2><p>…</p></main></body></html>",
        "<html><body><main><table><thead><tr><th>Pealkiri</th><th>Liik</th></tr></thead>"
        "<tbody><tr><td><a href='/dokument/5a0c8190-b1d1-49ba-bf96-bc6444eb5afa'>x</a></td></tr>"
        "</tbody></table></main></body></html>",
    ],
)
def test_broken_list_pages_are_source_changed(html):
    with pytest.raises(SourceChanged):
        mock_connector(lambda r: httpx.Response(200, text=html)).list_day(DAY)


def test_an_empty_day_is_complete_and_empty():
    html = "<html><body><main><h2>Otsingu tulemused:  0</h2><p>Tulemusi ei leitud</p></main></body></html>"
    listing = mock_connector(lambda r: httpx.Response(200, text=html)).list_day(DAY)
    assert (listing.entries, listing.reported_total, listing.complete) == ((), 0, True)


@pytest.mark.parametrize("cut", [0, 2000, 60000])
def test_truncated_document_pages_are_source_changed(fixtures_dir, cut):
    raw = recorded(fixtures_dir, "dae70257")
    with pytest.raises(SourceChanged):
        parse_document(RawCapture(url=raw.url, status=200, body=raw.body[:cut], source_id=raw.source_id))


def test_changed_labels_are_kept_as_unknown(fixtures_dir):
    raw = recorded(fixtures_dir, "dae70257")
    body = raw.body.replace(b"Saabumise/Saatmise viis:", b"Edastusviis:")
    entry = parse_document(RawCapture(url=raw.url, status=200, body=body, source_id=raw.source_id))
    assert entry.channel == ""
    assert entry.unknown_labels == ("Edastusviis",)
    assert entry.reference == "10-3/26-6/1"


def test_validity_texts():
    assert parse_validity("14.05.2026 - 14.05.2101") == (DAY, date(2101, 5, 14))
    assert parse_validity("14.05.2101") == (None, date(2101, 5, 14))
    assert parse_validity("") == (None, None)


def test_ids_errors_and_registration():
    connector = mock_connector(lambda r: httpx.Response(404, text="<html>ei leitud</html>"))
    assert connector.document_url(UUIDS["5a0c8190"].upper()) == f"{BASE}dokument/{UUIDS['5a0c8190']}/"
    with pytest.raises(BadInput):
        connector.document_url("12345")
    with pytest.raises(NotFoundAtSource):
        connector.fetch(UUIDS["5a0c8190"])
    with pytest.raises(SourceUnavailable):
        mock_connector(lambda r: httpx.Response(403, text="no")).list_day(DAY)
    assert CONNECTORS["riigikogu"] is RiigikoguConnector


def test_restricted_or_linkless_files_are_never_downloaded():
    connector = mock_connector(lambda r: httpx.Response(200, content=b"secret"))
    with pytest.raises(NotFoundAtSource):
        connector.download(FileRef(ordinal=2, name="Fail", url="", access=AK))
    with pytest.raises(NotFoundAtSource):
        connector.download(FileRef(ordinal=1, name="x", url="https://www.riigikogu.ee/download/x", access=AK))
    with pytest.raises(BadInput):
        connector.download(FileRef(ordinal=1, name="x", url="https://evil.example/download/x"))
    assert (
        connector.download(FileRef(ordinal=1, name="x", url="https://www.riigikogu.ee/download/x"))
        == b"secret"
    )


# --- the simulator over loopback ----------------------------------------------------------------
@pytest.fixture
def site():
    corpus = Corpus(CONFIG)
    slug = corpus.bodies[0].slug
    server = SimulatorServer(corpus, site=RiigikoguSite(corpus, slug=slug)).start()
    yield corpus, slug, server, RiigikoguConnector(server.base_url(slug), PoliteClient("t", 0, 10.0, 0))
    server.stop()


def test_simulated_days_list_documents_without_agenda_items(site):
    corpus, slug, _server, connector = site
    agenda_seen = 0
    for day in corpus.days():
        listing = connector.list_day(day)
        expected = {document_uuid(slug, d.id): d for d in corpus.search(slug, day, day)}
        assert listing.complete, listing.problems
        assert listing.reported_total == len(expected)
        assert {e.source_id for e in listing.entries} == set(expected)
        for entry in listing.entries:
            assert entry.doc_type == expected[entry.source_id].doc_type
        agenda_seen += int(listing.slices[1].split(":")[1])
    assert agenda_seen > 0


def test_simulated_documents_parse_to_the_corpus_values(site):
    corpus, slug, _server, connector = site
    files = FileMaker(corpus.config.seed)
    documents = corpus.documents(slug)[:40]
    assert {d.access for d in documents} == {"Avalik", "AK"}
    for doc in documents:
        entry = connector.parse(connector.fetch(document_uuid(slug, doc.id)))
        assert (entry.reference, entry.registered, entry.title, entry.case_file) == (
            doc.reference, doc.registered, doc.title, doc.case_file
        )  # fmt: skip
        assert (entry.correspondent, entry.channel, entry.sender_reference, entry.due_date) == (
            doc.correspondent, doc.channel, doc.sender_reference, doc.due_date
        )  # fmt: skip
        assert [f.name for f in entry.files] == [f.name for f in doc.files]
        if doc.access == "AK" and doc.files:
            assert entry.access == AK
            assert (entry.restriction_basis, entry.restriction_begins, entry.restriction_ends) == (
                doc.restriction_basis, doc.restriction_begins, doc.restriction_ends
            )  # fmt: skip
            assert all(f.url == "" and f.access == AK for f in entry.files)
        elif doc.access == "Avalik":
            assert entry.access == "Avalik"
            for ref, sim_file in zip(entry.files, doc.files, strict=True):
                assert connector.download(ref) == files.content(doc, sim_file)[0]
        assert entry.unknown_labels == ()


def test_withdrawn_documents_are_not_found(site):
    corpus, slug, _server, connector = site
    doc = corpus.documents(slug)[0]
    corpus.withdraw(slug, doc.id)
    with pytest.raises(NotFoundAtSource):
        connector.fetch(document_uuid(slug, doc.id))
