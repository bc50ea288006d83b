"""Two workers storing related documents at once: PostgreSQL may abort one of them as a deadlock, and the
upsert then runs again instead of failing the worker's whole day.

Two documents that name each other, stored in one month by two workers: each holds its own row, then
both want the month's figures row and a key lock on the other's row. PostgreSQL breaks the cycle by
aborting one transaction (40P01). This failed a day's sync task in a two-worker run under load.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections

from dokreg.archive.models import BodyMonth, Document, FetchState, Relation
from dokreg.archive.services import documents, documents_listed
from dokreg.registries.models import Registry
from dokreg.registries.types import ListedEntry, RegisterEntry, RelationRef

pytestmark = pytest.mark.django_db(transaction=True)

SEEN = datetime(2025, 12, 23, 10, tzinfo=UTC)


def _entry(source_id: str, other: str) -> RegisterEntry:
    return RegisterEntry(
        source_id=source_id,
        url=f"http://127.0.0.1:1/som/dokument/{source_id}",
        reference=f"5.1-2/{source_id}-1",
        registered=date(2025, 12, 23),
        doc_type="Kiri",
        title=f"Kiri {source_id}",
        access="Avalik",
        relations=(RelationRef(kind="Vastus", target_source_id=other),),
        parser="adr/1",
    )


def _in_step_after_locking_own_row(monkeypatch, parties: int) -> None:
    """Each upsert waits, holding its own document's row, until every party holds its own: the cycle."""
    meet = threading.Barrier(parties, timeout=20)
    first_pass = threading.local()
    original = documents._matter

    def matter(registry, reference):
        found = original(registry, reference)
        if not getattr(first_pass, "done", False):  # a retried upsert does not wait again
            first_pass.done = True
            meet.wait()
        return found

    monkeypatch.setattr(documents, "_matter", matter)


def test_two_related_documents_stored_at_once_by_two_workers_both_land(monkeypatch, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock when a transaction begins: its writers never deadlock")
    registry = Registry.objects.create(
        slug="t-som", name="Sotsiaalministeerium", family="adr", base_url="http://127.0.0.1:1/som/"
    )
    documents_listed(registry=registry, listed=[ListedEntry("101"), ListedEntry("102")], seen_at=SEEN)
    _in_step_after_locking_own_row(monkeypatch, parties=2)
    failures: list[BaseException] = []

    def worker(source_id: str, other: str) -> None:
        try:
            documents.document_upsert(registry=registry, entry=_entry(source_id, other), seen_at=SEEN)
        except BaseException as error:  # noqa: BLE001 — reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=pair) for pair in (("101", "102"), ("102", "101"))]
    caplog.set_level(logging.INFO, logger="dokreg.transactions")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    # The cycle did happen (the test proves the retry, not luck) and was broken once.
    assert [r.getMessage() for r in caplog.records] == ["document_upsert: deadlock detected, attempt 1 of 5"]
    stored = Document.objects.filter(registry=registry).order_by("source_id")
    assert [(d.source_id, d.fetch_state) for d in stored] == [("101", FetchState.OK), ("102", FetchState.OK)]
    # Each names the other, linked both ways, stored once.
    links = sorted(Relation.objects.values_list("document__source_id", "target__source_id"))
    assert links == [("101", "102"), ("102", "101")]
    # The body's monthly figures count each once: the aborted attempt added nothing.
    assert list(BodyMonth.objects.values_list("month", "documents")) == [(date(2025, 12, 1), 2)]
