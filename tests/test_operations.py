"""What an operator does after a sync: status, export, reprocess from stored captures, reindex."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dokreg.archive.models import Access, Document, Problem
from dokreg.cli import main
from dokreg.pipeline.reprocess import captures_reparse
from dokreg.pipeline.sync import registry_sync
from dokreg.registries.services import registry_save
from dokreg.search import search
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2025, 12, 1)


@pytest.fixture
def synced():
    corpus = Corpus(
        CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=12, big_day_every=0, ak_share=0.4, seed=11)
    )
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="som", family="adr", base_url=server.base_url("som"))
        registry_sync(registry=registry, since=DAY, until=DAY, isolate=False)
        yield corpus, server, registry


def run(*argv):
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code


def test_export_has_every_field_files_and_text_length(synced, capsys):
    corpus, _, registry = synced
    assert run("export", "--registry", "som", "--format", "ndjson") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(corpus.documents("som"))
    public = next(r for r in rows if r["access"] == Access.PUBLIC and r["files"])
    for field in (
        "reference",
        "registered",
        "doc_type",
        "title",
        "function",
        "series",
        "case_file",
        "access_text",
        "restriction_basis",
        "sender_reference",
        "correspondent",
        "channel",
        "responsible",
        "due_date",
        "sent_at",
        "first_seen_at",
        "url",
        "matter",
        "relations",
        "bases",
    ):
        assert field in public
    container = public["files"][0]
    assert container["name"].endswith(".asice") and container["signatures"]
    assert "personal_code" not in json.dumps(rows)
    child = next(f for f in public["files"] if f["parent"] == container["name"])
    assert child["text_length"] > 100
    ak = next(r for r in rows if r["access"] == Access.AK)
    assert ak["files"] == [] and ak["restriction_basis"]


def test_status_shows_counts_and_problems(synced, capsys):
    _, server, registry = synced
    assert run("status", "--registry", "som") == 0
    out = capsys.readouterr().out
    assert "som" in out and str(Document.objects.filter(registry=registry).count()) in out
    Problem.objects.create(
        registry=registry,
        stage="fetch",
        subject="http://x/dokument/1",
        code="source_unavailable",
        message="HTTP 500 after 4 attempts",
        seen_at=registry.last_sync_finished_at,
    )
    assert run("status", "--registry", "som") == 0
    assert "HTTP 500 after 4 attempts" in capsys.readouterr().out


def test_reprocess_reparses_stored_captures_without_requests(synced):
    _, server, registry = synced
    before = sum(server.requests.values())
    counts = captures_reparse(registry=registry)
    assert counts == {"unchanged": Document.objects.filter(registry=registry).count()}
    assert sum(server.requests.values()) == before  # the sources were not touched


def test_reindex_rebuilds_the_index(synced, capsys):
    _, _, registry = synced
    doc = Document.objects.filter(registry=registry).first()
    assert run("reindex") == 0
    assert "documents re-indexed" in capsys.readouterr().out
    assert doc.pk in {h.doc_id for h in search(doc.reference).hits}


def test_reprocess_one_extractor_over_the_archive(synced, capsys):
    from dokreg.archive.models import File

    pdfs = File.objects.filter(extractor="pdf")
    before = {f.pk: f.extracted_at for f in pdfs}
    assert before
    assert run("reprocess", "--extractor", "pdf") == 0
    assert "extracted again with pdf" in capsys.readouterr().out
    after = File.objects.filter(extractor="pdf", extract_state=File.Extract.OK)
    assert after.count() == len(before)
    assert all(f.extracted_at > before[f.pk] for f in after if f.pk in before)


def test_takedown_hides_a_document_everywhere_at_once_and_undo_brings_it_back(synced, capsys):
    from django.test import Client

    from dokreg.archive.models import File

    doc = Document.objects.filter(access=Access.PUBLIC, files__isnull=False).first()
    assert doc.pk in {h.doc_id for h in search(doc.reference).hits}
    assert run("takedown", str(doc.pk)) == "dokreg: a takedown needs --reason (it is kept for the audit)"
    assert run("takedown", str(doc.pk), "--reason", "isikuandmed tekstis") == 0
    assert Client().get(f"/dokument/{doc.pk}/").status_code == 404
    assert doc.pk not in {h.doc_id for h in search(doc.reference).hits}
    assert not File.objects.filter(document=doc).exclude(text="").exists()
    assert run("takedown", str(doc.pk), "--undo") == 0
    assert Client().get(f"/dokument/{doc.pk}/").status_code == 200
    assert doc.pk in {h.doc_id for h in search(doc.reference).hits}
    assert File.objects.filter(document=doc, parent=None, download_state=File.Download.PENDING).exists()
    from dokreg.desk.audit import trail

    acts = [(e.action, e.actor_name) for e in trail(doc)]
    assert acts == [("takedown_undo", "cli:takedown"), ("takedown", "cli:takedown")]
    assert "isikuandmed tekstis" in trail(doc).get(action="takedown").summary


def test_an_index_of_an_older_schema_is_rebuilt_by_the_next_indexing(synced, settings, monkeypatch):
    from dokreg.pipeline.indexing import index_pending
    from dokreg.search import IndexOutdated, index_outdated
    from dokreg.search import schema as search_schema

    _, _, registry = synced
    doc = Document.objects.filter(registry=registry, access=Access.PUBLIC).first()
    # The index on disk was written by "the previous dokreg": this one needs the next version.
    monkeypatch.setattr(search_schema, "SCHEMA_VERSION", search_schema.SCHEMA_VERSION + 1)
    assert index_outdated()
    with pytest.raises(IndexOutdated, match="run dokreg reindex"):
        search(doc.reference)
    assert index_pending() == Document.objects.count()
    assert not index_outdated()
    assert doc.pk in {h.doc_id for h in search(doc.reference).hits}


def test_a_takedown_while_a_reindex_holds_the_index_is_deferred_not_lost(synced, capsys):
    """A long `dokreg reindex` holds the index's one writer; a takedown meanwhile is stored, leaves the
    public pages at once (hits are re-checked against the database) and reaches the index afterwards."""
    from django.test import Client

    from dokreg.pipeline.indexing import index_pending
    from dokreg.search import IndexWriter

    doc = Document.objects.filter(access=Access.PUBLIC).first()
    assert doc.pk in {h.doc_id for h in search(doc.reference).hits}
    with IndexWriter():  # another process's reindex
        assert run("takedown", str(doc.pk), "--reason", "isikuandmed") == 0
        assert "the index is busy" in capsys.readouterr().out
        assert f"/dokument/{doc.pk}/" not in Client().get("/otsi/", {"q": doc.reference}).content.decode()
    doc.refresh_from_db()
    assert doc.taken_down_at and doc.index_dirty  # left for the indexer, not forgotten
    index_pending()
    assert doc.pk not in {h.doc_id for h in search(doc.reference).hits}
