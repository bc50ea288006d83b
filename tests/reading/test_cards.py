"""A list's cards read the same whether they come from a query (read as rows) or from documents."""

from __future__ import annotations

from datetime import date

import pytest
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Document
from dokreg.reading import build

pytestmark = pytest.mark.django_db

CODE = "38001085718"  # a valid personal code: never shown


@pytest.fixture
def documents():
    hostile = make_registry(name=f"Amet {CODE}")
    plain = make_registry(name="Keeleamet")
    return [
        make_document(
            hostile,
            reference=f"1-2/{CODE}",
            title=f"Taotlus {CODE} <b>",
            doc_type=f"Kiri {CODE}",
            url="javascript:alert(1)",
            registered=date(2024, 2, 29),
        ),
        make_document(plain, title="", registered=None, url="https://adr.example.test/1"),
        make_document(hostile, title="Vastus", registered=date(2024, 3, 1)),
    ]


def test_cards_of_a_query_are_the_cards_of_its_documents(documents):
    query = Document.objects.select_related("registry").order_by("-id")
    from_rows = build.cards(query[:3])
    from_models = build.cards(list(query[:3]))

    assert from_rows == from_models
    assert [c.pk for c in from_rows] == [d.pk for d in reversed(documents)]
    shown = repr(from_rows)
    assert CODE not in shown
    assert from_rows[2].source_url == "" and from_rows[1].source_url == "https://adr.example.test/1"
    assert from_rows[0].registry is from_rows[2].registry  # one body, masked once


def test_a_card_reads_a_column_its_query_left_out(documents):
    doc = Document.objects.select_related("registry").only("id", "registry").get(pk=documents[0].pk)
    assert build.card(doc).title.startswith("Taotlus ")


def test_cards_by_id_read_in_batches_and_leave_out_what_is_not_published(documents, monkeypatch):
    from dokreg.archive.services import document_take_down
    from dokreg.reading.rule import publishable_documents

    monkeypatch.setattr(build, "ID_BATCH", 2)
    document_take_down(document=documents[2], reason="test")
    ids = [d.pk for d in documents] + [10_000_000]
    found = build.cards_by_id(publishable_documents(), ids)

    assert sorted(found) == sorted(d.pk for d in documents[:2])
    assert found[documents[0].pk] == build.card(Document.objects.get(pk=documents[0].pk))
