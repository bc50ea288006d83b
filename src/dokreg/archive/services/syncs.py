"""Writes of sync coverage: which days and id ranges of a register were walked, and how completely."""

from __future__ import annotations

from datetime import date, datetime

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
