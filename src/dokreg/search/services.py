"""search(): filters, sorting, counting, facets and snippets over the index.

Web processes and the indexer are different processes, so each search checks cheaply whether the
writer committed (meta.json, a few kilobytes that Tantivy rewrites on every commit, has changed)
and reloads then. Its bytes are compared, not its mtime: two commits can share a coarse timestamp.

Bounded cost at a million documents (BENCHMARKS.md section 7):
- searches without words or sorted by date read only a window of the newest days (``bounds``)
  and count exactly up to TOTAL_BOUND; beyond it the result says "more than" (``total_exact``).
  A relevance search scores every match anyway, so its count is exact and free;
- facet counts past FACET_BOUND matches are taken over the newest matches (``facet_sample``);
- results are kept per index generation (the bytes of meta.json): every commit, including the
  delete of a withdrawn or taken-down document, starts afresh, and the callers re-check every hit
  against the database in any case, so a kept result can never show what is no longer public.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tantivy

from dokreg.errors import BadInput
from dokreg.privacy.personal_codes import replace_personal_codes
from dokreg.search import schema as s
from dokreg.search.analyser import Analyser, default_analyser
from dokreg.search.bounds import Window, in_range, index_days, newest_window
from dokreg.search.facets import facet_buckets, merged_facets
from dokreg.search.filters import filter_clauses, keyword_share, keyword_shares, with_filters
from dokreg.search.query import Builder, parse
from dokreg.search.ranking import boosted_page
from dokreg.search.shards import Shards, gathered
from dokreg.search.snippets import Snippets
from dokreg.search.spelling import FEW_HITS, corrected
from dokreg.search.types import Hit, SearchFilters, SearchResult

MAX_LIMIT = 1_000
MAX_OFFSET = 100_000
# Totals of searches read newest first are exact up to this (or to the end of the page asked);
# past it the total is N with total_exact=False: "more than N". None: always exact. Module values so a benchmark can compare with the bounds off.
TOTAL_BOUND: int | None = 10_000
# Facet counts over at most about this many of the newest matches; None: over every match.
FACET_BOUND: int | None = 10_000


def _kept_results() -> int:
    raw = os.environ.get("DOKREG_SEARCH_KEPT_RESULTS", "512")
    if not raw.strip().isdigit():
        raise ValueError(
            f"DOKREG_SEARCH_KEPT_RESULTS must be a whole number of results (0: none), not {raw!r}"
        )
    return int(raw)


# Results kept per process, per index generation (least recently used beyond this):
# ``DOKREG_SEARCH_KEPT_RESULTS``, 0 to keep none (a benchmark of fresh searches).
CACHED_RESULTS = _kept_results()


def search(
    query: str,
    *,
    filters: SearchFilters = SearchFilters(),  # noqa: B008 - frozen, so a shared default is safe
    sort: str = "relevance",
    offset: int = 0,
    limit: int = 20,
    index_dir: Path | None = None,
    facets: bool = False,
    today: date | None = None,
) -> SearchResult:
    """Search the index. An empty query matches everything, newest first; no index yet gives no hits.

    ``sort`` is "relevance" (BM25 with a gentle recency boost, see ``ranking``) or "date"
    (registered, newest first) or "oldest" (registered, oldest first); anything else is relevance. ``facets=True`` also counts
    FACET_NAMES for the same query and filters (each facet without its own filter).
    ``today`` dates the recency boost and the expired-AK filter (default: the local date).
    Raises IndexOutdated when the index was built with another schema version.
    """
    return run_search(
        query,
        filters=filters,
        sort=sort,
        offset=offset,
        limit=limit,
        index_dir=index_dir,
        facets=facets,
        today=today,
    )


def run_search(
    query: str,
    *,
    filters: SearchFilters,
    sort: str,
    offset: int,
    limit: int,
    index_dir: Path | None,
    lemmas: bool = True,
    analyser: Analyser | None = None,
    facets: bool = False,
    today: date | None = None,
) -> SearchResult:
    """search() with the analyser's lemma matching switchable (``lemmas=False``: surface forms only)."""
    query = query if isinstance(query, str) else ""
    asked = query
    query = replace_personal_codes(asked, " ")
    removed = query != asked
    tree = parse(query)  # before opening the index: a query over budget is refused at once
    opened = _searcher(s.resolve_dir(index_dir))
    if opened is None:
        only = removed and not query.strip()
        return SearchResult(
            total=0, hits=(), query=query, personal_code_removed=removed, personal_code_only=only
        )
    shards, generation = opened
    today = today or date.today()
    offset = min(max(0, _whole(offset, "offset")), MAX_OFFSET)
    limit = min(max(0, _whole(limit, "limit")), MAX_LIMIT)
    key = None
    if analyser is None:  # a caller's own analyser may analyse differently: not kept
        key = (
            generation,
            query,
            removed,
            filters,
            sort,
            offset,
            limit,
            lemmas,
            facets,
            today,
            TOTAL_BOUND,
            FACET_BOUND,
        )
        kept = _cached(key)
        if kept is not None:
            return kept
    result = _run(
        shards,
        generation,
        query,
        tree,
        filters=filters,
        sort=sort,
        offset=offset,
        limit=limit,
        analyser=analyser or default_analyser(),
        lemmas=lemmas,
        facets=facets,
        today=today,
        removed=removed,
    )
    if key is not None:
        _keep(key, result)
    return result


