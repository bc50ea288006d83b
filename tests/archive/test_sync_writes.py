"""The sync's PostgreSQL commits skip the disk flush only while the sync runs, on its own connection."""

from __future__ import annotations

import pytest
from django.db import connection

from dokreg.archive.services import sync_writes

pytestmark = pytest.mark.django_db


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_flush_skipped_only_inside_the_sync_and_restored_after_a_failure():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs in WAL mode with synchronous=NORMAL already (settings)")
    before = _synchronous_commit()
    with sync_writes():
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == before
    with pytest.raises(RuntimeError), sync_writes():
        raise RuntimeError("the source went away")
    assert _synchronous_commit() == before
