"""A real archive behind a real server for the browser tests, built once per module.

Syncing, extracting and indexing a corpus takes seconds, so it is done once and shared: the archive's
rows are committed before the tests' own transactions begin (the tests are `django_db`, so pytest-django
sets the test database up and rolls back whatever a test writes), and at the end the database is put
back as the migrations left it, for the tests that come after. pytest-django's live server thread
serves the archive over loopback. Every test gets its own page in one headless Debian Chromium.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test import override_settings

from dokreg.pipeline.sync import registry_sync
from dokreg.registries.models import Registry
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

CHROMIUM = Path("/usr/bin/chromium")
# Everything that would make Chromium talk to anything but our loopback server is off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DAY = date(2025, 12, 1)

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # the test extra is not installed: the tests skip below
    sync_playwright = None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests skip, with the reason, where Chromium cannot be driven."""
    reason = _missing()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=reason))


def _missing() -> str:
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (bash scripts/install-browser-deps.sh)"
    return ""


@dataclass(frozen=True)
class Archive:
    url: str  # the live server, e.g. http://127.0.0.1:41234
    corpus: Corpus
    registries: tuple[Registry, ...]
    dirs: dict[str, Path]


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Archive]:
    from pytest_django.live_server_helper import LiveServer

    root = tmp_path_factory.mktemp("browser-archive")
    dirs = {"DATA_DIR": root, "FILE_STORE_DIR": root / "files", "INDEX_DIR": root / "index"}
    corpus = Corpus(CorpusConfig(bodies=2, days=1, start=DAY, docs_per_day=12, big_day_every=0, seed=11))
    with django_db_blocker.unblock(), override_settings(**dirs, DOKREG_REQUEST_INTERVAL=0):
        # What the migrations put in (the register catalogue), to be put back for the tests after these.
        before = connection.creation.serialize_db_to_string()
        try:
            with SimulatorServer(corpus) as simulator:
                registries = tuple(_sync(body.slug, simulator.base_url(body.slug)) for body in corpus.bodies)
            server = LiveServer("127.0.0.1")
            server._live_server_modified_settings.enable()
            try:
                yield Archive(url=server.url, corpus=corpus, registries=registries, dirs=dirs)
            finally:
                server._live_server_modified_settings.disable()
                server.stop()
                _end_server_sessions()
        finally:
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
            _restore(before)
            shutil.rmtree(root, ignore_errors=True)


def _end_server_sessions() -> None:
    """On PostgreSQL a request thread of the live server leaves an idle session behind (its last
    statement a ROLLBACK), which would keep pytest-django from dropping the test database."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _restore(serialized: str) -> None:
    connection.creation.deserialize_db_from_string(serialized)
    # The rows came back with their ids: sequences (PostgreSQL) must move past them, as loaddata does.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


def _sync(slug: str, base_url: str) -> Registry:
    registry = registry_save(slug=slug, family="adr", base_url=base_url, name="")
    report = registry_sync(registry=registry, since=DAY, until=DAY, isolate=False)
    assert report.new and not report.failed, report
    registry.refresh_from_db()
    return registry


@pytest.fixture(autouse=True)
def _archive_dirs(request, _data_dir, settings) -> None:
    """Point this test's settings (which tests/conftest.py sets to empty folders) back at the archive's."""
    if "archive" in request.fixturenames:
        archive: Archive = request.getfixturevalue("archive")
        for name, path in archive.dirs.items():
            setattr(settings, name, path)


@pytest.fixture(scope="module")
def browser(archive: Archive) -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop on this thread, and Django refuses ORM calls where a
    # loop runs. The tests' ORM calls are plain synchronous ones between browser steps, so allow them.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _reconnect_if_ended() -> None:
    """An earlier module's archive ends the live server's sessions on PostgreSQL (see
    _end_server_sessions); a session of this thread caught by it is replaced rather than failing the
    next test with "terminating connection due to administrator command"."""
    if connection.connection is not None and not connection.is_usable():
        connection.close()


@pytest.fixture
def page(browser: Browser, archive: Archive) -> Iterator[Page]:
    _reconnect_if_ended()
    context = browser.new_context(
        base_url=archive.url, locale="et-EE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    # Only loopback: anything else the page asks for is refused, and the test would see it fail.
    context.route(lambda url: not url.startswith(archive.url), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()
