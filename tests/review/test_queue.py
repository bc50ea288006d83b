"""Re-visits that see a transition at the source queue a row for an operator; the archive has already
followed the source (hidden what it restricted or withdrew)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from dokreg.archive.models import Access, Document
from dokreg.archive.selectors import publishable_documents, publishable_files
from dokreg.archive.services import document_upsert, document_withdrawn
from dokreg.desk.audit import trail
from dokreg.errors import BadInput
from dokreg.registries.models import Registry
from dokreg.registries.types import RegisterEntry
from dokreg.review.models import ReviewItem, Transition
from dokreg.review.queue import review_acknowledge, review_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return Registry.objects.create(
        slug="t-som", name="Sotsiaalministeerium", family="adr", base_url="http://127.0.0.1:1/som/"
    )


def entry(source_id: str = "1", **changes) -> RegisterEntry:
    base = RegisterEntry(
        source_id=source_id,
        url=f"http://127.0.0.1:1/som/dokument/{source_id}",
        reference=f"5.1-2/{source_id}-1",
        registered=date(2025, 12, 23),
        doc_type="Sissetulev kiri",
        title="Pöördumine",
        access="Avalik",
        parser="adr/1",
    )
    return replace(base, **changes)


AK_12 = {"access": "AK", "restriction_basis": "AvTS § 35 lg 1 p 12"}
AK_17 = {"access": "AK", "restriction_basis": "AvTS § 35 lg 1 p 17"}


def rows(document: Document) -> list[str]:
    return list(
        ReviewItem.objects.filter(document=document).order_by("id").values_list("transition", flat=True)
    )


def test_first_sight_queues_nothing(registry):
    doc = document_upsert(registry=registry, entry=entry(**AK_12)).document
    assert rows(doc) == []


def test_public_to_restricted_is_queued_and_hidden(registry):
    doc = document_upsert(registry=registry, entry=entry()).document
    doc = document_upsert(registry=registry, entry=entry(**AK_12)).document
    [item] = ReviewItem.objects.filter(document=doc)
    assert item.transition == Transition.RESTRICTED
    assert (item.access_before, item.access_after) == (Access.PUBLIC, Access.AK)
    assert item.basis_after == "AvTS § 35 lg 1 p 12" and item.personal_data
    # The source's decision was followed at once: no file of it is public.
    assert not publishable_files().filter(document=doc).exists()


def test_restricted_to_public_keeps_the_old_basis_and_counts_as_personal(registry):
    doc = document_upsert(registry=registry, entry=entry(**AK_12)).document
    document_upsert(registry=registry, entry=entry())
    [item] = ReviewItem.objects.filter(document=doc)
    assert item.transition == Transition.OPENED
    assert item.basis_before == "AvTS § 35 lg 1 p 12" and item.basis_after == ""
    assert item.personal_data


def test_basis_change_within_a_restriction(registry):
    doc = document_upsert(registry=registry, entry=entry(**AK_17)).document
    document_upsert(registry=registry, entry=entry(**AK_12))
    [item] = ReviewItem.objects.filter(document=doc)
    assert item.transition == Transition.BASIS
    assert (item.basis_before, item.basis_after) == ("AvTS § 35 lg 1 p 17", "AvTS § 35 lg 1 p 12")
    assert item.personal_data


def test_restricted_to_on_request_is_an_access_change(registry):
    doc = document_upsert(registry=registry, entry=entry(**AK_17)).document
    document_upsert(registry=registry, entry=entry(access="Avalik, väljastatakse teabenõude korras"))
    assert rows(doc) == [Transition.ACCESS]


def test_withdrawn_and_back(registry):
    doc = document_upsert(registry=registry, entry=entry(**AK_12)).document
    document_withdrawn(document=doc)
    assert not publishable_documents().filter(pk=doc.pk).exists()
    document_upsert(registry=registry, entry=entry(**AK_12))
    assert rows(doc) == [Transition.WITHDRAWN, Transition.RETURNED]
    withdrawn = ReviewItem.objects.get(document=doc, transition=Transition.WITHDRAWN)
    assert withdrawn.access_before == Access.AK and withdrawn.personal_data


def test_other_changes_are_not_queued(registry):
    doc = document_upsert(registry=registry, entry=entry()).document
    document_upsert(registry=registry, entry=entry(title="Pöördumine (parandatud)"))
    assert rows(doc) == []


def test_queue_order_personal_data_first_and_open_before_acknowledged(registry):
    a = document_upsert(registry=registry, entry=entry("1")).document
    b = document_upsert(registry=registry, entry=entry("2")).document
    c = document_upsert(registry=registry, entry=entry("3")).document
    document_upsert(registry=registry, entry=entry("1", **AK_17))
    document_upsert(registry=registry, entry=entry("2", **AK_12))
    document_upsert(registry=registry, entry=entry("3", access="AK", restriction_basis="p 11-15"))
    order = [i.document_id for i in review_open()]
    assert order[:2] == [c.pk, b.pk] and order[2] == a.pk
    user = get_user_model().objects.create_user("operaator")
    review_acknowledge(item=ReviewItem.objects.get(document=c), actor=user, explanation="Taotleja andmed")
    order = [i.document_id for i in ReviewItem.objects.all()]
    assert order == [b.pk, a.pk, c.pk]


def test_acknowledge_needs_an_explanation_and_is_audited(registry):
    doc = document_upsert(registry=registry, entry=entry()).document
    document_upsert(registry=registry, entry=entry(**AK_12))
    item = ReviewItem.objects.get(document=doc)
    user = get_user_model().objects.create_user("operaator")
    with pytest.raises(BadInput, match="explanation"):
        review_acknowledge(item=item, actor=user, explanation="  ")
    review_acknowledge(item=item, actor=user, explanation="Asutus piiras: eraisiku avaldus")
    item.refresh_from_db()
    assert item.acknowledged_by == user and item.explanation.startswith("Asutus piiras")
    [entry_] = trail(doc).filter(action="review_acknowledge")
    assert entry_.actor_name == "operaator" and "eraisiku avaldus" in entry_.summary
    with pytest.raises(BadInput, match="already"):
        review_acknowledge(item=item, actor=user, explanation="again")


@pytest.mark.django_db(transaction=True)
def test_a_real_revisit_of_a_simulated_register_queues_its_transitions():
    """Through the sync pipeline: the simulator restricts one document and withdraws another."""
    from dokreg.pipeline.sync import registry_revisit, registry_sync_ids
    from dokreg.registries.services import registry_save
    from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer
    from dokreg.simulator.rmk import RmkSite

    corpus = Corpus(
        CorpusConfig(
            bodies=1, days=1, start=date(2025, 12, 1), docs_per_day=6, big_day_every=0, files="pdf", seed=5
        )
    )
    slug = corpus.bodies[0].slug
    site = RmkSite(corpus, slug=slug)
    with SimulatorServer(corpus, site=site) as server:
        registry = registry_save(slug="rmk-sim", family="rmk", base_url=f"{server.url}/{slug}/")
        ids = site.ids.public_ids()
        registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
        public = [d for d in corpus.documents(slug) if d.is_public]
        corpus.mutate(slug, public[0].id, access="AK")
        corpus.withdraw(slug, public[1].id)
        registry_revisit(registry=registry, due_only=False, isolate=False)
    restricted = Document.objects.get(registry=registry, source_id=str(site.ids.public_id(public[0].id)))
    withdrawn = Document.objects.get(registry=registry, source_id=str(site.ids.public_id(public[1].id)))
    assert rows(restricted) == [Transition.RESTRICTED]
    assert rows(withdrawn) == [Transition.WITHDRAWN]
    assert ReviewItem.objects.count() == 2
    assert restricted.access == Access.AK and not publishable_files().filter(document=restricted).exists()
    assert not publishable_documents().filter(pk=withdrawn.pk).exists()
