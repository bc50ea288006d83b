"""Results pages and the API at scale: a count past the bound reads "more than N", facets counted over
the newest matches say so, and no kept result or count ever brings back a document taken down."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import index, make_document, make_registry

from dokreg.archive.services import document_take_down, document_withdrawn

pytestmark = pytest.mark.django_db

search = pytest.importorskip("dokreg.search", reason="dokreg.search is not importable yet")


@pytest.fixture
def bounds(monkeypatch):
    from dokreg.search import services

    monkeypatch.setattr(services, "TOTAL_BOUND", 20)
    monkeypatch.setattr(services, "FACET_BOUND", 20)


@pytest.fixture
def archive():
    body = make_registry()
    docs = [
        make_document(
            body,
            reference=f"4-1/{i:03d}",
            title=f"Hankeleping {i}",
            registered=date(2024, 1, 1) + timedelta(days=i),
        )
        for i in range(60)
    ]
    index(*docs)
    return body, docs


def heading(html: str) -> str:
    return HTMLParser(html).css_first("section[aria-labelledby=tulemused] h2").text()


def refs(html: str) -> list[str]:
    return [span.text() for span in HTMLParser(html).css("ol.hits span.ref")]


def test_newest_first_past_the_bound_reads_more_than_and_pages_on(client, bounds, archive):
    first = client.get("/otsi/").content.decode()
    third = client.get("/otsi/?page=3").content.decode()

    assert heading(first) == "Leitud üle 20 dokumendi"
    assert refs(first)[:2] == ["4-1/059", "4-1/058"]
    assert refs(third) == [f"4-1/{i:03d}" for i in range(19, -1, -1)]
    pager = HTMLParser(first).css_first("nav.pager")
    assert pager.css_first("a[rel=next]") is not None
    assert "3" not in [a.text() for a in pager.css("li a")]  # no "last page" is claimed


def test_facets_from_the_newest_matches_say_so(client, bounds, archive):
    html = client.get("/otsi/?q=hankeleping&sort=date").content.decode()

    note = HTMLParser(html).css_first("p.facet-sample")
    assert note is not None and "uusima tulemuse põhjal" in note.text()
    assert heading(html) == "Leitud üle 20 dokumendi"


def test_counts_under_the_bound_stay_exact(client, bounds, archive):
    body, _ = archive
    rare = [make_document(body, title=f"Ehitusluba {i}", registered=date(2024, 2, i)) for i in range(1, 6)]
    index(*rare)
    html = client.get("/otsi/?q=ehitusluba&sort=date").content.decode()

    assert heading(html) == "Leitud 5 dokumenti"
    assert HTMLParser(html).css_first("p.facet-sample") is None


def test_api_says_when_the_total_is_a_lower_bound(client, bounds, archive):
    bounded = client.get("/api/v1/documents?limit=5").json()
    exact = client.get("/api/v1/documents?q=hankeleping&date_to=2024-01-03").json()
    searched = client.get("/api/v1/documents?q=hankeleping&sort=date&limit=5").json()

    assert (bounded["total"], bounded["total_exact"]) == (20, False)
    assert bounded["next_cursor"] and len(bounded["items"]) == 5
    assert (exact["total"], exact["total_exact"]) == (3, True)
    assert searched["total_exact"] is False and searched["next_cursor"]
    assert searched["facet_sample"] >= 20


def test_a_taken_down_document_leaves_a_page_seen_before_at_once(client, bounds, archive):
    _, docs = archive
    newest = docs[-1]
    before = client.get("/otsi/?q=hankeleping&sort=date").content.decode()
    assert newest.reference in refs(before)

    document_take_down(document=newest, reason="isikuandmed")  # the index is not rebuilt yet
    after_search = client.get("/otsi/?q=hankeleping&sort=date").content.decode()
    after_newest = client.get("/otsi/").content.decode()
    api = client.get("/api/v1/documents?q=hankeleping&sort=date").json()

    for html in (after_search, after_newest):
        assert newest.reference not in refs(html)
        assert newest.title not in html
    assert newest.pk not in [item["id"] for item in api["items"]]


def test_a_withdrawal_leaves_the_body_page_counts_at_once(client, archive):
    body, docs = archive
    before = HTMLParser(client.get(f"/asutus/{body.slug}/").content.decode())
    document_withdrawn(document=docs[0])
    after = HTMLParser(client.get(f"/asutus/{body.slug}/").content.decode())

    assert [s.text() for s in before.css("ul.years .count")] == ["(60)"]
    assert [s.text() for s in after.css("ul.years .count")] == ["(59)"]


def test_kept_body_aggregates_drop_a_taken_down_document_at_once(client):
    from dokreg.archive.models import Access, RestrictionBasis

    body = make_registry()
    make_document(body, series="1-1 Kirjavahetus", case_file="1-1/2024 Üldine")
    secret = make_document(
        body, access=Access.AK, series="7-7 Mari Maasika toimik", case_file="7-7/2024 Mari Maasikas"
    )
    RestrictionBasis.objects.create(document=secret, law="KrMS", section="214", text="KrMS § 214")
    first_body = client.get(f"/asutus/{body.slug}/").content.decode()
    first_tree = client.get(f"/asutus/{body.slug}/sarjad/").content.decode()
    assert "KrMS § 214" in first_body and "Mari Maasika" in first_tree  # both now kept

    document_take_down(document=secret, reason="isikuandmed")
    body_page = client.get(f"/asutus/{body.slug}/").content.decode()
    tree_page = client.get(f"/asutus/{body.slug}/sarjad/").content.decode()

    assert "KrMS § 214" not in body_page
    assert "Mari Maasika" not in tree_page and "Kirjavahetus" in tree_page


def test_a_second_body_page_groups_none_of_the_bodys_documents(client, archive):
    # At a million documents one grouped count of a body's 130k documents took 0.12 s a request.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body, _ = archive
    client.get(f"/asutus/{body.slug}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/asutus/{body.slug}/").status_code == 200
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "archive_document" in q["sql"]]
    assert grouped == []


def test_many_clients_rate_limit_counters_do_not_evict_the_kept_body_aggregates(client, archive, settings):
    # The in-process cache drops a third of its entries when full: a crowd of clients, each with its
    # own counter, made every body page compute its aggregates again (up to a second at a million).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DOKREG_PAGE_RATE = "1000/min"
    body, _ = archive
    client.get(f"/asutus/{body.slug}/")
    for n in range(400):
        client.get("/teave/", REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/asutus/{body.slug}/").status_code == 200
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "archive_document" in q["sql"]]
    assert grouped == []


def test_kept_document_types_drop_a_taken_down_documents_type_at_once(client):
    body = make_registry()
    make_document(body, doc_type="Kiri")
    odd = make_document(body, doc_type="Mari Maasika avaldus")
    assert "Mari Maasika avaldus" in client.get(f"/asutus/{body.slug}/").content.decode()  # now kept

    document_take_down(document=odd, reason="isikuandmed")
    page = client.get(f"/asutus/{body.slug}/").content.decode()

    assert "Mari Maasika avaldus" not in page and "Kiri" in page


def test_a_new_document_leaves_the_kept_body_aggregates_until_they_expire(client):
    # A body being synced gains documents all the time: keyed by every change, its page grouped
    # the body's documents again on nearly every request (0.4-0.8 s at a million).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = make_registry()
    make_document(body, series="1-1 Kirjavahetus")
    client.get(f"/asutus/{body.slug}/")
    make_document(body, series="1-1 Kirjavahetus")  # just synced

    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/asutus/{body.slug}/").content.decode()
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "archive_document" in q["sql"]]
    assert grouped == []
    assert "(2)" in page  # the year's count comes from BodyMonth, current at once


def test_a_redaction_starts_the_kept_series_tree_afresh_at_once(client):
    from django.contrib.auth import get_user_model

    from dokreg.review.names import Person
    from dokreg.review.redaction import redaction_apply

    body = make_registry()
    doc = make_document(body, series="7-7 Mari Maasika toimik", title="Mari Maasika avaldus")
    assert "Mari Maasika toimik" in client.get(f"/asutus/{body.slug}/sarjad/").content.decode()  # kept

    operator = get_user_model().objects.create_user("operaator", is_staff=True)
    redaction_apply(document=doc, persons=[Person(given="Mari", surname="Maasikas")], actor=operator)

    tree = client.get(f"/asutus/{body.slug}/sarjad/").content.decode()
    assert "Maasika" not in tree and "M. M." in tree


@pytest.mark.django_db(transaction=True)  # the fresh aggregate is computed on another thread
def test_old_kept_body_aggregates_are_served_while_a_thread_computes_them_afresh(
    client, monkeypatch, settings
):
    # At a million documents every body page paid 0.4-0.8 s once per body every ten minutes.
    import time

    settings.DOKREG_WARM_FIGURES = "background"  # a deployment's default; the tests run inline

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dokreg.reading import kept

    body = make_registry()
    make_document(body, doc_type="Kiri")
    client.get(f"/asutus/{body.slug}/")
    kept.refreshes_wait()  # kept now
    make_document(body, doc_type="Otsus")  # a new type: moves no stamp
    later = time.time() + kept.KEEP_SECONDS + 1
    monkeypatch.setattr(kept.time, "time", lambda: later)

    with CaptureQueriesContext(connection) as queries:
        old = client.get(f"/asutus/{body.slug}/").content.decode()
    assert "type=Otsus" not in old  # the types figure served at once, as kept
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "archive_document" in q["sql"]]
    assert grouped == []

    kept.refreshes_wait()
    assert "type=Otsus" in client.get(f"/asutus/{body.slug}/").content.decode()


def test_with_figures_inline_an_old_aggregate_is_served_then_computed_afresh_in_the_same_thread(
    client, monkeypatch
):
    # DOKREG_WARM_FIGURES=inline runs nothing on another thread (the tests' setting): the reader still
    # gets what was kept, and the next reader the fresh figure without waiting for any thread.
    import time

    from dokreg.reading import kept

    body = make_registry()
    make_document(body, doc_type="Kiri")
    client.get(f"/asutus/{body.slug}/")
    make_document(body, doc_type="Otsus")
    later = time.time() + kept.KEEP_SECONDS + 1
    monkeypatch.setattr(kept.time, "time", lambda: later)
    monkeypatch.setattr(kept, "in_background", lambda key, work: pytest.fail(f"{key} sent to a thread"))

    assert "type=Otsus" not in client.get(f"/asutus/{body.slug}/").content.decode()
    assert "type=Otsus" in client.get(f"/asutus/{body.slug}/").content.decode()


@pytest.mark.django_db(transaction=True)  # the check runs on another thread
def test_an_old_kept_body_aggregate_is_not_computed_again_while_nothing_moved(client, monkeypatch):
    # A web process recomputed every visited body every ten minutes (0.9 s each at a million
    # documents) although nothing had changed; an edit that moves no count shows within the hour.
    import time

    from dokreg.archive.models import Document
    from dokreg.reading import body as body_stats
    from dokreg.reading import kept

    body = make_registry()
    doc = make_document(body, doc_type="Kiri")
    client.get(f"/asutus/{body.slug}/")  # kept now
    computed = []
    real = body_stats.document_types
    monkeypatch.setattr(body_stats, "document_types", lambda *a, **k: (computed.append(1), real(*a, **k))[1])
    Document.objects.filter(pk=doc.pk).update(doc_type="Otsus")  # an edit that moves no count

    def page_after(seconds: float) -> str:
        now = time.time() + seconds
        monkeypatch.setattr(kept.time, "time", lambda: now)
        page = client.get(f"/asutus/{body.slug}/").content.decode()
        kept.refreshes_wait()
        return page

    assert "type=Kiri" in page_after(kept.KEEP_SECONDS + 1)
    assert computed == []  # checked, not computed: nothing moved into or out of the body's months
    assert "type=Kiri" in page_after(2 * kept.KEEP_SECONDS + 2)  # noted good again: still not computed
    assert computed == []
    page_after(kept.UNMOVED_SECONDS + kept.KEEP_SECONDS)  # served as kept while computed afresh
    assert computed and "type=Otsus" in page_after(kept.UNMOVED_SECONDS + kept.KEEP_SECONDS + 1)


@pytest.mark.django_db
def test_an_aggregate_kept_before_moves_were_read_is_served_as_kept():
    # Entries kept by the release before (value, time) stay readable after an upgrade.
    import time

    from django.core.cache import caches

    from dokreg.reading import kept

    caches["kept"].set("dokreg:test:old-entry", ("kept before", time.time()), 60)
    assert kept.kept("dokreg:test:old-entry", lambda: "computed") == "kept before"


def test_lists_without_words_read_no_document_from_the_index_store(client, bounds, archive, monkeypatch):
    """One body's list is a walk down the database's index: the search index gives its count and
    facets only. A list the search index writes (a type chosen) takes its page's ids from a fast
    field. Neither reads a stored document to quote it: without words there is nothing to quote."""
    from dokreg.search import services

    body, _ = archive
    read = []
    hit = services._hit
    monkeypatch.setattr(services, "_hit", lambda *args: read.append(args) or hit(*args))
    html = client.get(f"/otsi/?registry={body.slug}&page=2").content.decode()
    by_type = client.get("/otsi/?type=Sissetulev+kiri&page=2").content.decode()

    assert read == []
    assert heading(html) == "Leitud üle 40 dokumendi"  # the bound, or the page's end when further
    assert refs(html) == [f"4-1/{i:03d}" for i in range(39, 19, -1)]
    assert refs(by_type) == refs(html)
    assert HTMLParser(html).css_first("nav.facets") is not None
    assert HTMLParser(by_type).css_first("p.snippet") is None
    client.get("/otsi/?q=hankeleping")  # words: quoted from the stored text
    assert len(read) == 20
