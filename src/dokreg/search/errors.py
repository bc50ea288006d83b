"""Errors of the search index. Both carry the stable codes the API and the CLI report."""

from __future__ import annotations

from dokreg.errors import BadInput, DokregError


class IndexOutdated(DokregError):
    """The index on disk was built with another schema version; it must be rebuilt from the database."""

    code = "index_outdated"


class IndexBusy(DokregError):
    """Another process holds the index's single writer lock."""

    code = "index_busy"


class IndexBroken(DokregError):
    """The index files cannot be opened (damaged, or written by an incompatible Tantivy)."""

    code = "index_broken"


class QueryTooCostly(BadInput):
    """A query whose cost (prefix expansions) would slow every other reader; the reader is told how to narrow it.

    It is a BadInput, so pages and the API answer 400 with the message, as for any other bad parameter."""
