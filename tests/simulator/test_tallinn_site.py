"""The simulated Tallinn register read by the real Tallinn connector over loopback HTTP."""

from __future__ import annotations

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from dokreg.archive.restrictions import access_level
from dokreg.errors import NotFoundAtSource
from dokreg.registries.connectors.tallinn import TallinnConnector
from dokreg.registries.http import PoliteClient
from dokreg.simulator import BodySpec, Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.tallinn import FIRST_ID, ORIGIN_WORDS, TallinnSite

BODY = "Tallinna Keskkonna- ja Kommunaalamet"
CONFIG = CorpusConfig(
    bodies=(BodySpec("tallinn", BODY),),
    days=3,
    docs_per_day=12,
    big_day_every=0,
    ak_share=0.3,
    relation_share=0.5,
    files="pdf",
)


@pytest.fixture()
def served():
    corpus = Corpus(CONFIG)
    site = TallinnSite(corpus)
    with SimulatorServer(corpus, site=site) as server, PoliteClient("dokreg-test/1", 0, 5.0, 0) as client:
        yield corpus, site, server, TallinnConnector(server.url + "/tallinn/", client)


def expected_correspondent(site: TallinnSite, doc) -> str:
    if site.kind(doc) == "contract":
        return "; ".join(p for p in (BODY, doc.correspondent) if p)
    return doc.correspondent


def test_every_document_reads_back_as_the_corpus_holds_it(served):
    corpus, site, _, tallinn = served
    kinds = set()
    for public_id in site.ids.public_ids():
        doc = site.document(public_id)
        kind = site.kind(doc)
        kinds.add(kind)
        entry = tallinn.parse(tallinn.fetch(str(public_id)))

        assert entry.source_id == str(public_id)
        assert entry.reference == doc.reference
        assert entry.registered == doc.registered
        assert entry.doc_type == doc.doc_type
        assert entry.title == doc.title
        assert access_level(entry.access) == access_level(doc.access)
        assert entry.restriction_basis == doc.restriction_basis
        assert entry.restriction_begins == doc.restriction_begins
        assert entry.restriction_ends == doc.restriction_ends
        assert entry.sender_reference == doc.sender_reference
        assert entry.correspondent == expected_correspondent(site, doc)
        assert entry.channel == doc.channel
        assert entry.responsible == ("" if kind == "contract" else doc.responsible)
        assert [f.name for f in entry.files] == [f.name for f in doc.listed_files]
        assert entry.extra.get("office", BODY) == BODY
        expected = {
            (str(site.ids.public_id(other.id)), ORIGIN_WORDS.get(k, k))
            for k, other in corpus.related("tallinn", doc.id)
        }
        assert {(r.target_source_id, r.kind) for r in entry.relations} == expected
        assert entry.unknown_labels == ()
    assert {"in", "out", "contract"} <= kinds


def test_private_people_appear_only_in_the_extra_info(served):
    corpus, site, _, tallinn = served
    private = [
        i
        for i in site.ids.public_ids()
        if site.document(i).correspondent.endswith(".") and site.kind(site.document(i)) != "contract"
    ]
    assert private, "the corpus config should produce letters with private correspondents"
    entry = tallinn.parse(tallinn.fetch(str(private[0])))
    labels = [label for label, _ in entry.source_fields]
    assert "Lisainfo" in labels
    assert "Kellele" not in labels
    assert entry.correspondent == site.document(private[0]).correspondent


def test_gaps_and_ids_past_the_end_are_the_empty_page(served):
    _, site, server, tallinn = served
    ids = site.ids.public_ids()
    assert ids[0] == FIRST_ID
    gap = next(a + 1 for a, b in zip(ids, ids[1:], strict=False) if b - a == 2)
    for missing in (gap, ids[-1] + 1):
        with pytest.raises(NotFoundAtSource, match="empty page"):
            tallinn.fetch(str(missing))
    page = httpx.get(tallinn.document_url(str(gap)))
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    assert tree.css_first("#document_container") is not None
    assert tree.css("#document_container div.row") == []


def test_page_has_the_recorded_structure(served, fixtures_dir):
    _, site, _, tallinn = served
    real = LexborHTMLParser((fixtures_dir / "tallinn_document_5618203.html").read_text())
    public_id = next(i for i in site.ids.public_ids() if site.kind(site.document(i)) == "in")
    simulated = LexborHTMLParser(httpx.get(tallinn.document_url(str(public_id))).text)
    for selector in ("#content #document_container div.row div.detail_label", "#content div.detail_desc"):
        assert simulated.css(selector) and real.css(selector)
    real_labels = {n.text() for n in real.css(".detail_label")}
    simulated_labels = {n.text() for n in simulated.css(".detail_label")}
    assert {"ID", "Liik", "Reg nr", "Reg kpv", "Saatja", "Asutus", "Täitja", "Pealkiri"} <= simulated_labels
    assert simulated_labels - {"Saatja kirja nr", "Juurdepääsupiirang alates", "Juurdepääsupiirang kuni",
                               "Juurdepääsupiirangu alus", "Lisainfo"} <= real_labels  # fmt: skip


def test_files_have_mangled_links_and_download(served):
    corpus, site, _, tallinn = served
    public_id = next(i for i in site.ids.public_ids() if site.document(i).listed_files)
    doc = site.document(public_id)
    entry = tallinn.parse(tallinn.fetch(str(public_id)))
    for ref, sim_file in zip(entry.files, doc.listed_files, strict=True):
        assert ref.name == sim_file.name
        assert " " not in ref.url.rsplit("/", 1)[-1]
        assert ref.access == "Avalik"
        assert tallinn.download(ref).startswith(b"%PDF")
    restricted = next(i for i in site.ids.public_ids() if not site.document(i).is_public)
    assert tallinn.parse(tallinn.fetch(str(restricted))).files == ()
    restricted_file = site.document(restricted).files[0]
    link = site.file_href(site.document(restricted), restricted_file)
    assert httpx.get(tallinn.base_url.rstrip("/").rsplit("/", 1)[0] + link).status_code == 404


def test_a_restriction_added_later_hides_the_files(served):
    corpus, site, _, tallinn = served
    public_id = next(i for i in site.ids.public_ids() if site.document(i).listed_files)
    doc = site.document(public_id)
    ref = tallinn.parse(tallinn.fetch(str(public_id))).files[0]
    corpus.mutate("tallinn", doc.id, access="AK")
    entry = tallinn.parse(tallinn.fetch(str(public_id)))
    assert access_level(entry.access) == access_level("AK")
    assert entry.restriction_basis
    assert entry.files == ()
    with pytest.raises(NotFoundAtSource):
        tallinn.download(ref)
