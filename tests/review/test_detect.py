"""Suggestions of private persons: from the register's initials, signatures and Vabamorf's proper names,
with the context that tells a private applicant from an official acting for a body. Never applied."""

from __future__ import annotations

import pytest
from tests.public.factories import make_document, make_file, make_registry, make_signature

from dokreg.review.detect import document_candidates
from dokreg.review.models import Redaction

pytestmark = pytest.mark.django_db

LETTER = (
    "Lugupeetud Jaan Tamm!\n"
    "Mina, Mari Maasikas, elukohaga Tartu, palun väljastada mulle dokumendid. "
    "Vastus saata Mari Maasikasele.\n"
    "Lugupidamisega\nMari Maasikas\n\n"
    "Koopia: Peeter Kuusk, osakonna juhataja"
)


@pytest.fixture
def doc():
    body = make_registry(name="Keskkonnaamet")
    doc = make_document(body, title="Teabenõue", correspondent="M. M.", responsible="Jaan Tamm")
    container = make_file(doc, name="teabenoue.asice", kind="asice", text="")
    make_signature(container, signer_name="MAASIKAS,MARI,48001010006")
    make_file(doc, name="teabenoue.txt", kind="txt", text=LETTER)
    return doc


def test_candidates_with_their_sources_and_roles(doc):
    found = {c.name: c for c in document_candidates(doc)}
    mari = found["Mari Maasikas"]
    assert mari.sources == {"signature", "text"}
    assert mari.role == "private" and "initsiaal" in mari.reason  # the register wrote her as "M. M."
    assert "Maasikas" in mari.context and mari.count >= 3
    assert found["Jaan Tamm"].role == "official"  # the responsible official
    assert found["Peeter Kuusk"].role == "official"  # a job title beside the name
    # Private persons come first; sentence starts and greetings are no names.
    assert document_candidates(doc)[0].name == "Mari Maasikas"
    assert not any(name.startswith(("Lugupeetud", "Mina", "Vastus", "Koopia")) for name in found)


def test_private_from_the_correspondent_field():
    body = make_registry()
    doc = make_document(body, title="Avaldus", correspondent="Kalle Kask")
    make_file(doc, name="a.txt", kind="txt", text="Kalle Kask soovib teada, miks Kaskmaa teed ei hooldata.")
    [kalle] = document_candidates(doc)
    assert (kalle.name, kalle.role) == ("Kalle Kask", "private")


def test_suggestions_are_never_applied(doc):
    document_candidates(doc)
    doc.refresh_from_db()
    assert doc.correspondent == "M. M." and not Redaction.objects.exists()
    assert "Mari Maasikas" in doc.files.get(name="teabenoue.txt").text
