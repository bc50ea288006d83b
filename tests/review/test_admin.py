"""The operator's pages: the review queue (personal data first, acknowledge with an explanation) and
redactions (suggestions shown, never applied; create; revert), in Estonian and English, all audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from tests.public.factories import make_document, make_file, make_registry, make_signature

from dokreg.archive.services import document_upsert
from dokreg.desk.audit import trail
from dokreg.registries.types import RegisterEntry
from dokreg.review.models import Redaction, ReviewItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(User.objects.create_superuser("operaator", "op@example.invalid", "x"))
    return client


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def queue():
    body = make_registry(slug="t-som")
    docs = {}
    for source_id, basis in (("1", "AvTS § 35 lg 1 p 17"), ("2", "AvTS § 35 lg 1 p 12")):
        entry = RegisterEntry(
            source_id=source_id,
            url=f"http://127.0.0.1:1/dokument/{source_id}",
            reference=f"1-1/{source_id}",
            registered=date(2025, 1, 2),
            title=f"Kiri {source_id}",
            access="Avalik",
            parser="adr/1",
        )
        document_upsert(registry=body, entry=entry)
        from dataclasses import replace

        docs[source_id] = document_upsert(
            registry=body, entry=replace(entry, access="AK", restriction_basis=basis)
        ).document
    return docs


def test_pages_are_for_staff_only(queue):
    for page in ("/admin/review/reviewitem/", "/admin/review/redaction/", "/admin/review/redaction/add/"):
        assert Client().get(page).status_code == 302


def test_queue_lists_personal_data_first(staff, queue):
    page = staff.get("/admin/review/reviewitem/").content.decode()
    assert page.index("Kiri 2") < page.index("Kiri 1")  # p 12 before p 17
    assert "avalik → piiratud" in page
    assert "public → restricted" in english(staff).get("/admin/review/reviewitem/").content.decode()


def test_acknowledge_action_asks_for_an_explanation_then_audits(staff, queue):
    ids = [str(i.pk) for i in ReviewItem.objects.all()]
    asked = staff.post("/admin/review/reviewitem/", {"action": "acknowledge", "_selected_action": ids})
    assert asked.status_code == 200 and "Selgitus" in asked.content.decode()
    assert not ReviewItem.objects.filter(acknowledged_at__isnull=False).exists()
    done = staff.post(
        "/admin/review/reviewitem/",
        {"action": "acknowledge", "_selected_action": ids, "explanation": "Asutus piiras isikuandmete tõttu"},
    )
    assert done.status_code == 302
    assert ReviewItem.objects.filter(acknowledged_at__isnull=False).count() == 2
    assert trail(queue["2"]).filter(action="review_acknowledge", actor_name="operaator").exists()


@pytest.fixture
def letter_doc():
    doc = make_document(make_registry(), title="Mari Maasikase teabenõue", correspondent="M. M.")
    make_file(doc, name="kiri.txt", kind="txt", text="Mina, Mari Maasikas, palun dokumente. Mari Maasikas")
    make_signature(make_file(doc, name="kiri.asice", kind="asice"), signer_name="MAASIKAS,MARI")
    return doc


def test_redaction_page_shows_suggestions_without_applying_them(staff, letter_doc):
    page = staff.get(f"/admin/review/redaction/add/?document={letter_doc.pk}").content.decode()
    assert "Mari Maasikas" in page and "eraisik" in page
    letter_doc.refresh_from_db()
    assert letter_doc.title == "Mari Maasikase teabenõue" and not Redaction.objects.exists()
    page_en = english(staff).get(f"/admin/review/redaction/add/?document={letter_doc.pk}").content.decode()
    assert "Possible private persons" in page_en and "private person" in page_en


def test_create_and_revert_from_the_admin(staff, letter_doc):
    response = staff.post(
        "/admin/review/redaction/add/",
        {"document": letter_doc.pk, "names": "Mari Maasikas", "reason": "eraisiku teabenõue"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    letter_doc.refresh_from_db()
    assert letter_doc.title == "M. M. teabenõue"
    [redaction] = Redaction.objects.all()
    assert staff.get(f"/admin/review/redaction/{redaction.pk}/change/").status_code == 200
    staff.post("/admin/review/redaction/", {"action": "revert", "_selected_action": [redaction.pk]})
    letter_doc.refresh_from_db()
    assert letter_doc.title == "Mari Maasikase teabenõue"
    assert list(trail(letter_doc).values_list("action", flat=True)) == ["redact_revert", "redact"]


def test_a_bad_name_is_a_form_error(staff, letter_doc):
    response = staff.post(
        "/admin/review/redaction/add/", {"document": letter_doc.pk, "names": "<script>", "reason": ""}
    )
    assert response.status_code == 200 and "Eesnimi Perenimi" in response.content.decode()
    assert not Redaction.objects.exists()
