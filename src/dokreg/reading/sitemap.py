"""What the sitemaps list: publishable documents' ids and change times, per body and registration year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, ExtractYear

from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import SitemapEntry


class Entries:
    """A body's documents of one year as ``SitemapEntry`` values, lazily: Django's sitemap paginator
    counts and slices it, so only one page of rows is ever read."""

    def __init__(self, qs: QuerySet) -> None:
        self._qs = qs

    def count(self) -> int:
        return self._qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[SitemapEntry]:
        rows = self._qs[index] if isinstance(index, slice) else [self._qs[index]]
        return [SitemapEntry(pk=pk, lastmod=changed or seen) for pk, seen, changed in rows]

    def __iter__(self) -> Iterator[SitemapEntry]:
        return iter(self[:])


def _documents(slug: str, year: int | None) -> QuerySet:
    qs = publishable_documents().filter(registry__slug=slug)
    return qs.filter(registered__isnull=True) if year is None else qs.filter(registered__year=year)


def entries(slug: str, year: int | None) -> Entries:
    """One body's published documents of one registration year (``None``: those without a date)."""
    return Entries(
        _documents(slug, year).order_by("pk").values_list("pk", "first_seen_at", "last_changed_at")
    )


def latest(slug: str, year: int | None) -> datetime | None:
    return _documents(slug, year).aggregate(latest=Max(Coalesce("last_changed_at", "first_seen_at")))[
        "latest"
    ]


def sections() -> list[tuple[str, int | None]]:
    """(body slug, year or None) of every body and year with a published document, undated last."""
    pairs = (
        publishable_documents()
        .annotate(year=ExtractYear("registered"))
        .values_list("registry__slug", "year")
        .distinct()
    )
    # Sorted here: databases disagree on where NULL (undated) goes.
    return sorted(pairs, key=lambda p: (p[0], p[1] is None, p[1] or 0))
