"""The API's contract as a client meets it: schema, cursor walks, exports per year, limits, errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.cache import cache
from tests.public.factories import index, make_document, make_registry

from dokreg.archive.models import Access, FetchState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DOKREG_API_RATE = "off"
    cache.clear()


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def hundred_thirty():
    """130 documents over a few dates (many sharing one, some undated) in two bodies."""
    first, second = make_registry(slug="esimene"), make_registry(slug="teine")
    docs = []
    for i in range(130):
        registered = None if i % 13 == 0 else date(2024 + i % 2, 1 + i % 12, 1 + i % 3)
        docs.append(make_document(first if i % 4 else second, registered=registered, title=f"Ühine sõna {i}"))
    return docs


# --- schema --------------------------------------------------------------------------------


def test_openapi_schema_lists_every_endpoint_and_docs_page_loads(client):
    schema = client.get("/api/v1/openapi.json").json()
    docs = client.get("/api/v1/docs")

    assert set(schema["paths"]) == {
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/registries",
        "/api/v1/registries/{slug}",
        "/api/v1/matters/{matter_id}",
        "/api/v1/changes",
        "/api/v1/export/{slug}.ndjson",
        "/api/v1/export/{slug}.csv",
    }
    search_params = {p["name"] for p in schema["paths"]["/api/v1/documents"]["get"]["parameters"]}
    assert search_params == {
        "q",
        "registry",
        "date_from",
        "date_to",
        "type",
        "access",
        "function",
        "series",
        "case_file",
        "correspondent",
        "channel",
        "restriction",
        "has_files",
        "file_kind",
        "sort",
        "cursor",
        "limit",
    }
    assert docs.status_code == 200
    assert b"/api/v1/openapi.json" in docs.content


# --- cursor paging -------------------------------------------------------------------------


def walk(client, params: dict, limit: int) -> list[int]:
    ids, cursor = [], None
    for _ in range(100):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/documents", query)
        assert response.status_code == 200, response.content
        data = response.json()
        ids.extend(item["id"] for item in data["items"])
        cursor = data["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the walk did not end")


def test_cursor_walk_without_words_visits_130_documents_once_in_date_order(client):
    docs = hundred_thirty()

    ids = walk(client, {}, limit=17)

    expected = sorted(
        docs, key=lambda d: (d.registered is not None, d.registered or date.min, d.pk), reverse=True
    )
    assert ids == [d.pk for d in expected]


def test_cursor_walk_with_words_visits_130_documents_once(client):
    docs = hundred_thirty()
    index(*docs)

    ids = walk(client, {"q": "ühine"}, limit=40)

    assert len(ids) == 130
    assert set(ids) == {d.pk for d in docs}


def test_a_total_without_words_is_counted_by_the_index_unless_a_document_waits_for_it(client, monkeypatch):
    """At a million documents the database counted a body's type by reading up to 10,001 rows
    (0.1 s a request); the index counts the same documents when it holds them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dokreg.archive.models import Document
    from dokreg.search import services

    monkeypatch.setattr(services, "TOTAL_BOUND", 5)
    docs = hundred_thirty()
    index(*docs)
    Document.objects.update(index_dirty=False)
    query = {"registry": "esimene", "limit": 3}
    expected = sum(1 for d in docs if d.registry.slug == "esimene")
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/documents", query).json()
    assert (answer["total"], answer["total_exact"]) == (5, False)  # "more than 5", as the index says
    assert not [q for q in queries if "COUNT(" in q["sql"] and "archive_document" in q["sql"]]
    assert len(walk(client, {"registry": "esimene"}, limit=17)) == expected

    # A document synced a moment ago is not in the index yet: the database counts, and lists it.
    monkeypatch.setattr(services, "TOTAL_BOUND", 1_000)
    new = make_document(docs[1].registry, registered=date(2026, 1, 1))
    answer = client.get("/api/v1/documents", query).json()
    assert (answer["total"], answer["total_exact"]) == (expected + 1, True)
    assert answer["items"][0]["id"] == new.pk


def test_cursor_walk_keeps_filters(client):
    docs = hundred_thirty()

    ids = walk(client, {"registry": "teine", "date_from": "2025-01-01"}, limit=5)

    expected = {
        d.pk for d in docs if d.registry.slug == "teine" and d.registered and d.registered.year == 2025
    }
    assert len(ids) == len(expected) and set(ids) == expected


