"""Sync modes beyond a day range: id ranges and the frontier for sequential sources, re-visits, follow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dokreg.archive.models import Access, Document, DocumentVersion, SyncRange
from dokreg.pipeline.follow import follow_cycle
from dokreg.pipeline.revisit import revisit_due
from dokreg.pipeline.sync import registry_revisit, registry_sync, registry_sync_frontier, registry_sync_ids
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.rmk import RmkSite

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rmk():
    corpus = Corpus(
        CorpusConfig(
            bodies=1, days=2, start=date(2025, 12, 1), docs_per_day=10, big_day_every=0, files="pdf", seed=5
        )
    )
    site = RmkSite(corpus, slug=corpus.bodies[0].slug)
    with SimulatorServer(corpus, site=site) as server:
        registry = registry_save(
            slug="rmk-sim", family="rmk", base_url=f"{server.url}/{corpus.bodies[0].slug}/"
        )
        yield corpus, site, registry


def test_id_range_stores_every_document_and_counts_gaps(rmk):
    corpus, site, registry = rmk
    ids = site.ids.public_ids()
    report = registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
    assert (
        Document.objects.filter(registry=registry).count()
        == len(ids)
        == len(corpus.documents(corpus.bodies[0].slug))
    )
    assert report.missing == (ids[-1] - ids[0] + 1) - len(ids)  # the source's holes are gaps, not documents
    assert (
        not Document.objects.filter(registry=registry).exclude(source_id__in=[str(i) for i in ids]).exists()
    )
    again = registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
    assert again.new == 0 and again.unchanged == len(ids)
    [walked] = SyncRange.objects.filter(registry=registry)
    assert (walked.found, walked.missing, walked.failed, walked.complete) == (
        len(ids),
        report.missing,
        0,
        True,
    )


def test_frontier_walks_past_the_highest_stored_id(rmk):
    corpus, site, registry = rmk
    ids = site.ids.public_ids()
    registry_sync_ids(registry=registry, first=ids[0], last=ids[4], isolate=False)
    report = registry_sync_frontier(registry=registry, misses_allowed=5, isolate=False)
    assert report.new == len(ids) - 5
    assert Document.objects.filter(registry=registry).count() == len(ids)


def test_revisit_records_changes_made_at_the_source(rmk):
    corpus, site, registry = rmk
    ids = site.ids.public_ids()
    registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
    slug = corpus.bodies[0].slug
    doc = next(d for d in corpus.documents(slug) if d.is_public)
    corpus.mutate(slug, doc.id, access="AK")
    report = registry_revisit(registry=registry, due_only=False, isolate=False)
    assert report.revisited == len(ids) and report.changed == 1
    stored = Document.objects.get(registry=registry, source_id=str(site.ids.public_id(doc.id)))
    assert stored.access == Access.AK
    assert stored.versions.last().kind == DocumentVersion.Kind.RESTRICTED


def test_revisit_schedule(rmk):
    _, site, registry = rmk
    ids = site.ids.public_ids()
    registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
    assert not revisit_due(registry=registry).exists()  # everything was just checked
    now = timezone.now()
    old = Document.objects.filter(registry=registry).first()
    Document.objects.filter(pk=old.pk).update(last_checked_at=now - timedelta(days=31))
    lapsed = Document.objects.filter(registry=registry).exclude(pk=old.pk).first()
    Document.objects.filter(pk=lapsed.pk).update(
        restriction_ends=timezone.localdate() - timedelta(days=1), last_checked_at=now - timedelta(days=2)
    )
    assert set(revisit_due(registry=registry).values_list("pk", flat=True)) == {old.pk, lapsed.pk}


def test_follow_cycle_lists_recent_days_and_revisits():
    today = timezone.localdate()
    corpus = Corpus(
        CorpusConfig(
            bodies=1,
            days=3,
            start=today - timedelta(days=2),
            docs_per_day=6,
            big_day_every=0,
            files="none",
            seed=9,
        )
    )
    with SimulatorServer(corpus) as server:
        slug = corpus.bodies[0].slug
        registry_save(slug="follow-adr", family="adr", base_url=server.base_url(slug))
        reports = follow_cycle(only="follow-adr", isolate=False)
        assert reports["follow-adr"].new == len(corpus.documents(slug))
        again = follow_cycle(only="follow-adr", isolate=False)
        assert again["follow-adr"].new == 0 and again["follow-adr"].failed == 0


def test_day_sync_still_complete_after_refactor():
    corpus = Corpus(
        CorpusConfig(
            bodies=1, days=1, start=date(2025, 12, 1), docs_per_day=5, big_day_every=0, files="none", seed=2
        )
    )
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="d", family="adr", base_url=server.base_url(corpus.bodies[0].slug))
        report = registry_sync(
            registry=registry, since=date(2025, 12, 1), until=date(2025, 12, 1), isolate=False
        )
    assert report.new == 5 and not report.incomplete_days


def test_revisits_use_conditional_requests():
    corpus = Corpus(
        CorpusConfig(
            bodies=1, days=1, start=date(2025, 12, 1), docs_per_day=8, big_day_every=0, files="none", seed=8
        )
    )
    with SimulatorServer(corpus) as server:
        slug = corpus.bodies[0].slug
        registry = registry_save(slug="etag", family="adr", base_url=server.base_url(slug))
        registry_sync(registry=registry, since=date(2025, 12, 1), until=date(2025, 12, 1), isolate=False)
        edited = corpus.documents(slug)[0]
        corpus.mutate(slug, edited.id, title=edited.title + " (parandatud)")
        report = registry_revisit(registry=registry, due_only=False, isolate=False)
        # Unchanged pages cost a 304 and no parsing; the edited one (and those whose relations table shows
        # its title) come back whole and are compared.
        stored_count = Document.objects.filter(registry=registry).count()
        not_modified = server.requests["not_modified"]
        assert 0 < not_modified < stored_count and report.unchanged >= not_modified
        assert report.unchanged + report.changed == report.revisited == stored_count and report.changed >= 1
        stored = Document.objects.get(registry=registry, source_id=str(edited.id))
        assert stored.title.endswith("(parandatud)")


def test_files_the_register_marks_restricted_are_never_requested(rmk):
    from dokreg.archive.models import File, Problem

    corpus, site, registry = rmk
    ids = site.ids.public_ids()
    registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
    withheld = File.objects.filter(document__registry=registry, parent=None, access="AK")
    assert withheld.exists()
    assert set(withheld.values_list("download_state", flat=True)) == {File.Download.WITHHELD}
    assert not Problem.objects.filter(registry=registry, stage="download").exists()


def test_a_sync_leaves_its_bodys_figures_computed_for_readers(rmk, client):
    # Its first reader at a million documents waited up to 3.7 s for the body's grouped figures.
    from tests.reading.test_figures import pages_read

    corpus, site, registry = rmk
    ids = site.ids.public_ids()
    registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)

    text, scans = pages_read(client, registry)
    assert scans == []
    assert f"sitemap-{registry.slug}-2025.xml" in text
