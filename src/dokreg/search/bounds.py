"""Bounded work for searches that match much of the archive: the newest matches first, by window.

Why: Tantivy's collectors visit every match, so a search without words ("everything, newest
first") or sorted by date costs a pass over the whole archive at a million documents, and so do
facet counts over a query that matches half of it. Both only need the newest matches: the page
shows the newest 20, and a count past a bound is shown as "more than N" (as the big engines do).
So the query is narrowed to a window of registration days ending at the newest day. The first
window is sized from the expected share of matches to hold the need and a quarter more, so what is
counted stays near the bound (twice as wide, as it was, counted twice the bound). A window that
holds too few grows by what it showed, to as many days as its matches a day say the need takes and
a quarter more, but at least twofold and at most fourfold (fourfold when it held no match). A
window of the first try costs the matches in it; the growing tries together cost at most twice the
last one, so a rare query costs about one pass, and a common one a small fraction of a pass.

Undated documents (day 0) are in no window: a search that needs them (fewer dated matches than
the bound) ends with the whole query, so nothing is lost, only counted exactly.

A search with a date range reads the newest days of its range (``in_range``): a month two years
back is found at once, not after windows of newer days that hold none of it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import tantivy

from dokreg.search import schema as s

# A window that held too few matches grows at least MIN_GROWTH and at most GROWTH times.
MIN_GROWTH = 2
GROWTH = 4
# A window is sized to hold this many times the matches needed, from the share expected to match
# (the first) or from the matches a day the last one held (the next ones).
SLACK = 1.25


@dataclass(frozen=True)
class Days:
    """Registration days in the index: the newest and the oldest dated day, and how many documents."""

    newest: int
    oldest: int
    documents: int


_days: dict[tuple[str, ...], Days | None] = {}
_days_lock = threading.Lock()


def index_days(searcher: tantivy.Searcher, generation: tuple[str, ...]) -> Days | None:
    """The index's day span, computed once per index generation (two passes over a fast field)."""
    with _days_lock:
        if generation in _days:
            return _days[generation]
    dated = tantivy.Query.range_query(s.SCHEMA, s.REGISTERED, tantivy.FieldType.Integer, 1, 2**62)
    newest = searcher.search(dated, 1, count=True, order_by_field=s.REGISTERED, order=tantivy.Order.Desc)
    days = None
    if newest.hits:
        oldest = searcher.search(dated, 1, count=False, order_by_field=s.REGISTERED, order=tantivy.Order.Asc)
        days = Days(newest=int(newest.hits[0][0]), oldest=int(oldest.hits[0][0]), documents=newest.count)
    with _days_lock:
        if len(_days) > 16:  # old generations
            _days.clear()
        _days[generation] = days
    return days


def in_range(days: Days | None, first: date | None, last: date | None) -> Days | None:
    """The days of ``days`` from ``first`` to ``last`` (either open), with the share of its documents
    that the share of days they are suggests (documents taken as spread evenly over the days). None
    when the range holds none of its days."""
    if days is None or (first is None and last is None):
        return days
    newest = min(days.newest, last.toordinal()) if last else days.newest
    oldest = max(days.oldest, first.toordinal()) if first else days.oldest
    if newest < oldest:
        return None
    share = (newest - oldest + 1) / (days.newest - days.oldest + 1)
    return Days(newest=newest, oldest=oldest, documents=max(1, round(days.documents * share)))


@dataclass(frozen=True)
class Window:
    """The query narrowed to the newest days (``query``), and how many matches it holds."""

    query: tantivy.Query
    matches: int
    first_day: int
    hits: list  # the newest hits of the window, when asked for (``keep``)


def newest_window(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    days: Days | None,
    *,
    need: int,
    share: float = 1.0,
    keep: int = 0,
    offset: int = 0,
    tried: Window | None = None,
) -> Window | None:
    """A window of newest days holding at least ``need`` matches of ``query``, about ``SLACK`` times it.

    ``share`` is the expected fraction of documents that match (1.0 when unknown: the first window
    is then as narrow as it can be). ``keep`` hits newest first (after ``offset``) come with it.
    ``tried``: a window the caller already counted and found too small (``first_window``); the look
    goes on from there instead of counting it again.
    None when no window short of every day holds enough: the caller runs the whole query.
    """
    if days is None or need <= 0:
        return None
    span = days.newest - days.oldest + 1
    width = (
        _first_width(days, need, share)
        if tried is None
        else _next_width(tried.first_day, tried.matches, days, need)
    )
    while width < span:
        first = days.newest - width + 1
        windowed = _within(query, first)
        found = searcher.search(
            windowed,
            max(keep, 1),
            count=True,
            order_by_field=s.REGISTERED,
            order=tantivy.Order.Desc,
            offset=offset,
        )
        if found.count >= need:
            return Window(windowed, found.count, first, found.hits[:keep] if keep else [])
        width = _next_width(first, found.count, days, need)
    return None


def first_window(query: tantivy.Query, days: Days | None, *, need: int, share: float) -> Window | None:
    """The window ``newest_window`` tries first, not yet counted (``matches`` 0): for a caller that
    counts the matches in a pass of its own (an aggregation) and looks further only when too few.
    None when that window would cover every day."""
    if days is None or need <= 0:
        return None
    width = _first_width(days, need, share)
    if width >= days.newest - days.oldest + 1:
        return None
    first = days.newest - width + 1
    return Window(_within(query, first), 0, first, [])


def _first_width(days: Days, need: int, share: float) -> int:
    span = days.newest - days.oldest + 1
    per_day = max(days.documents * max(share, 1e-9) / span, 1e-9)
    return max(1, int(need / per_day * SLACK))


def _next_width(first_day: int, matches: int, days: Days, need: int) -> int:
    """The width after a window from ``first_day`` that held ``matches``, fewer than ``need``: sized by
    its matches a day."""
    width = days.newest - first_day + 1
    if matches <= 0:
        return width * GROWTH
    wanted = int(width * need * SLACK / matches) + 1
    return min(max(wanted, width * MIN_GROWTH), width * GROWTH)


def _within(query: tantivy.Query, first: int) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, query),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(_days_from(first), 0.0)),
        ]
    )


def _days_from(first: int) -> tantivy.Query:
    return tantivy.Query.range_query(s.SCHEMA, s.REGISTERED, tantivy.FieldType.Integer, first, 2**62)
