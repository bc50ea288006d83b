"""The field table is the one list of document fields: everything that lists them is built from it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation
from tests.public.factories import make_document, make_registry

from dokreg import fields
from dokreg.archive.models import Document
from dokreg.archive.services import TRACKED_FIELDS
from dokreg.fields import DOCUMENT_FIELDS, FILTERS, FilterKind
from dokreg.reading import documents
from dokreg.reading.exports import CSV_COLUMNS
from dokreg.reading.params import QUERY_KEYS, SearchForm, SearchParams
from dokreg.search import schema
from dokreg.search.types import SearchFilters

ROOT = Path(__file__).resolve().parents[2]


def test_every_column_of_the_table_is_a_document_column():
    columns = {f.name for f in Document._meta.get_fields()}
    for f in DOCUMENT_FIELDS:
        assert f.derived or f.name in columns, f"{f.name} is not a Document column; mark it derived"


def test_every_index_name_of_the_table_is_a_field_of_the_index():
    names = {v for v in vars(schema).values() if isinstance(v, str)} | {t.name for t in schema.TEXT_FIELDS}
    names |= set(schema.KEYWORDS)
    for f in DOCUMENT_FIELDS:
        for name in (f.keyword, f.text):
            assert not name or name in names, f"{f.name}: no index field {name!r}"


def test_every_filter_is_one_the_index_can_answer():
    known = {f.name for f in dataclasses.fields(SearchFilters)}
    for f in FILTERS:
        attrs = {f"{f.param}_from", f"{f.param}_to"} if f.kind == FilterKind.DATES else {f.attr}
        assert attrs <= known, f"dokreg.search.SearchFilters lacks {attrs - known}"


def test_every_text_or_choice_filter_has_an_index_field():
    """Without one a search with words would drop the filter that the same list without words applies."""
    for f in DOCUMENT_FIELDS:
        if f.filter and f.filter.kind in (FilterKind.TEXT, FilterKind.CHOICE):
            assert f.keyword, f"{f.name}: its filter has no keyword field in the index"


def test_result_list_columns_and_page_rows_are_placed_once():
    listed = [f.listed for f in DOCUMENT_FIELDS if f.listed]
    assert len(listed) == len(set(listed)), "two fields share a result-list column"
    assert all(not f.derived for f in DOCUMENT_FIELDS if f.listed), "a result list reads columns only"
    names = [f.name for f in fields.PAGE_ROWS]
    assert len(names) == len(set(names))
    for f in DOCUMENT_FIELDS:
        assert not f.shown_after or names.index(f.shown_after) + 1 == names.index(f.name)


def test_every_filter_is_a_form_field_a_query_key_and_a_search_parameter():
    params = {f.name for f in dataclasses.fields(SearchParams)}
    for f in FILTERS:
        names = [f"{f.param}_from", f"{f.param}_to"] if f.kind == FilterKind.DATES else [f.param]
        for name in names:
            assert name in SearchForm.base_fields
            assert name in QUERY_KEYS.values()
        assert (set(names) if f.kind == FilterKind.DATES else {f.attr}) <= params


def test_the_api_documents_every_filter(client):
    schema_doc = client.get("/api/v1/openapi.json").json()
    parameters = {
        p["name"]: p.get("description", "")
        for p in schema_doc["paths"]["/api/v1/documents"]["get"]["parameters"]
    }
    for f in FILTERS:
        names = [f"{f.param}_from", f"{f.param}_to"] if f.kind == FilterKind.DATES else [f.param]
        for name in names:
            assert parameters.get(name), f"/api/v1/documents does not document {name}"


def test_exports_history_and_versioning_follow_the_table():
    assert CSV_COLUMNS[1:-3] == fields.EXPORTED
    assert TRACKED_FIELDS == fields.TRACKED
    assert documents.HISTORY_VALUES_HIDDEN == {"correspondent", "responsible", "sender_reference"}
    assert fields.PERSONAL == documents.HISTORY_VALUES_HIDDEN


def test_every_label_has_an_english_translation():
    for f in DOCUMENT_FIELDS:
        for label in (f.label, f.filter.label) if f.filter else (f.label,):
            with translation.override("et"):
                estonian = str(label)
            with translation.override("en"):
                english = str(label)
            assert english != estonian, f"{f.name}: {estonian!r} has no English translation"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "f",
    [f for f in DOCUMENT_FIELDS if f.filter and f.filter.kind == FilterKind.TEXT and not f.derived],
    ids=str,
)
def test_every_text_filter_of_the_table_narrows_the_api_search(client, f):
    body = make_registry()
    wanted = make_document(body, **{f.name: "Otsitav Kiri"})
    make_document(body, **{f.name: "Muu kiri"})
    items = client.get("/api/v1/documents", {f.filter.param: "otsitav KIRI"}).json()["items"]
    assert [item["id"] for item in items] == [wanted.pk]


def test_adding_one_entry_to_the_table_reaches_form_filters_api_and_exports(tmp_path):
    """The probe edits the table's source (one entry) before Django starts, then uses the site (and
    redacts a name in the new field)."""
    # This checkout's code first: the installed dokreg may be another checkout's.
    env = {**os.environ, "DOKREG_DATA_DIR": str(tmp_path), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    # On PostgreSQL the probe needs a test database of its own: this run's is in use.
    env["DOKREG_TEST_DB_NAME"] = os.environ.get("DOKREG_TEST_DB_NAME", "test_dokreg") + "_probe"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.reading.added_field_plugin",
            "tests/reading/probe_added_field.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
