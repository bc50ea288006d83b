"""Filters and facets end to end: archive rows → the index stage → the results page and the API.

The index is written by the real index stage (``pipeline.indexing``), so what the public sees is
what the publication rule lets in: withdrawn documents are deleted, withheld files add no text.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import Access, Document, RestrictionBasis
from dokreg.pipeline.indexing import index_documents

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("index_shards")]


@pytest.fixture
def archive():
    jm = make_registry(slug="fx-jm", name="Testministeerium")
    rk = make_registry(slug="fx-rk", name="Testkogu")
    today = timezone.localdate()
    docs = {
        "report": make_document(
            jm,
            reference="R-1",
            title="Hanke aruanne",
            series="1-1 Kirjavahetus",
            function="1 Juhtimine",
            case_file="1-1/2025 Hanked",
            correspondent="Rahandusministeerium",
            channel="e-post",
            registered=date(2025, 3, 1),
        ),
        "contract": make_document(
            jm, reference="R-2", title="Hanke leping", doc_type="Leping", registered=date(2024, 5, 2)
        ),
        "letter": make_document(rk, reference="R-3", title="Hanke kiri", registered=date(2024, 6, 3)),
        "ak_expired": make_document(
            jm,
            reference="R-4",
            title="Hanke terviseandmed",
            access=Access.AK,
            access_text="AK",
            series="1-1 Kirjavahetus",
            restriction_ends=today - timedelta(days=1),
            registered=date(2025, 1, 5),
        ),
        "ak_running": make_document(
            jm,
            reference="R-5",
            title="Hanke ärisaladus",
            access=Access.AK,
            access_text="AK",
            restriction_ends=today + timedelta(days=365),
            registered=date(2025, 2, 5),
        ),
        "withdrawn": make_document(
            jm, reference="R-6", title="Hanke eelnõu", series="1-1 Kirjavahetus", registered=date(2025, 2, 6)
        ),
    }
    RestrictionBasis.objects.create(
        document=docs["ak_expired"],
        text="AvTS § 35 lg 1 p 12",
        law="AvTS",
        section="35",
        subsection="1",
        point="12",
    )
    RestrictionBasis.objects.create(
        document=docs["ak_running"],
        text="AvTS § 35 lg 2 p 3",
        law="AvTS",
        section="35",
        subsection="2",
        point="3",
    )
    make_file(
        docs["report"],
        name="X.pdf",
        text="Sissejuhatus. Metoodika. Järeldus: eelarve ületati.",
        pages=[
            {"number": 1, "text": "Sissejuhatus."},
            {"number": 2, "text": "Metoodika."},
            {"number": 3, "text": "Järeldus: eelarve ületati."},
        ],
    )
    make_file(docs["report"], name="lisa.docx", kind="docx", text="Lisa tabelid.")
    # A public document's file the register withholds: its text must not be searchable or counted.
    make_file(docs["contract"], name="salajane.pdf", text="Hanke salakokkulepe summas.", access="AK")
    make_file(docs["ak_expired"], name="terviseandmed.pdf", text="Hanke salakokkulepe diagnoos.")
    index_documents(doc_ids=[d.pk for d in docs.values()])
    # Withdrawn after it was indexed: the next index run must delete it from the counts.
    Document.objects.filter(pk=docs["withdrawn"].pk).update(withdrawn_at=timezone.now(), index_dirty=True)
    index_documents(doc_ids=[docs["withdrawn"].pk])
    return docs


def refs(html: str) -> list[str]:
    return sorted(span.text() for span in HTMLParser(html).css("ol.hits span.ref"))


def page_facets(html: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for section in HTMLParser(html).css("nav.facets section"):
        name = next(c for c in section.attributes["class"].split() if c.startswith("facet-"))[6:]
        out[name] = {}
        for li in section.css("li"):
            link = li.css_first("a")
            value = _facet_value(name, link.attributes["href"])
            out[name][value] = int(li.css_first(".count").text().strip("()"))
    return out


def _facet_value(name: str, href: str) -> str:
    query = parse_qs(href.lstrip("?").split("#")[0])  # facet links end in #tulemused
    key = {"registry": "registry", "doc_type": "type", "access": "access", "series": "series"}.get(name)
    if name == "year":
        return query["date_from"][0][:4] if "date_from" in query else "(removed)"
    return query[key][-1] if key in query else "(removed)"


def api_facets(client, query: str) -> dict[str, dict[str, int]]:
    body = client.get("/api/v1/documents?" + query).json()
    return {name: {row["value"]: row["count"] for row in rows} for name, rows in body["facets"].items()}


EXPECTED = {
    "registry": {"fx-jm": 4, "fx-rk": 1},
    "doc_type": {"Sissetulev kiri": 4, "Leping": 1},
    "year": {"2025": 3, "2024": 2},
    "access": {"public": 3, "ak": 2, "expired_ak": 1},
    "series": {"1-1 Kirjavahetus": 2},
}


@pytest.mark.parametrize("query", ["q=hanke", ""])
def test_page_and_api_count_the_same_facets_without_hidden_documents(client, archive, query):
    html = client.get("/otsi/?" + query).content.decode()
    assert page_facets(html) == EXPECTED
    assert api_facets(client, query) == EXPECTED


def test_a_withheld_file_adds_no_text_and_no_count(client, archive):
    html = client.get("/otsi/?q=salakokkulepe").content.decode()
    assert refs(html) == []  # neither the withheld file of R-2 nor the AK document's file
    assert page_facets(html) == {}
    assert client.get("/api/v1/documents?q=salakokkulepe").json()["facets"] == {}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("function=1+juhtimine", ["R-1"]),
        ("series=1-1+Kirjavahetus", ["R-1", "R-4"]),
        ("case_file=1-1/2025+Hanked", ["R-1"]),
        ("correspondent=rahandusministeerium", ["R-1"]),
        ("channel=E-POST", ["R-1"]),
        ("restriction=AvTS+§+35+lg+1+p+12", ["R-4"]),
        ("restriction=avts+§35", ["R-4", "R-5"]),
        ("has_files=1", ["R-1"]),
        ("has_files=0", ["R-2", "R-3", "R-4", "R-5"]),
        ("file_kind=docx", ["R-1"]),
        ("access=expired_ak", ["R-4"]),
        ("access=ak", ["R-4", "R-5"]),
        ("type=Leping&type=sissetulev+kiri&registry=fx-jm", ["R-1", "R-2", "R-4", "R-5"]),
        ("date_from=2024-01-01&date_to=2024-12-31", ["R-2", "R-3"]),
    ],
)
def test_each_filter_on_page_and_api_with_and_without_words(client, archive, query, expected):
    for words in ("q=hanke&", ""):
        assert refs(client.get(f"/otsi/?{words}{query}").content.decode()) == expected, words
        items = client.get(f"/api/v1/documents?{words}{query}").json()["items"]
        assert sorted(i["reference"] for i in items) == expected, words


def test_facet_links_add_and_remove_a_filter(client, archive):
    html = client.get("/otsi/?q=hanke").content.decode()
    link = HTMLParser(html).css_first('nav.facets .facet-doc_type a[href*="Leping"]').attributes["href"]
    narrowed = client.get("/otsi/" + link).content.decode()
    assert refs(narrowed) == ["R-2"]
    chosen = HTMLParser(narrowed).css_first("nav.facets .facet-doc_type a.selected")
    assert chosen.attributes["aria-current"] == "true"
    assert refs(client.get("/otsi/" + chosen.attributes["href"]).content.decode()) == [
        "R-1",
        "R-2",
        "R-3",
        "R-4",
        "R-5",
    ]
    year = HTMLParser(html).css_first('nav.facets .facet-year a[href*="2024"]').attributes["href"]
    assert refs(client.get("/otsi/" + year).content.decode()) == ["R-2", "R-3"]


def test_the_page_says_which_file_and_page_matched(client, archive):
    row = HTMLParser(client.get("/otsi/?q=eelarve").content.decode()).css_first("ol.hits li")
    assert "<mark>eelarve</mark>" in row.css_first("p.snippet").html
    assert row.css_first("p.matched-file").text() == "failis X.pdf, lk 3"
    item = client.get("/api/v1/documents?q=eelarve").json()["items"][0]
    assert item["reference"] == "R-1"


def test_did_you_mean_keeps_the_filters(client, archive):
    html = client.get("/otsi/?q=hankke&registry=fx-jm").content.decode()
    link = HTMLParser(html).css_first("p.did-you-mean a").attributes["href"]
    assert parse_qs(link.lstrip("?")) == {"q": ["hanke"], "registry": ["fx-jm"]}


def test_a_citation_that_cannot_be_read_is_explained(client, archive):
    response = client.get("/otsi/?restriction=seda+ei+ole")
    assert response.status_code == 400
    assert "AvTS § 35 lg 1 p 12" in response.content.decode()
    assert client.get("/api/v1/documents?restriction=seda+ei+ole").status_code == 400
