"""index_pending and `dokreg reindex`: one writer, commits every COMMIT_EVERY documents, resumable."""

from __future__ import annotations

from datetime import date

import pytest

from dokreg.archive.models import Access, Document
from dokreg.pipeline import indexing
from dokreg.pipeline.indexing import index_pending, index_rebuild
from dokreg.pipeline.sync import registry_sync
from dokreg.registries.services import registry_save
from dokreg.search import search
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2025, 12, 1)


@pytest.fixture
def archive(monkeypatch):
    corpus = Corpus(
        CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=12, big_day_every=0, ak_share=0.4, seed=11)
    )
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"))
        registry_sync(registry=registry, since=DAY, until=DAY, isolate=False)
    # Small batches and commits, so a dozen documents make several of each.
    monkeypatch.setattr(indexing, "BATCH", 2)
    monkeypatch.setattr(indexing, "COMMIT_EVERY", 4)
    return registry


def found(doc: Document) -> bool:
    return doc.pk in {h.doc_id for h in search(doc.reference).hits}


def test_reindex_counts_every_document_once_and_finds_them_all(archive):
    counted: list[int] = []
    assert index_rebuild(progress=counted.append) == Document.objects.count()
    total = Document.objects.count()
    assert total >= 8
    assert counted == [2] * (total // 2) + [1] * (total % 2)  # batch by batch, each document once
    assert not Document.objects.filter(index_dirty=True).exists()
    assert all(found(doc) for doc in Document.objects.all())


def test_an_interrupted_reindex_resumes_after_its_last_commit(archive):
    total = Document.objects.count()
    counted: list[int] = []

    def interrupted(n: int) -> None:
        counted.append(n)
        if len(counted) == 3:  # 6 documents handled, 4 of them committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_rebuild(progress=interrupted)
    clean = list(Document.objects.filter(index_dirty=False, index_inflight=False).order_by("pk"))
    assert len(clean) == 4  # only what a commit holds is marked done
    assert all(found(doc) for doc in clean)
    assert Document.objects.filter(index_inflight=True).count() == 2  # read, never committed
    assert not any(found(doc) for doc in Document.objects.exclude(pk__in=[d.pk for d in clean]))

    resumed: list[int] = []
    assert index_pending(progress=resumed.append) == total - 4
    assert sum(resumed) == total - 4
    assert not Document.objects.filter(index_dirty=True).exists()
    assert not Document.objects.filter(index_inflight=True).exists()
    assert all(found(doc) for doc in Document.objects.all())


def test_a_document_changed_behind_the_run_is_indexed_again(archive):
    first = Document.objects.filter(access=Access.PUBLIC).order_by("pk").first()
    calls: list[int] = []

    def change_the_first_after_its_commit(n: int) -> None:
        calls.append(n)
        if len(calls) == 4:  # the first document's batch was committed two batches ago
            Document.objects.filter(pk=first.pk).update(
                title="Kirjavahetus kalakasvatuse üle", index_dirty=True
            )

    index_rebuild(progress=change_the_first_after_its_commit)
    assert first.pk in {h.doc_id for h in search("kalakasvatus").hits}
    assert not Document.objects.filter(index_dirty=True).exists()


def test_a_document_changed_between_its_read_and_its_commit_is_indexed_as_changed(archive):
    # Every change marks the document dirty; before, the commit then marked it clean with the title it
    # had read before the change, and the index kept the old one until the next change.
    first = Document.objects.filter(access=Access.PUBLIC).order_by("pk").first()
    calls: list[int] = []

    def change_it_before_its_commit(n: int) -> None:
        calls.append(n)
        if len(calls) == 1:  # its batch is read and added; the commit comes after the next batch
            Document.objects.filter(pk=first.pk).update(
                title="Kirjavahetus kalakasvatuse üle", index_dirty=True
            )

    index_rebuild(progress=change_it_before_its_commit)
    assert first.pk in {h.doc_id for h in search("kalakasvatus").hits}
    assert not Document.objects.filter(index_dirty=True).exists()
    assert not Document.objects.filter(index_inflight=True).exists()


def test_a_document_taken_down_before_its_commit_is_not_in_the_index(archive):
    from django.utils import timezone

    doc = Document.objects.filter(access=Access.PUBLIC).order_by("pk").first()
    calls: list[int] = []

    def take_it_down_before_the_commit(n: int) -> None:
        calls.append(n)
        if len(calls) == 1:  # read and added while public; its commit comes after the next batch
            Document.objects.filter(pk=doc.pk).update(taken_down_at=timezone.now())

    index_rebuild(progress=take_it_down_before_the_commit)
    assert not found(doc)
    assert found(Document.objects.exclude(pk=doc.pk).filter(access=Access.PUBLIC).first())


def test_nothing_pending_opens_no_writer(archive, monkeypatch):
    index_pending()

    def no_writer(*args, **kwargs):
        raise AssertionError("a writer was opened with nothing to index")

    monkeypatch.setattr("dokreg.search.IndexWriter", no_writer)
    assert index_pending() == 0


def test_a_document_a_sync_is_writing_is_left_for_the_next_run_not_waited_for(archive):
    # Several workers on PostgreSQL: the indexer's flag updates must neither wait for a sync's
    # transaction nor deadlock with it over rows locked in another order.
    import threading
    import time

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks between workers: PostgreSQL (SQLite has one writer)")
    busy = Document.objects.filter(access=Access.PUBLIC).order_by("pk").first()
    Document.objects.filter(pk=busy.pk).update(title="Kirjavahetus kalakasvatuse üle")
    Document.objects.update(index_dirty=True)
    locked, release = threading.Event(), threading.Event()

    def sync_writing_it() -> None:
        try:
            with transaction.atomic():
                Document.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=sync_writing_it)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        handled = index_pending()
        assert time.monotonic() - started < 15  # did not wait for the lock
        assert handled == Document.objects.count() - 1
        assert Document.objects.get(pk=busy.pk).index_dirty  # left for the next run
        assert busy.pk not in {h.doc_id for h in search("kalakasvatus").hits}
    finally:
        release.set()
        holder.join(30)
    assert index_pending() == 1
    assert busy.pk in {h.doc_id for h in search("kalakasvatus").hits}
    assert not Document.objects.filter(index_dirty=True).exists()


def test_the_index_stage_rebuilds_the_index_into_the_shards_asked(archive, settings):
    """An operator who sets DOKREG_INDEX_SHARDS gets the index rebuilt by the next index run."""
    index_rebuild()
    settings.INDEX_SHARDS = 2
    assert index_pending() == Document.objects.count()  # every document again, into two shards
    assert (settings.INDEX_DIR / "SHARDS").read_text().strip() == "2"
    assert all(found(doc) for doc in Document.objects.all())
    assert index_pending() == 0
