"""The operator's view of the task queue (`dokreg tasks`): what waits, runs and failed; failed tasks
put back; finished rows pruned.

With DOKREG_TASKS=database every queued stage is a row of django-tasks-db's table, on every host's
shared database. A task that fails stays FAILED with its traceback and nothing takes it again, so its
day's documents or its files stay undone until an operator sees it: here, in `dokreg status` and in the
daily digest. The tasks are safe to redo (``pipeline.tasks``), so putting one back is always allowed.
Successful rows are only history, one or more per document: pruned, a national archive's table would
grow by millions of rows a year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

PRUNE_CHUNK = 10_000  # rows per DELETE: a big prune never holds the table for long


@dataclass(frozen=True)
class QueueRow:
    queue: str
    waiting: int
    running: int
    failed: int
    done: int
    oldest_waiting: datetime | None


@dataclass(frozen=True)
class FailedTask:
    id: str
    task: str  # the task's function name: sync_day_task, files_task, …
    args: list
    finished_at: datetime | None
    error: str  # the traceback's last line: the exception and its message


def queue_overview() -> list[QueueRow]:
    """Each queue's tasks by state, in one grouped query (and one for the oldest waiting task)."""
    counts = Counter()
    for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")):
        counts[row["queue_name"], row["status"]] = row["n"]
    oldest = dict(
        DBTaskResult.objects.ready()
        .values("queue_name")
        .annotate(at=Min("enqueued_at"))
        .values_list("queue_name", "at")
    )
    return [
        QueueRow(
            queue=queue,
            waiting=counts[queue, TaskResultStatus.READY],
            running=counts[queue, TaskResultStatus.RUNNING],
            failed=counts[queue, TaskResultStatus.FAILED],
            done=counts[queue, TaskResultStatus.SUCCESSFUL],
            oldest_waiting=oldest.get(queue),
        )
        for queue in sorted({queue for queue, _status in counts})
    ]


def tasks_failed(*, queue: str | None = None, limit: int = 20) -> list[FailedTask]:
    """The most recently failed tasks first."""
    rows = (
        DBTaskResult.objects.filter(_failed(queue))
        .order_by("-finished_at")
        .only("id", "task_path", "args_kwargs", "finished_at", "exception_class_path", "traceback")
    )
    return [
        FailedTask(
            id=str(row.id),
            task=row.task_path.rpartition(".")[2],
            args=list((row.args_kwargs or {}).get("args", [])),
            finished_at=row.finished_at,
            error=_error_line(row.exception_class_path, row.traceback),
        )
        for row in rows[:limit]
    ]


def failed_count() -> int:
    return DBTaskResult.objects.filter(_failed(None)).count()


def failed_by_task(*, since: datetime, until: datetime) -> list[tuple[str, int]]:
    """How many tasks of each kind failed in the period, most first (for the digest)."""
    rows = (
        DBTaskResult.objects.filter(_failed(None), finished_at__gte=since, finished_at__lt=until)
        .values("task_path")
        .annotate(n=Count("id"))
        .order_by("-n", "task_path")
    )
    return [(row["task_path"].rpartition(".")[2], row["n"]) for row in rows]


def tasks_retry_failed(*, queue: str | None = None) -> int:
    """Put the failed tasks back in their queues, as they were enqueued; returns how many."""
    return DBTaskResult.objects.filter(_failed(queue)).update(
        status=TaskResultStatus.READY,
        started_at=None,
        finished_at=None,
        exception_class_path="",
        traceback="",
        return_value=None,
    )


def tasks_prune(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete successful task rows finished more than ``older_than`` ago, a chunk at a time; returns
    how many. Failed rows stay until they are retried: they are what an operator has to look at."""
    cutoff = (now or timezone.now()) - older_than
    old = DBTaskResult.objects.successful().filter(finished_at__lt=cutoff)
    pruned = 0
    while ids := list(old.values_list("id", flat=True)[:PRUNE_CHUNK]):
        pruned += DBTaskResult.objects.filter(id__in=ids).delete()[0]
    return pruned


def _failed(queue: str | None) -> Q:
    where = Q(status=TaskResultStatus.FAILED)
    return where & Q(queue_name=queue) if queue else where


def _error_line(class_path: str, traceback: str) -> str:
    """The exception's own line ("OperationalError: deadlock detected"), not the frames above it nor a
    driver's DETAIL and HINT lines below it; the outermost exception when one caused another."""
    name = class_path.rpartition(".")[2]
    lines = [line for line in traceback.splitlines() if line.strip()]
    for line in reversed(lines):
        head = line.partition(":")[0]
        if name and not line[0].isspace() and (head == name or head.endswith("." + name)):
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else ""
