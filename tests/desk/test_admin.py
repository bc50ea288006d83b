"""The operator's admin pages for the desk: takedown and undo as audited actions, the queue sorted by
deadline with overdue ones flagged, in Estonian and English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from tests.public.factories import make_document, make_registry

from dokreg.desk.models import AuditEntry, RemovalRequest

pytestmark = pytest.mark.django_db

DOCS = "/admin/archive/document/"


@pytest.fixture
def staff():
    client = Client()
    client.force_login(User.objects.create_superuser("valvur", "v@example.ee", "x"))
    return client


def test_takedown_action_asks_for_a_reason_then_takes_down_and_audits(staff, client):
    doc = make_document(make_registry(), title="Eraisiku kiri")
    assert client.get(f"/dokument/{doc.pk}/").status_code == 200
    ask = staff.post(DOCS, {"action": "take_down", "_selected_action": [doc.pk]})
    assert ask.status_code == 200 and "Eraisiku kiri" in ask.content.decode()
    doc.refresh_from_db()
    assert doc.taken_down_at is None  # nothing happens before the reason is given
    staff.post(DOCS, {"action": "take_down", "_selected_action": [doc.pk], "apply": "1", "reason": ""})
    doc.refresh_from_db()
    assert doc.taken_down_at is None

    done = staff.post(
        DOCS, {"action": "take_down", "_selected_action": [doc.pk], "apply": "1", "reason": "isikuandmed"}
    )
    assert done.status_code == 302
    doc.refresh_from_db()
    assert doc.taken_down_at is not None and doc.takedown_reason == "isikuandmed"
    assert client.get(f"/dokument/{doc.pk}/").status_code == 404
    entry = AuditEntry.objects.get(action="takedown")
    assert (entry.actor_name, entry.target_id, entry.detail["reason"]) == (
        "valvur",
        str(doc.pk),
        "isikuandmed",
    )

    staff.post(DOCS, {"action": "take_down_undo", "_selected_action": [doc.pk]})
    doc.refresh_from_db()
    assert doc.taken_down_at is None and client.get(f"/dokument/{doc.pk}/").status_code == 200
    assert AuditEntry.objects.get(action="takedown_undo").actor_name == "valvur"


def test_takedown_date_is_not_editable_by_hand(staff):
    doc = make_document(make_registry())
    page = staff.get(f"{DOCS}{doc.pk}/change/").content.decode()
    assert 'name="taken_down_at' not in page and 'name="takedown_reason"' not in page


def test_queue_sorted_by_deadline_with_overdue_flagged_in_both_languages(staff):
    doc = make_document(make_registry(), reference="9-9/1")
    now = timezone.now()
    for n, due in enumerate((now + timedelta(days=20), now - timedelta(days=2), None)):
        RemovalRequest.objects.create(
            token=f"tok{n}" * 8,
            document=doc,
            document_label=f"Amet: 9-9/{n}",
            basis="gdpr_17",
            status="pending" if due else "unconfirmed",
            due_at=due,
        )
    page = staff.get("/admin/desk/removalrequest/").content.decode()
    assert page.index("Amet: 9-9/1") < page.index("Amet: 9-9/0") < page.index("Amet: 9-9/2")
    assert "tähtaeg ületatud" in page.lower() and page.count('alt="True"') == 1
    staff.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english = staff.get("/admin/desk/removalrequest/").content.decode()
    assert "removal requests" in english.lower() and "overdue" in english.lower()
    pending = RemovalRequest.objects.get(document_label="Amet: 9-9/0")
    assert (
        "Decision on request" in staff.get(f"/admin/desk/removalrequest/{pending.pk}/otsus/").content.decode()
    )
