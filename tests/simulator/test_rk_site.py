"""The simulated Riigikantselei register over loopback HTTP: Domino's XML shapes, paging, errors, files."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from dokreg.errors import NotFoundAtSource
from dokreg.simulator import Corpus, CorpusConfig, FileMaker, SimulatorServer
from dokreg.simulator.riigikantselei import RiigikantseleiSite, matter_root, note_id

CONFIG = CorpusConfig(bodies=1, days=4, docs_per_day=10, big_day_every=4, files="pdf", seed=11)


@pytest.fixture
def served():
    corpus = Corpus(CONFIG)
    slug = corpus.bodies[0].slug
    server = SimulatorServer(corpus, site=RiigikantseleiSite(corpus, slug=slug)).start()
    with httpx.Client(timeout=10) as client:
        yield corpus, slug, server.base_url(slug), client
    server.stop()


def search(client, base: str, day, start: int = 1, count: int = 20, search_max: int = 250):
    when = f"{day:%d.%m.%Y}"
    query = quote(f"[date]>={when} AND [date]<={when}", safe="")
    url = f"{base}search?open&query={query}&SearchOrder=4&SearchMax={search_max}&Start={start}&Count={count}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def test_search_pages_with_start_and_reports_the_whole_total(served):
    corpus, slug, base, client = served
    big_day = max(corpus.days(), key=lambda d: corpus.day_counts(slug)[d])
    total = corpus.day_counts(slug)[big_day]
    first = search(client, base, big_day, count=500)
    assert first.tag == "entries"
    assert (int(first.get("totalhits")), first.get("searchmax"), len(first.findall("document"))) == (
        total,
        "100",
        100,
    )
    ids = [d.get("noteid") for d in first.findall("document")]
    while len(ids) < total:
        page = search(client, base, big_day, start=len(ids) + 1, count=500)
        assert 0 < len(page.findall("document")) <= 100
        ids += [d.get("noteid") for d in page.findall("document")]
    assert len(ids) == len(set(ids)) == total
    assert set(ids) == {note_id(d.id) for d in corpus.search(slug, big_day, big_day)}
    row = first.find("document")
    assert [f.get("name") for f in row.findall("field")] == ["date", "docid", "documenttype", "subject"]
    assert row.get("href") == f"/{slug}/documents/{row.get('noteid')}?open"


def test_a_page_past_the_end_has_no_rows_but_the_total(served):
    corpus, slug, base, client = served
    day = corpus.days()[0]
    page = search(client, base, day, start=500)
    assert page.findall("document") == []
    assert int(page.get("totalhits")) == corpus.day_counts(slug)[day]


def test_truncating_server_never_reports_more_than_its_maximum():
    corpus = Corpus(CONFIG)
    slug = corpus.bodies[0].slug
    big_day = max(corpus.days(), key=lambda d: corpus.day_counts(slug)[d])
    with SimulatorServer(corpus, site=RiigikantseleiSite(corpus, slug=slug, truncate_total=True)) as server:
        with httpx.Client(timeout=10) as client:
            page = search(client, server.base_url(slug), big_day, start=101)
    assert page.get("totalhits") == "100" and page.findall("document") == []


def test_document_xml_has_titles_fields_files_and_the_case(served):
    corpus, slug, base, client = served
    doc = next(
        d for d in corpus.documents(slug) if d.access == "Avalik" and d.files and d.reference.endswith("-2")
    )
    response = client.get(f"{base}documents/{note_id(doc.id)}?open")
    root = etree.fromstring(response.content)
    assert (root.tag, root.get("noteid")) == ("document", note_id(doc.id))
    fields = {f.get("name"): f.text for f in root.findall("field")}
    assert fields["docid"] == doc.reference and fields["subject"] == doc.title
    assert "docaccesstype" not in fields  # empty fields are left out, as Domino does
    titles = {t.get("name") for t in root.iterfind("fieldtitles/fieldtitle")}
    assert set(fields) <= titles
    case = root.find("case")
    assert case.get("number") == matter_root(doc.reference)
    assert len(case.findall("document")) >= 2
    file_element = root.find("file")
    data = client.get(base.rstrip("/").rsplit("/", 1)[0] + quote(file_element.get("href"))).content
    assert data == FileMaker(corpus.config.seed).content(doc, doc.files[0])[0]
    assert int(file_element.get("size")) == len(data)


def test_missing_documents_files_and_bad_queries_answer_like_domino(served):
    corpus, slug, base, client = served
    missing = client.get(f"{base}documents/NT00000001?open")
    assert missing.status_code == 404 and "Entry not found in index" in missing.text
    restricted = next(d for d in corpus.documents(slug) if d.access == "AK" and d.files)
    assert (
        client.get(
            f"{base}documents/{note_id(restricted.id)}/$file/{quote(restricted.files[0].name)}"
        ).status_code
        == 404
    )
    assert client.get(f"{base}search?open&query=kala").status_code == 400
    assert client.get(f"{base}nonsense").status_code == 404


def test_an_unknown_body_fails_at_construction():
    with pytest.raises(NotFoundAtSource):
        RiigikantseleiSite(Corpus(CONFIG), slug="nobody")
