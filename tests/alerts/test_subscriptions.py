"""Saved searches with e-mail alerts, end to end through a real SMTP server on loopback: subscribe,
the confirmation mail and its link, the mail of new documents, and one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.public.factories import make_document, make_registry

from dokreg.alerts.models import Subscription
from dokreg.alerts.sending import MAX_PER_MAIL, alerts_send
from dokreg.archive.models import Access
from dokreg.pipeline.indexing import index_documents

pytestmark = pytest.mark.django_db
CODE = "38001085718"  # a valid personal code


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def body():
    return make_registry(slug="teavitus-amet", name="Teavitusamet")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, kind: str) -> str:
    found = re.search(rf"http://testserver(/tellimus/{kind}/[^\s]+/)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def subscribe(
    client, email="reporter@example.org", query="q=hange&registry=teavitus-amet", frequency="daily"
):
    return client.post("/tellimus/", {"email": email, "query": query, "frequency": frequency})


def confirmed(client, smtp_server, **kwargs) -> Subscription:
    assert subscribe(client, **kwargs).status_code == 200
    confirm = link(smtp_server[-1], "kinnita")
    assert client.post(confirm).status_code == 200
    return Subscription.objects.get(email=kwargs.get("email", "reporter@example.org"))


def new_document(body, **fields):
    doc = make_document(body, first_seen_at=timezone.now(), registered=date.today(), **fields)
    index_documents(doc_ids=[doc.pk])
    return doc


def test_double_opt_in_mails_a_link_that_only_a_button_confirms(client, smtp_server, body):
    page = subscribe(client)
    assert page.status_code == 200 and "reporter@example.org" in page.text
    [mail] = smtp_server
    assert mail["To"] == "reporter@example.org" and "reporter@example.org" in mail["X-Envelope-To"]
    assert "q=hange" in text_of(mail)
    confirm = link(mail, "kinnita")
    subscription = Subscription.objects.get()
    assert (
        not subscription.active and confirm.split("/")[-2] not in subscription.confirm_hash
    )  # only a hash kept

    # A mail scanner opening the link confirms nothing; the page's button does.
    assert client.get(confirm).status_code == 200
    subscription.refresh_from_db()
    assert not subscription.active
    assert client.post(confirm).status_code == 200
    subscription.refresh_from_db()
    assert subscription.active
    assert client.post(confirm).status_code == 404  # used once


def test_new_public_matches_are_mailed_once_and_nothing_hidden_ever(client, smtp_server, body):
    subscription = confirmed(client, smtp_server)
    subscription.checked_until = timezone.now() - timedelta(seconds=1)
    subscription.save()
    match = new_document(body, title=f"Hange {CODE} aruanne", reference="T-1")
    new_document(body, title="Hange terviseandmed", reference="T-2", access=Access.AK)
    new_document(body, title="Hange eemaldatud", reference="T-3", withdrawn_at=timezone.now())
    new_document(body, title="Hange maha võetud", reference="T-4", taken_down_at=timezone.now())
    new_document(body, title="Muu teema", reference="T-5")
    new_document(make_registry(slug="muu-amet"), title="Hange mujal", reference="T-6")

    report = alerts_send(frequency="daily", base_url="http://testserver")
    assert (report.checked, report.mailed, report.documents) == (1, 1, 1)
    mail = smtp_server[-1]
    body_text = text_of(mail)
    assert f"http://testserver/dokument/{match.pk}/" in body_text and "T-1" in body_text
    for hidden in ("T-2", "T-3", "T-4", "T-5", "T-6", "terviseandmed"):
        assert hidden not in body_text
    assert CODE not in body_text and CODE not in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip().startswith("<http://testserver/tellimus/loobu/")

    # Nothing new: no second mail; an immediate run leaves daily subscriptions alone.
    before = len(smtp_server)
    assert alerts_send(frequency="daily", base_url="http://testserver").mailed == 0
    assert alerts_send(frequency="immediate", base_url="http://testserver").checked == 0
    assert len(smtp_server) == before


def test_filters_without_words_are_followed_too(client, smtp_server, body):
    confirmed(client, smtp_server, query="registry=teavitus-amet&type=Leping", frequency="immediate")
    Subscription.objects.update(checked_until=timezone.now() - timedelta(seconds=1))
    new_document(body, title="Leping üks", doc_type="Leping", reference="L-1")
    new_document(body, title="Kiri", doc_type="Sissetulev kiri", reference="L-2")
    assert alerts_send(frequency="immediate", base_url="http://testserver").documents == 1
    assert "L-1" in text_of(smtp_server[-1]) and "L-2" not in text_of(smtp_server[-1])


def test_a_document_waiting_for_the_index_is_mailed_when_it_is_indexed(client, smtp_server, body):
    subscription = confirmed(client, smtp_server)
    Subscription.objects.update(checked_until=timezone.now() - timedelta(seconds=1))
    waiting = make_document(body, title="Hange ootel", reference="W-1", first_seen_at=timezone.now())
    assert waiting.index_dirty
    assert alerts_send(frequency="daily", base_url="http://testserver").mailed == 0
    index_documents(doc_ids=[waiting.pk])
    assert alerts_send(frequency="daily", base_url="http://testserver").mailed == 1
    assert "W-1" in text_of(smtp_server[-1])
    subscription.refresh_from_db()
    assert waiting.pk in subscription.recent_ids


def test_a_full_mail_leaves_the_rest_for_the_next(client, smtp_server, body):
    confirmed(client, smtp_server)
    Subscription.objects.update(checked_until=timezone.now() - timedelta(seconds=1))
    same_instant = timezone.now()
    docs = [
        make_document(body, title=f"Hange {n}", reference=f"M-{n}", first_seen_at=same_instant)
        for n in range(MAX_PER_MAIL + 3)
    ]
    index_documents(doc_ids=[d.pk for d in docs])
    first = alerts_send(frequency="daily", base_url="http://testserver")
    second = alerts_send(frequency="daily", base_url="http://testserver")
    assert (first.documents, second.documents) == (MAX_PER_MAIL, 3)
    mailed = re.findall(r"/dokument/(\d+)/", text_of(smtp_server[-2]) + text_of(smtp_server[-1]))
    assert sorted(map(int, mailed)) == sorted(d.pk for d in docs)  # every one, none twice


def test_one_click_unsubscribe_from_the_mail_and_by_the_mail_client(client, smtp_server, body):
    subscription = confirmed(client, smtp_server)
    Subscription.objects.update(checked_until=timezone.now() - timedelta(seconds=1))
    new_document(body, title="Hange", reference="U-1")
    alerts_send(frequency="daily", base_url="http://testserver")
    cancel = smtp_server[-1]["List-Unsubscribe"].strip().strip("<>").removeprefix("http://testserver")
    assert cancel == link(smtp_server[-1], "loobu")
    # RFC 8058: the mail client POSTs without a session or CSRF token.
    assert Client(enforce_csrf_checks=True).post(cancel, {"List-Unsubscribe": "One-Click"}).status_code == 200
    subscription.refresh_from_db()
    assert subscription.cancelled_at is not None
    assert client.get(cancel).status_code == 200  # again: still fine
    new_document(body, title="Hange", reference="U-2")
    assert alerts_send(frequency="daily", base_url="http://testserver").checked == 0
    assert client.get(cancel[:-3] + "xx/").status_code == 404  # a forged token


def test_the_answer_does_not_say_whether_an_address_already_follows(client, smtp_server, body):
    confirmed(client, smtp_server)
    again = subscribe(client)
    assert again.status_code == 200 and "reporter@example.org" in again.text
    assert Subscription.objects.count() == 1


def test_abuse_limits_per_address_and_per_client(client, smtp_server, body, settings):
    answers = [subscribe(client, query=f"q=hange{n}").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]  # three confirmation mails a day to one address
    assert len(smtp_server) == 3
    settings.DOKREG_SUBSCRIBE_RATE = "2/day"
    cache.clear()
    answers = [subscribe(client, email=f"r{n}@example.org").status_code for n in range(3)]
    assert answers == [200, 200, 429]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"email": "not-an-address", "query": "q=x", "frequency": "daily"}, "E-posti"),
        ({"email": "a@example.org", "query": "q=x", "frequency": "hourly"}, "Kui tihti"),
        (
            {"email": "a@example.org", "query": "date_from=eile", "frequency": "daily"},
            "Registreeritud alates",
        ),
    ],
)
def test_bad_subscriptions_are_a_400_naming_the_field(client, smtp_server, data, reason):
    answer = client.post("/tellimus/", data)
    assert answer.status_code == 400 and reason in answer.text
    assert not smtp_server and not Subscription.objects.exists()


def test_a_personal_code_in_the_search_is_not_stored(client, smtp_server, body):
    subscribe(client, query=f"q=hange {CODE}")
    assert CODE not in Subscription.objects.get().query
    assert CODE not in text_of(smtp_server[-1])


def test_results_page_offers_the_form_with_its_search(client, body):
    html = client.get("/otsi/", {"q": "hange", "registry": "teavitus-amet"}).text
    assert 'action="/tellimus/"' in html
    assert 'name="query" value="q=hange&amp;registry=teavitus-amet"' in html


def test_the_command_sends(smtp_server, body, settings, capsys):
    from dokreg import cli

    settings.DOKREG_PUBLIC_BASE_URL = "https://arhiiv.example.ee"
    subscription = Subscription.objects.create(
        email="cli@example.org", query="q=hange", key="k1", confirmed_at=timezone.now() - timedelta(hours=1)
    )
    subscription.checked_until = subscription.confirmed_at
    subscription.save()
    new_document(body, title="Hange", reference="C-1")
    with pytest.raises(SystemExit) as done:
        cli.main(["subscriptions", "send", "--daily"])
    assert done.value.code == 0
    assert "1 mailed" in capsys.readouterr().out
    assert "https://arhiiv.example.ee/dokument/" in text_of(smtp_server[-1])


def test_a_search_whose_filter_went_invalid_mails_nothing_rather_than_everything(client, smtp_server, body):
    confirmed(client, smtp_server)
    Subscription.objects.update(checked_until=timezone.now() - timedelta(seconds=1))
    body.state = "not_covered"  # the body left the catalogue's choices: its filter no longer reads
    body.save()
    new_document(make_registry(slug="teine-amet"), title="Hange", reference="X-1")
    before = len(smtp_server)
    report = alerts_send(frequency="daily", base_url="http://testserver")
    assert report.failed == 1 and len(smtp_server) == before
