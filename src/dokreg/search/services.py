"""search(): filters, sorting, counting and snippets over the index.

Web processes and the indexer are different processes, so each search checks cheaply whether the
writer committed (meta.json, a few kilobytes that Tantivy rewrites on every commit, has changed)
and reloads then. Its bytes are compared, not its mtime: two commits can share a coarse timestamp.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tantivy

from dokreg.errors import BadInput
from dokreg.search import schema as s
from dokreg.search.analyser import Analyser, default_analyser
from dokreg.search.query import Builder, parse
from dokreg.search.snippets import Snippets
from dokreg.search.spelling import corrected
from dokreg.search.types import Hit, SearchFilters, SearchResult
from dokreg.search.writer import keyword

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
) -> SearchResult:
    """Search the index. An empty query matches everything, newest first; no index yet gives no hits.

    ``sort`` is "relevance" (BM25) or "date" (registered, newest first); anything else is relevance.
    Raises IndexOutdated when the index was built with another schema version.
    """
    return run_search(query, filters=filters, sort=sort, offset=offset, limit=limit, index_dir=index_dir)


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
) -> SearchResult:
    """search() with the analyser's lemma matching switchable (``lemmas=False``: surface forms only)."""
    query = query if isinstance(query, str) else ""
    searcher = _searcher(s.resolve_dir(index_dir))
    if searcher is None:
        return SearchResult(total=0, hits=(), query=query)
    analyser = analyser or default_analyser()
    tree = parse(query)
    built = Builder(analyser, lemmas=lemmas).build(tree)
    full = _filtered(built.query, filters)
    offset = min(max(0, _whole(offset, "offset")), MAX_OFFSET)
    limit = min(max(0, _whole(limit, "limit")), MAX_LIMIT)
    by_date = sort == "date" or not built.positive
    order = {"order_by_field": s.REGISTERED, "order": tantivy.Order.Desc} if by_date else {}
    # Tantivy refuses a limit of 0; ask for one hit and drop it when only the count is wanted.
    found = searcher.search(full, max(limit, 1), count=True, offset=offset, **order)
    snippets = Snippets(built.highlight, analyser)
    hits = tuple(_hit(searcher, score, address, snippets) for score, address in found.hits[:limit])
    suggestion = corrected(query, tree, searcher, analyser) if found.count == 0 and built.positive else None
    return SearchResult(total=found.count, hits=hits, query=query, corrected=suggestion)


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
    return Hit(
        doc_id=int(doc.get_first(s.DOC_ID)),
        score=relevance,
        snippet=snippets(title, text),
    )


def _stored_text(doc: tantivy.Document, name: str) -> str:
    value = doc.get_first(name)
    return bytes(value).decode("utf-8", "replace") if value else ""


def _filtered(query: tantivy.Query, filters: SearchFilters) -> tantivy.Query:
    must = [query]
    for field_name, values in (
        (s.REGISTRY, filters.registries),
        (s.DOC_TYPE, filters.doc_types),
        (s.ACCESS, filters.access),
    ):
        wanted = sorted({keyword(v) for v in values if isinstance(v, str) and v.strip()})
        if wanted:
            must.append(tantivy.Query.term_set_query(s.SCHEMA, field_name, wanted))
    if filters.date_from or filters.date_to:
        must.append(_date_range(filters.date_from, filters.date_to))
    if len(must) == 1:
        return query
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


def _date_range(date_from: date | None, date_to: date | None) -> tantivy.Query:
    # Day 0 stands for "no date", so any date bound leaves undated documents out.
    lower = max(1, date_from.toordinal()) if date_from else 1
    upper = date_to.toordinal() if date_to else date.max.toordinal()
    return tantivy.Query.range_query(s.SCHEMA, s.REGISTERED, tantivy.FieldType.Integer, lower, upper)


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
