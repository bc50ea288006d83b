"""The current result list as a file: CSV (UTF-8 with a BOM, comma or semicolon) or NDJSON.

The rows are the results page's, in its order, through the same publication rule (hits re-checked
against the database), bounded at EXPORT_MAX_ROWS and streamed in batches so a large export never sits
in memory. Documents restricted for internal use (AK) are left out altogether, and no file text or
snippet is exported: a list meant to travel (spreadsheets, newsrooms) carries only what is public.
Rows leave as ``ListedDocument`` values, every string masked for personal codes (``reading.build``);
the boundary middleware masks the stream again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse

from dokreg.archive.models import Access, Document
from dokreg.fields import LISTED
from dokreg.reading import build
from dokreg.reading import documents as selectors
from dokreg.reading.csv_lines import csv_lines
from dokreg.reading.ordering import ORDERINGS, registry_counts, registry_slices
from dokreg.reading.params import SearchParams
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import ListedDocument, RegistryRef

EXPORT_MAX_ROWS = 5_000
BATCH = 500
BOM = "\ufeff"
# A column's name where it is not the field's: the register's page is "source_url", as in the API.
RENAMED = {"url": "source_url"}
# The document, its archive page and its body, then the field table's ``listed`` columns in order.
COLUMNS = ("id", "archive_url", "registry", "registry_name", *(RENAMED.get(name, name) for name in LISTED))
# What a row reads of a document (and its body): loading only these keeps a 5,000-row export cheap.
EXPORTED_FIELDS = ("id", "registry__slug", "registry__name", *LISTED)
# A cell starting with one of these is a formula to a spreadsheet: quoted so it stays text.
DELIMITERS = {"": ",", "comma": ",", "semicolon": ";"}


def exported_documents(
    params: SearchParams, *, today: date, limit: int = EXPORT_MAX_ROWS
) -> Iterator[ListedDocument]:
    """The result list's documents in its order, at most ``limit``, AK documents left out."""
    if params.q:
        docs = _index_documents(params, today=today, limit=limit)
    else:
        docs = _database_documents(params, today=today, limit=limit)
    bodies: dict[int, RegistryRef] = {}  # each body's name masked once
    for doc in docs:
        if doc.access != Access.AK:
            yield build.listed(doc, bodies=bodies)


def _database_documents(params: SearchParams, *, today: date, limit: int) -> Iterator[Document]:
    qs: QuerySet[Document] = selectors.filtered_documents(publishable_documents(), params, today)
    qs = qs.exclude(access=Access.AK).select_related("registry").only(*EXPORTED_FIELDS)
    qs = qs.order_by(*ORDERINGS.get(params.effective_sort, (F("registered").desc(nulls_last=True), "-id")))
    # Batches of plain queries, not .iterator(): a server-side cursor (PostgreSQL) would outlive a
    # download the reader abandons half-way, and die with its transaction.
    for start in range(0, limit, BATCH):
        batch = list(qs[start : min(start + BATCH, limit)])
        yield from batch
        if len(batch) < BATCH:
            return


def _index_documents(params: SearchParams, *, today: date, limit: int) -> Iterator[Document]:
    if params.effective_sort == "registry":
        counts, _ = registry_counts(params, today=today)
        for slug, local, n in registry_slices(counts, offset=0, limit=limit):
            body = replace(params, registries=(slug,), sort="relevance")
            yield from _index_batches(body, start=local, limit=n, today=today)
        return
    yield from _index_batches(params, start=0, limit=limit, today=today)


def _index_batches(params: SearchParams, *, start: int, limit: int, today: date) -> Iterator[Document]:
    offset, end = start, start + limit
    while offset < end:
        size = min(BATCH, end - offset)
        result = selectors.index_search(params, offset=offset, limit=size, facets=False, today=today)
        yield from _rechecked(result.hits)
        if len(result.hits) < size:
            return
        offset += size


def _rechecked(hits) -> list[Document]:
    """The hits the database still publishes, in the index's order (it may lag a takedown)."""
    ids = [hit.doc_id for hit in hits]
    found = publishable_documents().select_related("registry").only(*EXPORTED_FIELDS).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def document_url_pattern(base_url: str) -> str:
    """The archive URL of a document with ``{}`` for its id: reverse() once, not once a row."""
    return base_url + reverse("public:document", args=[0]).replace("/0/", "/{}/")


def document_row(doc: ListedDocument, *, base_url: str, url_pattern: str = "") -> dict[str, Any]:
    """One line of the export; the values came masked from the read layer."""
    row = {
        "id": doc.pk,
        "archive_url": (url_pattern or document_url_pattern(base_url)).format(doc.pk),
        "registry": doc.registry.slug,
        "registry_name": doc.registry.name,
    }
    row.update({RENAMED.get(name, name): build.plain(doc.values[name]) for name in LISTED})
    return row


def csv_chunks(docs: Iterable[ListedDocument], *, base_url: str, delimiter: str = ",") -> Iterator[str]:
    """A BOM (so spreadsheets read UTF-8), the header, then one line per document."""
    pattern = document_url_pattern(base_url)
    rows = (document_row(doc, base_url=base_url, url_pattern=pattern) for doc in docs)
    return csv_lines(
        COLUMNS, ([row[name] for name in COLUMNS] for row in rows), delimiter=delimiter, prefix=BOM
    )


def ndjson_chunks(docs: Iterable[ListedDocument], *, base_url: str) -> Iterator[str]:
    pattern = document_url_pattern(base_url)
    for doc in docs:
        yield json.dumps(document_row(doc, base_url=base_url, url_pattern=pattern), ensure_ascii=False) + "\n"
