"""Pages for browsing a body by date and by classification, and a matter's page: thin views over
``reading.browse``."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dokreg.reading import browse, figures, registries
from dokreg.reading.params import parse_page
from dokreg.reading.types import RegistryView


def _covered_body(slug: str) -> RegistryView:
    body = registries.body(slug)
    if body is None:
        raise Http404("no such body in the catalogue")
    if not body.covered:
        raise Http404("this register is not covered: the archive holds none of its documents")
    return body


def _paged_status(page_error: str | None, pager_beyond_end: bool, total: int) -> int:
    return 400 if page_error else 404 if pager_beyond_end and total else 200


@require_safe
def year(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    body = _covered_body(slug)
    if not browse.valid_year(year):
        raise Http404("no such year")
    months = browse.year_months(body, year)
    context = {
        "body": body,
        "year": year,
        "months": months,
        "total": sum(m.documents for m in months),
        "ak": sum(m.ak for m in months),
    }
    return render(request, "public/browse_year.html", context)


@require_safe
def month(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    body = _covered_body(slug)
    if not browse.valid_year(year) or not 1 <= month <= 12:
        raise Http404("no such month")
    page, page_error = parse_page(request.GET.get("page"))
    pager, documents = browse.month_documents(body, year, month, page=page)
    context = {
        "body": body,
        "year": year,
        "month": date(year, month, 1),
        "pager": pager,
        "documents": documents,
        "page_error": page_error,
    }
    status = _paged_status(page_error, pager.beyond_end, pager.total)
    return render(request, "public/browse_month.html", context, status=status)


@require_safe
def series_tree(request: HttpRequest, slug: str) -> HttpResponse:
    body = _covered_body(slug)
    tree = figures.series_tree(body)
    return render(request, "public/series_tree.html", {"body": body, "tree": tree})


@require_safe
def series(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    body = _covered_body(slug)
    case_file = request.GET.get("toimik", "")
    if not browse.valid_key(key) or (case_file and not browse.valid_key(case_file)):
        raise Http404("no such series")
    page, page_error = parse_page(request.GET.get("page"))
    result = browse.series_page(body, key, case_file=case_file, page=page)
    if result is None:
        raise Http404("no publishable document in this series")
    context = {"body": body, "series": result, "pager": result.pager, "page_error": page_error}
    status = _paged_status(page_error, result.pager.beyond_end, result.pager.total)
    return render(request, "public/series.html", context, status=status)


@require_safe
def matter(request: HttpRequest, pk: int) -> HttpResponse:
    page, page_error = parse_page(request.GET.get("page"))
    result = browse.matter_page(pk, page=page)
    if result is None:
        raise Http404("no publishable document in this matter")
    context = {
        "matter": result,
        "body": result.matter.registry,
        "pager": result.pager,
        "page_error": page_error,
    }
    status = _paged_status(page_error, result.pager.beyond_end, result.pager.total)
    return render(request, "public/matter.html", context, status=status)
