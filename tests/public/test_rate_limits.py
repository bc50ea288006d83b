"""One client cannot slow every other reader: per-IP limits on pages and feeds, and a query-cost budget."""

import pytest
from django.core.cache import cache
from tests.public.factories import make_document

from dokreg.registries.models import Registry


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_searches_and_feeds_share_a_tighter_limit_than_pages(client, settings):
    settings.DOKREG_SEARCH_RATE = "3/day"  # a day window: a test never straddles two
    settings.DOKREG_PAGE_RATE = "100/min"
    for path in ("/otsi/?q=kiri", "/otsi/atom/?q=kiri", "/otsi/"):
        assert client.get(path).status_code != 429
    refused = client.get("/otsi/?q=leping")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 86400
    assert "Liiga palju päringuid" in refused.content.decode()
    # Another reader (another address) is not affected, and this one can still read pages.
    assert client.get("/otsi/?q=leping", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/teave/").status_code == 200


@pytest.mark.django_db
def test_pages_are_limited_too_but_health_and_admin_are_not(client, settings):
    settings.DOKREG_PAGE_RATE = "2/day"
    assert client.get("/teave/").status_code == 200
    assert client.get("/registrid/").status_code == 200
    assert client.get("/teave/").status_code == 429
    assert client.get("/health/").status_code != 429  # monitors always get an answer
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_a_body_feed_counts_as_a_search(client, settings):
    make_document(Registry.objects.get(slug="som"))
    settings.DOKREG_SEARCH_RATE = "1/day"
    assert client.get("/asutus/som/atom/").status_code == 200
    assert client.get("/asutus/som/atom/").status_code == 429


@pytest.mark.django_db
def test_too_many_short_prefixes_get_a_clear_400(client):
    expensive = " OR ".join(f"{c}*" for c in "abcdefghijklmnoprs")
    page = client.get("/otsi/", {"q": expensive})
    assert page.status_code == 400
    assert "word beginnings" in page.content.decode()
    api = client.get("/api/v1/documents", {"q": expensive})
    assert api.status_code == 400 and "word beginnings" in api.json()["error"]["message"]
    # Ordinary prefixes stay allowed.
    assert client.get("/otsi/", {"q": "tead* arve* ko*"}).status_code == 200


@pytest.mark.django_db
def test_a_search_waits_only_briefly_for_a_slot_then_is_told_to_come_back(client, monkeypatch):
    import threading

    from dokreg import ratelimit

    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(ratelimit, "_search_slots", slots)
    slots.acquire()  # another search is running
    try:
        busy = client.get("/otsi/", {"q": "kiri"})
        assert busy.status_code == 503 and busy["Retry-After"] == "1"
        assert client.get("/teave/").status_code == 200  # other pages need no slot
    finally:
        slots.release()
    assert client.get("/otsi/", {"q": "kiri"}).status_code == 200


def test_the_client_behind_a_trusted_proxy_is_counted_not_the_proxy(rf, settings):
    from dokreg.ratelimit import client_ip

    forwarded = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.DOKREG_TRUSTED_PROXIES = ""
    assert client_ip(forwarded) == "127.0.0.1"  # no proxy trusted: the header is the client's invention
    settings.DOKREG_TRUSTED_PROXIES = "127.0.0.1"
    assert client_ip(forwarded) == "203.0.113.7"  # the proxy appends the real client last
    direct = rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(direct) == "198.51.100.9"  # a header from a client that is not our proxy is ignored


@pytest.mark.django_db
def test_a_refusal_speaks_the_readers_chosen_language_and_says_when_to_return(client, settings):
    settings.DOKREG_PAGE_RATE = "1/day"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/teave/").status_code == 200
    refused = client.get("/teave/")

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    page = refused.content.decode()
    assert '<html lang="en">' in page and "Too many requests" in page
    assert f"again in {wait} seconds" in page
