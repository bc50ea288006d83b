"""Run only by ``test_fields.py`` with ``-p tests.reading.added_field_plugin`` (which adds ``parser`` to
the field table): that one entry must reach the search form, the filters, the API (parameter, detail
and its schema), the exports, the search index (read by the index stage, stored as a keyword and as
words, filtered by search()), the document page and the result-list exports; and a redaction replaces
a person's name in it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tests.public.factories import make_document, make_registry

pytestmark = pytest.mark.django_db


def test_one_table_entry_reaches_form_filters_api_and_exports(client):
    from dokreg import fields

    assert "parser" in fields.BY_NAME, "run with -p tests.reading.added_field_plugin"
    body = make_registry(slug="proov")
    adr = make_document(body, parser="adr-2", title="Esimene teade")
    rmk = make_document(body, parser="rmk-1", title="Teine teade")

    # The results page: a form input of its own, and the database filter.
    html = client.get("/otsi/", {"parser": "ADR-2"}).content.decode()
    assert 'name="parser"' in html
    assert "Esimene teade" in html and "Teine teade" not in html

    # The API: a documented query parameter that filters.
    schema = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/documents"]["get"]["parameters"]}
    assert "parser" in parameters
    items = client.get("/api/v1/documents", {"parser": "adr-2"}).json()["items"]
    assert [item["id"] for item in items] == [adr.pk]
    assert client.get(f"/api/v1/documents/{adr.pk}").json()["parser"] == "adr-2"
    detail_schema = schema["components"]["schemas"]["DocumentDetail"]
    assert "parser" in detail_schema["properties"]

    # The exports: a CSV column and an NDJSON key.
    response = client.get(f"/api/v1/export/{body.slug}.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["parser"] for row in rows) == ["adr-2", "rmk-1"]
    response = client.get(f"/api/v1/export/{body.slug}.ndjson")
    assert b'"parser": "adr-2"' in b"".join(response.streaming_content)

    # The index: the index stage reads the column, the writer stores it as a keyword (filtered by the
    # real search(), on the results page too) and as words of the meta field.
    from dokreg.pipeline.indexing import index_columns, index_pending
    from dokreg.search import SearchFilters, search

    assert "parser" in index_columns()
    assert index_pending() == 2
    found = search("teade", filters=SearchFilters(parsers=("ADR-2",)))
    assert [hit.doc_id for hit in found.hits] == [adr.pk]
    assert [hit.doc_id for hit in search("teade", filters=SearchFilters(parsers=("rmk-1",))).hits] == [rmk.pk]
    assert [hit.doc_id for hit in search("rmk-1").hits] == [rmk.pk]
    html = client.get("/otsi/", {"q": "teade", "parser": "adr-2"}).content.decode()
    assert "Esimene teade" in html and "Teine teade" not in html

    # The document page: a row of its own, labelled from the table.
    html = client.get(f"/dokument/{adr.pk}/").content.decode()
    assert '<tr><th scope="row">Parser</th><td>adr-2</td></tr>' in html

    # The result-list exports, from the database (no words) and from the index (words).
    response = client.get("/otsi/eksport.csv", {"parser": "adr-2"})
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    assert [row["parser"] for row in csv.DictReader(io.StringIO(text))] == ["adr-2"]
    response = client.get("/otsi/eksport.ndjson", {"q": "teade", "sort": "oldest"})
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert sorted(line["parser"] for line in lines) == ["adr-2", "rmk-1"]


def test_one_table_entry_is_redacted(client):
    """The new field is public, so a person's name in it is replaced by initials like in every other."""
    from django.contrib.auth import get_user_model

    from dokreg.review.names import Person
    from dokreg.review.redaction import redaction_apply

    body = make_registry(slug="proov")
    doc = make_document(body, parser="Mari Maasikas", title="Avaldus")
    html = client.get(f"/dokument/{doc.pk}/").content.decode()
    assert '<tr><th scope="row">Parser</th><td>Mari Maasikas</td></tr>' in html, "the probe proves nothing"

    operator = get_user_model().objects.create_user("operaator", is_staff=True)
    redaction_apply(document=doc, persons=[Person(given="Mari", surname="Maasikas")], actor=operator)

    doc.refresh_from_db()
    assert doc.parser == "M. M."
    html = client.get(f"/dokument/{doc.pk}/").content.decode()
    assert '<tr><th scope="row">Parser</th><td>M. M.</td></tr>' in html and "Maasikas" not in html
    assert client.get(f"/api/v1/documents/{doc.pk}").json()["parser"] == "M. M."
