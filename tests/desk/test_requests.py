"""Removal requests end to end, with mail through a real SMTP server on loopback: the form, the code
mail, confirming, the tracking page at each step, the operator's decision in the admin, the answer mail,
the audit trail, the abuse limits and the retention purge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.public.factories import make_document, make_registry

from dokreg.desk import services
from dokreg.desk.models import AuditEntry, RemovalRequest

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Mari Maasikas",
    "email": "mari@example.ee",
    "basis": "gdpr_21",
    "explanation": "Minu avaldus on avaldatud koos minu aadressiga.",
}


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the abuse limits count in the cache; every test starts with empty windows
    yield
    cache.clear()


@pytest.fixture
def doc():
    return make_document(make_registry(name="Siseministeerium"), reference="5-4/22-1", title="Mari avaldus")


@pytest.fixture
def staff():
    client = Client()
    client.force_login(User.objects.create_superuser("operaator", "op@example.ee", "x"))
    return client


def submit(client, doc, **changes):
    return client.post(f"/dokument/{doc.pk}/taotlus/", {**FORM, **changes})


def code_of(message) -> str:
    return re.search(r"\b(\d{6})\b", message.get_content()).group(1)


def links_in(message) -> list[str]:
    """The paths of the links in a mail."""
    return re.findall(r"https?://[^/\s]+(/\S*)", message.get_content())


def test_request_code_confirm_decision_answer_with_tracking_at_each_step(client, staff, doc, smtp_server):
    # The document page links to the form; the form states the retention period.
    assert f"/dokument/{doc.pk}/taotlus/" in client.get(f"/dokument/{doc.pk}/").content.decode()
    form_page = client.get(f"/dokument/{doc.pk}/taotlus/").content.decode()
    assert "365 päeva pärast otsust" in form_page

    response = submit(client, doc)
    assert response.status_code == 302
    removal = RemovalRequest.objects.get()
    assert removal.status == "unconfirmed" and removal.email == "mari@example.ee"
    assert response["Location"] == f"/taotlus/{removal.token}/kinnita/"
    # The token is random and long, never the row's id; the code is stored only as a hash.
    assert len(removal.token) >= 32 and str(removal.pk) != removal.token

    (code_mail,) = smtp_server
    assert code_mail["X-Envelope-To"] == "mari@example.ee"
    code = code_of(code_mail)
    assert code not in removal.code_hash and len(removal.code_hash) == 64
    track = f"/taotlus/{removal.token}/"
    assert links_in(code_mail) == [f"{track}kinnita/", track]

    page = client.get(track).content.decode()
    assert "kinnitamata" in page and "Ootab kinnitamist" in page
    # The tracking page never shows the requester's data.
    assert "Maasikas" not in page and "mari@example.ee" not in page and "aadressiga" not in page

    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(f"/taotlus/{removal.token}/kinnita/", {"code": wrong})
    assert refused.status_code == 400 and "Katseid jäänud: 4" in refused.content.decode()
    confirmed = client.post(f"/taotlus/{removal.token}/kinnita/", {"code": f" {code[:3]} {code[3:]} "})
    assert confirmed.status_code == 302 and confirmed["Location"] == track
    removal.refresh_from_db()
    assert removal.status == "pending"
    assert removal.due_at - removal.confirmed_at == timedelta(days=30)
    page = client.get(track).content.decode()
    assert "menetluses" in page and "Vastuse tähtaeg" in page
    assert timezone.localtime(removal.due_at).strftime("%d.%m.%Y") in page

    # The operator's queue lists it with its deadline; the decision page takes a reasoned answer.
    queue = staff.get("/admin/desk/removalrequest/").content.decode()
    assert "5-4/22-1" in queue
    decide = f"/admin/desk/removalrequest/{removal.pk}/otsus/"
    assert "Mari Maasikas" in staff.get(decide).content.decode()
    no_reason = staff.post(decide, {"status": "granted", "answer": "  "})
    assert no_reason.status_code == 200 and RemovalRequest.objects.get().status == "pending"
    done = staff.post(
        decide, {"status": "granted", "answer": "Avaldus sisaldas teie aadressi; dokument on eemaldatud."}
    )
    assert done.status_code == 302

    removal.refresh_from_db()
    doc.refresh_from_db()
    assert removal.status == "granted" and removal.answer_sent_at is not None
    assert doc.taken_down_at is not None  # granted: off every public route at once
    assert client.get(f"/dokument/{doc.pk}/").status_code == 404

    answer = smtp_server[-1]
    assert len(smtp_server) == 2 and answer["X-Envelope-To"] == "mari@example.ee"
    assert "rahuldatud" in answer["Subject"] and "dokument on eemaldatud" in answer.get_content()
    assert track in answer.get_content()

    page = client.get(track).content.decode()
    assert "rahuldatud" in page and "dokument on eemaldatud" in page and "Vastus saadetud" in page
    assert "Mari avaldus" not in page and "ei ole enam avalik" in page  # the taken-down title stays hidden

    # Audited: who decided, who took the document down.
    actions = {(e.action, e.actor_name, e.target_type) for e in AuditEntry.objects.all()}
    assert ("decision", "operaator", "desk.removalrequest") in actions
    assert ("takedown", "operaator", "archive.document") in actions
    assert ("answer_sent", "operaator", "desk.removalrequest") in actions


def test_refused_and_partly_granted_keep_the_document_and_record_the_redaction(staff, doc, smtp_server):
    for status, ref in (("refused", ""), ("partly_granted", "review/redaction/17")):
        removal = _pending(doc)
        staff.post(
            f"/admin/desk/removalrequest/{removal.pk}/otsus/",
            {"status": status, "answer": f"Põhjendus: {status}", "redaction_ref": ref},
        )
        removal.refresh_from_db()
        assert removal.status == status and removal.redaction_ref == ref
        entry = AuditEntry.objects.filter(action="decision", target_id=str(removal.pk)).get()
        assert entry.detail["redaction_ref"] == ref and entry.actor_name == "operaator"
    doc.refresh_from_db()
    assert doc.taken_down_at is None
    answers = [m for m in smtp_server if m["Subject"].startswith("Otsus")]
    assert [m["Subject"].split(": ", 1)[1] for m in answers] == [
        "rahuldamata",
        "osaliselt rahuldatud (andmed varjatud)",
    ]


def test_a_decided_request_cannot_be_decided_again(staff, doc, smtp_server):
    removal = _pending(doc)
    services.removal_request_decide(removal=removal, status="refused", answer="Ei.", actor="test")
    with pytest.raises(services.RequestError, match="only a pending request"):
        services.removal_request_decide(removal=removal, status="granted", answer="Jah.", actor="test")


def test_codes_expire_and_run_out_of_attempts(client, doc, smtp_server):
    submit(client, doc)
    removal = RemovalRequest.objects.get()
    code = code_of(smtp_server[0])
    later = removal.code_sent_at + services.CODE_TTL + timedelta(seconds=1)
    with pytest.raises(services.CodeRejected, match="aegunud"):
        services.removal_request_confirm(removal=removal, code=code, now=later)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services.MAX_ATTEMPTS):
        client.post(f"/taotlus/{removal.token}/kinnita/", {"code": wrong})
    last = client.post(f"/taotlus/{removal.token}/kinnita/", {"code": code})
    assert last.status_code == 400 and "liiga palju kordi" in last.content.decode()
    assert RemovalRequest.objects.get().status == "unconfirmed"
    assert client.post(f"/taotlus/{removal.token}/kinnita/", {"code": "12ab"}).status_code == 400


def test_abuse_limits_per_address_and_per_mailbox(client, doc, settings, smtp_server):
    settings.DOKREG_REMOVAL_RATE_EMAIL = "2/day"
    settings.DOKREG_REMOVAL_RATE_IP = "4/day"  # every attempt counts, refused ones too
    assert submit(client, doc).status_code == 302
    assert submit(client, doc).status_code == 302
    third = submit(client, doc)  # the same mailbox a third time
    assert third.status_code == 429 and "liiga palju koode" in third.content.decode()
    other = submit(client, doc, email="jaan@example.ee")
    assert other.status_code == 302
    fourth = submit(client, doc, email="juku@example.ee")  # the same address a fifth time
    assert fourth.status_code == 429 and "Sellelt aadressilt" in fourth.content.decode()
    assert RemovalRequest.objects.count() == 3 and len(smtp_server) == 3


def test_bad_input_is_a_400_naming_the_field_and_unknown_things_are_404(client, doc, smtp_server):
    bad = submit(client, doc, email="ei-ole-aadress", basis="gdpr_99")
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "e-posti" in body.lower() or "email" in body.lower()
    assert RemovalRequest.objects.count() == 0 and smtp_server == []
    assert client.get("/taotlus/olematu-tunnus/").status_code == 404
    assert client.post("/taotlus/olematu-tunnus/kinnita/", {"code": "123456"}).status_code == 404
    gone = make_document(doc.registry, taken_down_at=timezone.now())
    assert client.get(f"/dokument/{gone.pk}/taotlus/").status_code == 404
    assert client.post(f"/dokument/{gone.pk}/taotlus/", FORM).status_code == 404


def test_without_csrf_token_the_form_is_refused(doc, smtp_server):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/dokument/{doc.pk}/taotlus/", FORM).status_code == 403
    assert RemovalRequest.objects.count() == 0


def test_a_mail_server_that_is_down_leaves_no_request_behind(client, doc, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    response = submit(client, doc)
    assert response.status_code == 503 and "ei õnnestunud saata" in response.content.decode()
    assert RemovalRequest.objects.count() == 0


def test_english_requester_gets_english_mail(client, doc, smtp_server):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    submit(client, doc)
    assert RemovalRequest.objects.get().language == "en"
    assert "confirmation code" in smtp_server[0]["Subject"].lower()


def test_purge_erases_personal_data_after_retention_keeping_the_decision(doc, settings, smtp_server):
    settings.DOKREG_REQUEST_RETENTION_DAYS = 10
    old = _pending(doc)
    services.removal_request_decide(removal=old, status="refused", answer="Ei.", actor="test")
    recent = _pending(doc)
    services.removal_request_decide(removal=recent, status="refused", answer="Ei.", actor="test")
    RemovalRequest.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=11))
    stale = RemovalRequest.objects.create(token="x" * 32, document=doc, basis="other", email="a@b.ee")
    RemovalRequest.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=8))

    report = services.removal_requests_purge()

    assert (report.anonymised, report.deleted) == (1, 1)
    old.refresh_from_db()
    assert (old.name, old.email, old.explanation, old.answer) == ("", "", "", "")
    assert old.status == "refused" and old.document_id == doc.pk and old.purged_at is not None
    recent.refresh_from_db()
    assert recent.email == "mari@example.ee"
    assert not RemovalRequest.objects.filter(pk=stale.pk).exists()
    assert AuditEntry.objects.filter(action="purge").count() == 1


def test_request_data_is_staff_only(client, doc, smtp_server):
    removal = _pending(doc)
    assert client.get("/admin/desk/removalrequest/").status_code == 302
    assert client.get(f"/admin/desk/removalrequest/{removal.pk}/otsus/").status_code == 302
    user = User.objects.create_user("lugeja", "l@example.ee", "x")
    client.force_login(user)
    assert client.get(f"/admin/desk/removalrequest/{removal.pk}/change/").status_code == 302


def _pending(doc) -> RemovalRequest:
    removal = services.removal_request_submit(document=doc, client="127.0.0.9", **FORM)
    now = timezone.now()
    RemovalRequest.objects.filter(pk=removal.pk).update(
        status="pending", confirmed_at=now, due_at=now + timedelta(days=30), code_hash=""
    )
    removal.refresh_from_db()
    return removal
