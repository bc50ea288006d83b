"""Facet rows for the results page and the API: the index's counts with labels and links.

The counts themselves come from ``dokreg.search`` (same query and filters, each facet without its
own filter); here they get readable labels and the query string that adds or removes the value.
Values already chosen stay listed (with 0 when nothing matches) so they can be removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from dokreg.fields import BY_NAME
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading.params import ACCESS_CHOICES, SearchParams, query_parts, query_with, toggled
from dokreg.reading.registries import registry_choices


@dataclass(frozen=True)
class FacetRow:
    value: str
    label: str
    count: int
    selected: bool
    query: str  # the query string that adds this value to the filters, or removes it when selected


@dataclass(frozen=True)
class FacetGroup:
    name: str  # dokreg.search.FACET_NAMES
    label: str
    rows: tuple[FacetRow, ...]


# The index's facets (dokreg.search.FACET_NAMES): each but the year is a field of the table, filtered
# by that field's filter and labelled as its filter is.
FACET_FIELDS = ("registry", "doc_type", "year", "access", "series")
FACET_LABELS = {name: _("Aasta") if name == "year" else BY_NAME[name].filter.label for name in FACET_FIELDS}


def _attr(name: str) -> str:
    return BY_NAME[name].filter.attr


def facet_groups(params: SearchParams, counted: dict[str, Any]) -> tuple[FacetGroup, ...]:
    """The index's counts as rows with labels and add/remove links; chosen values stay listed."""
    names = dict(registry_choices())
    access_labels = {value: str(label) for value, label in ACCESS_CHOICES}
    parts = query_parts(params)
    groups = []
    for name, label in FACET_LABELS.items():
        counts = {f.value: f.count for f in counted.get(name, ())}
        chosen = _chosen(params, name)
        for value in chosen:
            if not any(v.lower() == value.lower() for v in counts):
                counts[value] = 0
        rows = []
        for value, n in counts.items():
            selected = value.lower() in {c.lower() for c in chosen}
            shown = names.get(value, value) if name == "registry" else access_labels.get(value, value)
            query = _facet_query(params, parts, name, value, selected)
            # Facet values are register text: masked like every other value we show.
            rows.append(FacetRow(mask_personal_codes(value), mask_personal_codes(shown), n, selected, query))
        if rows:
            groups.append(FacetGroup(name, str(label), tuple(rows)))
    return tuple(groups)


def _chosen(params: SearchParams, name: str) -> tuple[str, ...]:
    if name == "year":
        year = _whole_year(params)
        return (str(year),) if year else ()
    return getattr(params, _attr(name))


def _whole_year(params: SearchParams) -> int | None:
    d1, d2 = params.date_from, params.date_to
    if d1 and d2 and d1.year == d2.year and (d1.month, d1.day) == (1, 1) and (d2.month, d2.day) == (12, 31):
        return d1.year
    return None


def _facet_query(params: SearchParams, parts: dict[str, str], name: str, value: str, selected: bool) -> str:
    if name == "year":
        if selected:
            return query_with(parts, date_from=None, date_to=None)
        year = int(value)
        return query_with(parts, date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    field_name = _attr(name)
    return query_with(parts, **{field_name: toggled(getattr(params, field_name), value)})
