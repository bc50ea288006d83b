"""The public archive's pages: thin views over the read layer (``dokreg.reading``), which keeps the
publication rule and hands out masked output types."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dokreg.archive.storage import blob_open
from dokreg.errors import BadInput, DokregError
from dokreg.public.body_figures import figures_drawn
from dokreg.reading import body as body_stats
from dokreg.reading import browse, figures
from dokreg.reading import documents as selectors
from dokreg.reading import registries as catalogue
from dokreg.reading.kept import body_stamp
from dokreg.reading.ordering import sort_links
from dokreg.reading.params import SearchForm, params_query, parse_page, parse_search
from dokreg.reading.snippet_files import with_file_urls
from dokreg.reading.types import RegistryView

# Types a browser may show in place; everything else (HTML, SVG, XML, …) downloads, so a
# file from a register can never run script on our origin.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"})


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    form = SearchForm(None, registry_choices=catalogue.registry_choices())
    return render(
        request,
        "public/home.html",
        {
            "form": form,
            "documents": selectors.newest_documents(),
            "registries": catalogue.covered_registries(),
        },
    )


@require_safe
def results(request: HttpRequest) -> HttpResponse:
    form, params = parse_search(request.GET, registry_choices=catalogue.registry_choices())
    context: dict = {"form": form, "params": params, "errors": list(params.errors), "result": None}
    if params.errors:
        return render(request, "public/results.html", context, status=400)
    try:
        result = selectors.results_page(params)
    except BadInput as exc:
        context["errors"] = [_("Päringut ei saanud lugeda: %(reason)s") % {"reason": exc}]
        return render(request, "public/results.html", context, status=400)
    except DokregError:
        context["errors"] = [_("Otsing ei ole praegu kättesaadav. Palun proovige hiljem uuesti.")]
        return render(request, "public/results.html", context, status=503)
    context["result"] = with_file_urls(result)
    context["sorts"] = sort_links(params)
    context["export_query"] = params_query(params)
    if result.pager.beyond_end and result.pager.total:
        context["errors"] = [
            _("Sellist lehekülge ei ole: tulemusi on %(n)s lehekülge.") % {"n": result.pager.num_pages}
        ]
        return render(request, "public/results.html", context, status=404)
    return render(request, "public/results.html", context)


@require_safe
def document(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.document_page(pk)
    if page is None:
        raise Http404("no publishable document with this id")
    context = {
        "page": page,
        "doc": page.document,
        "correspondence": page.same_correspondence,
    }
    return render(request, "public/document.html", context)


@require_safe
def registry(request: HttpRequest, slug: str) -> HttpResponse:
    body = catalogue.body(slug)
    if body is None:
        raise Http404("no such body in the catalogue")
    page, page_error = parse_page(request.GET.get("page"))
    stats = body_stats.registry_stats(body)
    pager, documents = body_stats.registry_documents(body, page=page, total=stats.documents)
    status = 400 if page_error else 404 if pager.beyond_end and pager.total else 200
    context = {
        "body": body,
        "stats": stats,
        "pager": pager,
        "documents": documents,
        "page_error": page_error,
        **_body_extras(body, stats),
    }
    return render(request, "public/registry.html", context, status=status)


def _body_extras(body: RegistryView, stats: body_stats.RegistryStats) -> dict:
    """Years to browse, the lag to our first sight and the figures (covered bodies only)."""
    if not body.covered:
        return {}
    # The body's state read once for all its kept figures (a query over its month rows each time).
    stamp = body_stamp(body)
    today = timezone.localdate()
    return {
        "years": browse.body_years(body),
        "median_days": figures.median_days_to_first_sight(body, today=today, stamp=stamp),
        "figures_drawn": figures_drawn(body, stats, stamp=stamp),
    }


@require_safe
def registries(request: HttpRequest) -> HttpResponse:
    bodies = catalogue.all_registries()
    return render(
        request,
        "public/registries.html",
        {
            "covered": [b for b in bodies if b.covered],
            "not_covered": [b for b in bodies if not b.covered],
        },
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "public/about.html", {"contact_url": settings.DOKREG_CONTACT_URL})


@require_safe
def file_download(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Stream a public file's bytes; anything not in ``publishable_files()`` is a 404."""
    file = selectors.download(pk)
    if file is None:
        raise Http404("no public file with this id")
    if file.withheld:
        return HttpResponse(
            _(
                "Faili originaali ei avaldata, sest dokumendis on eraisiku nimi asendatud initsiaalidega. Faili tekst on dokumendi lehel."
            )
            if file.redacted
            else _(
                "Faili originaali ei avaldata, sest see sisaldab isikuandmeid (isikukoodi). Faili tekst on dokumendi lehel, isikukoodid varjatud."
            ),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    try:
        opened = blob_open(file.sha256)
    except DokregError:
        # The object store is unreachable: a passing outage, said as such, never a 500.
        return HttpResponse(
            _("Faili ei saa praegu lugeda, proovige hiljem uuesti."),
            status=503,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "60"},
        )
    if opened is None:
        raise Http404("the file's bytes are not in the store")
    stream, size = opened
    filename = file.filename
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        stream,
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=filename,
    )
    # An object store's stream cannot seek, so FileResponse cannot measure it: the store told us.
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
