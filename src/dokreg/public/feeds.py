"""Atom feeds: any search, a body, a series of a body, a matter — 50 newest published documents each.

Built on ``django.contrib.syndication`` over the read layer, as the pages are: the search feed takes
the results page's parameters (checked by ``parse_search``) and its re-checked results; the other
feeds read ``reading.browse``. Items are ``DocumentCard`` values: metadata only (never file text), masked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from dokreg.archive.text import xml_safe_all
from dokreg.errors import BadInput, DokregError
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading import browse, registries
from dokreg.reading import documents as selectors
from dokreg.reading.params import SearchParams, parse_search
from dokreg.reading.types import DocumentCard, MatterView, RegistryView

ITEMS = 50


class DocumentFeed(Feed):
    """What every feed's items look like: title, our page, reference · type · body, update time."""

    feed_type = Atom1Feed

    def get_feed(self, obj: Any, request: HttpRequest) -> Atom1Feed:
        """The feed with every string XML-safe: a control character stored before the archive
        cleaned its input, or one in a query parameter, must not turn the whole feed into a 500."""
        feed = super().get_feed(obj, request)
        feed.feed = xml_safe_all(feed.feed)
        feed.items = xml_safe_all(feed.items)
        return feed

    def item_title(self, item: DocumentCard) -> str:
        return mask_personal_codes(item.title or item.reference or _("(pealkirjata)"))

    def item_link(self, item: DocumentCard) -> str:
        return reverse("public:document", args=[item.pk])

    def item_description(self, item: DocumentCard) -> str:
        parts = [item.reference, item.doc_type, item.registry.name]
        if item.registered:
            parts.append(item.registered.strftime("%d.%m.%Y"))
        # Atom's <summary type="html"> is read as HTML: the register's text is escaped so markup stays text.
        return escape(mask_personal_codes(" · ".join(p for p in parts if p)))

    def item_pubdate(self, item: DocumentCard) -> datetime:
        return item.first_seen_at

    def item_updateddate(self, item: DocumentCard) -> datetime:
        return item.last_changed_at or item.first_seen_at

    def item_categories(self, item: DocumentCard) -> list[str]:
        return [c for c in (item.doc_type, item.access) if c]


class SearchFeed(DocumentFeed):
    """``/otsi/atom/?…`` — the results page's query and filters, newest registered first."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except DokregError as exc:  # bad parameters, or the index cannot answer just now
            if exc.code == BadInput.code:
                return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
            return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")

    def get_object(self, request: HttpRequest) -> tuple[SearchParams, str]:
        # The query string travels with the params: a Feed instance serves every request, so
        # nothing per request may be kept on it.
        data = request.GET.copy()
        data.pop("page", None)
        _form, params = parse_search(data, registry_choices=registries.registry_choices())
        if params.errors:
            raise BadInput("; ".join(params.errors))
        return replace(params, sort="date", page=1), data.urlencode()

    def title(self, obj: tuple[SearchParams, str]) -> str:
        params = obj[0]
        q = mask_personal_codes(params.q)
        return _("Otsing: %(q)s") % {"q": q} if params.q else _("Uusimad dokumendid")

    def link(self, obj: tuple[SearchParams, str]) -> str:
        return reverse("public:results") + (f"?{obj[1]}" if obj[1] else "")

    def feed_url(self, obj: tuple[SearchParams, str]) -> str:
        return reverse("feeds:search") + (f"?{obj[1]}" if obj[1] else "")

    def subtitle(self, obj: tuple[SearchParams, str]) -> str:
        return _("Dokumendiregistrite arhiiv: %(n)s uusimat otsingule vastavat dokumenti") % {"n": ITEMS}

    def items(self, obj: tuple[SearchParams, str]) -> list[DocumentCard]:
        page = selectors.results_page(obj[0], per_page=ITEMS, facets=False)  # a feed shows no facets
        return [row.document for row in page.rows]


class RegistryFeed(DocumentFeed):
    """``/asutus/<slug>/atom/`` — a body's newest; ``?sari=<series or its code>`` narrows to one series."""

    def get_object(self, request: HttpRequest, slug: str) -> tuple[RegistryView, str]:
        series = request.GET.get("sari", "").strip()[:500]
        body = registries.body(slug)
        if body is None:
            raise Http404("no such body in the catalogue")
        return body, series

    def title(self, obj: tuple[RegistryView, str]) -> str:
        body, series = obj
        return f"{body.name}: {mask_personal_codes(series)}" if series else body.name

    def link(self, obj: tuple[RegistryView, str]) -> str:
        return reverse("public:registry", args=[obj[0].slug])

    def items(self, obj: tuple[RegistryView, str]) -> list[DocumentCard]:
        body, series = obj
        return browse.newest_arrivals(registry=body, series=series, limit=ITEMS)


class MatterFeed(DocumentFeed):
    """``/asi/<id>/atom/`` — the documents of one matter (one reference root); unknown when none is published."""

    def get_object(self, request: HttpRequest, pk: int) -> tuple[MatterView, DocumentCard]:
        found = browse.matter_documents(pk, limit=1)
        if found is None:
            raise Http404("no matter with published documents")
        matter, first = found
        return matter, first[0]

    def title(self, obj: tuple[MatterView, DocumentCard]) -> str:
        return f"{obj[0].registry.name}: {obj[0].root}"

    def link(self, obj: tuple[MatterView, DocumentCard]) -> str:
        return reverse("public:document", args=[obj[1].pk])

    def items(self, obj: tuple[MatterView, DocumentCard]) -> list[DocumentCard]:
        return browse.newest_arrivals(matter_id=obj[0].pk, limit=ITEMS)


app_name = "feeds"
urlpatterns = [
    path("otsi/atom/", SearchFeed(), name="search"),
    path("asutus/<slug:slug>/atom/", RegistryFeed(), name="registry"),
    path("asi/<int:pk>/atom/", MatterFeed(), name="matter"),
]
