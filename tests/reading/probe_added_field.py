"""Run only by ``test_fields.py`` with ``-p tests.reading.added_field_plugin`` (which adds ``parser`` to
the field table): that one entry must reach the search form, the filters, the API (parameter, detail
and its schema) and the exports."""

from __future__ import annotations

import csv
import io

import pytest
from tests.public.factories import make_document, make_registry

pytestmark = pytest.mark.django_db


def test_one_table_entry_reaches_form_filters_api_and_exports(client):
    from dokreg import fields

    assert "parser" in fields.BY_NAME, "run with -p tests.reading.added_field_plugin"
    body = make_registry(slug="proov")
    adr = make_document(body, parser="adr-2", title="Loetud ADR-iga")
    make_document(body, parser="rmk-1", title="Loetud RMK-ga")

    # The results page: a form input of its own, and the database filter.
    html = client.get("/otsi/", {"parser": "ADR-2"}).content.decode()
    assert 'name="parser"' in html
    assert "Loetud ADR-iga" in html and "Loetud RMK-ga" not in html

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
