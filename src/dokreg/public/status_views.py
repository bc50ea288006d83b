"""The status page: freshness per register for everyone, the problems behind it for staff."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dokreg.public import status as status_selectors


@require_safe
def status(request: HttpRequest) -> HttpResponse:
    rows = status_selectors.status_rows(today=timezone.localdate())
    return render(request, "public/status.html", {"rows": rows})


@require_safe
@staff_member_required
def status_detail(request: HttpRequest, slug: str) -> HttpResponse:
    detail = status_selectors.status_detail(slug, today=timezone.localdate())
    if detail is None:
        raise Http404("no covered register with this slug")
    return render(request, "public/status_detail.html", {"detail": detail, "row": detail.row})
