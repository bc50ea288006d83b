from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dokreg.reading import overview


@require_safe
def national(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "name")
    error = None
    if sort not in overview.SORTS:
        error = _("Tundmatu järjestus; näitan nime järgi.")
        sort = "name"
    rows = overview.national_overview(today=timezone.localdate(), sort=sort)
    context = {"rows": rows, "sort": sort, "error": error}
    return render(request, "public/overview.html", context, status=400 if error else 200)
