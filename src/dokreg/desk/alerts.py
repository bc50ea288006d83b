"""Operator alerts: the daily digest (`dokreg digest`) and the follow loop's heartbeat (`dokreg alerts`).

The follow loop beats (``heartbeat_beat``) after each register and while it waits between cycles; a
timer runs ``heartbeat_check`` every few minutes, which mails the operators once when the last beat is
older than ``DOKREG_HEARTBEAT_STALE_MINUTES`` (30) and not again until the loop has beaten anew.
The digest covers what happened since the previous digest (or the last 24 hours).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from dokreg.archive.models import DocumentVersion, Problem
from dokreg.desk import mails
from dokreg.desk.models import AlertState, RemovalRequest
from dokreg.pipeline.queue import failed_by_task
from dokreg.registries.models import Registry
from dokreg.review.bases import is_personal_data

FOLLOW = "follow-heartbeat"
FOLLOW_ALERTED = "follow-heartbeat-alerted"
DIGEST = "digest"
# A task running this long, or ready this long without a worker taking it, counts as stalled.
STALLED_AFTER = timedelta(hours=1)


def stale_after() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "DOKREG_HEARTBEAT_STALE_MINUTES", 30)))


def heartbeat_beat(*, name: str = FOLLOW, now: datetime | None = None, **detail) -> None:
    AlertState.objects.update_or_create(name=name, defaults={"at": now or timezone.now(), "detail": detail})


@dataclass(frozen=True)
class HeartbeatResult:
    last_beat: datetime | None
    stale: bool
    mailed: bool
    message: str


def heartbeat_check(*, now: datetime | None = None) -> HeartbeatResult:
    """Mail the operators once per stale period when the follow loop has stopped beating."""
    now = now or timezone.now()
    beat = AlertState.objects.filter(name=FOLLOW).first()
    if beat is None or beat.at is None:
        return HeartbeatResult(None, False, False, "the follow loop has never run here: nothing to check")
    age = now - beat.at
    if age <= stale_after():
        return HeartbeatResult(beat.at, False, False, f"the follow loop beat {_minutes(age)} minutes ago")
    alerted = AlertState.objects.filter(name=FOLLOW_ALERTED).first()
    if alerted is not None and alerted.at == beat.at:
        return HeartbeatResult(
            beat.at, True, False, f"stale for {_minutes(age)} minutes; operators already told"
        )
    message = mails.operator_mail(
        "desk/mail/heartbeat.txt",
        f"dokreg: sünkroonimine seisab ({_minutes(age)} min)",
        {"last_beat": beat.at, "minutes": _minutes(age), "detail": beat.detail},
    )
    if message is None:
        return HeartbeatResult(beat.at, True, False, "stale, but no operator address is configured")
    message.send()
    AlertState.objects.update_or_create(name=FOLLOW_ALERTED, defaults={"at": beat.at})
    return HeartbeatResult(beat.at, True, True, f"stale for {_minutes(age)} minutes: operators mailed")


def _minutes(age: timedelta) -> int:
    return int(age.total_seconds() // 60)


# --- the digest ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    new_requests: list[RemovalRequest] = field(default_factory=list)
    overdue: list[RemovalRequest] = field(default_factory=list)
    restrictions: list[DocumentVersion] = field(default_factory=list)
    paused: list[Registry] = field(default_factory=list)
    stalled_tasks: int = 0
    oldest_waiting: timedelta | None = None
    failed_extractions: list[tuple[str, int]] = field(default_factory=list)
    failed_tasks: list[tuple[str, int]] = field(default_factory=list)

    @property
    def failed_total(self) -> int:
        return sum(n for _, n in self.failed_extractions)

    @property
    def failed_task_total(self) -> int:
        return sum(n for _, n in self.failed_tasks)

    @property
    def attention(self) -> int:
        """How many things want an operator's look (0: a quiet day)."""
        return (
            len(self.new_requests)
            + len(self.overdue)
            + len(self.restrictions)
            + len(self.paused)
            + self.stalled_tasks
            + (1 if self.oldest_waiting else 0)
            + self.failed_total
            + self.failed_task_total
        )


def digest_build(*, since: datetime, now: datetime) -> Digest:
    versions = (
        DocumentVersion.objects.filter(
            kind=DocumentVersion.Kind.RESTRICTED, seen_at__gte=since, seen_at__lt=now
        )
        .select_related("document__registry")
        .order_by("seen_at")
    )
    restrictions = [v for v in versions if is_personal_data(_basis_after(v))]
    failed = (
        Problem.objects.filter(stage=Problem.Stage.EXTRACT, resolved_at__isnull=True, seen_at__gte=since)
        .values("registry__name")
        .annotate(n=Count("id"))
        .order_by("-n", "registry__name")
    )
    stalled, waiting = _task_queue(now)
    return Digest(
        since=since,
        until=now,
        new_requests=list(
            RemovalRequest.objects.filter(confirmed_at__gte=since, confirmed_at__lt=now).order_by(
                "confirmed_at"
            )
        ),
        overdue=list(
            RemovalRequest.objects.filter(status=RemovalRequest.Status.PENDING, due_at__lt=now).order_by(
                "due_at"
            )
        ),
        restrictions=restrictions,
        paused=list(Registry.objects.filter(state=Registry.State.PAUSED).order_by("name")),
        stalled_tasks=stalled,
        oldest_waiting=waiting,
        failed_extractions=[(row["registry__name"], row["n"]) for row in failed],
        failed_tasks=failed_by_task(since=since, until=now),
    )


def _basis_after(version: DocumentVersion) -> str:
    change = (version.changes or {}).get("restriction_basis")
    if isinstance(change, list | tuple) and len(change) == 2 and change[1]:
        return str(change[1])
    return version.document.restriction_basis


def _task_queue(now: datetime) -> tuple[int, timedelta | None]:
    """Tasks running longer than STALLED_AFTER, and how long the oldest ready task has waited if that is
    longer than STALLED_AFTER (no worker is taking the queue)."""
    from django_tasks_db.models import DBTaskResult

    stalled = DBTaskResult.objects.running().filter(started_at__lt=now - STALLED_AFTER).count()
    oldest = (
        DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    )
    waiting = now - oldest if oldest and now - oldest > STALLED_AFTER else None
    return stalled, waiting


def digest_send(*, now: datetime | None = None) -> tuple[Digest, bool]:
    """Build the digest since the previous one and mail it; returns it and whether a mail went out."""
    now = now or timezone.now()
    state = AlertState.objects.filter(name=DIGEST).first()
    since = state.at if state and state.at else now - timedelta(days=1)
    digest = digest_build(since=since, now=now)
    message = mails.operator_mail(
        "desk/mail/digest.txt",
        f"dokreg: päevakokkuvõte {timezone.localtime(now):%d.%m.%Y} ({digest.attention} vajab tähelepanu)",
        {"d": digest, "admin_url": mails.public_url("/admin/desk/removalrequest/")},
    )
    if message is None:
        return digest, False
    message.send()
    AlertState.objects.update_or_create(name=DIGEST, defaults={"at": now})
    return digest, True
