"""Questions pages and workers ask per request or per run, answered from an index, not by reading
every document: which documents wait for the index, the change stream, the OCR queue, a body's feed,
the status page's failed documents. At a million documents each scan cost 0.1-1 s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.public.factories import make_document, make_registry

from dokreg.archive import selectors
from dokreg.archive.models import Document
from dokreg.archive.selectors import awaiting_index

pytestmark = pytest.mark.django_db


def test_a_dirty_or_in_flight_document_is_waiting_only_for_the_lists_it_belongs_to():
    body, other = make_registry(), make_registry()
    make_document(body, doc_type="Leping")
    kiri = make_document(other, doc_type="Kiri")
    Document.objects.update(index_dirty=False)
    assert not awaiting_index(Document.objects.all())

    Document.objects.filter(pk=kiri.pk).update(index_dirty=True)
    assert awaiting_index(Document.objects.filter(doc_type="Kiri"))
    assert not awaiting_index(Document.objects.filter(registry=body))

    Document.objects.filter(pk=kiri.pk).update(index_dirty=False, index_inflight=True)
    assert awaiting_index(Document.objects.filter(registry=other))


def test_past_the_look_every_list_is_waiting(monkeypatch):
    monkeypatch.setattr(selectors, "WAITING_LOOKED_AT", 2)
    body = make_registry()
    for _ in range(3):
        make_document(body, doc_type="Kiri")
    assert awaiting_index(Document.objects.filter(doc_type="Leping"))  # a rebuild: the database answers


def test_the_flags_are_read_from_their_partial_indexes():
    make_document(make_registry())
    with CaptureQueriesContext(connection) as queries:
        awaiting_index(Document.objects.all())
    flags = [q["sql"] for q in queries if "index_dirty" in q["sql"] or "index_inflight" in q["sql"]]
    # Never an OR of the two: no database answers it from the two partial indexes.
    assert flags and not [sql for sql in flags if " OR " in sql]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for flag in ("index_dirty", "index_inflight"):
                plan = cursor.execute(
                    f'EXPLAIN QUERY PLAN SELECT id FROM archive_document WHERE "{flag}" LIMIT 5'
                ).fetchall()
                assert f"doc_{flag}" in str(plan)


def test_the_change_stream_and_the_ocr_queue_walk_their_indexes_not_the_tables():
    # At a million documents the API's /changes read every document to find the takedowns (0.17 s a call).
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN names the index; PostgreSQL plans by statistics")
    from dokreg.reading.changes import extractions, takedowns

    make_document(make_registry())
    from dokreg.archive.models import File

    walks = {
        "doc_taken_down": takedowns().order_by("taken_down_at", "pk"),
        "file_extracted": extractions().order_by("extracted_at", "pk"),
        "file_ocr_pending": File.objects.filter(ocr_pending=True),
    }
    with connection.cursor() as cursor:
        for index, qs in walks.items():
            sql, params = qs.values_list("pk")[:5].query.sql_with_params()
            plan = str(cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
            assert index in plan, (index, plan)


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        return str(cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())


def test_a_bodys_feed_and_the_status_pages_failures_read_their_indexes():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN names the index; PostgreSQL plans by statistics")
    from dokreg.archive.models import FetchState
    from dokreg.reading.rule import publishable_documents

    body = make_registry()
    make_document(body)
    feed = publishable_documents().filter(registry_id=body.pk).order_by("-first_seen_at", "-id")[:50]
    assert "doc_registry_first_seen" in _plan(feed) and "TEMP B-TREE" not in _plan(feed)

    with CaptureQueriesContext(connection) as queries:
        selectors.registry_status()
    captured = [q["sql"] for q in queries if FetchState.FAILED in q["sql"]]
    assert captured, "the status page counts failed documents"
    with connection.cursor() as cursor:
        for sql in captured:
            plan = str(cursor.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
            assert "doc_fetch_state_open" in plan, plan
