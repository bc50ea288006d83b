"""Bulk export per body and year, streamed: NDJSON (every field ``export_documents`` gives) and CSV.

Rows come from ``reading.exports.export_documents`` (the publication rule's export); no file text,
only its length. Text is personal-code masked; CSV cells that a spreadsheet would run as a formula
get a leading apostrophe, since titles come from registers and registers are outside input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from dokreg.api.items import masked
from dokreg.api.routers.documents import ApiNotFound
from dokreg.api.schemas import ErrorOut
from dokreg.reading import registries
from dokreg.reading.csv_lines import csv_lines
from dokreg.reading.exports import CSV_COLUMNS, export_documents

router = Router(tags=["export"])

MIN_YEAR, MAX_YEAR = 1990, 2100


@router.get("/export/{slug}.ndjson", response={404: ErrorOut, 400: ErrorOut}, url_name="export_ndjson")
def export_ndjson(
    request: HttpRequest, slug: str, year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR)
) -> StreamingHttpResponse:
    """One JSON object a line per published document of the body (of ``year`` when given)."""
    rows = _rows(slug, year)
    lines = (json.dumps(masked(row), ensure_ascii=False) + "\n" for row in rows)
    return _streamed(lines, "application/x-ndjson; charset=utf-8", _filename(slug, year, "ndjson"))


@router.get("/export/{slug}.csv", response={404: ErrorOut, 400: ErrorOut}, url_name="export_csv")
def export_csv(
    request: HttpRequest, slug: str, year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR)
) -> StreamingHttpResponse:
    """The same documents as CSV with a fixed header (``CSV_COLUMNS``); files as a count and text length."""
    rows = _rows(slug, year)
    return _streamed(_csv_lines(rows), "text/csv; charset=utf-8", _filename(slug, year, "csv"))


def _rows(slug: str, year: int | None) -> Iterator[dict[str, Any]]:
    body = registries.body(slug)
    if body is None:
        raise ApiNotFound(f"registry {slug!r}: no such body in the catalogue")
    return export_documents(registry=body, year=year)


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    # Masked once more here: the API's second line, as for every item it gives out.
    return csv_lines(
        CSV_COLUMNS, ([masked(v) if isinstance(v, str) else v for v in _csv_values(row)] for row in rows)
    )


def _csv_values(row: dict[str, Any]) -> list[Any]:
    files = row.get("files") or []
    computed = {"file_count": len(files), "text_length": sum(f.get("text_length") or 0 for f in files)}
    return [computed[name] if name in computed else row.get(name) for name in CSV_COLUMNS]


def _filename(slug: str, year: int | None, extension: str) -> str:
    return f"{slug}-{year}.{extension}" if year else f"{slug}.{extension}"


def _streamed(chunks: Iterator[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type=content_type)
    # The slug is a SlugField value from our catalogue, safe in a header as it is.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
