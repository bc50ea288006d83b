"""The whole path over loopback: simulated ADR registers → sync → files → extract → index → web pages and search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from dokreg.archive.models import Access, Document, DocumentVersion, FetchState, File, Problem, SyncDay
from dokreg.pipeline.indexing import _index_docs
from dokreg.pipeline.sync import registry_sync
from dokreg.registries.services import registry_save
from dokreg.search import search
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)

START = date(2025, 12, 1)


@pytest.fixture
def corpus():
    # Day 1 is a big day (over 100 documents, so the 100-result cap must be split around).
    return Corpus(CorpusConfig(bodies=1, days=2, start=START, docs_per_day=12, big_day_every=2, seed=7))


@pytest.fixture
def server(corpus):
    with SimulatorServer(corpus) as server:
        yield server


@pytest.fixture
def registry(corpus, server):
    body = corpus.bodies[0]
    return registry_save(slug=body.slug, family="adr", base_url=server.base_url(body.slug), name="")


def sync(registry, days=1):
    # Day 1 is an ordinary day (fast); day 2 is the big one, synced only where the cap matters.
    return registry_sync(
        registry=registry, since=START, until=START + timedelta(days=days - 1), isolate=False
    )


def test_sync_stores_every_document_the_register_holds(corpus, registry):
    report = sync(registry, days=2)
    source = {str(d.id): d for d in corpus.documents(registry.slug)}
    stored = {d.source_id: d for d in Document.objects.filter(registry=registry)}
    assert len(source) > 100 and set(stored) == set(source)
    assert report.new == len(source) and not report.failed and not report.incomplete_days
    for day in SyncDay.objects.filter(registry=registry):
        assert day.complete and day.listed == day.reported_total
    big_day = SyncDay.objects.get(registry=registry, day=START + timedelta(days=1))
    assert big_day.listed > 100 and any("type=" in s for s in big_day.slices)
    for source_id, sim in source.items():
        doc = stored[source_id]
        assert (doc.reference, doc.registered, doc.title, doc.doc_type) == (
            sim.reference,
            sim.registered,
            sim.title,
            sim.doc_type,
        )
        assert doc.access == (Access.PUBLIC if sim.is_public else Access.AK)
        assert doc.channel == sim.channel and doc.correspondent == sim.correspondent
        if not sim.is_public:
            assert doc.restriction_basis == sim.restriction_basis
            assert doc.restriction_ends == sim.restriction_ends
    # The register's own heading names the body once it has been seen.
    registry.refresh_from_db()
    assert registry.name == corpus.bodies[0].name and registry.name_certain


def test_files_are_downloaded_unpacked_and_extracted(corpus, registry):
    sync(registry)
    public = Document.objects.filter(registry=registry, access=Access.PUBLIC)
    containers = File.objects.filter(document__in=public, parent=None)
    assert containers.exists() and not containers.exclude(download_state=File.Download.OK).exists()
    container = containers.filter(name__endswith=".asice").first()
    assert container.extract_state == File.Extract.OK
    pdf = container.children.get()
    assert pdf.name.endswith(".pdf") and pdf.extract_state == File.Extract.OK
    assert container.document.title in " ".join(pdf.text.split())
    [signature] = container.signatures.all()
    assert signature.signer_name and signature.signed_at and signature.digests_valid and signature.value_valid
    # AK documents list no files at the source and we have none.
    assert not File.objects.filter(document__access=Access.AK).exists()


def test_search_and_pages_show_what_was_synced(corpus, registry):
    sync(registry)
    client = Client()
    doc = Document.objects.filter(registry=registry, access=Access.PUBLIC, files__isnull=False).first()
    # A bare reference number finds its document without syntax errors.
    result = search(doc.reference)
    assert result.total >= 1 and result.hits[0].doc_id == doc.pk
    page = client.get("/otsi/", {"q": doc.reference})
    assert page.status_code == 200 and doc.title in page.content.decode()
    detail = client.get(f"/dokument/{doc.pk}/").content.decode()
    for value in (doc.reference, doc.title, doc.channel, registry.name):
        assert value in detail
    pdf = File.objects.filter(document=doc, parent__isnull=False).first()
    assert pdf.text.split()[0] in detail
    # A word from the file text finds the document, in another inflected form too.
    assert doc.pk in {h.doc_id for h in search(doc.title).hits}
    home = client.get("/").content.decode()
    assert registry.name in home


def test_ak_documents_show_metadata_but_no_file_text(corpus, registry):
    sync(registry)
    ak = Document.objects.filter(registry=registry, access=Access.AK).first()
    page = Client().get(f"/dokument/{ak.pk}/").content.decode()
    assert ak.reference in page and ak.restriction_basis in page


def test_changes_at_the_source_become_versions_and_hide_documents(corpus, registry):
    sync(registry)
    docs = [d for d in corpus.documents(registry.slug) if d.registered == START and d.is_public and d.files][
        :3
    ]
    edited, restricted, withdrawn = docs
    corpus.mutate(registry.slug, edited.id, title=edited.title + " (täiendatud)")
    corpus.mutate(registry.slug, restricted.id, access="AK")
    corpus.withdraw(registry.slug, withdrawn.id)
    report = registry_sync(registry=registry, since=START, until=START, refresh=True, isolate=False)
    assert report.changed >= 2 and report.withdrawn == 1

    doc = Document.objects.get(registry=registry, source_id=str(edited.id))
    assert doc.versions.last().changes["title"] == [edited.title, edited.title + " (täiendatud)"]

    doc = Document.objects.get(registry=registry, source_id=str(restricted.id))
    assert doc.access == Access.AK and doc.versions.last().kind == DocumentVersion.Kind.RESTRICTED
    assert not File.objects.filter(document=doc).exclude(text="").exists()
    # Still findable by its metadata, but nothing of its files goes into the index any more.
    assert doc.pk in {h.doc_id for h in search(restricted.reference).hits}
    [indexed] = _index_docs([doc])
    assert indexed.text == "" and indexed.file_names == ()
    detail = Client().get(f"/dokument/{doc.pk}/")
    assert detail.status_code == 200 and ".pdf" not in detail.content.decode()

    gone = Document.objects.get(registry=registry, source_id=str(withdrawn.id))
    assert gone.withdrawn_at is not None and gone.versions.last().kind == DocumentVersion.Kind.WITHDRAWN
    assert Client().get(f"/dokument/{gone.pk}/").status_code == 404
    assert gone.pk not in {h.doc_id for h in search(withdrawn.reference).hits}


def test_a_failing_document_is_recorded_and_retried(corpus, registry, server):
    victim = next(d for d in corpus.documents(registry.slug) if d.registered == START)

    class FailOne:
        def intercept(self, request):
            from dokreg.simulator.web import Response

            if request.path.endswith(f"/dokument/{victim.id}"):
                return Response(500, b"<html>Internal error</html>", kind="error")
            return None

    server.faults = FailOne()
    report = sync(registry)
    doc = Document.objects.get(registry=registry, source_id=str(victim.id))
    assert report.failed == 1 and doc.fetch_state == FetchState.FAILED
    assert doc.error_code == "source_unavailable" and "500" in doc.error_message
    problem = Problem.objects.get(registry=registry, document=doc, resolved_at__isnull=True)
    assert problem.stage == "fetch"
    assert SyncDay.objects.filter(registry=registry, complete=False).count() == 1
    # The failed document is not public and not lost: the next run fetches it.
    assert Client().get(f"/dokument/{doc.pk}/").status_code == 404
    server.faults = None
    report = sync(registry)
    doc.refresh_from_db()
    assert report.new == 1 and doc.fetch_state == FetchState.OK
    assert not SyncDay.objects.filter(registry=registry, complete=False).exists()
    assert not Problem.objects.filter(registry=registry, resolved_at__isnull=True).exists()


def test_a_broken_file_is_recorded_and_the_sync_goes_on(corpus, registry, server):
    class BreakFiles:
        def intercept(self, request):
            from dokreg.simulator.web import Response

            if "/fail/" in request.path:
                return Response(
                    200, b"PK\x03\x04 this is not a container", content_type="application/zip", kind="file"
                )
            return None

    server.faults = BreakFiles()
    report = sync(registry, days=1)
    assert report.new > 0 and not report.failed
    broken = File.objects.filter(parent=None)
    assert broken.exists()
    for file in broken:
        assert file.extract_state in {File.Extract.FAILED, File.Extract.UNSUPPORTED}
        assert file.error_code and file.error_message
