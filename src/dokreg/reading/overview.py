"""The national overview: every covered body side by side (volume, AK share, median days from
registration to our first sight, freshness).

Counts per body come from the per-body monthly counts (``BodyMonth``), current on every request. The
medians read a (body, registered, first-seen day) histogram of the last year's documents, kept per
day and computed afresh every ten minutes off the request (``kept``). The page only reads
``OverviewRow``s (a body as a ``RegistryView``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from dokreg.archive.models import BodyMonth
from dokreg.reading.body import LAG_WINDOW_DAYS, weighted_median
from dokreg.reading.kept import kept
from dokreg.reading.registries import covered_registries
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import RegistryView

SORTS = ("name", "documents", "ak", "lag", "fresh")


@dataclass(frozen=True)
class OverviewRow:
    registry: RegistryView
    documents: int
    ak: int
    median_days: float | None

    @property
    def ak_percent(self) -> float | None:
        return round(100 * self.ak / self.documents, 1) if self.documents else None

    @property
    def newest(self) -> date | None:
        return self.registry.newest_registered

    @property
    def last_success(self) -> datetime | None:
        return self.registry.last_success_at


def national_overview(*, today: date, sort: str = "name") -> list[OverviewRow]:
    bodies = covered_registries()
    counts, lags = _figures(today)
    rows = [
        OverviewRow(
            registry=b,
            documents=counts.get(b.pk, (0, 0))[0],
            ak=counts.get(b.pk, (0, 0))[1],
            median_days=lags.get(b.pk),
        )
        for b in bodies
    ]
    return sorted(rows, key=_sort_key(sort))


def _figures(today: date) -> tuple[dict[int, tuple[int, int]], dict[int, float | None]]:
    """Counts and median lags per body. Counts come from the per-body monthly counts every write
    keeps, so they are always current and cost a few hundred rows. The lags group a year of
    documents (1.4 s at a million), so they are kept per day (``kept``: past ten minutes served while a
    thread computes them afresh): before, the key held the newest document's id, and a running sync
    made every request compute them afresh."""
    counts = {
        r["registry_id"]: (r["n"], r["ak"])
        for r in BodyMonth.objects.values("registry_id").annotate(n=Sum("documents"), ak=Sum("ak"))
    }
    lags = kept(f"dokreg:overview:lags:v3:{today.isoformat()}", lambda: _median_lags(today))
    return counts, lags


def _median_lags(today: date) -> dict[int, float | None]:
    since = today - timedelta(days=LAG_WINDOW_DAYS)
    rows = (
        publishable_documents()
        .filter(registered__gte=since, registered__lte=today)
        .annotate(seen=TruncDate("first_seen_at"))
        .values("registry", "registered", "seen")
        .annotate(n=Count("id"))
    )
    histograms: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in rows:
        histograms[r["registry"]].append(((r["seen"] - r["registered"]).days, r["n"]))
    return {pk: weighted_median(sorted(h)) for pk, h in histograms.items()}


def _sort_key(sort: str):
    name = lambda row: row.registry.name.lower()  # noqa: E731
    far = float("inf")
    keys = {
        "documents": lambda row: (-row.documents, name(row)),
        "ak": lambda row: (-(row.ak_percent or 0), name(row)),
        "lag": lambda row: (row.median_days if row.median_days is not None else far, name(row)),
        "fresh": lambda row: (-(row.newest.toordinal() if row.newest else 0), name(row)),
    }
    return keys.get(sort, name)