def test_cursor_from_another_query_or_route_is_refused(client):
    hundred_thirty()
    cursor = client.get("/api/v1/documents", {"limit": 10}).json()["next_cursor"]
    changes_cursor = client.get("/api/v1/changes").json()["next_cursor"]

    other_filters = client.get("/api/v1/documents", {"registry": "teine", "cursor": cursor})
    other_route = client.get("/api/v1/documents", {"cursor": changes_cursor})

    for response in (other_filters, other_route):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_input"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/documents?limit=101",
        "/api/v1/documents?limit=0",
        "/api/v1/documents?limit=many",
        "/api/v1/documents?date_from=31.02.2024",
        "/api/v1/documents?date_from=2024-05-01&date_to=2024-01-01",
        "/api/v1/documents?registry=no-such-body",
        "/api/v1/documents?access=secret",
        "/api/v1/documents?sort=random",
        "/api/v1/documents?cursor=%%%not-base64",
        "/api/v1/documents?cursor=eyJrIjoiZG9jdW1lbnRzLm5ld2VzdCJ9",  # the right kind, but no position
        "/api/v1/changes?cursor=eyJrIjoiY2hhbmdlcyIsInYiOi0xfQ",  # a negative position
        "/api/v1/changes?limit=501",
        "/api/v1/export/esimene.csv?year=abc",
        "/api/v1/export/esimene.ndjson?year=20255",
    ],
)
def test_bad_parameters_are_400_json_with_a_code(client, url):
    make_registry(slug="esimene")

    response = client.get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "bad_input" and error["message"]


@pytest.mark.parametrize(
    "url", ["/api/v1/documents/0", "/api/v1/matters/5", "/api/v1/registries/x", "/api/v1/export/x.csv"]
)
def test_unknown_ids_are_404_json(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"]}}


# --- rate limits ---------------------------------------------------------------------------


def test_requests_past_the_limit_get_429_with_retry_after_per_address(client, settings):
    settings.DOKREG_API_RATE = "3/day"

    answers = [client.get("/api/v1/registries", REMOTE_ADDR="192.0.2.1") for _ in range(4)]
    other_address = client.get("/api/v1/registries", REMOTE_ADDR="192.0.2.2")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 86400
    assert other_address.status_code == 200


def test_forwarded_for_header_does_not_open_a_fresh_window(client, settings):
    settings.DOKREG_API_RATE = "1/day"

    client.get("/api/v1/registries", REMOTE_ADDR="192.0.2.9")
    spoofed = client.get("/api/v1/registries", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert spoofed.status_code == 429


# --- exports per year ----------------------------------------------------------------------


def test_exports_count_rows_per_year_and_keep_out_hidden_documents(client):
    body = make_registry(slug="aastad")
    for year, count in ((2023, 2), (2024, 3), (2025, 4)):
        for _ in range(count):
            make_document(body, registered=date(year, 6, 1))
    make_document(body, registered=date(2024, 6, 1), fetch_state=FetchState.LISTED)
    make_document(body, registered=date(2024, 6, 1), access=Access.AK)

    ndjson = {y: body_of(client.get("/api/v1/export/aastad.ndjson", {"year": y})) for y in (2023, 2024, 2025)}
    csv_rows = {y: body_of(client.get("/api/v1/export/aastad.csv", {"year": y})) for y in (2023, 2024, 2025)}
    everything = body_of(client.get("/api/v1/export/aastad.ndjson"))

    assert {y: len(text.splitlines()) for y, text in ndjson.items()} == {2023: 2, 2024: 4, 2025: 4}
    assert {y: len(text.splitlines()) - 1 for y, text in csv_rows.items()} == {2023: 2, 2024: 4, 2025: 4}
    assert len(everything.splitlines()) == 10
    assert all(json.loads(line)["registered"].startswith("2024-") for line in ndjson[2024].splitlines())


def test_csv_has_fixed_columns_and_defuses_formulas(client):
    body = make_registry(slug="valemid")
    make_document(body, title='=HYPERLINK("http://evil.example","klikk")', reference="1-1/1")

    response = client.get("/api/v1/export/valemid.csv")

    header, row = csv.reader(io.StringIO(body_of(response)))
    assert response["Content-Disposition"] == 'attachment; filename="valemid.csv"'
    assert header[:6] == ["registry", "source_id", "reference", "registered", "doc_type", "title"]
    assert header[-2:] == ["file_count", "text_length"]
    assert row[5] == '\'=HYPERLINK("http://evil.example","klikk")'
