"""Reads of the archive. The publication rule lives here and nowhere else.

Public code (pages, search results, API, feeds, sitemaps, exports) reaches documents and
files only through ``publishable_documents()`` and ``publishable_files()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from dokreg.archive.models import Access, Document, FetchState, File, Problem, SyncDay, SyncRange
from dokreg.archive.versions import TRACKED_FIELDS
from dokreg.registries.models import Registry

# A document the public may see at all: fetched, still at the source, not taken down.
PUBLISHABLE = Q(fetch_state=FetchState.OK, withdrawn_at__isnull=True, taken_down_at__isnull=True)


def publishable_documents() -> QuerySet[Document]:
    """Documents whose metadata the public may see (AK documents included: their metadata is public)."""
    return Document.objects.filter(PUBLISHABLE)


def publishable_files() -> QuerySet[File]:
    """Files whose bytes and text the public may see: only public documents' public, downloaded files."""
    return File.objects.filter(
        document__fetch_state=FetchState.OK,
        document__withdrawn_at__isnull=True,
        document__taken_down_at__isnull=True,
        document__access=Access.PUBLIC,
        download_state=File.Download.OK,
    ).exclude(access__in=FILE_ACCESS_WITHHELD)


# Per-file access values (RMK, Riigikogu) that keep a file's bytes from the public.
FILE_ACCESS_WITHHELD = ("AK", "ak", "Asutusesiseseks kasutamiseks", "RESTRICTED", "Piiratud")


def document_files_public(document: Document) -> bool:
    return document.access == Access.PUBLIC


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
        Document.objects.filter(fetch_state=FetchState.FAILED)
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
