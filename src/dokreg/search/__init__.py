"""Full-text search over the archive: a Tantivy index derived from the database.

The public surface is this module: ``search()`` (hits, facets, snippets naming file and page), the
one ``IndexWriter``, ``index_clear()`` for rebuilds, the value types and the errors. Schema,
analyser, query parser, filters, facets, ranking and snippets are private.

The document fields it indexes, filters and takes in ``IndexDoc`` come from the field table
(``dokreg.fields``): an entry with ``keyword=`` or ``text=`` is stored and filtered with no code here.

Schema versions: when ``SCHEMA_VERSION`` changes, or the field table's fields do, opening an older
index (to search or to write) raises ``IndexOutdated`` with "run dokreg reindex"; the rebuild calls ``index_clear()`` and then
writes every document with ``IndexWriter``; ``index_outdated()`` tells the indexing stage to rebuild
on its own. A directory with no index yet searches as empty.

Shards (``shards``): with DOKREG_INDEX_SHARDS=n the index is n Tantivy indexes searched side by side on
threads and merged; readers follow the layout on disk, the writer the setting.
"""

from dokreg.search import services as _services
from dokreg.search.errors import IndexBroken, IndexBusy, IndexOutdated, QueryTooCostly
from dokreg.search.schema import SCHEMA_VERSION, index_clear, index_outdated
from dokreg.search.services import search
from dokreg.search.types import (
    EXPIRED_AK,
    FACET_NAMES,
    FacetCount,
    FileText,
    Hit,
    IndexDoc,
    SearchFilters,
    SearchResult,
)
from dokreg.search.writer import IndexWriter


def total_bound() -> int | None:
    """Totals are exact up to this many matches ("more than N" beyond); None: always exact."""
    return _services.TOTAL_BOUND


__all__ = [
    "EXPIRED_AK",
    "FACET_NAMES",
    "SCHEMA_VERSION",
    "FacetCount",
    "FileText",
    "Hit",
    "IndexBroken",
    "IndexBusy",
    "IndexDoc",
    "IndexOutdated",
    "IndexWriter",
    "QueryTooCostly",
    "SearchFilters",
    "SearchResult",
    "index_clear",
    "index_outdated",
    "search",
    "total_bound",
]
