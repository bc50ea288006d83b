"""The simulated RMK register read by the real RMK connector over loopback HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from dokreg.archive.restrictions import access_level
from dokreg.errors import NotFoundAtSource, Unsupported
from dokreg.registries.connectors.rmk import RmkConnector
from dokreg.registries.http import PoliteClient
from dokreg.simulator import BodySpec, Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.rmk import FIRST_ID, RELATED_FILE, RmkSite, file_restricted
from dokreg.simulator.sequential import GAP_EVERY

CONFIG = CorpusConfig(
    bodies=(BodySpec("rmk", "Riigimetsa Majandamise Keskus"),),
    days=3,
    docs_per_day=12,
    big_day_every=0,
    relation_share=0.5,
    files="pdf",
)


@pytest.fixture()
def served():
    corpus = Corpus(CONFIG)
    site = RmkSite(corpus)
    with SimulatorServer(corpus, site=site) as server, PoliteClient("dokreg-test/1", 0, 5.0, 0) as client:
        yield corpus, site, server, RmkConnector(server.url + "/rmk/", client)


def test_ids_are_sequential_with_a_gap_now_and_then(served):
    corpus, site, _, _ = served
    ids = site.ids.public_ids()
    assert len(ids) == len(corpus.documents("rmk"))
    assert ids[0] == FIRST_ID
    gaps = [b - a for a, b in zip(ids, ids[1:], strict=False) if b - a != 1]
    assert gaps and set(gaps) == {2}
    assert len(gaps) == (len(ids) - 1) // GAP_EVERY


def test_every_document_reads_back_as_the_corpus_holds_it(served):
    corpus, site, _, rmk = served
    for public_id in site.ids.public_ids():
        doc = site.document(public_id)
        entry = rmk.parse(rmk.fetch(str(public_id)))
        letter = site.kind(doc) in ("in", "out", "request")

        assert entry.source_id == str(public_id)
        assert entry.url == rmk.document_url(str(public_id))
        assert entry.reference == doc.reference
        assert entry.registered == doc.registered
        assert entry.doc_type == doc.doc_type
        assert entry.title == doc.title
        assert entry.series == doc.series
        assert access_level(entry.access) == access_level(doc.access)
        assert entry.restriction_basis == doc.restriction_basis
        assert entry.restriction_begins == doc.restriction_begins
        assert entry.restriction_ends == doc.restriction_ends
        assert entry.sender_reference == doc.sender_reference
        assert entry.correspondent == doc.correspondent
        assert entry.channel == doc.channel
        assert entry.responsible == doc.responsible
        assert entry.due_date == (doc.due_date if letter else None)
        own = [(f.name, f.source_file_id) for f in entry.files if f.relation == "Dokumendi fail"]
        assert own == [(f.name, str(f.file_id)) for f in doc.files]
        related = {other.title for _, other in corpus.related("rmk", doc.id) if other.files}
        assert {r.title for r in entry.relations if r.kind == RELATED_FILE} == related


def test_relations_appear_in_the_corpus_and_through_shared_files(served):
    corpus, site, _, rmk = served
    with_relations = [i for i in site.ids.public_ids() if corpus.related("rmk", site.document(i).id)]
    assert with_relations, "the corpus config should produce related documents"
    entry = rmk.parse(rmk.fetch(str(with_relations[0])))
    assert any(f.relation == RELATED_FILE for f in entry.files)


def test_the_gap_and_ids_past_the_end_are_not_found_in_the_real_shape(served):
    _, site, server, rmk = served
    ids = site.ids.public_ids()
    gap = next(a + 1 for a, b in zip(ids, ids[1:], strict=False) if b - a == 2)
    for missing in (gap, ids[-1] + 1, FIRST_ID - 1):
        with pytest.raises(NotFoundAtSource, match="Dokumenti ei leitud"):
            rmk.fetch(str(missing))
    answer = httpx.get(f"{server.url}/rmk/api/dokument/{gap}")
    assert answer.status_code == 200
    assert answer.json() == {"status": True, "data": False, "message": "Dokumenti ei leitud!"}


def test_the_record_has_the_recorded_keys(served, fixtures_dir):
    _, site, server, _ = served
    real = json.loads((fixtures_dir / "rmk_document_412349.json").read_bytes())
    simulated = httpx.get(f"{server.url}/rmk/api/dokument/{site.ids.public_ids()[0]}").json()
    assert simulated.keys() == real.keys()
    assert list(simulated["data"]) == list(real["data"])
    assert simulated["data"]["failid"][0].keys() == real["data"]["failid"][0].keys()


def test_files_download_with_their_own_access(served):
    corpus, site, _, rmk = served
    public = restricted = 0
    for public_id in site.ids.public_ids():
        doc = site.document(public_id)
        entry = rmk.parse(rmk.fetch(str(public_id)))
        for ref, sim_file in zip(entry.files, doc.files, strict=False):
            if file_restricted(doc, sim_file):
                assert ref.access == "AK"
                with pytest.raises(Unsupported):
                    rmk.download(ref)
                restricted += 1
            else:
                assert ref.access == "Avalik"
                data = rmk.download(ref)
                assert data.startswith(b"%PDF")
                public += 1
    assert public and restricted


def test_a_withdrawn_document_and_its_files_disappear(served):
    corpus, site, _, rmk = served
    public_id = next(
        i for i in site.ids.public_ids() if site.document(i).is_public and site.document(i).files
    )
    doc = site.document(public_id)
    ref = rmk.parse(rmk.fetch(str(public_id))).files[0]
    corpus.withdraw("rmk", doc.id)
    with pytest.raises(NotFoundAtSource):
        rmk.fetch(str(public_id))
    with pytest.raises(NotFoundAtSource):
        rmk.download(ref)


def test_unknown_paths_answer_404(served):
    _, _, server, _ = served
    for path in ("/rmk/api/dokument/abc", "/other/api/dokument/1", "/rmk/api/", "/rmk/api/fail/99999999"):
        assert httpx.get(server.url + path).status_code == 404
