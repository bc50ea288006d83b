"""A body's figures (restriction bases, types, lag, series tree, sitemap sizes) are computed ahead of
readers after a hiding, kept in the database for every process, and never served past a hiding."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Access, KeptEntry, RestrictionBasis
from dokreg.archive.services import document_take_down
from dokreg.reading import figures
from dokreg.reading.kept import refreshes_wait
from dokreg.threads import process_pool


def body_with_a_secret():
    body = make_registry()
    make_document(body, doc_type="Kiri", series="1-1 Kirjavahetus")
    make_document(body, doc_type="Kiri", series="1-1 Kirjavahetus", registered=date(2023, 5, 2))
    secret = make_document(
        body, doc_type="Mari Maasika avaldus", access=Access.AK, series="7-7 Mari Maasika toimik"
    )
    RestrictionBasis.objects.create(document=secret, law="KrMS", section="214", text="KrMS § 214")
    return body, secret


def pages_read(client, body) -> tuple[str, list[str]]:
    """The body page, its series tree and the sitemap index as a reader gets them, and the queries
    that grouped or scanned the body's documents for them."""
    with CaptureQueriesContext(connection) as queries:
        text = "".join(
            client.get(path).content.decode()
            for path in (f"/asutus/{body.slug}/", f"/asutus/{body.slug}/sarjad/", "/sitemap.xml")
        )
    scans = [
        q["sql"]
        for q in queries
        if "archive_document" in q["sql"]
        and ("GROUP BY" in q["sql"] or "COUNT(" in q["sql"] or "MAX(" in q["sql"])
    ]
    return text, scans


@pytest.mark.django_db
def test_a_takedown_computes_the_bodys_figures_before_any_reader_asks(
    client, django_capture_on_commit_callbacks
):
    # At a million documents the first reader after a hiding waited 0.7-3.7 s for the body page.
    body, secret = body_with_a_secret()
    text, _ = pages_read(client, body)
    assert "Mari Maasika avaldus" in text and "KrMS § 214" in text  # kept now, under the old stamp

    with django_capture_on_commit_callbacks(execute=True):
        document_take_down(document=secret, reason="isikuandmed")

    text, scans = pages_read(client, body)
    assert scans == []
    assert "Mari Maasika" not in text and "KrMS § 214" not in text
    assert "Kirjavahetus" in text and f"sitemap-{body.slug}-2023.xml" in text


@pytest.mark.django_db
def test_figures_one_process_computed_serve_the_next_from_the_database(client):
    # A web process started after a worker warmed the body reads them, as another host would.
    body, _ = body_with_a_secret()
    figures.figures_warm(body.pk)
    assert KeptEntry.objects.filter(cache_key__contains=f":body:{body.pk}:{body.slug}:").count() >= 6

    text, scans = pages_read(client, body)
    assert scans == []
    assert "Mari Maasika avaldus" in text  # nothing of it hidden: its type is a figure like any other


@pytest.mark.django_db
def test_a_body_not_covered_is_not_warmed():
    body = make_registry(state="not_covered")
    make_document(body)
    figures.figures_warm(body.pk)
    figures.figures_warm(987654)  # a body deleted meanwhile
    assert not KeptEntry.objects.exists()


@pytest.mark.django_db(transaction=True)  # stored on the process's background thread, which sees commits only
def test_a_reader_who_computes_the_figures_leaves_storing_them_to_the_background(client, settings):
    # A store writes: on SQLite it waited for the write lock (up to 30 s behind a long operator
    # transaction) in the reader's request, and the database cache counts its table before each.
    settings.DOKREG_WARM_FIGURES = "background"
    body, _ = body_with_a_secret()
    with CaptureQueriesContext(connection) as queries:
        text, scans = pages_read(client, body)
    assert scans and "Mari Maasika avaldus" in text  # computed by the reader: nothing was kept
    assert not [q for q in queries if "dokreg_kept" in q["sql"] and not q["sql"].startswith("SELECT")]

    refreshes_wait()
    assert KeptEntry.objects.filter(cache_key__contains=f":body:{body.pk}:{body.slug}:").exists()
    again, scans = pages_read(client, body)
    assert scans == [] and "Mari Maasika avaldus" in again and "KrMS § 214" in again


