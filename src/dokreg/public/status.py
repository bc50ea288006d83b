"""Freshness per register for everyone, and the operator's detail behind it for staff.

The public view is ``registry_status()`` plus the pause reason and the lag; it never lists problems
one by one, because a problem's subject (a URL, a title) can name a document the archive hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dokreg.archive.models import Problem, SyncDay
from dokreg.archive.selectors import RegistryStatus, registry_status
from dokreg.registries.models import Registry

PROBLEMS_SHOWN = 500
DAYS_SHOWN = 500
# A register's last error may quote the URL it failed on; the public sees only the host.
URL = re.compile(r"\b(https?://[^/\s]+)/\S*")


@dataclass(frozen=True)
class StatusRow:
    status: RegistryStatus
    paused_reason: str
    lag_days: int | None
    last_error: str

    @property
    def paused(self) -> bool:
        return self.status.state == Registry.State.PAUSED


def status_rows(*, today: date, slug: str | None = None) -> list[StatusRow]:
    """One row per covered register (or the one named), for the public status page."""
    statuses = sorted(registry_status(slug=slug), key=lambda s: s.name)
    reasons = dict(
        Registry.objects.filter(slug__in=[s.slug for s in statuses]).values_list("slug", "state_reason")
    )
    return [
        StatusRow(
            status=s,
            paused_reason=public_text(reasons.get(s.slug, "")) if s.state == Registry.State.PAUSED else "",
            lag_days=(today - s.newest).days if s.newest else None,
            last_error=public_text(s.last_error),
        )
        for s in statuses
    ]


def public_text(message: str) -> str:
    """An operator message with URLs cut to their host: a path can carry a hidden document's id."""
    return URL.sub(r"\1/…", message or "")


@dataclass(frozen=True)
class StatusDetail:
    row: StatusRow
    last_error_full: str
    problems: list[Problem]
    incomplete_days: list[SyncDay]


def status_detail(slug: str, *, today: date) -> StatusDetail | None:
    """Open problems and incomplete days of one register, for staff only."""
    registry = Registry.objects.filter(slug=slug).first()
    if registry is None:
        return None
    rows = status_rows(today=today, slug=slug)
    if not rows:
        return None
    problems = Problem.objects.filter(registry=registry, resolved_at__isnull=True).order_by("-seen_at", "-id")
    days = SyncDay.objects.filter(registry=registry, complete=False).order_by("-day")
    return StatusDetail(
        row=rows[0],
        last_error_full=registry.last_error,
        problems=list(problems[:PROBLEMS_SHOWN]),
        incomplete_days=list(days[:DAYS_SHOWN]),
    )
