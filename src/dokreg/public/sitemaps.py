"""Sitemaps (``/sitemap.xml``): an index of the static pages and one section per body and year.

Sections list only ``publishable_documents()``: a document restricted later stays listed (its
metadata is public), one withdrawn or taken down leaves at the next crawl. Sections are found in
the database per request, so a new body or year appears without a deploy. Also ``/robots.txt``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from dokreg.archive.models import Document
from dokreg.archive.selectors import publishable_documents
from dokreg.registries.models import Registry

UNDATED = "undated"


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["public:home", "public:registries", "public:about"]

    def location(self, item: str) -> str:
        return reverse(item)


class RegistriesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> QuerySet[Registry]:
        return Registry.objects.exclude(state=Registry.State.NOT_COVERED).order_by("slug")

    def location(self, item: Registry) -> str:
        return reverse("public:registry", args=[item.slug])


class DocumentsSitemap(Sitemap):
    """One body's published documents of one registration year (or those without a date)."""

    def __init__(self, slug: str, year: int | None) -> None:
        self.slug, self.year = slug, year

    def items(self) -> QuerySet[Document]:
        qs = publishable_documents().filter(registry__slug=self.slug)
        qs = (
            qs.filter(registered__isnull=True) if self.year is None else qs.filter(registered__year=self.year)
        )
        return qs.only("pk", "first_seen_at", "last_changed_at").order_by("pk")

    def location(self, item: Document) -> str:
        return reverse("public:document", args=[item.pk])

    def lastmod(self, item: Document) -> datetime:
        return item.last_changed_at or item.first_seen_at

    def get_latest_lastmod(self) -> datetime | None:
        # Django's default loads every item to take the maximum; the index asks this of every section.
        latest = self.items().aggregate(latest=Max(Coalesce("last_changed_at", "first_seen_at")))
        return latest["latest"]


class Sections(Mapping):
    """The sitemap sections, read from the database when asked (Django's views take any mapping)."""

    fixed = {"static": StaticSitemap, "registries": RegistriesSitemap}
    # reverse() compares a URL's default arguments with ==; Mapping's == would build every section.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __getitem__(self, section: str) -> Sitemap:
        if section in self.fixed:
            return self.fixed[section]()
        slug, _, year = section.rpartition("-")
        if not slug or not (year == UNDATED or (year.isdigit() and len(year) == 4)):
            raise KeyError(section)
        if not Registry.objects.filter(slug=slug).exists():
            raise KeyError(section)
        return DocumentsSitemap(slug, None if year == UNDATED else int(year))

    def __iter__(self) -> Iterator[str]:
        yield from self.fixed
        pairs = (
            publishable_documents()
            .annotate(year=ExtractYear("registered"))
            .values_list("registry__slug", "year")
            .distinct()
        )
        # Sorted here: databases disagree on where NULL (undated) goes; undated comes last.
        for slug, year in sorted(pairs, key=lambda p: (p[0], p[1] is None, p[1] or 0)):
            yield f"{slug}-{year if year is not None else UNDATED}"

    def __len__(self) -> int:
        return sum(1 for _ in self)


SECTIONS = Sections()


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemaps:index"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /i18n/", "Allow: /", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


app_name = "sitemaps"
urlpatterns = [
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SECTIONS, "sitemap_url_name": "sitemaps:section"},
        name="index",
    ),
    path("sitemap-<str:section>.xml", sitemap_views.sitemap, {"sitemaps": SECTIONS}, name="section"),
    path("robots.txt", robots_txt, name="robots"),
]
