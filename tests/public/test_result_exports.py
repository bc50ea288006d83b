"""The results' other orders, the result list as CSV and NDJSON, and the snippet's link to its file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import Access
from dokreg.pipeline.indexing import index_documents
from dokreg.reading import result_export

pytestmark = pytest.mark.django_db
CODE = "38001085718"  # a valid personal code


@pytest.fixture
def archive():
    zeta = make_registry(slug="zeta", name="Zeta amet")
    alfa = make_registry(slug="alfa", name="Alfa amet")
    docs = {
        "new": make_document(zeta, reference="Z-1", title="Hanke aruanne", registered=date(2025, 3, 1)),
        "old": make_document(zeta, reference="Z-2", title="Hanke leping", registered=date(2023, 1, 2)),
        "mid": make_document(alfa, reference="A-1", title=f"=Hanke kiri {CODE}", registered=date(2024, 6, 3)),
        "ak": make_document(
            alfa, reference="A-2", title="Hanke terviseandmed", access=Access.AK, registered=date(2024, 7, 1)
        ),
        "gone": make_document(
            alfa,
            reference="A-3",
            title="Hanke eemaldatud",
            withdrawn_at=timezone.now(),
            registered=date(2024, 8, 1),
        ),
        "down": make_document(
            zeta,
            reference="Z-3",
            title="Hanke maha võetud",
            taken_down_at=timezone.now(),
            registered=date(2024, 8, 2),
        ),
    }
    make_file(
        docs["new"],
        name="aruanne.pdf",
        text="Sissejuhatus",
        pages=[{"number": 1, "text": "a"}, {"number": 3, "text": "eelarve hange"}],
    )
    index_documents(doc_ids=[d.pk for d in docs.values()])
    return docs


def refs(client, query: dict) -> list[str]:
    html = HTMLParser(client.get("/otsi/", query).text)
    return [n.text(strip=True) for n in html.css("ol.hits .meta .ref")]


@pytest.mark.parametrize("q", ["", "hanke"])
def test_oldest_first_and_by_body_with_and_without_words(client, archive, q):
    assert refs(client, {"q": q, "sort": "oldest"}) == ["Z-2", "A-1", "A-2", "Z-1"]
    # Bodies by name (Alfa before Zeta); within a body newest first without words.
    by_body = refs(client, {"q": q, "sort": "registry"})
    assert by_body[:2] and set(by_body[:2]) == {"A-1", "A-2"} and set(by_body[2:]) == {"Z-1", "Z-2"}
    if not q:
        assert by_body == ["A-2", "A-1", "Z-1", "Z-2"]


def test_by_body_pages_cut_across_bodies(client, archive):
    first = refs(client, {"q": "hanke", "sort": "registry", "page": 1})
    from dokreg.reading.ordering import registry_slices

    assert registry_slices([("a", 2), ("b", 2)], offset=1, limit=2) == [("a", 1, 1), ("b", 0, 1)]
    assert registry_slices([("a", 2), ("b", 2)], offset=4, limit=2) == []
    assert len(first) == 4


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    delimiter = ";" if response.request["QUERY_STRING"].endswith("semicolon") else ","
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


@pytest.mark.parametrize("sep", ["", "semicolon"])
def test_csv_export_is_the_result_list_without_ak_or_hidden_documents(client, archive, sep):
    response = client.get("/otsi/eksport.csv", {"q": "hanke", "sort": "oldest", "sep": sep})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == list(result_export.COLUMNS)
    assert [r[4] for r in rows[1:]] == ["Z-2", "A-1", "Z-1"]  # oldest first; AK, withdrawn, taken down out
    mid = rows[2]
    assert mid[0] == str(archive["mid"].pk)
    assert mid[1] == f"http://testserver/dokument/{archive['mid'].pk}/"
    assert mid[7].startswith("'=Hanke kiri") and CODE not in mid[7]  # no formula, no personal code
    assert mid[10] == archive["mid"].url


def test_ndjson_export_without_words_keeps_filters(client, archive):
    response = client.get("/otsi/eksport.ndjson", {"registry": "alfa"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in b"".join(response.streaming_content).decode().splitlines()]
    assert [x["reference"] for x in lines] == ["A-1"]
    assert lines[0]["registry_name"] == "Alfa amet" and lines[0]["id"] == archive["mid"].pk


def test_exports_are_bounded(archive):
    from dokreg.reading.params import SearchParams

    docs = list(result_export.exported_documents(SearchParams(q="hanke"), today=date(2025, 6, 1), limit=2))
    assert len(docs) <= 2
    assert len(list(result_export.exported_documents(SearchParams(), today=date(2025, 6, 1), limit=1))) == 1


def test_bad_export_parameters_are_a_400_naming_them(client, archive):
    assert client.get("/otsi/eksport.csv", {"sep": "tab"}).status_code == 400
    bad = client.get("/otsi/eksport.ndjson", {"date_from": "eile"})
    assert bad.status_code == 400 and "export refused" in bad.text


def test_export_counts_against_the_search_limit(client, archive, settings):
    settings.DOKREG_SEARCH_RATE = "2/day"
    answers = [client.get("/otsi/eksport.csv") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert all(b"".join(a.streaming_content) for a in answers[:2])


def test_results_link_to_orders_and_exports_keeping_the_filters(client, archive):
    html = HTMLParser(client.get("/otsi/", {"q": "hanke", "registry": "zeta"}).text)
    hrefs = [a.attributes["href"] for a in html.css(".results-tools a")]
    assert any(h.startswith("/otsi/eksport.csv?") and "registry=zeta" in h and "q=hanke" in h for h in hrefs)
    assert any("sort=oldest" in h and "registry=zeta" in h for h in hrefs)
    facet_links = [a.attributes["href"] for a in html.css("nav.facets a")]
    assert facet_links and all(h.endswith("#tulemused") for h in facet_links)


def test_snippet_names_and_links_the_file_and_page(client, archive):
    html = HTMLParser(client.get("/otsi/", {"q": "eelarve"}).text)
    link = html.css_first(".matched-file a")
    assert link is not None, html.css_first("ol.hits").html
    file = archive["new"].files.get()
    assert link.attributes["href"] == f"/fail/{file.pk}/aruanne.pdf#page=3"
    assert "lk 3" in link.text()


def test_undated_documents_come_last_oldest_first_and_by_body(client, archive):
    make_document(archive["new"].registry, reference="U-0", title="Hanke kuupäevata", registered=None)
    assert refs(client, {"sort": "oldest"})[-1] == "U-0"
    assert refs(client, {"sort": "registry"})[-1] == "U-0"  # Zeta's last row
