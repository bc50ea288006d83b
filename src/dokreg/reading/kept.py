"""Body-page aggregates kept between requests, keyed by the body's BodyMonth rows.

Why: restriction bases, the lag to first sight and the series tree each group a body's documents
(200,000 rows at a million); they change only when documents do. The key holds the sum of the
body's ``BodyMonth.changes``, which every counted write raises (a new document, a withdrawal, a
takedown, a restriction), so such a write starts the aggregates afresh at once; edits that move
no count (a renamed series) show within KEEP_SECONDS. Only counts and labels are kept, never a
document, and the pages re-read the documents they list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Sum

from dokreg.archive.models import BodyMonth
from dokreg.reading.types import RegistryView

KEEP_SECONDS = 600

T = TypeVar("T")


def body_stamp(registry: RegistryView) -> str:
    """Changes whenever a document of the body is counted in or out (one query over its month rows)."""
    row = BodyMonth.objects.filter(registry_id=registry.pk).aggregate(
        changes=Sum("changes"), documents=Sum("documents"), rows=Count("id")
    )
    return f"{row['changes'] or 0}.{row['documents'] or 0}.{row['rows']}"


def body_stamps() -> dict[int, str]:
    """``body_stamp`` of every body in one query (a page that keeps something per body and section)."""
    rows = BodyMonth.objects.values("registry_id").annotate(
        changes=Sum("changes"), documents=Sum("documents"), rows=Count("id")
    )
    return {r["registry_id"]: f"{r['changes'] or 0}.{r['documents'] or 0}.{r['rows']}" for r in rows}


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
