"""What the sitemaps list: publishable documents' ids and change times, per body and registration year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce

from dokreg.archive.models import BodyMonth
from dokreg.archive.stats import UNDATED
from dokreg.reading.kept import body_kept
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import RegistryView, SitemapEntry


class Entries:
    """A body's documents of one year as ``SitemapEntry`` values, lazily: Django's sitemap paginator
    counts and slices it, so only one page of rows is ever read."""

    def __init__(self, qs: QuerySet, registry: RegistryView, year: int | None, stamp: str | None) -> None:
        self._qs, self._registry, self._year, self._stamp = qs, registry, year, stamp

    def count(self) -> int:
        # The sitemap index counts every section to list its pages: kept per body state like ``latest``.
        return body_kept(self._registry, f"sitemap-count-{self._year}", self._qs.count, stamp=self._stamp)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[SitemapEntry]:
        rows = self._qs[index] if isinstance(index, slice) else [self._qs[index]]
        return [SitemapEntry(pk=pk, lastmod=changed) for pk, changed in rows]

    def __iter__(self) -> Iterator[SitemapEntry]:
        return iter(self[:])


def _documents(slug: str, year: int | None) -> QuerySet:
    qs = publishable_documents().filter(registry__slug=slug)
    return qs.filter(registered__isnull=True) if year is None else qs.filter(registered__year=year)


def entries(registry: RegistryView, year: int | None, stamp: str | None = None) -> Entries:
    """One body's published documents of one registration year (``None``: those without a date);
    ``stamp`` as for ``body_kept``."""
    # One date column, not two: on SQLite, reading each date back costs more than the row itself.
    changed = Coalesce("last_changed_at", "first_seen_at")
    rows = _documents(registry.slug, year).order_by("pk").values_list("pk", changed)
    return Entries(rows, registry, year, stamp)


def latest(registry: RegistryView, year: int | None, stamp: str | None = None) -> datetime | None:
    """The newest change among a body's published documents of one year; kept per body state
    (``reading.kept``): the sitemap index asks it of every section, and each reads all the body's
    documents of that year (the index took 3-4 s a request at a million documents)."""

    def compute() -> datetime | None:
        found = _documents(registry.slug, year).aggregate(
            latest=Max(Coalesce("last_changed_at", "first_seen_at"))
        )
        return found["latest"]

    return body_kept(registry, f"sitemap-latest-{year}", compute, stamp=stamp)


def sections() -> list[tuple[str, int | None]]:
    """(body slug, year or None) of every body and year with a published document, undated last;
    from the per-body monthly counts, which every write keeps, not from the documents."""
    months = BodyMonth.objects.filter(documents__gt=0).values_list("registry__slug", "month").distinct()
    pairs = {(slug, None if month == UNDATED else month.year) for slug, month in months}
    return sorted(pairs, key=lambda p: (p[0], p[1] is None, p[1] or 0))
