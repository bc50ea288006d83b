"""The publication rule: one query-level rule decides what the public may see.

Public code (pages, search results, API, feeds, sitemaps, exports) reaches documents and files only
through ``publishable_documents()`` and ``publishable_files()``; the index is built from them too.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dokreg.archive.models import Access, Document, FetchState, File

# A document the public may see at all: fetched, still at the source, not taken down.
PUBLISHABLE = Q(fetch_state=FetchState.OK, withdrawn_at__isnull=True, taken_down_at__isnull=True)

# Per-file access values (RMK, Riigikogu) that keep a file's bytes from the public.
FILE_ACCESS_WITHHELD = ("AK", "ak", "Asutusesiseseks kasutamiseks", "RESTRICTED", "Piiratud")


def publishable_documents() -> QuerySet[Document]:
    """Documents whose metadata the public may see (AK documents included: their metadata is public)."""
    return Document.objects.filter(PUBLISHABLE)


def publishable_files() -> QuerySet[File]:
    """Files whose bytes and text the public may see: only public documents' public, downloaded files."""
    return File.objects.filter(
        document__fetch_state=FetchState.OK,
        document__withdrawn_at__isnull=True,
        document__taken_down_at__isnull=True,
        document__access=Access.PUBLIC,
        download_state=File.Download.OK,
    ).exclude(access__in=FILE_ACCESS_WITHHELD)


def files_public(access: str) -> bool:
    """A document's files (bytes, text, snippets) are public only when the document itself is."""
    return access == Access.PUBLIC
