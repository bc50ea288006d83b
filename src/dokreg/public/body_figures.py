"""The body page's pictures and the statistics rows that lead to the filtered search.

Per-body monthly counts come from ``reading.body.registry_stats`` (the body's BodyMonth rows); the
document types from ``reading.body.document_types`` (one grouped query). Only links and pictures are
made here, and the section they make is kept drawn (``figures_drawn``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from dokreg.public.charts import Chart, MonthValue, month_label, share, stacked_month_chart
from dokreg.public.links import link
from dokreg.reading import figures
from dokreg.reading.body import TYPES_SHOWN, BasisRow, RegistryStats, TypeRow
from dokreg.reading.params import normalise_basis
from dokreg.reading.types import RegistryView


@dataclass(frozen=True)
class LinkedRow:
    label: str
    documents: int
    href: str  # the search for exactly these documents; "" when the value cannot be searched for


def search_href(**filters: str) -> str:
    return link("public:results") + "?" + urlencode(filters)


def linked_types(registry: RegistryView, types: list[TypeRow]) -> list[LinkedRow]:
    """Document types with a link to their search."""
    return [
        LinkedRow(
            label=r.doc_type, documents=r.documents, href=search_href(registry=registry.slug, type=r.doc_type)
        )
        for r in types
    ]


def linked_bases(registry: RegistryView, bases: list[BasisRow]) -> list[LinkedRow]:
    """Restriction bases with a link to their search; a basis the archive could not read has none."""
    rows = []
    for b in bases:
        citation = normalise_basis(b.label)
        href = search_href(registry=registry.slug, restriction=citation) if citation else ""
        rows.append(LinkedRow(label=b.label, documents=b.documents, href=href))
    return rows


def month_charts(registry: RegistryView, stats: RegistryStats) -> tuple[Chart, Chart]:
    """Documents per month (AK as the lower part of each bar) and the AK share per month."""
    months = list(reversed(stats.months))  # oldest on the left

    def href(m) -> str:
        return link("public:month", registry.slug, m.year, m.month) if m else ""

    volume = [
        MonthValue(month=r.month, total=r.documents, part=r.ak, href=href(r.month) if r.documents else "")
        for r in months
    ]
    shares = [
        MonthValue(
            month=r.month,
            total=round(10 * (share(r.ak, r.documents) or 0)),
            part=round(10 * (share(r.ak, r.documents) or 0)),
            href=href(r.month) if r.documents else "",
        )
        for r in months
    ]
    by_volume = {r.month: r for r in months}

    def volume_title(v: MonthValue) -> str:
        return ngettext(
            "%(month)s: %(n)s dokument, neist AK %(ak)s",
            "%(month)s: %(n)s dokumenti, neist AK %(ak)s",
            v.total,
        ) % {"month": month_label(v.month, "F Y"), "n": v.total, "ak": v.part}

    def share_title(v: MonthValue) -> str:
        row = by_volume[v.month]
        if not row.documents:
            return _("%(month)s: dokumente ei ole") % {"month": month_label(v.month, "F Y")}
        return _("%(month)s: AK %(share)s %% (%(ak)s / %(n)s)") % {
            "month": month_label(v.month, "F Y"),
            "share": share(row.ak, row.documents),
            "ak": row.ak,
            "n": row.documents,
        }

    def share_label(v: MonthValue) -> str:
        return number_format(v.total / 10, decimal_pos=1) if by_volume[v.month].documents else ""

    return (
        stacked_month_chart(
            volume, title_of=volume_title, value_of=lambda v: str(v.total) if v.total else ""
        ),
        stacked_month_chart(shares, title_of=share_title, value_of=share_label, scale_max=1000),
    )


def body_figures(
    registry: RegistryView, stats: RegistryStats, bases: list[BasisRow], types: list[TypeRow]
) -> dict:
    if not registry.covered:
        return {}
    volume, ak_share = month_charts(registry, stats)
    return {
        "volume_chart": volume,
        "ak_chart": ak_share,
        "types": linked_types(registry, types),
        "linked_bases": linked_bases(registry, bases),
    }


# Bodies' figure sections kept drawn in this process: 60 bodies in two languages, a few kB each.
DRAWN_KEPT = 256
_drawn: OrderedDict[tuple, SafeString] = OrderedDict()
_drawn_lock = threading.Lock()


def figures_drawn(registry: RegistryView, stats: RegistryStats, *, stamp: str) -> SafeString:
    """The body page's figures section (charts, month table, restriction bases, types), drawn once
    for each set of what it shows, in each language and under each address prefix.

    Drawing it was a fifth of the body page: two charts of twelve bars, sixty month labels, two
    tables of links. Its key is everything it shows (the month counts, the kept bases and types, which
    follow every hiding at once), so it is never older than they are.
    """
    bases = figures.restriction_bases(registry, stamp=stamp)
    types = figures.document_types(registry, limit=TYPES_SHOWN, stamp=stamp)
    key = (
        registry.pk,
        registry.slug,
        tuple(stats.months),
        tuple(bases),
        tuple(types),
        get_language(),
        get_script_prefix(),
    )
    with _drawn_lock:
        found = _drawn.get(key)
    if found is not None:
        return found
    context = {"body": registry, "stats": stats, **body_figures(registry, stats, bases, types)}
    drawn = SafeString(render_to_string("public/_body_figures.html", context))
    with _drawn_lock:
        _drawn[key] = drawn
        _drawn.move_to_end(key)
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
    return drawn
