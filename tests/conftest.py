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
