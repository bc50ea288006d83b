"""search(): filters, sorting, counting, facets and snippets over the index.

Web processes and the indexer are different processes, so each search checks cheaply whether the
writer committed (meta.json, a few kilobytes that Tantivy rewrites on every commit, has changed)
and reloads then. Its bytes are compared, not its mtime: two commits can share a coarse timestamp.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tantivy

from dokreg.errors import BadInput
from dokreg.privacy.personal_codes import replace_personal_codes
from dokreg.search import schema as s
from dokreg.search.analyser import Analyser, default_analyser
from dokreg.search.facets import count_facets
from dokreg.search.filters import filter_clauses, with_filters
from dokreg.search.query import Builder, parse
from dokreg.search.ranking import boosted_page
from dokreg.search.snippets import Snippets
from dokreg.search.spelling import FEW_HITS, corrected
from dokreg.search.types import Hit, SearchFilters, SearchResult

MAX_LIMIT = 1_000
MAX_OFFSET = 100_000


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
    searcher = _searcher(s.resolve_dir(index_dir))
    if searcher is None:
        only = removed and not query.strip()
        return SearchResult(
            total=0, hits=(), query=query, personal_code_removed=removed, personal_code_only=only
        )
    analyser = analyser or default_analyser()
    today = today or date.today()
    built = Builder(analyser, lemmas=lemmas).build(tree)
    if removed and not built.positive:
        return SearchResult(
            total=0, hits=(), query=query.strip(), personal_code_removed=True, personal_code_only=True
        )
    clauses = filter_clauses(filters, today)
    full = with_filters(built.query, clauses)
    offset = min(max(0, _whole(offset, "offset")), MAX_OFFSET)
    limit = min(max(0, _whole(limit, "limit")), MAX_LIMIT)
    if sort in ("date", "oldest") or not built.positive:
        # Tantivy refuses a limit of 0; ask for one hit and drop it when only the count is wanted.
        direction = tantivy.Order.Asc if sort == "oldest" else tantivy.Order.Desc
        order = {"order_by_field": s.REGISTERED, "order": direction}
        found = searcher.search(full, max(limit, 1), count=True, offset=offset, **order)
        total, page = found.count, found.hits[:limit]
    else:
        total, page = boosted_page(searcher, full, offset=offset, limit=limit, today=today)
    snippets = Snippets(built.highlight, analyser)
    hits = tuple(_hit(searcher, score, address, snippets) for score, address in page)
    few = total <= FEW_HITS and built.positive
    suggestion = corrected(query, tree, searcher, analyser, total) if few else None
    counted = count_facets(searcher, built.query, clauses, today) if facets else {}
    return SearchResult(
        total=total,
        hits=hits,
        query=query,
        corrected=suggestion,
        facets=counted,
        personal_code_removed=removed,
    )


def _whole(value: object, name: str) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadInput(f"search {name} {value!r} is not a whole number") from exc


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
    index: tantivy.Index
    version_stamp: tuple[int, int]
    meta: bytes


_readers: dict[Path, _Reader] = {}
_readers_lock = threading.Lock()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _searcher(index_dir: Path) -> tantivy.Searcher | None:
    """A searcher that sees the latest commit; None while there is no index."""
    meta = _read(index_dir / "meta.json")
    version = _stamp(index_dir / s.VERSION_FILE)
    with _readers_lock:
        if meta is None:
            _readers.pop(index_dir, None)
            return None
        reader = _readers.get(index_dir)
        if reader is None or version is None or reader.version_stamp != version[:2]:
            # First use, or the index was cleared and recreated: open it afresh (checks the version).
            index = s.open_index(index_dir, create=False)
            if index is None:
                return None
            reader = _Reader(index, version[:2] if version else (0, 0), meta)
            _readers[index_dir] = reader
        elif reader.meta != meta:
            reader.index.reload()
            reader.meta = meta
        return reader.index.searcher()
