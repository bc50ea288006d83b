"""Facet counts from Tantivy's terms aggregations over fast fields.

Counts come from the query and filters of the search itself, each facet leaving out its own
filter (see ``filters``). Facets whose own filter is not set share one aggregation call, so a
page without facet filters costs a single pass over the matching documents.

Counts cannot be re-checked per document the way a results page re-checks its 20 hits: they are
right only because the index holds publishable documents alone. The index stage deletes a
document the moment the database stops publishing it (withdrawn, taken down), and AK documents
are indexed without file text, so a hidden document is never counted once its change is indexed.

Bounded: past ``bound`` matches a facet group is counted over the newest matches only (see
``facet_buckets``): one pass over about ``bound`` documents instead of over half the archive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import tantivy

from dokreg.search import schema as s
from dokreg.search.bounds import Days, Window, first_window, newest_window
from dokreg.search.filters import FACET_FILTER, with_filters
from dokreg.search.types import EXPIRED_AK, FACET_NAMES, FacetCount
from dokreg.search.writer import keyword

# Buckets asked of Tantivy per facet and kept for the page. Per-segment lists are kept long so
# the merged counts are exact for any realistic number of distinct values (62 bodies, a few
# hundred types or series).
ASKED = 1_000
SEGMENT_SIZE = 10_000
KEPT = {"registry": 100, "doc_type": 30, "year": 50, "access": 10, "series": 30}

_FIELDS = {
    "registry": s.REGISTRY,
    "doc_type": s.DOC_TYPE_FACET,
    "year": s.YEAR,
    "access": s.ACCESS,
    "series": s.SERIES_FACET,
}


@dataclass(frozen=True)
class Counted:
    facets: dict[str, tuple[FacetCount, ...]]
    # 0 when every match was counted; else the number of matches counted (the newest ones).
    sample: int = 0


@dataclass(frozen=True)
class Buckets:
    """One shard's counts before they are merged and cut: value → documents, per facet."""

    counts: dict[str, dict[str, int]]
    expired: int  # expired AK among "ak" (see ``_expired``)
    sample: int  # as Counted.sample
    counted: int  # documents counted (each has one access value): this shard's part of a sample


def facet_buckets(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    clauses: dict[str, tantivy.Query],
    today: date,
    *,
    bound: int | None = None,
    days: Days | None = None,
    all_days: Days | None = None,
    total: int | None = None,
    window: Window | None = None,
    shares: dict[str, float] | None = None,
) -> Buckets:
    """Every facet of FACET_NAMES for ``query`` under ``clauses`` in one shard, uncut (``merged_facets``
    adds the shards up and orders them).

    With a ``bound``, a facet group whose matches exceed it is counted over the newest ``bound`` or so
    of them (a window of registration days, see ``bounds``) and ``sample`` says how many that was;
    ``total`` (the matches of ``query`` under every clause) sizes the first window. ``window``: one
    already found for ``query`` under every clause holding at least ``bound`` matches (a newest-first
    page's), taken for the facets that keep every clause instead of looking for another.

    With ``total`` known, the facets that keep every clause are counted in the first window at once,
    their matches counted in the same pass, and a window is looked for only when it held too few:
    the share of matches says how wide it must be, so it nearly always holds enough, and the query
    (a prefix's many words, a phrase) is run once instead of twice. A facet that leaves out a keyword
    filter whose share of the shard is in ``shares`` (``filters.keyword_shares``) does the same with
    its matches estimated as ``total`` over that share (the filter taken as independent of the rest);
    an estimate too high only costs the look further.

    ``days`` are those the date filter keeps (``bounds.in_range``), ``all_days`` the index's (default:
    ``days``): the year facet, which leaves the date filter out, reads the newest days of the index,
    its matches estimated from ``total`` over the share of the documents the range keeps.
    """
    groups: dict[str | None, list[str]] = defaultdict(list)
    for name in FACET_NAMES:
        own = FACET_FILTER[name]
        groups[own if own in clauses else None].append(name)
    counts: dict[str, dict[str, int]] = {}
    sample = expired = 0
    for without, names in groups.items():
        filtered = with_filters(query, clauses, without=without)
        spec = {name: _terms(name, today) for name in names}
        answer = None
        if bound is not None and (without is not None or total is None or total > bound):
            found = window if without is None and window is not None and window.matches >= bound else None
            seen, known = _group_matches(without, total, days, all_days, shares)
            share = min(1.0, known / seen.documents) if known and seen and seen.documents else 1.0
            tried = None
            if found is None and known:
                found, answer, tried = _counted_in_first_window(searcher, filtered, spec, seen, bound, share)
            if found is None:
                found = newest_window(searcher, filtered, seen, need=bound, share=share, tried=tried)
            if found is not None:
                filtered = found.query
                sample = max(sample, found.matches)
        if answer is None:
            answer = searcher.aggregate(filtered, spec)
        for name in names:
            counts[name] = dict(_buckets(answer, name))
        if "access" in names:
            expired = _expired(answer)
    return Buckets(counts, expired, sample, counted=sum(counts["access"].values()))


