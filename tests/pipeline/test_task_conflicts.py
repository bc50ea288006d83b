"""A background task the database aborted for a conflict with another worker runs again at once.

Two workers on PostgreSQL can deadlock over rows they both write; the database aborts one of them.
Before, that ended the day's sync task as FAILED with the rest of its documents never fetched (seen in
a two-worker run under load). The task is safe to redo, so it runs again and redoes nothing done.
"""

from __future__ import annotations

from datetime import date

import psycopg.errors
import pytest
from django.db import OperationalError

from dokreg import transactions
from dokreg.archive.models import Document, FetchState, SyncDay
from dokreg.pipeline import sync
from dokreg.pipeline.tasks import sync_day_task
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2025, 12, 1)


def test_a_days_sync_aborted_by_a_deadlock_runs_again_and_fetches_each_document_once(monkeypatch):
    corpus = Corpus(CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=8, big_day_every=0, seed=4))
    slug = corpus.bodies[0].slug
    monkeypatch.setattr(transactions, "PAUSE", 0)
    record, aborted = sync.sync_day_record, []

    def deadlocked_once(**kwargs):
        # The day's documents are stored; then the day's record meets another worker's lock.
        if not aborted:
            aborted.append(kwargs["day"])
            error = OperationalError("deadlock detected")
            error.__cause__ = psycopg.errors.DeadlockDetected()
            raise error
        return record(**kwargs)

    monkeypatch.setattr(sync, "sync_day_record", deadlocked_once)
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="t-som", family="adr", base_url=server.base_url(slug))
        result = sync_day_task.call(registry.pk, DAY.isoformat())
        documents = corpus.documents(slug)
        assert aborted == [DAY]
        assert result["listed"] == len(documents) > 0
        stored = Document.objects.filter(registry=registry)
        assert sorted(stored.values_list("source_id", flat=True)) == sorted(str(d.id) for d in documents)
        assert set(stored.values_list("fetch_state", flat=True)) == {FetchState.OK}
        assert SyncDay.objects.get(registry=registry, day=DAY).complete
        # The second run found every document stored: none was fetched twice.
        assert server.requests["document"] == len(documents)
