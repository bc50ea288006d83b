"""The results' other orders: oldest first, and by body (bodies by name, each body's documents by
relevance when there are words, newest first when there are none).

The index orders by relevance or by registration date only. Grouping by body is built from what it
already answers cheaply: the body facet gives every body's count for the query, so the page's window
is cut from the bodies in name order and each body on the page is asked for its own slice — one
counting search and one search per body on the page, whatever the total.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.db.models import F

from dokreg.reading import build
from dokreg.reading import documents as selectors
from dokreg.reading.facets import facet_groups
from dokreg.reading.paging import Pager
from dokreg.reading.params import SORTS, SearchParams, params_query
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import ResultRow
from dokreg.registries.models import Registry

# Undated documents last in either order, on every database (PostgreSQL and SQLite differ by default).
ORDERINGS = {
    "oldest": (F("registered").asc(nulls_last=True), "id"),
    "registry": ("registry__name", "registry_id", F("registered").desc(nulls_last=True), "-id"),
}


def sorted_results(params: SearchParams, *, per_page: int, today: date, facets: bool) -> selectors.ResultPage:
    """One page of results in ``params.effective_sort`` ("oldest" or "registry")."""
    if not params.q:
        return _database_page(params, per_page=per_page, today=today, facets=facets)
    if params.effective_sort == "registry":
        return _index_by_registry(params, per_page=per_page, today=today, facets=facets)
    return selectors._index_results(params, per_page, today, facets)


def _database_page(params: SearchParams, *, per_page: int, today: date, facets: bool) -> selectors.ResultPage:
    qs = selectors.filtered_documents(publishable_documents(), params, today)
    total, exact = selectors.bounded_count(qs, at_least=params.page * per_page)
    pager = Pager(page=params.page, per_page=per_page, total=total, exact=exact)
    docs = qs.select_related("registry").order_by(*ORDERINGS[params.effective_sort])
    counted = selectors.index_counts(params, today, facets, per_page=per_page) if facets else None
    return selectors.ResultPage(
        pager=pager,
        rows=tuple(ResultRow(document=d) for d in build.cards(docs[pager.offset : pager.offset + per_page])),
        facets=facet_groups(params, counted.facets) if counted else (),
        facet_sample=counted.facet_sample if counted else 0,
    )


def registry_counts(params: SearchParams, *, today: date) -> tuple[list[tuple[str, int]], object]:
    """(slug, matches) per body with matches, bodies in name order; and the counting search's result."""
    counted = selectors.index_search(params, offset=0, limit=0, facets=True, today=today)
    # The body facet is counted without the body filter, so keep only the chosen bodies.
    counts = {f.value: f.count for f in counted.facets.get("registry", ()) if f.count}
    if params.registries:
        counts = {slug: n for slug, n in counts.items() if slug in params.registries}
    names = dict(Registry.objects.filter(slug__in=list(counts)).values_list("slug", "name"))
    ordered = sorted(counts.items(), key=lambda item: (names.get(item[0], item[0]).lower(), item[0]))
    return ordered, counted


def registry_slices(counts: list[tuple[str, int]], *, offset: int, limit: int) -> list[tuple[str, int, int]]:
    """(slug, offset within the body, rows) covering rows ``offset`` .. ``offset + limit`` of the whole."""
    slices, start = [], 0
    for slug, n in counts:
        end = start + n
        if end > offset and start < offset + limit:
            local = max(0, offset - start)
            slices.append((slug, local, min(n - local, offset + limit - start - local)))
        start = end
    return slices


def _index_by_registry(
    params: SearchParams, *, per_page: int, today: date, facets: bool
) -> selectors.ResultPage:
    counts, counted = registry_counts(params, today=today)
    pager = Pager(page=params.page, per_page=per_page, total=sum(n for _, n in counts))
    rows: list[ResultRow] = []
    for slug, local, limit in registry_slices(counts, offset=pager.offset, limit=per_page):
        body_params = replace(params, registries=(slug,), sort="relevance")
        result = selectors.index_search(body_params, offset=local, limit=limit, facets=False, today=today)
        rows += selectors.recheck_hits(result.hits)
    return selectors.ResultPage(
        pager=pager,
        rows=tuple(rows),
        facets=facet_groups(params, counted.facets) if facets else (),
    )


def sort_links(params: SearchParams) -> list[dict]:
    """The orders a reader can switch to from the results, each a query string keeping the filters."""
    offered = [(v, label) for v, label in SORTS if params.q or v != "relevance"]
    return [
        {"label": label, "query": params_query(params, sort=value), "current": value == params.effective_sort}
        for value, label in offered
    ]
