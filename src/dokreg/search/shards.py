"""An index in shards: one Tantivy index per shard, searched on a thread each.

Why: Tantivy's Python binding scores a query on one thread, and our queries are conjunctions it
cannot prune, so the slowest queries at a million documents spend ~29 ms scoring every match on one
core while the other idles (BENCHMARKS §15-16). Split into n shards, each thread scores 1/n of the
matches; Tantivy lets go of the GIL while it searches, so the threads run side by side.

Layout (``schema``): without a SHARDS_FILE the index folder is the one Tantivy index, as it was before
shards. With one saying n > 1, the shards are its folders ``shard-0`` … ``shard-<n-1>``, each a whole
index with its own schema version. Document d lives in shard ``d mod n``: an update or a delete goes
to one shard, and a document never moves while n stays. The operator chooses n (``DOKREG_INDEX_SHARDS``,
read by the writer only); readers follow the layout on disk, so web hosts need no setting. An index
with another n than the one asked is outdated: the next index run rebuilds it.

What a shard changes for the results: each shard scores with its own term statistics (document
frequencies, average lengths), which Tantivy's binding gives no way to share. Documents are spread by
id, so at scale each shard's statistics are close to the whole index's; on a tiny index two near-equal
scores may come out in another order than one index gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import tantivy

from dokreg.threads import process_pool

T = TypeVar("T")

MAX_SHARDS = 64


def shard_of(doc_id: int, shards: int) -> int:
    return doc_id % shards


@dataclass(frozen=True)
class Shards:
    """The searchers of every shard of one index generation, in shard order."""

    searchers: tuple[tantivy.Searcher, ...]

    def __len__(self) -> int:
        return len(self.searchers)

    def __iter__(self) -> Iterator[tantivy.Searcher]:
        return iter(self.searchers)

    def __getitem__(self, shard: int) -> tantivy.Searcher:
        return self.searchers[shard]

    def each(self, work: Callable[[int, tantivy.Searcher], T]) -> list[T]:
        """``work(shard, searcher)`` for every shard, side by side; one shard runs on the caller's thread."""
        if len(self.searchers) == 1:
            return [work(0, self.searchers[0])]
        return gathered(self.submit(work))

    def submit(self, work: Callable[[int, tantivy.Searcher], T]) -> list[Future[T]]:
        return [pool().submit(work, i, searcher) for i, searcher in enumerate(self.searchers)]

    def doc_freq(self, field: str, value: str) -> int:
        """In how many documents of the whole index ``field`` holds ``value`` (for spelling)."""
        return sum(searcher.doc_freq(field, value) for searcher in self.searchers)


def gathered(futures: Sequence[Future[T]]) -> list[T]:
    return [f.result() for f in futures]


# A search takes a thread per shard for its page and one per shard for its facets. Threads start only
# when every one is busy, and a pool task never waits for another, so none can deadlock.
POOL_THREADS = 2 * MAX_SHARDS


def pool() -> ThreadPoolExecutor:
    return process_pool("search", POOL_THREADS)
