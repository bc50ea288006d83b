"""`dokreg sync --follow`: keep every covered register current, cycle after cycle.

Each cycle, for each active register: list the recent days again (registers add late
registrations to past days) or, for sequential-id sources, walk the ids after the highest one
stored; then re-visit the documents that are due (see ``pipeline.revisit``).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.utils import timezone

from dokreg.archive.models import SyncDay
from dokreg.errors import DokregError
from dokreg.pipeline.progress import Reporter
from dokreg.pipeline.sync import (
    SyncReport,
    registry_connector,
    registry_revisit,
    registry_sync,
    registry_sync_frontier,
)
from dokreg.registries.models import Registry

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 3  # days re-listed behind the newest complete one: late registrations land there
FIRST_DAYS = 7  # how far back a register with no complete day starts


def follow_cycle(
    *,
    reporter: Reporter | None = None,
    revisit_limit: int = 500,
    isolate: bool = True,
    only: str | None = None,
) -> dict[str, SyncReport]:
    reporter = reporter or Reporter()
    reports: dict[str, SyncReport] = {}
    registries = Registry.objects.filter(state=Registry.State.ACTIVE).exclude(family=Registry.Family.OTHER)
    if only:
        registries = registries.filter(slug=only)
    for registry in registries.order_by("slug"):
        try:
            connector = registry_connector(registry)
        except DokregError as error:
            reporter.note(f"{registry.slug}: skipped ({error.message})")
            continue
        if connector.sequential_ids:
            report = registry_sync_frontier(
                registry=registry, connector=connector, reporter=reporter, isolate=isolate
            )
        else:
            since, until = follow_window(registry)
            report = registry_sync(
                registry=registry,
                since=since,
                until=until,
                connector=connector,
                reporter=reporter,
                isolate=isolate,
            )
        if not report.paused:
            revisit = registry_revisit(
                registry=registry,
                limit=revisit_limit,
                connector=connector,
                reporter=reporter,
                isolate=isolate,
            )
            report.revisited = revisit.revisited
            report.changed += revisit.changed
            report.withdrawn += revisit.withdrawn
        reports[registry.slug] = report
        reporter.note(f"{registry.slug}: {report.summary()}")
    return reports


def follow_window(registry: Registry):
    today = timezone.localdate()
    newest_complete = (
        SyncDay.objects.filter(registry=registry, complete=True)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    since = (
        (newest_complete - timedelta(days=LOOKBACK_DAYS))
        if newest_complete
        else today - timedelta(days=FIRST_DAYS)
    )
    return since, today


def follow(*, interval: float, once: bool = False, reporter: Reporter | None = None, **kw) -> None:
    while True:
        started = time.monotonic()
        follow_cycle(reporter=reporter, **kw)
        if once:
            return
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
