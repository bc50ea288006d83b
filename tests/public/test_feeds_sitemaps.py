"""Atom feeds, sitemaps and robots.txt with the five kinds of document: only published ones appear."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree
from tests.api.test_api_routes import AK_FILE, HIDDEN_MARKERS, SECRET, five_documents
from tests.public.factories import make_document

from dokreg.archive.models import Matter

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def entries(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    return [
        {
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link").get("href"),
            "summary": e.findtext(f"{ATOM}summary"),
            "updated": e.findtext(f"{ATOM}updated"),
        }
        for e in feed.iter(f"{ATOM}entry")
    ]


def assert_nothing_hidden(raw: bytes) -> None:
    text = raw.decode()
    assert SECRET not in text and AK_FILE not in text
    assert not any(marker in text for marker in HIDDEN_MARKERS)


@pytest.fixture
def corpus():
    return five_documents()


@pytest.mark.parametrize(
    "url",
    [
        "/otsi/atom/",
        "/otsi/atom/?q=märksõna",
        "/asutus/siseamet/atom/",
        "/asutus/siseamet/atom/?sari=5-4",
    ],
)
def test_feeds_list_public_and_ak_documents_only(client, corpus, url):
    response = client.get(url)

    links = {e["link"] for e in entries(response)}
    assert links <= {
        f"http://testserver/dokument/{corpus.public.pk}/",
        f"http://testserver/dokument/{corpus.ak.pk}/",
    }
    assert_nothing_hidden(response.content)


def test_search_feed_for_the_secret_word_is_empty_though_the_index_lags(client, corpus):
    response = client.get("/otsi/atom/", {"q": SECRET})

    assert entries(response) == []
    assert etree.fromstring(response.content).findtext(f"{ATOM}title") == f"Otsing: {SECRET}"
    assert 'href="http://testserver/otsi/atom/?q=salas%C3%B5na12345" rel="self"' in response.content.decode()


def test_feed_item_has_title_link_summary_and_update_time(client, corpus):
    items = entries(client.get("/otsi/atom/?access=public"))

    assert items == [
        {
            "title": "Avalik märksõna PUBLIKMARK",
            "link": f"http://testserver/dokument/{corpus.public.pk}/",
            "summary": "5-4/22-1 · Sissetulev kiri · Siseamet · 27.02.2025",
            "updated": "2025-03-01T09:00:00+00:00",
        }
    ]


def test_search_feed_takes_the_results_page_filters(client, corpus):
    words = entries(client.get("/otsi/atom/", {"q": "märksõna", "access": "ak"}))
    other_series = entries(client.get("/asutus/siseamet/atom/", {"sari": "9-9"}))

    assert [e["title"] for e in words] == ["Asutusesisene märksõna AKMARK"]
    assert other_series == []


def test_search_feed_with_bad_parameters_is_400(client, corpus):
    assert client.get("/otsi/atom/", {"date_from": "31.02.2025"}).status_code == 400
    assert client.get("/otsi/atom/", {"registry": "no-such-body"}).status_code == 400


def test_feeds_give_the_50_newest_arrivals(client, corpus):
    for day in range(1, 61):
        make_document(
            corpus.body,
            first_seen_at=datetime(2025, 4, 1, tzinfo=UTC).replace(day=1 + day % 28, hour=day % 24),
        )

    items = entries(client.get("/asutus/siseamet/atom/"))

    assert len(items) == 50
    updated = [e["updated"] for e in items]
    assert updated == sorted(updated, reverse=True)


def test_matter_feed_lists_published_documents_and_hides_an_all_hidden_matter(client, corpus):
    response = client.get(f"/asi/{corpus.matter.pk}/atom/")
    hidden_matter = Matter.objects.create(registry=corpus.body, root="9-9/1")
    corpus.withdrawn.matter = hidden_matter
    corpus.withdrawn.save()

    assert {e["title"] for e in entries(response)} == {
        "Avalik märksõna PUBLIKMARK",
        "Asutusesisene märksõna AKMARK",
    }
    assert_nothing_hidden(response.content)
    assert client.get(f"/asi/{hidden_matter.pk}/atom/").status_code == 404
    assert client.get("/asutus/no-such-body/atom/").status_code == 404


def test_results_and_body_pages_link_their_feeds(client, corpus):
    results = client.get("/otsi/", {"q": "märksõna"}).content.decode()
    body = client.get("/asutus/siseamet/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml"' in results
    assert 'href="/otsi/atom/?q=m%C3%A4rks%C3%B5na"' in results
    assert 'href="/asutus/siseamet/atom/"' in body


# --- sitemaps ------------------------------------------------------------------------------


def locations(response) -> list[str]:
    assert response.status_code == 200
    return [loc.text for loc in etree.fromstring(response.content).iter(f"{SITEMAP}loc")]


def test_sitemap_index_has_static_pages_and_a_section_per_body_and_year(client, corpus):
    make_document(corpus.body, registered=date(2024, 5, 5))
    make_document(corpus.body, registered=None)

    sections = locations(client.get("/sitemap.xml"))

    assert [s for s in sections if "siseamet" in s] == [
        "http://testserver/sitemap-siseamet-2024.xml",
        "http://testserver/sitemap-siseamet-2025.xml",
        "http://testserver/sitemap-siseamet-undated.xml",
    ]
    assert "http://testserver/sitemap-static.xml" in sections


def test_the_sitemap_index_reads_no_documents_once_its_dates_are_kept(client, corpus):
    # At a million documents every request grouped the archive by body and year and took the
    # newest change of each section: 3-4 s a request, a page any crawler may ask for.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap.xml").status_code == 200
    assert [q["sql"] for q in queries if "archive_document" in q["sql"]] == []


def test_a_section_whose_documents_are_all_taken_down_leaves_the_index_at_once(client, corpus):
    from dokreg.archive.services import document_take_down

    only = make_document(corpus.body, registered=date(2019, 3, 3))
    assert "http://testserver/sitemap-siseamet-2019.xml" in locations(client.get("/sitemap.xml"))

    document_take_down(document=only, reason="isikuandmed")

    assert "http://testserver/sitemap-siseamet-2019.xml" not in locations(client.get("/sitemap.xml"))


def test_sitemap_section_lists_only_publishable_documents(client, corpus):
    response = client.get("/sitemap-siseamet-2025.xml")

    assert locations(response) == [
        f"http://testserver/dokument/{corpus.public.pk}/",
        f"http://testserver/dokument/{corpus.ak.pk}/",
    ]
    assert client.get("/sitemap-no-such-body-2025.xml").status_code == 404
    assert client.get("/sitemap-siseamet-20x5.xml").status_code == 404


def test_static_sitemap_and_robots_txt(client, corpus):
    static = locations(client.get("/sitemap-static.xml"))
    robots = client.get("/robots.txt")

    assert static == ["http://testserver/", "http://testserver/registrid/", "http://testserver/teave/"]
    assert robots["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode().splitlines()


def test_a_section_written_straight_out_equals_djangos_sitemap_page_by_page(client, corpus, rf, monkeypatch):
    """Sections are written without Django's template (0.6 s a page at a million documents); what
    a crawler reads must not change: the same addresses, days, pages and Last-Modified."""
    from django.contrib.sitemaps import views as sitemap_views
    from django.core.cache import caches

    from dokreg.public import sitemaps

    monkeypatch.setattr(sitemaps.DocumentsSitemap, "limit", 3)
    for day in range(1, 8):
        make_document(corpus.body, registered=date(2025, 2, day))
    caches["kept"].clear()  # a section's size is kept per body state, which new documents do not change
    listed = []
    for page in ("1", "2", "3"):
        ours = client.get(f"/sitemap-siseamet-2025.xml?p={page}")
        django = sitemap_views.sitemap(rf.get(f"/?p={page}"), sitemaps.SECTIONS, section="siseamet-2025")
        django.render()
        assert ours.status_code == 200 and ours["Content-Type"] == django["Content-Type"]
        assert ours["Last-Modified"] == django["Last-Modified"]
        assert etree.tostring(etree.fromstring(ours.content), method="c14n") == etree.tostring(
            etree.fromstring(django.content), method="c14n"
        )
        listed.append(locations(ours))
    assert [len(page) for page in listed] == [3, 3, 3]  # two of five_documents' and the seven new ones
    assert len({loc for page in listed for loc in page}) == 9
    assert client.get("/sitemap-siseamet-2025.xml?p=4").status_code == 404
    assert client.get("/sitemap-siseamet-2025.xml?p=x").status_code == 404


def test_a_kept_section_page_reads_no_documents_and_is_kept_per_host(client, corpus):
    # A page of 10,000 addresses read 10,000 rows per request; crawlers ask for every page.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = locations(client.get("/sitemap-siseamet-2025.xml"))
    with CaptureQueriesContext(connection) as queries:
        again = locations(client.get("/sitemap-siseamet-2025.xml"))
    assert again == first
    assert [q["sql"] for q in queries if "archive_document" in q["sql"]] == []
    other_host = locations(client.get("/sitemap-siseamet-2025.xml", HTTP_HOST="localhost"))
    assert other_host == [loc.replace("http://testserver/", "http://localhost/") for loc in first]


@pytest.mark.parametrize("hiding", ["taken down by the operator", "withdrawn at the source"])
def test_a_document_hidden_leaves_its_kept_sitemap_page_at_once(client, corpus, hiding):
    from dokreg.archive.services import document_take_down, document_withdrawn

    listed = locations(client.get("/sitemap-siseamet-2025.xml"))
    assert f"http://testserver/dokument/{corpus.public.pk}/" in listed

    if hiding == "withdrawn at the source":
        document_withdrawn(document=corpus.public)
    else:
        document_take_down(document=corpus.public, reason="isikuandmed")

    after = locations(client.get("/sitemap-siseamet-2025.xml"))
    assert after == [loc for loc in listed if loc != f"http://testserver/dokument/{corpus.public.pk}/"]


def test_the_kept_sitemap_index_lists_a_new_year_at_once_and_builds_nothing_else(client, corpus):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = locations(client.get("/sitemap.xml"))
    with CaptureQueriesContext(connection) as queries:
        assert locations(client.get("/sitemap.xml")) == before
    # The bodies' stamps, which say whether anything changed, and the kept index (in the database).
    assert len(queries) == 2
    assert all("bodymonth" in q["sql"] or "dokreg_kept" in q["sql"] for q in queries)

    make_document(corpus.body, registered=date(2019, 3, 3))

    after = locations(client.get("/sitemap.xml"))
    assert set(after) == {*before, "http://testserver/sitemap-siseamet-2019.xml"}


@pytest.mark.django_db(transaction=True)  # a page is built afresh on another thread
def test_a_kept_sitemap_page_is_built_again_for_new_documents_after_an_hour_not_ten_minutes(
    client, corpus, monkeypatch
):
    # Rebuilding every page each ten minutes in the web process took the core from its requests.
    import time

    from dokreg.public.sitemaps import PAGE_KEEP_SECONDS
    from dokreg.reading import kept

    page = "/sitemap-siseamet-2025.xml"
    first = locations(client.get(page))
    new = make_document(corpus.body, registered=corpus.public.registered)  # a month it has: no new stamp
    now = time.time()

    monkeypatch.setattr(kept.time, "time", lambda: now + kept.KEEP_SECONDS + 1)
    assert locations(client.get(page)) == first
    kept.refreshes_wait()
    assert locations(client.get(page)) == first  # still as kept: not yet an hour

    monkeypatch.setattr(kept.time, "time", lambda: now + PAGE_KEEP_SECONDS + 1)
    assert locations(client.get(page)) == first  # served as kept while it is built again
    kept.refreshes_wait()
    assert f"http://testserver/dokument/{new.pk}/" in locations(client.get(page))
