"""The body page's pictures and the statistics rows that lead to the filtered search.

Per-body monthly counts come from ``reading.body.registry_stats`` (the body's BodyMonth rows); the
document types from ``reading.body.document_types`` (one grouped query). Only links and pictures are
made here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dokreg.public.charts import Chart, MonthValue, month_label, share, stacked_month_chart
from dokreg.public.links import link
from dokreg.reading import figures
from dokreg.reading.body import TYPES_SHOWN, BasisRow, RegistryStats
from dokreg.reading.params import normalise_basis
from dokreg.reading.types import RegistryView


@dataclass(frozen=True)
class LinkedRow:
    label: str
    documents: int
    href: str  # the search for exactly these documents; "" when the value cannot be searched for


def search_href(**filters: str) -> str:
    return link("public:results") + "?" + urlencode(filters)


def document_types(
    registry: RegistryView, *, limit: int = TYPES_SHOWN, stamp: str | None = None
) -> list[LinkedRow]:
    return [
        LinkedRow(
            label=r.doc_type,
            documents=r.documents,
            href=search_href(registry=registry.slug, type=r.doc_type),
        )
        for r in figures.document_types(registry, limit=limit, stamp=stamp)
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
    registry: RegistryView, stats: RegistryStats, bases: list[BasisRow], *, stamp: str | None = None
) -> dict:
    if not registry.covered:
        return {}
    volume, ak_share = month_charts(registry, stats)
    return {
        "volume_chart": volume,
        "ak_chart": ak_share,
        "types": document_types(registry, stamp=stamp),
        "linked_bases": linked_bases(registry, bases),
    }
