"""Shared fixtures. Real data from ../shared/data is read through `shared_data` only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("DOKREG_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real recorded data beside the project; tests using it skip cleanly when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir(shared_data: Path) -> Path:
    return shared_data / "ee-dokumendiregistrid-fixtures" / "fixtures"


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, settings):
    """Every test gets its own file store and search index."""
    settings.DATA_DIR = tmp_path / "data"
    settings.FILE_STORE_DIR = tmp_path / "data" / "files"
    settings.FILE_STORE_URL = ""  # the local store unless a test asks for s3_file_store
    settings.INDEX_DIR = tmp_path / "data" / "index"
    settings.DOKREG_REQUEST_INTERVAL = 0
    settings.DOKREG_REQUEST_BACKOFF = 0.01  # retries are tested; their waits need not be
    # Tests fire requests faster than any reader; tests/public/test_rate_limits.py sets its own limits.
    settings.DOKREG_PAGE_RATE = "off"
    settings.DOKREG_SEARCH_RATE = "off"


@pytest.fixture(scope="session", autouse=True)
def _figures_warmed_inline():
    """A body's figures are computed in the test's own thread, not on a background one that outlives
    it: set for the session, before fixtures of a wider scope than a test sync anything (the browser
    tests' archive). A background warm there read the shared in-memory SQLite database while the
    fixture wrote its next body: "database table is locked"."""
    from django.conf import settings

    settings.DOKREG_WARM_FIGURES = "inline"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test rolls its database back, and the next one gets the same row ids again: what was kept
    under a body's stamp (``reading.kept``) in one test must not be served in the next."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    for cache in caches.all():
        # The kept store in the database (the default) is rolled back or flushed with the rest.
        if not isinstance(cache, DatabaseCache):
            cache.clear()


@pytest.fixture(autouse=True)
def _fresh_extraction_sandbox():
    """The extraction child is forked once and reused; a test that patches code needs one forked after it."""
    from dokreg.extract.runner import sandbox_reset

    sandbox_reset()
    yield
    sandbox_reset()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django sends to it through its SMTP backend.

    Yields the list of received messages (``email.message.EmailMessage``), newest last.
    """
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # aiosmtpd's start-up self-check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from dokreg.conf.email import email_settings

        for name, value in email_settings(f"smtp+plain://127.0.0.1:{port}").items():
            setattr(settings, name, value)
        yield received
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS) on loopback for the whole session; see tests/objectstore_server."""
    from tests.objectstore_server import s3_server_start

    server = s3_server_start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3_file_store(s3_server, settings, monkeypatch):
    """This test's files in a folder of its own on the S3 server (DOKREG_FILE_STORE=s3://…); its key prefix."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    prefix = s3_server.place() + "files/"
    settings.FILE_STORE_URL = s3_server.url(prefix)
    return prefix
