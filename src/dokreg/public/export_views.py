"""Downloads of the current result list (CSV, NDJSON). They sit under /otsi/, so the search rate limit
and search slots of ``dokreg.ratelimit`` count them like the results page they copy."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from dokreg.errors import BadInput, DokregError
from dokreg.reading import registries, result_export
from dokreg.reading.params import parse_search


@require_safe
def results_csv(request: HttpRequest) -> HttpResponse:
    sep = request.GET.get("sep", "")
    if sep not in result_export.DELIMITERS:
        return _refused(f"sep {sep[:20]!r}: use 'comma' or 'semicolon'")
    return _export(request, "csv", delimiter=result_export.DELIMITERS[sep])


@require_safe
def results_ndjson(request: HttpRequest) -> HttpResponse:
    return _export(request, "ndjson")


def _export(request: HttpRequest, kind: str, *, delimiter: str = ",") -> HttpResponse:
    _, params = parse_search(request.GET, registry_choices=registries.registry_choices())
    if params.errors:
        return _refused("; ".join(params.errors))
    base_url = request.build_absolute_uri("/").rstrip("/")
    docs = result_export.exported_documents(params, today=timezone.localdate())
    try:
        # The first batch is read before the response starts, so a query the index refuses is a 400
        # with the reason, not a broken download.
        first = next(docs, None)
    except BadInput as exc:
        return _refused(str(exc))
    except DokregError:
        return HttpResponse(
            "search is not available now; try again later\n", status=503, content_type="text/plain"
        )
    rows = _chain(first, docs)
    if kind == "csv":
        chunks = result_export.csv_chunks(rows, base_url=base_url, delimiter=delimiter)
        return _streamed(chunks, "text/csv; charset=utf-8", "dokreg-otsing.csv")
    chunks = result_export.ndjson_chunks(rows, base_url=base_url)
    return _streamed(chunks, "application/x-ndjson; charset=utf-8", "dokreg-otsing.ndjson")


def _chain(first, rest) -> Iterator:
    if first is not None:
        yield first
        yield from rest


def _refused(reason: str) -> HttpResponse:
    return HttpResponse(f"export refused: {reason}\n", status=400, content_type="text/plain; charset=utf-8")


def _streamed(chunks: Iterator[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
