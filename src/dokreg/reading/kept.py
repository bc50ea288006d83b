"""Body-page aggregates kept between requests, keyed by the body's BodyMonth rows.

Why: restriction bases, the lag to first sight, the types and the series tree each group a body's
documents (200,000 rows at a million, 0.4-0.8 s together); they change only when documents do.
The key holds the body's sum of ``BodyMonth.removed``, which every move out of a count (a takedown,
a withdrawal, a restriction) and every redaction raises, so whatever hides something starts the
aggregates afresh at once. New documents and edits that move no count show within KEEP_SECONDS:
keyed by every change, a body being synced recomputed them on nearly every request. Only counts
and labels are kept, never a document, and the pages re-read the documents they list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from dokreg.archive.models import BodyMonth
from dokreg.reading.types import RegistryView

KEEP_SECONDS = 600

T = TypeVar("T")


def _stamp(row: dict) -> str:
    # The newest row's id too: rows rebuilt by body_months_rebuild start their sums at 0 again, and
    # a new id keeps an old stamp from coming back.
    return f"{row['removed'] or 0}.{row['rows']}.{row['last'] or 0}"


_STAMP = {"removed": Sum("removed"), "rows": Count("id"), "last": Max("id")}


def body_stamp(registry: RegistryView) -> str:
    """Changes whenever something of the body is hidden (one query over its month rows)."""
    return _stamp(BodyMonth.objects.filter(registry_id=registry.pk).aggregate(**_STAMP))


def body_stamps() -> dict[int, str]:
    """``body_stamp`` of every body in one query (a page that keeps something per body and section)."""
    rows = BodyMonth.objects.values("registry_id").annotate(**_STAMP)
    return {r["registry_id"]: _stamp(r) for r in rows}


def body_kept(
    registry: RegistryView,
    name: str,
    compute: Callable[[], T],
    *,
    today: date | None = None,
    stamp: str | None = None,
) -> T:
    """``compute()`` once per body state (and day, when the aggregate depends on it); ``stamp``: the
    body's stamp when the caller has just read it (``body_stamps``)."""
    stamp = stamp if stamp is not None else body_stamp(registry)
    key = f"dokreg:body:{registry.pk}:{registry.slug}:{name}:{stamp}:{today or ''}"
    found = cache.get(key)
    if found is None:  # kept as a 1-tuple, so a computed None is kept too
        found = (compute(),)
        cache.set(key, found, KEEP_SECONDS)
    return found[0]
