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


# The loop records a heartbeat (dokreg.desk.alerts) at most this often while it works, and while it waits
# between cycles, so `dokreg alerts` can tell a long sync from a dead loop.
BEAT_EVERY = 60.0


class _Beating(Reporter):
    """Passes progress on and beats the heartbeat now and then: a first sync of a big register runs
    for hours, and it is alive all that time."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self.last = 0.0

    def beat(self, **detail) -> None:
        from dokreg.desk.alerts import heartbeat_beat

        self.last = time.monotonic()
        heartbeat_beat(**detail)

    def _maybe(self) -> None:
        if time.monotonic() - self.last >= BEAT_EVERY:
            self.beat(stage="sync")

    def stage(self, name: str, total: int | None = None) -> None:
        self.inner.stage(name, total)
        self._maybe()

    def advance(self, n: int = 1) -> None:
        self.inner.advance(n)
        self._maybe()

    def note(self, message: str) -> None:
        self.inner.note(message)
        self._maybe()


def follow(*, interval: float, once: bool = False, reporter: Reporter | None = None, **kw) -> None:
    beating = _Beating(reporter or Reporter())
    while True:
        started = time.monotonic()
        beating.beat(stage="cycle started")
        follow_cycle(reporter=beating, **kw)
        beating.beat(stage="cycle done")
        if once:
            return
        deadline = started + interval
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 5 * BEAT_EVERY))
            beating.beat(stage="waiting")
