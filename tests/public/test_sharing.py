"""Sharing and citing a document, and finding the open data from every page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Access
from dokreg.pipeline.indexing import index_documents

pytestmark = pytest.mark.django_db
CODE = "38001085718"


@pytest.fixture
def doc():
    body = make_registry(slug="jaga-amet", name="Jagamisamet")
    return make_document(
        body,
        reference="5-4/22-1",
        title=f"Hanke leping {CODE}",
        registered=date(2024, 2, 29),
        doc_type="Leping",
        url="https://adr.example.test/jaga/dokument/77",
    )


def meta(html: HTMLParser, prop: str) -> str:
    node = html.css_first(f'meta[property="{prop}"]')
    return node.attributes["content"] if node else ""


def test_document_page_has_canonical_url_open_graph_and_a_citation(client, doc):
    html = HTMLParser(client.get(f"/dokument/{doc.pk}/").text)
    url = f"http://testserver/dokument/{doc.pk}/"
    assert html.css_first('link[rel="canonical"]').attributes["href"] == url
    assert meta(html, "og:url") == url and meta(html, "og:type") == "article"
    assert meta(html, "og:title").startswith("Hanke leping") and CODE not in meta(html, "og:title")
    assert meta(html, "og:description") == "Jagamisamet · 5-4/22-1 · 29.02.2024 · Leping"
    cite = html.css_first(".cite-line").text()
    for part in ("Jagamisamet", "5-4/22-1", "29.02.2024", url, "https://adr.example.test/jaga/dokument/77"):
        assert part in cite
    assert CODE not in cite


def test_a_hostile_source_url_is_not_cited(client, doc):
    doc.url = "javascript:alert(1)"
    doc.save()
    cite = HTMLParser(client.get(f"/dokument/{doc.pk}/").text).css_first(".cite-line").text()
    assert "javascript" not in cite


def test_body_page_has_its_canonical_url(client, doc):
    html = HTMLParser(client.get("/asutus/jaga-amet/").text)
    assert html.css_first('link[rel="canonical"]').attributes["href"] == "http://testserver/asutus/jaga-amet/"


@pytest.mark.parametrize("path", ["/", "/teave/", "/registrid/", "/ulevaade/"])
def test_every_page_footer_links_the_open_data(client, path):
    footer = HTMLParser(client.get(path).text).css_first("footer.site")
    hrefs = [a.attributes["href"] for a in footer.css("a")]
    assert "/api/v1/docs" in hrefs and "/teave/#avaandmed" in hrefs and "/ulevaade/" in hrefs


def test_the_about_pages_api_example_works(client, doc):
    make_document(doc.registry, title="Hanke aruanne", access=Access.AK, registered=date(2025, 3, 1))
    other = make_document(doc.registry, title="Hange ja kava", registered=date(2025, 3, 2), reference="9-9/1")
    index_documents(doc_ids=[doc.pk, other.pk])
    page = client.get("/teave/").text
    about = HTMLParser(page)
    assert about.css_first("#avaandmed") is not None
    hrefs = [a.attributes["href"] for a in about.css("main a")]
    assert "/api/v1/docs" in hrefs and "/api/v1/openapi.json" in hrefs
    example = about.css_first("pre.example code").text()
    url = re.search(r"curl -s '([^']+)'", example).group(1).replace("<asutus>", "jaga-amet")
    answer = client.get(url.removeprefix("http://testserver"))
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [i["reference"] for i in items] == ["9-9/1"] and "title" in items[0]
    assert ".items[] | [.reference, .title]" in example
