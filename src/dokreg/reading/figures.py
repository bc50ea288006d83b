"""A body's kept figures: every aggregate its pages keep (``reading.kept``), named in one place.

Pages read them here, and ``figures_warm`` computes whichever its body's current state has not kept,
ahead of any reader. Without it, the first request after a restart or after something of the body was
hidden grouped the body's documents itself: 0.7-3.7 s at a million documents. With the kept store in
the database or Redis (``CACHES["kept"]``), what a worker computed serves every web process and host.

``warm_soon`` is called after each commit that changed a body's stamp by hiding something, and after
each sync day (which may add a month). It runs on one background thread of the process, and a body
asked for again while it waits is warmed once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.utils import timezone

from dokreg.reading import body as body_stats
from dokreg.reading import browse, sitemap
from dokreg.reading.body import TYPES_SHOWN, BasisRow, TypeRow
from dokreg.reading.browse import FunctionRow
from dokreg.reading.kept import body_kept, body_older_states_drop, body_stamp, in_background
from dokreg.reading.registries import registry_view
from dokreg.reading.types import RegistryView
from dokreg.registries.models import Registry


def restriction_bases(body: RegistryView, *, stamp: str | None = None) -> list[BasisRow]:
    return body_kept(body, "bases", lambda: body_stats.restriction_bases(body), stamp=stamp)


def median_days_to_first_sight(body: RegistryView, *, today: date, stamp: str | None = None) -> float | None:
    return body_kept(
        body,
        "lag",
        lambda: body_stats.median_days_to_first_sight(body, today=today),
        today=today,
        stamp=stamp,
    )


def document_types(
    body: RegistryView, *, limit: int = TYPES_SHOWN, stamp: str | None = None
) -> list[TypeRow]:
    return body_kept(body, f"types{limit}", lambda: body_stats.document_types(body, limit=limit), stamp=stamp)


def series_tree(body: RegistryView, *, stamp: str | None = None) -> list[FunctionRow]:
    return body_kept(body, "series", lambda: browse.series_tree(body), stamp=stamp)


# What other layers keep per body state and warm with the rest (public.sitemaps: its pages).
_also: list[Callable[[RegistryView, str], None]] = []


def also_warm(warm: Callable[[RegistryView, str], None]) -> Callable[[RegistryView, str], None]:
    """Register ``warm(body, stamp)`` to run whenever a body's figures are warmed."""
    _also.append(warm)
    return warm


def figures_warm(registry_id: int) -> None:
    """Compute every figure of the body that its current state has not kept (a covered body's pages
    and its sitemap sections' sizes and newest changes, which the sitemap index reads)."""
    row = Registry.objects.filter(pk=registry_id).first()
    if row is None or not row.covered:
        return
    body = registry_view(row)
    # The stamp first, then the figures: what is kept under it is never older than it.
    stamp = body_stamp(body)
    restriction_bases(body, stamp=stamp)
    median_days_to_first_sight(body, today=timezone.localdate(), stamp=stamp)
    document_types(body, stamp=stamp)
    series_tree(body, stamp=stamp)
    for slug, year in sitemap.sections():
        if slug == body.slug:
            sitemap.entries(body, year, stamp).count()
            sitemap.latest(body, year, stamp)
    for warm in _also:
        warm(body, stamp)
    body_older_states_drop(body, stamp)


def warm_soon(registry_id: int) -> None:
    """Warm the body's figures on the process's background thread (``kept.in_background``), once
    however often it is asked while it waits; ``DOKREG_WARM_FIGURES``: "background" (the default),
    "inline" or "off"."""
    how = settings.DOKREG_WARM_FIGURES
    if how == "inline":
        figures_warm(registry_id)
    elif how == "background":
        in_background(f"dokreg:warm:{registry_id}", lambda: figures_warm(registry_id))
