"""Reads of the archive for the operator (status, history order).

The publication rule is ``dokreg.reading.rule``; it is re-exported here for the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from dokreg.archive.models import Document, FetchState, Problem, SyncDay, SyncRange
from dokreg.archive.versions import TRACKED_FIELDS

# The publication rule lives in the read layer; the pipeline's index writer reads it from here too.
from dokreg.reading.rule import FILE_ACCESS_WITHHELD, PUBLISHABLE, publishable_documents, publishable_files
from dokreg.registries.models import Registry

__all__ = ["FILE_ACCESS_WITHHELD", "PUBLISHABLE", "publishable_documents", "publishable_files"]


@dataclass(frozen=True)
class RegistryStatus:
    slug: str
    name: str
    state: str
    documents: int
    newest: date | None
    last_sync: datetime | None
    last_success: datetime | None
    last_error: str
    open_problems: int
    incomplete_days: int
    failed_documents: int
    # The last sync started and never finished: killed, crashed, or still running now.
    unfinished: bool = False


def registry_status(*, slug: str | None = None, covered_only: bool = True) -> list[RegistryStatus]:
    """Freshness and health per registry, for `dokreg status` and the operator page."""
    registries = Registry.objects.all().order_by("slug")
    if slug:
        registries = registries.filter(slug=slug)
    elif covered_only:
        registries = registries.exclude(state=Registry.State.NOT_COVERED)
    problems = dict(
        Problem.objects.filter(resolved_at__isnull=True)
        .values("registry")
        .annotate(n=Count("id"))
        .values_list("registry", "n")
    )
    incomplete = dict(
        SyncDay.objects.filter(complete=False)
        .values("registry")
        .annotate(n=Count("id"))
        .values_list("registry", "n")
    )
    for registry_id, n in (
        SyncRange.objects.filter(complete=False)
        .values("registry")
        .annotate(n=Count("id"))
        .values_list("registry", "n")
    ):
        incomplete[registry_id] = incomplete.get(registry_id, 0) + n
    failed = dict(
        # "not ok" repeats the partial index's own condition, so SQLite reads the few open rows
        # through it instead of every document (0.16 s a status page at a million).
        Document.objects.filter(~Q(fetch_state=FetchState.OK), fetch_state=FetchState.FAILED)
        .values("registry")
        .annotate(n=Count("id"))
        .values_list("registry", "n")
    )
    return [
        RegistryStatus(
            slug=r.slug,
            name=r.name,
            state=r.state,
            documents=r.document_count,
            newest=r.newest_registered,
            last_sync=r.last_sync_finished_at,
            last_success=r.last_success_at,
            last_error=r.last_error,
            open_problems=problems.get(r.pk, 0),
            incomplete_days=incomplete.get(r.pk, 0),
            failed_documents=failed.get(r.pk, 0),
            unfinished=bool(
                r.last_sync_started_at
                and (r.last_sync_finished_at is None or r.last_sync_started_at > r.last_sync_finished_at)
            ),
        )
        for r in registries
    ]


def version_changes(version) -> list[tuple[str, object]]:
    """A version's changed fields in the document page's order (JSON objects keep no order on PostgreSQL)."""
    changes = version.changes if isinstance(version.changes, dict) else {}
    order = {name: i for i, name in enumerate(TRACKED_FIELDS)}
    return sorted(changes.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


# Past this many documents waiting for the index (a rebuild, a first sync), every question
# "is one of these waiting?" is answered yes without looking further.
WAITING_LOOKED_AT = 1_000


def awaiting_index(documents: QuerySet[Document]) -> bool:
    """Whether any of ``documents`` is not in the index as it is now: dirty, or read by an indexer
    that has not committed it. The waiting ones are found first, each flag on its partial index,
    and only they are matched against ``documents``: a planner given both at once may walk the
    documents of a body instead (0.15 s at a million), and an OR of the two flags reads them all."""
    waiting: list[int] = []
    for flag in ("index_dirty", "index_inflight"):
        waiting += Document.objects.filter(**{flag: True}).values_list("pk", flat=True)[
            : WAITING_LOOKED_AT + 1
        ]
    if len(waiting) > WAITING_LOOKED_AT:
        return True
    return bool(waiting) and documents.filter(pk__in=waiting).exists()