def _run(
    shards: Shards,
    generation: tuple[str, ...],
    query: str,
    tree,
    *,
    filters: SearchFilters,
    sort: str,
    offset: int,
    limit: int,
    analyser: Analyser,
    lemmas: bool,
    facets: bool,
    today: date,
    removed: bool,
) -> SearchResult:
    built = Builder(analyser, lemmas=lemmas).build(tree)
    if removed and not built.positive:
        return SearchResult(
            total=0, hits=(), query=query.strip(), personal_code_removed=True, personal_code_only=True
        )
    clauses = filter_clauses(filters, today)
    full = with_filters(built.query, clauses)
    bounded = TOTAL_BOUND or FACET_BOUND
    days = [index_days(one, (*generation, str(i))) if bounded else None for i, one in enumerate(shards)]
    # The days the date filter keeps: windows of newest days end at the range's last day.
    ranged = [in_range(d, filters.date_from, filters.date_to) for d in days]
    facet_bound = -(-FACET_BOUND // len(shards)) if FACET_BOUND else None

    # Per shard, the share of its documents each keyword filter keeps: sizes windows of newest days.
    shares = [
        keyword_shares(one, filters, d.documents) if d else {} for one, d in zip(shards, days, strict=True)
    ]

    def count(known: list[tuple[int | None, Window | None]]) -> list:
        """The facets of every shard, each told what its page learnt: its exact count of matches, or
        the window of newest days it read them from (``_dated_page``)."""
        return shards.submit(
            lambda i, one: facet_buckets(
                one,
                built.query,
                clauses,
                today,
                bound=facet_bound,
                days=ranged[i],
                all_days=days[i],
                total=known[i][0],
                window=known[i][1],
                shares=shares[i],
            )
        )

    # One shard: the facets are counted on another thread while the page is searched (Tantivy lets
    # go of the GIL), so on two cores the search waits for the longer of the two, not their sum.
    # Not knowing the total yet, the counting sizes its first window of newest days as if every
    # document matched, and grows it (a few more counts) where fewer do.
    counting = count([(None, None)]) if facets and len(shards) == 1 else None
    exact = True
    if sort in ("date", "oldest") or not built.positive:
        total, exact, page, known = _dated_page(
            shards,
            full,
            ranged,
            offset=offset,
            limit=limit,
            oldest=sort == "oldest",
            shares=[keyword_share(one) for one in shares],
        )
    else:
        counts, page = boosted_page(shards, full, offset=offset, limit=limit, today=today)
        total = sum(counts)
        known = [(count, None) for count in counts]
    if facets and len(shards) > 1:
        # Shards: the page already used every core, so the facets come after it, and are counted
        # while the page is quoted below. A shard whose page came from a window of newest days hands
        # it on (it holds more than the facets' bound); one that counted its matches, the count,
        # which sizes the facets' window of newest days.
        counting = count(known)
    if built.positive:
        snippets = Snippets(built.highlight, analyser)
        hits = tuple(_hit(shards[shard], score, address, snippets) for score, shard, address in page)
    else:
        hits = _listed(shards, page)
    few = total <= FEW_HITS and built.positive
    suggestion = corrected(query, tree, shards, analyser, total) if few else None
    counted = merged_facets(gathered(counting)) if counting is not None else None
    return SearchResult(
        total=total,
        total_exact=exact,
        hits=hits,
        query=query,
        corrected=suggestion,
        facets=counted.facets if counted else {},
        facet_sample=counted.sample if counted else 0,
        personal_code_removed=removed,
    )


def _dated_page(
    shards: Shards, full, days: list, *, offset: int, limit: int, oldest: bool, shares: list[float]
) -> tuple[int, bool, list[tuple[int, int, tantivy.DocAddress]], list[tuple[int | None, Window | None]]]:
    """(total, whether it is exact, the page as (day, shard, address), and per shard its exact count
    of matches or the window of newest days it read instead) by registration date. ``shares``: at
    most which share of each shard matches (``keyword_share``), to size the first window.

    Newest first reads a window of the newest days in each shard when the bound allows (oldest first
    is rarer and counts exactly). Each shard gives its newest ``offset + limit`` hits, so the page is
    among them; a shard's window holds at least its share of "more than N" and at least the page.
    """
    want = offset + limit
    n = len(shards)
    more_than = max(TOTAL_BOUND, want) if TOTAL_BOUND is not None and not oldest else None

    def dated(i: int, one: tantivy.Searcher, windowed: bool) -> tuple[int, list, Window | None]:
        if windowed and more_than is not None:
            need = max(-(-(more_than + 1) // n), want)
            window = newest_window(one, full, days[i], need=need, keep=want, share=shares[i])
            if window is not None:
                return window.matches, window.hits, window
        # Tantivy refuses a limit of 0; ask for one hit and drop it when only the count is wanted.
        direction = tantivy.Order.Asc if oldest else tantivy.Order.Desc
        found = one.search(full, max(want, 1), count=True, order_by_field=s.REGISTERED, order=direction)
        return found.count, found.hits[:want], None

    per_shard = shards.each(lambda i, one: dated(i, one, True))
    windowed = any(window for _, _, window in per_shard)
    if windowed and sum(count for count, _, _ in per_shard) <= more_than:
        # Shards with few matches counted theirs exactly and the sum stays under the bound: a window's
        # count is only "at least", so count those shards exactly too.
        per_shard = [dated(i, shards[i], False) if found[2] else found for i, found in enumerate(per_shard)]
        windowed = False
    merged = [(day, i, address) for i, (_, hits, _) in enumerate(per_shard) for day, address in hits]
    merged.sort(key=lambda hit: hit[0], reverse=not oldest)  # stable: shard order among equal days
    page = merged[offset:want]
    known = [(None, window) if window else (count, None) for count, _, window in per_shard]
    if not windowed:
        return sum(count for count, _, _ in per_shard), True, page, known
    return more_than, False, page, known


def _whole(value: object, name: str) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadInput(f"search {name} {value!r} is not a whole number") from exc


def _listed(shards: Shards, page: list[tuple[float | int, int, tantivy.DocAddress]]) -> tuple[Hit, ...]:
    """A page without words: nothing to quote, so each document's id is read from the index's fast
    field, not from its stored text (a read and a decompression of a block per hit)."""
    doc_ids = [0] * len(page)
    per_shard: dict[int, list[tuple[int, tantivy.DocAddress]]] = {}
    for i, (_, shard, address) in enumerate(page):
        per_shard.setdefault(shard, []).append((i, address))
    for shard, placed in per_shard.items():
        values = shards[shard].fast_field_values(s.DOC_ID, [address for _, address in placed])
        for (i, _), value in zip(placed, values, strict=True):
            doc_ids[i] = int(value)
    return tuple(Hit(doc_id=doc_id, score=0.0, snippet="") for doc_id in doc_ids)


def _hit(
    searcher: tantivy.Searcher, score: float | int, address: tantivy.DocAddress, snippets: Snippets
) -> Hit:
    doc = searcher.doc(address)
    title = _stored_text(doc, s.TITLE_STORE)
    text = _stored_text(doc, s.TEXT_STORE)
    # Sorted by date, Tantivy hands back the sort value in place of a score.
    relevance = 0.0 if not isinstance(score, float) else score
    snippet, offset = snippets.locate(title, text)
    file_name, page = _file_at(doc, offset) if offset is not None else (None, None)
    return Hit(
        doc_id=int(doc.get_first(s.DOC_ID)),
        score=relevance,
        snippet=snippet,
        file_name=file_name,
        page=page,
    )


def _file_at(doc: tantivy.Document, offset: int) -> tuple[str | None, int | None]:
    """The file and page whose text holds ``offset`` of the stored text, from the stored map."""
    try:
        where = json.loads(_stored_text(doc, s.TEXT_MAP) or "[]")
        starts = [int(entry[0]) for entry in where]
    except (ValueError, TypeError, IndexError, KeyError):
        return None, None  # a damaged map costs the file name, never the result
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0:
        return None, None
    _, name, page = where[i]
    return (str(name) or None), (page if isinstance(page, int) and not isinstance(page, bool) else None)


def _stored_text(doc: tantivy.Document, name: str) -> str:
    value = doc.get_first(name)
    return bytes(value).decode("utf-8", "replace") if value else ""


# -- readers, reloaded when the writer commits ---------------------------------------------------


@dataclass
class _Reader:
    indexes: list[tantivy.Index]
    version_stamp: tuple
    metas: tuple[bytes, ...]

    @property
    def generation(self) -> tuple[str, str]:
        """Which commit this reader sees: the index folders and a digest of their meta.json."""
        digest = hashlib.blake2b(digest_size=16)
        for meta in self.metas:
            digest.update(len(meta).to_bytes(8, "big") + meta)
        return (str(self.version_stamp), digest.hexdigest())


_readers: dict[Path, _Reader] = {}
_readers_lock = threading.Lock()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def _searcher(index_dir: Path) -> tuple[Shards, tuple[str, ...]] | None:
    """Searchers of every shard that see the latest commit, and its generation; None while there is no index."""
    folders = s.shard_dirs(index_dir)
    metas = tuple(_read(folder / "meta.json") for folder in folders)
    version = tuple(_stamp(folder / s.VERSION_FILE) for folder in folders)
    with _readers_lock:
        if any(meta is None for meta in metas):
            _readers.pop(index_dir, None)
            return None
        reader = _readers.get(index_dir)
        if reader is None or None in version or reader.version_stamp != version:
            # First use, or the index was cleared and recreated: open it afresh (checks the version).
            indexes = s.open_shards(index_dir)
            if indexes is None:
                return None
            reader = _Reader(indexes, version, metas)  # type: ignore[arg-type]
            _readers[index_dir] = reader
        elif reader.metas != metas:
            for index, before, now in zip(reader.indexes, reader.metas, metas, strict=True):
                if before != now:
                    index.reload()
            reader.metas = metas  # type: ignore[assignment]
        searchers = Shards(tuple(index.searcher() for index in reader.indexes))
        return searchers, (str(index_dir), *reader.generation)


# -- results kept per index generation ------------------------------------------------------------

_results: OrderedDict[tuple, SearchResult] = OrderedDict()
_results_lock = threading.Lock()


def _cached(key: tuple) -> SearchResult | None:
    if CACHED_RESULTS <= 0:
        return None
    with _results_lock:
        found = _results.get(key)
        if found is not None:
            _results.move_to_end(key)
        return found


def _keep(key: tuple, result: SearchResult) -> None:
    if CACHED_RESULTS <= 0:
        return
    with _results_lock:
        if _results and next(reversed(_results))[0] != key[0]:
            # A new generation: nothing kept for an older one can be asked for again.
            _results.clear()
        _results[key] = result
        while len(_results) > CACHED_RESULTS:
            _results.popitem(last=False)
