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
    settings.INDEX_DIR = tmp_path / "data" / "index"
    settings.DOKREG_REQUEST_INTERVAL = 0
    settings.DOKREG_REQUEST_BACKOFF = 0.01  # retries are tested; their waits need not be
    # Tests fire requests faster than any reader; tests/public/test_rate_limits.py sets its own limits.
    settings.DOKREG_PAGE_RATE = "off"
    settings.DOKREG_SEARCH_RATE = "off"


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