def _group_matches(
    without: str | None,
    total: int | None,
    days: Days | None,
    all_days: Days | None,
    shares: dict[str, float] | None,
) -> tuple[Days | None, int | None]:
    """The days a facet group's windows read, and its matches, known or estimated: with every filter,
    the page's ``total``; leaving the date range out, the index's days and ``total`` over the share of
    them the range keeps; leaving a keyword filter out, ``total`` over that filter's share."""
    if without is None:
        return days, total
    if without == "dates":
        seen = all_days or days
        kept = days.documents / seen.documents if days and seen and seen.documents else None
        return seen, _without(total, kept)
    return days, _without(total, (shares or {}).get(without))


def _without(total: int | None, share: float | None) -> int | None:
    """The matches of a query once a filter keeping ``share`` of the documents is left out, estimated
    from its ``total`` with the filter (None when either is unknown)."""
    if not total or not share:
        return None
    return int(total / share)


# Counted beside the facets in the same pass: every document has its id.
_MATCHED = "matched"
# A first window holding this share of the bound is counted as it is: its counts are a sample of the
# newest matches all the same (the page says how many), and a wider window would cost another pass
# for a tenth more. The share of filtered documents is estimated, so the first window often falls
# a little short of the bound.
ENOUGH = 0.9


def _counted_in_first_window(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    spec: dict[str, Any],
    days: Days | None,
    bound: int,
    share: float,
) -> tuple[Window | None, dict[str, Any] | None, Window | None]:
    """(the first window with its matches, the facets counted in it, None) when it holds ``bound``
    matches or nearly (``ENOUGH``); (None, None, the window with its matches) when it holds fewer, so
    the look for a wider one starts from what it held; (None, None, None) when it would cover every day."""
    guess = first_window(query, days, need=bound, share=share)
    if guess is None:
        return None, None, None
    answer = searcher.aggregate(guess.query, {**spec, _MATCHED: {"value_count": {"field": s.DOC_ID}}})
    matches = int((answer.get(_MATCHED) or {}).get("value") or 0)
    counted = Window(guess.query, matches, guess.first_day, [])
    if matches < bound * ENOUGH:
        return None, None, counted
    return counted, answer, None


def merged_facets(shards: list[Buckets]) -> Counted:
    """The shards' counts added up per value, then cut to what a page shows: largest counts first,
    years newest first."""
    out: dict[str, tuple[FacetCount, ...]] = {}
    for name in FACET_NAMES:
        summed: dict[str, int] = defaultdict(int)
        for shard in shards:
            for value, n in shard.counts[name].items():
                summed[value] += n
        out[name] = _facet(name, list(summed.items()))
    expired = sum(shard.expired for shard in shards)
    if expired:
        out["access"] = (*out["access"], FacetCount(EXPIRED_AK, expired))
    # A shard that counted all its matches adds them all to a sample another shard took.
    sampled = any(shard.sample for shard in shards)
    sample = sum(shard.sample or shard.counted for shard in shards) if sampled else 0
    return Counted(out, sample)


def _terms(name: str, today: date) -> dict[str, Any]:
    spec: dict[str, Any] = {"terms": {"field": _FIELDS[name], "size": ASKED, "segment_size": SEGMENT_SIZE}}
    if name == "access":
        # Expired AK (restriction ended on or before today) counted in the same pass; "to" is exclusive.
        ended = {"from": 1, "to": today.toordinal() + 1}
        spec["aggs"] = {"ended": {"range": {"field": s.RESTRICTION_ENDS, "ranges": [ended]}}}
    return spec


def _buckets(answer: dict[str, Any], name: str) -> list[tuple[str, int]]:
    buckets = (answer.get(name) or {}).get("buckets") or []
    return [(str(b["key"]), int(b["doc_count"])) for b in buckets if b.get("doc_count")]


def _facet(name: str, buckets: list[tuple[str, int]]) -> tuple[FacetCount, ...]:
    if name == "year":
        years = [FacetCount(value, n) for value, n in buckets if value not in ("0", "")]
        return tuple(sorted(years, key=lambda f: f.value, reverse=True)[: KEPT[name]])
    merged = _merged(buckets) if name in ("doc_type", "series") else buckets
    ordered = sorted(merged, key=lambda b: (-b[1], b[0].lower()))
    return tuple(FacetCount(value, n) for value, n in ordered[: KEPT[name]] if value)


def _merged(buckets: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Spellings that differ only in case counted as one, under the most common spelling.

    The filter compares case-insensitively, so this keeps a facet's count equal to the hits its
    link finds.
    """
    totals: dict[str, int] = defaultdict(int)
    label: dict[str, tuple[int, str]] = {}
    for value, n in buckets:
        key = keyword(value)
        totals[key] += n
        if key not in label or n > label[key][0]:
            label[key] = (n, value)
    return [(label[key][1], n) for key, n in totals.items()]


def _expired(answer: dict[str, Any]) -> int:
    """Expired AK (a subset of "ak", counted at query time because it depends on today)."""
    for bucket in (answer.get("access") or {}).get("buckets") or []:
        if str(bucket.get("key")) == "ak":
            ranges = (bucket.get("ended") or {}).get("buckets") or []
            return sum(int(r.get("doc_count") or 0) for r in ranges if r.get("from") == 1.0)
    return 0
