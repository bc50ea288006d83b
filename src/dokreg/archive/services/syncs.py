"""Writes of sync coverage: which days and id ranges of a register were walked, and how completely."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from dokreg.archive.models import SyncDay, SyncRange
from dokreg.registries.models import Registry


def sync_day_failed(*, registry: Registry, day: date, checked_at: datetime, problem: str) -> None:
    """The day's listing failed: the day stays incomplete and says why."""
    SyncDay.objects.update_or_create(
        registry=registry,
        day=day,
        defaults={"complete": False, "checked_at": checked_at, "problems": [problem]},
    )


def sync_day_record(
    *,
    registry: Registry,
    day: date,
    complete: bool,
    reported_total: int,
    listed: int,
    fetched: int,
    slices: list,
    problems: list,
    checked_at: datetime,
) -> None:
    SyncDay.objects.update_or_create(
        registry=registry,
        day=day,
        defaults={
            "complete": complete,
            "reported_total": reported_total,
            "listed": listed,
            "fetched": fetched,
            "slices": slices,
            "problems": problems,
            "checked_at": checked_at,
        },
    )


def sync_range_record(
    *, registry: Registry, first: int, last: int, found: int, missing: int, failed: int
) -> None:
    SyncRange.objects.update_or_create(
        registry=registry,
        first=first,
        last=last,
        defaults={
            "found": found,
            "missing": missing,
            "failed": failed,
            "complete": not failed,
            "checked_at": timezone.now(),
        },
    )


@contextmanager
def sync_writes() -> Iterator[None]:
    """The sync's many small transactions without a disk flush each, on PostgreSQL.

    Why: a sync commits once a document, and PostgreSQL's default waits for the WAL to reach the disk
    at every commit; on this kind of machine that flush, not the statements, made a PostgreSQL sync
    twice as slow as SQLite's. ``synchronous_commit = off`` is the guarantee SQLite gives in WAL mode
    with ``synchronous=NORMAL`` (our setting): a crash of the *machine* may lose the last fraction of a
    second of commits, never consistency. A sync is idempotent, so the next run fetches those again.
    Only this connection, only while the sync runs; SQLite is left as it is.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