@pytest.mark.django_db(transaction=True)  # warmed on the process's background thread, which sees commits only
def test_many_hidings_while_a_warm_waits_are_warmed_once(client, settings, monkeypatch):
    settings.DOKREG_WARM_FIGURES = "background"
    body, _ = body_with_a_secret()
    others = [make_document(body, doc_type=f"Liik {n}") for n in range(3)]
    client.get(f"/asutus/{body.slug}/")
    # The reader's figures are stored on that thread: done before the hidings write (the test
    # database is SQLite in memory, where a write meanwhile finds the table locked at once).
    refreshes_wait()
    warmed = []
    real = figures.figures_warm
    monkeypatch.setattr(
        figures, "figures_warm", lambda registry_id: (warmed.append(registry_id), real(registry_id))
    )

    busy = threading.Event()
    process_pool("kept", 1).submit(busy.wait, 30)  # the thread is busy while the hidings come in
    for document in others:
        document_take_down(document=document, reason="isikuandmed")
    busy.set()
    refreshes_wait()

    assert warmed == [body.pk]
    text, scans = pages_read(client, body)
    assert scans == []
    assert not any(f"Liik {n}" in text for n in range(3))


@pytest.mark.django_db
def test_a_sitemap_page_for_a_long_host_name_is_kept(client, settings):
    # The kept store's key column holds 255 characters; the page's key holds the site's address.
    settings.ALLOWED_HOSTS = ["*"]
    body, _ = body_with_a_secret()
    hosts = [("x" * 63 + ".") * 3 + end for end in ("ee", "eu")]
    for host in hosts:
        built = client.get(f"/sitemap-{body.slug}-2023.xml", HTTP_HOST=host)
        with CaptureQueriesContext(connection) as queries:
            kept = client.get(f"/sitemap-{body.slug}-2023.xml", HTTP_HOST=host)
        assert kept.status_code == built.status_code == 200
        assert kept.content == built.content and f"http://{host}/dokument/" in kept.content.decode()
        assert not [q for q in queries if "archive_document" in q["sql"]]
    assert all(len(key) <= 255 for key in KeptEntry.objects.values_list("cache_key", flat=True))


@pytest.mark.django_db
def test_a_body_page_reads_its_bodys_state_once(client):
    # Each kept figure read the body's stamp again: three queries over its month rows a page.
    body, _ = body_with_a_secret()
    client.get(f"/asutus/{body.slug}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/asutus/{body.slug}/").status_code == 200
    stamps = [q["sql"] for q in queries if "bodymonth" in q["sql"] and '"removed"' in q["sql"]]
    assert len(stamps) == 1


@pytest.mark.django_db
def test_a_takedown_rebuilds_the_bodys_sitemap_pages_for_the_public_address(
    client, settings, django_capture_on_commit_callbacks
):
    # A crawler's first request for each page built it: 0.1-0.3 s a page at a million documents.
    settings.DOKREG_PUBLIC_BASE_URL = "http://testserver"
    body, secret = body_with_a_secret()
    page = f"/sitemap-{body.slug}-2024.xml"
    assert f"/dokument/{secret.pk}/" in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        document_take_down(document=secret, reason="isikuandmed")

    with CaptureQueriesContext(connection) as queries:
        text = client.get(page).content.decode()
    assert not [q["sql"] for q in queries if "archive_document" in q["sql"]]
    assert f"/dokument/{secret.pk}/" not in text and "http://testserver/dokument/" in text
    other_host = client.get(page, HTTP_HOST="localhost").content.decode()  # built for its own address
    assert "http://localhost/dokument/" in other_host and f"/dokument/{secret.pk}/" not in other_host


@pytest.mark.django_db
def test_what_was_kept_under_a_bodys_older_state_is_deleted_once_the_new_one_is_warmed(
    client, settings, django_capture_on_commit_callbacks
):
    # Nothing reads it again, and the database cache deletes expired rows only past its bound.
    from dokreg.reading.kept import body_stamp
    from dokreg.reading.registries import body as body_view

    settings.DOKREG_PUBLIC_BASE_URL = "http://testserver"
    body, secret = body_with_a_secret()
    other, _ = body_with_a_secret()
    figures.figures_warm(body.pk)
    figures.figures_warm(other.pk)
    old = body_stamp(body_view(body.slug))
    others_kept = set(
        KeptEntry.objects.filter(cache_key__contains=f":body:{other.pk}:").values_list("cache_key")
    )

    with django_capture_on_commit_callbacks(execute=True):
        document_take_down(document=secret, reason="isikuandmed")

    new = body_stamp(body_view(body.slug))
    kept = list(
        KeptEntry.objects.filter(cache_key__contains=f":body:{body.pk}:").values_list("cache_key", flat=True)
    )
    assert kept and all(f":{new}:" in key for key in kept) and old != new
    assert any("sitemap-page-" in key for key in kept)
    assert (
        set(KeptEntry.objects.filter(cache_key__contains=f":body:{other.pk}:").values_list("cache_key"))
        == others_kept
    )
