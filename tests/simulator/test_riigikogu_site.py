"""The simulated Riigikogu register over loopback HTTP: list pages with agenda items, documents, files."""

from __future__ import annotations

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from dokreg.simulator import Corpus, CorpusConfig, FileMaker, SimulatorServer
from dokreg.simulator.riigikogu import AGENDA_TYPE, RiigikoguSite, document_uuid

CONFIG = CorpusConfig(bodies=1, days=4, docs_per_day=10, big_day_every=4, files="pdf", seed=13)


@pytest.fixture
def served():
    corpus = Corpus(CONFIG)
    slug = corpus.bodies[0].slug
    server = SimulatorServer(corpus, site=RiigikoguSite(corpus, slug=slug)).start()
    with httpx.Client(timeout=10) as client:
        yield corpus, slug, server, client
    server.stop()


def list_page(client, base: str, day, page: int = 1) -> LexborHTMLParser:
    when = f"{day:%d.%m.%Y}"
    params = (
        f"?pg={page}&searchIn=documents&startDate={when}&endDate={when}&order=DESC&sortBy=created&prepage=25"
    )
    response = client.get(base + params)
    assert response.status_code == 200
    return LexborHTMLParser(response.text)


def rows(tree: LexborHTMLParser) -> list[list[str]]:
    return [
        [" ".join(td.text().split()) for td in tr.css("td")]
        for tr in tree.css("tbody.search-results-eelnoud tr")
    ]


def test_list_counts_agenda_items_and_pages_by_25(served):
    corpus, slug, server, client = served
    base = server.base_url(slug)
    big_day = max(corpus.days(), key=lambda d: corpus.day_counts(slug)[d])
    first = list_page(client, base, big_day)
    heading = " ".join(first.css_first("h2").text().split())
    total = int(heading.rsplit(" ", 1)[1])
    assert total >= corpus.day_counts(slug)[big_day]
    pages = [rows(list_page(client, base, big_day, n)) for n in range(1, -(-total // 25) + 1)]
    every = [row for page in pages for row in page]
    assert len(every) == total and all(len(page) == 25 for page in pages[:-1])
    documents = [row for row in every if row[3] != AGENDA_TYPE]
    assert len(documents) == corpus.day_counts(slug)[big_day]
    assert rows(list_page(client, base, big_day, 99)) == []  # past the end: the count, no rows


def test_some_day_has_agenda_items_first(served):
    corpus, slug, server, client = served
    base = server.base_url(slug)
    first_rows = [rows(list_page(client, base, day)) for day in corpus.days()]
    with_agenda = [r for r in first_rows if r and r[0][3] == AGENDA_TYPE]
    assert with_agenda and all(row[0] == "" for row in with_agenda[0] if row[3] == AGENDA_TYPE)


def test_document_page_and_public_file(served):
    corpus, slug, server, client = served
    doc = next(d for d in corpus.documents(slug) if d.access == "Avalik" and d.files)
    page = client.get(f"{server.base_url(slug)}dokument/{document_uuid(slug, doc.id)}/")
    tree = LexborHTMLParser(page.text)
    labels = [" ".join(s.text().split()) for s in tree.css("td strong")]
    assert labels[:4] == ["Toimik:", "Dokumendi viit:", "Dokumendi loomise kuupäev:", "Pealkiri:"]
    link = tree.css_first('a[href^="/download/"]').attributes["href"]
    data = client.get(server.url + link).content
    assert data == FileMaker(corpus.config.seed).content(doc, doc.files[0])[0]


def test_restricted_files_have_no_link_and_say_why(served):
    corpus, slug, server, client = served
    doc = next(d for d in corpus.documents(slug) if d.access == "AK" and d.files)
    tree = LexborHTMLParser(
        client.get(f"{server.base_url(slug)}dokument/{document_uuid(slug, doc.id)}/").text
    )
    cells = [" ".join(td.text().split()) for td in tree.css("table")[1].css("tbody tr")[0].css("td")]
    assert cells == [
        doc.files[0].name, "Asutusesiseseks kasutamiseks", doc.restriction_basis,
        f"{doc.restriction_begins:%d.%m.%Y} - {doc.restriction_ends:%d.%m.%Y}",
    ]  # fmt: skip
    assert tree.css_first('a[href^="/download/"]') is None


def test_not_found_shapes(served):
    corpus, slug, server, client = served
    base = server.base_url(slug)
    assert client.get(f"{base}dokument/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"{server.url}/download/00000000-0000-0000-0000-000000000000").status_code == 404
    doc = corpus.documents(slug)[0]
    corpus.withdraw(slug, doc.id)
    assert client.get(f"{base}dokument/{document_uuid(slug, doc.id)}/").status_code == 404
    assert client.post(base, data={"x": "1"}).status_code == 404
