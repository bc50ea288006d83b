"""The hostile register (simulator/hostile.py) synced for real: listed, fetched, parsed, its files downloaded
and extracted, indexed, over loopback HTTP. Then every public route and API endpoint (the route walker's
own walk), the exports (CLI and HTTP), the feeds and the sitemaps: no valid personal code in any spelling,
no 500, none of the register's markup unescaped; a search for any code finds nothing."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import unquote

import pytest
from tests.leaks.test_route_walker import api_parameter_values, assert_nothing_leaks, parameter_values
from tests.leaks.walker import read, walk, walk_urls

from dokreg.archive.models import Access, Document, File, Matter, Problem
from dokreg.archive.selectors import publishable_files
from dokreg.cli import main
from dokreg.pipeline.sync import registry_sync, registry_sync_ids
from dokreg.privacy.personal_codes import contains_personal_code, find_personal_codes
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.cli import SITES
from dokreg.simulator.faults import Faults
from dokreg.simulator.hostile import HOSTILE_BODY, MARKUP, all_spellings, hostile_codes, spellings

pytestmark = pytest.mark.django_db(transaction=True)

START = date(2024, 2, 28)  # a leap day inside: the walker's year/month values are 2024 and 2
CONFIG = CorpusConfig(
    bodies=(HOSTILE_BODY,),
    days=2,
    start=START,
    docs_per_day=8,
    big_day_every=0,
    ak_share=0.3,
    relation_share=0.5,
    files="mix",
    # Every kind the extractors read without OCR (scans are OCR's, and slow); all carry the codes in text.
    file_mix=(("asice", 1), ("pdf", 1), ("docx", 1), ("eml", 1), ("ddoc", 1), ("zip", 1)),
    seed=11,
    hostile=True,
)


def test_the_hostile_corpus_carries_every_spelling_of_valid_codes_everywhere():
    corpus = Corpus(CONFIG)
    codes = set(hostile_codes(CONFIG.seed))
    for code in codes:
        for spelled in spellings(code):
            assert find_personal_codes(spelled) == [code], repr(spelled)
    docs = corpus.documents(HOSTILE_BODY.slug)
    assert {d.access for d in docs} == {"Avalik", "AK"}
    for doc in docs:
        for field in ("title", "correspondent", "responsible", "doc_type", "series", "function", "reference"):
            assert contains_personal_code(getattr(doc, field)), field
        assert all(contains_personal_code(f.name) and MARKUP[:8] in f.name for f in doc.files)
    assert contains_personal_code(corpus.bodies[0].name)


def _sync(family: str):
    corpus = Corpus(CONFIG)
    slug = HOSTILE_BODY.slug
    site = SITES[family](corpus, slug=slug) if SITES[family] else None
    with SimulatorServer(corpus, site=site) as server:
        registry = registry_save(slug=slug, family=family, base_url=server.base_url(slug))
        if site is not None and hasattr(site, "ids"):  # walked by sequential id, as the real ones are
            ids = site.ids.public_ids()
            report = registry_sync_ids(registry=registry, first=ids[0], last=ids[-1], isolate=False)
        else:
            report = registry_sync(registry=registry, since=START, until=date(2024, 2, 29), isolate=False)
    return corpus, registry, report


@pytest.fixture
def synced():
    return _sync("adr")


@pytest.fixture(params=sorted(SITES))
def synced_family(request):
    return _sync(request.param)


def _archive(registry):
    docs = Document.objects.filter(registry=registry)
    public = docs.filter(access=Access.PUBLIC, files__extract_state=File.Extract.OK).distinct().order_by("pk")
    ak = docs.filter(access=Access.AK).order_by("pk")
    matter = Matter.objects.filter(registry=registry, documents__access=Access.PUBLIC).order_by("pk").first()
    # No removal requests here (the walker's own archive has them); their routes get an unknown token.
    return {"body": registry, "matter": matter, "docs": [public[0], ak[0], public[1]], "requests": []}


def test_a_synced_hostile_register_leaks_nothing_anywhere(client, synced_family, tmp_path):
    corpus, registry, report = synced_family
    stored = Document.objects.filter(registry=registry)
    # The register was really read: every document, files extracted (their text holds the codes).
    assert stored.count() == len(corpus.documents(HOSTILE_BODY.slug)), report.summary()
    assert not report.failed, report.summary()
    extracted = File.objects.filter(document__registry=registry, extract_state=File.Extract.OK)
    assert extracted.filter(parent=None).count() >= 8
    assert any(contains_personal_code(f.text) for f in extracted)  # stored as sent; the boundary masks it
    assert any(contains_personal_code(d.title) for d in stored)

    archive = _archive(registry)
    values = parameter_values(archive)
    values["key"] = sorted({d.series.split(" ", 1)[0] for d in stored})[:3]
    values["name"] = [f"{f.pk}/{f.name}" for d in archive["docs"] for f in d.files.all()]
    extra = [
        "/otsi/?q=leping",
        "/otsi/?q=taotlus&sort=date",
        "/otsi/atom/?q=leping",
        # No words but filters the database cannot walk in order: the list comes from the index.
        f"/otsi/?registry={registry.slug}&access=public&access=ak",
        "/api/v1/documents?q=leping",
        # No words, with filters: counted by the index, listed by the database.
        f"/api/v1/documents?registry={registry.slug}&access=public&access=ak",
        f"/api/v1/export/{registry.slug}.ndjson",
        f"/api/v1/export/{registry.slug}.csv",
        f"/asutus/{registry.slug}/atom/",
        "/sitemap.xml",
        f"/sitemap-{registry.slug}-2024.xml",
        "/api/v1/changes",
    ]
    walked = walk(
        client,
        values=values,
        api_values=api_parameter_values(archive),
        extra=extra,
        check=assert_nothing_leaks,
    )
    assert len(walked) > 40
    from dokreg.archive.selectors import awaiting_index

    assert not awaiting_index(Document.objects.all())  # so the no-words list above came from the index
    from_index = client.get(f"/otsi/?registry={registry.slug}&access=public&access=ak").content.decode()
    assert from_index.count('<span class="ref">') >= 5  # the walk above read a real list
    page = client.get(f"/dokument/{archive['docs'][0].pk}/").content.decode()
    assert "[isikukood]" in page and "&lt;script&gt;" in page  # the values arrived, masked and escaped
    assert any(u.startswith("/fail/") for u in walked)

    # Every file the publication rule lets through, nested ones included: never a 500, no code in a header
    # (a download name is the register's file name).
    for file in publishable_files().filter(document__registry=registry):
        response = client.get(f"/fail/{file.pk}/{file.name}")
        assert response.status_code < 500
        assert not contains_personal_code(" ".join(f"{k}: {v}" for k, v in response.items()))

    exported = tmp_path / "export.ndjson"
    with pytest.raises(SystemExit) as exited:
        main(["export", "--registry", registry.slug, "--output", str(exported)])
    assert exited.value.code == 0
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == stored.count()
    assert_nothing_leaks("dokreg export", 200, "application/x-ndjson", exported.read_text(encoding="utf-8"))


def test_a_search_for_any_spelling_of_the_codes_finds_nothing(client, synced, settings):
    settings.DOKREG_API_RATE = "off"  # a hundred searches in a few seconds, as no reader makes them
    for spelled in all_spellings(CONFIG.seed):
        page = client.get("/otsi/", {"q": spelled})
        assert page.status_code in (200, 400), repr(spelled)
        assert not contains_personal_code(page.content.decode()), repr(spelled)
        api = client.get("/api/v1/documents", {"q": spelled})
        assert api.status_code == 400 or api.json()["total"] == 0, repr(spelled)
        assert_nothing_leaks("/otsi/atom/", *read(client, f"/otsi/atom/?q={spelled}"))


def test_the_registers_failures_show_no_code_on_the_status_pages(client, settings):
    """Failed fetches are recorded with the register's own URLs and file names (codes in them, percent-encoded);
    the public status pages and the API show the register's health without them."""
    settings.DOKREG_REQUEST_RETRIES = 0  # every injected 500 sticks: problems, a last error, failed rows
    corpus = Corpus(CONFIG)
    slug = HOSTILE_BODY.slug
    with SimulatorServer(corpus, faults=Faults(seed=2, error_500=0.3)) as server:
        registry = registry_save(slug=slug, family="adr", base_url=server.base_url(slug))
        report = registry_sync(registry=registry, since=START, until=date(2024, 2, 29), isolate=False)
    assert report.failed or report.incomplete_days
    problems = Problem.objects.filter(registry=registry)
    assert any(contains_personal_code(unquote(p.subject + p.message)) for p in problems)
    walked = walk_urls(
        client,
        ["/olek/", f"/olek/{slug}/", "/api/v1/registries", f"/api/v1/registries/{slug}", "/"],
        assert_nothing_leaks,
    )
    assert f"/olek/{slug}/" in walked
