"""Relevance with a gentle recency boost: BM25 × (1 + 0.1·exp(−age / 365 days)).

Why this shape: people searching a document register mostly want the current matter, but a
register is also an archive, so age must never bury a better text match. The factor is at most
1.1 (registered today), 1.037 a year ago and ≈1 after three years: it reorders documents whose
text scores are within 10 % of each other and nothing else. Undated documents get no boost.
Sorting by date is untouched.

Tantivy's Python binding cannot change scores while collecting, so the top hits are taken by BM25
and re-ranked here: the top RERANK_CAP of them. The cap keeps the cost bounded: on generated text where a
quarter of 1M documents tie, growing N to 50,000 (four searches) put p95 at 225 ms; beyond the first
RERANK_CAP (500) hits the order is plain BM25, which differs from the boosted order only among
near-ties (a document outside the first N by BM25 scores at most 1.1 × the N-th BM25 score).
"""

from __future__ import annotations

import math
from datetime import date

import tantivy

from dokreg.search import schema as s
from dokreg.search.shards import Shards

RECENCY_WEIGHT = 0.1
RECENCY_DAYS = 365.0
RERANK_CAP = 500

Ranked = list[tuple[float, tantivy.DocAddress]]
# A page over every shard: (boosted score, shard, address).
Page = list[tuple[float, int, tantivy.DocAddress]]


def recency_factor(registered_ordinal: int | None, today_ordinal: int) -> float:
    if not registered_ordinal:  # undated (stored as day 0)
        return 1.0
    age = max(0, today_ordinal - registered_ordinal)
    return 1.0 + RECENCY_WEIGHT * math.exp(-age / RECENCY_DAYS)


def boosted_page(
    shards: Shards, query: tantivy.Query, *, offset: int, limit: int, today: date
) -> tuple[list[int], Page]:
    """(each shard's number of matches, the hits of the page [offset, offset+limit) by boosted score).

    One search per shard, straight to its top RERANK_CAP: Tantivy scores every match of our queries
    whatever the number of hits asked (they are conjunctions, which it does not prune), so the top 500
    cost what the top 100 do (7.1 against 6.9 ms p50, 29.7 against 28.8 ms p95 at 1M documents), and a
    second search when the first 100 could not settle the page scored every match again: a third
    of the slowest queries did (BENCHMARKS §15). The top RERANK_CAP of the whole index are among the
    shards' own tops, so merging those gives the same page as one index would.
    """
    want = offset + limit
    today_ordinal = today.toordinal()

    def top(shard: int, searcher: tantivy.Searcher) -> tuple[int, Page]:
        found = searcher.search(query, max(RERANK_CAP, want), count=True)
        bm25 = [(float(score), address) for score, address in found.hits]
        return found.count, [
            (score, shard, address) for score, address in _boost(searcher, bm25, today_ordinal)
        ]

    per_shard = shards.each(top)
    merged = [hit for _, hits in per_shard for hit in hits]
    if len(per_shard) > 1:
        merged.sort(key=lambda hit: -hit[0])  # stable: each shard's own order among equal scores
    return [count for count, _ in per_shard], merged[offset:want]


def _boost(searcher: tantivy.Searcher, hits: Ranked, today_ordinal: int) -> Ranked:
    if not hits:
        return []
    days = searcher.fast_field_values(s.REGISTERED, [address for _, address in hits])
    # Hundreds of hits share a few dozen days: one factor per day, not per hit.
    factor = {day: recency_factor(day, today_ordinal) for day in set(days)}
    order = sorted(range(len(hits)), key=lambda i: (-hits[i][0] * factor[days[i]], i))
    # Ties keep Tantivy's order (i), so equal documents page stably.
    return [(hits[i][0] * factor[days[i]], hits[i][1]) for i in order]
