"""Sitemaps (``/sitemap.xml``): an index of the static pages and one section per body and year.

Sections list only what ``reading.sitemap`` gives (publishable documents' ids and times): a document
restricted later stays listed (its metadata is public), one withdrawn or taken down leaves at once.
Sections are found in the per-body monthly counts, so a new body or year appears without a deploy.
The index and each section's pages are kept per body state (``reading.kept``): crawlers ask for
every page, and at a million documents each was 70-250 ms to build. Also ``/robots.txt``.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, path, reverse, set_script_prefix
from django.utils.http import http_date
from django.utils.timezone import get_current_timezone
from django.views.decorators.http import require_safe

from dokreg.public.links import address_parts
from dokreg.reading import registries, sitemap
from dokreg.reading.figures import also_warm
from dokreg.reading.kept import body_kept, body_stamps, kept
from dokreg.reading.types import RegistryView, SitemapEntry

UNDATED = "undated"


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["public:home", "public:registries", "public:about"]

    def location(self, item: str) -> str:
        return reverse(item)


class RegistriesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[RegistryView]:
        return sorted(registries.covered_registries(), key=lambda body: body.slug)

    def location(self, item: RegistryView) -> str:
        return reverse("public:registry", args=[item.slug])


# How long a kept page is served before it is built again for new documents: an hour, not the body
# figures' ten minutes. Crawlers read sitemaps daily at most, and each rebuild of a page of 10,000
# addresses (50-100 ms) in a web process took the core from its requests (BENCHMARKS §18.5).
PAGE_KEEP_SECONDS = 3_600


class DocumentsSitemap(Sitemap):
    """One body's published documents of one registration year (or those without a date)."""

    # Pages of 10,000 addresses, not Django's 50,000: a page took 1.2 s to render at 50,000.
    limit = 10_000

    def __init__(self, registry: RegistryView, year: int | None, stamp: str | None = None) -> None:
        self.registry, self.year, self.stamp = registry, year, stamp

    def items(self) -> sitemap.Entries:
        return sitemap.entries(self.registry, self.year, self.stamp)

    def location(self, item: SitemapEntry) -> str:
        return reverse("public:document", args=[item.pk])

    def lastmod(self, item: SitemapEntry) -> datetime | None:
        return item.lastmod

    def get_latest_lastmod(self) -> datetime | None:
        # Django's default loads every item to take the maximum; the index asks this of every section.
        return sitemap.latest(self.registry, self.year, self.stamp)

    def response(self, request: HttpRequest) -> HttpResponse:
        """One page of the section, as Django's sitemap template writes it.

        Kept per body state (``reading.kept``), compressed: a page of 10,000 addresses read 10,000
        rows (about 50 ms at a million documents) and crawlers ask for every page of every section.
        Something hidden changes the body's stamp, read here for each request (not the index
        listing's of a moment ago, which may predate a hiding), so it leaves the page at once; a new
        document appears within PAGE_KEEP_SECONDS.
        """
        try:
            number = self.paginator.validate_number(request.GET.get("p", 1))
        except (EmptyPage, PageNotAnInteger) as exc:
            raise Http404(f"no page {request.GET.get('p')!r} of this sitemap") from exc
        site = escape(f"{self.get_protocol(request.scheme)}://{self.get_domain(get_current_site(request))}")
        packed, latest = self.page_kept(number, site)
        headers = {"Last-Modified": http_date(latest)} if latest else None
        return HttpResponse(zlib.decompress(packed), content_type="application/xml", headers=headers)

    def page_kept(self, number: int, site: str, *, stamp: str | None = None) -> tuple[bytes, float | None]:
        """Page ``number`` for ``site`` (scheme and host) under the script prefix, kept per body state:
        ``stamp`` as for ``body_kept`` (a request reads the body's own, never the listing's)."""
        return body_kept(
            self.registry,
            f"sitemap-page-{self.year}-{number}-{site}{get_script_prefix()}",
            lambda: self._written(number, site),
            stamp=stamp,
            keep_seconds=PAGE_KEEP_SECONDS,
        )

    def _written(self, number: int, site: str) -> tuple[bytes, float | None]:
        """The page's XML (zlib, about 20× smaller) and its newest change: Django's template cost about
        60 µs an address, so it is written straight out."""
        entries = self.paginator.page(number).object_list
        before, after = address_parts("public:document")
        parts = [_URLSET_OPEN]
        zone = get_current_timezone()  # once: asking for it per address cost 5 µs each
        for entry in entries:
            day = (
                f"<lastmod>{entry.lastmod.astimezone(zone).date().isoformat()}</lastmod>"
                if entry.lastmod
                else ""
            )
            parts.append(f"<url><loc>{site}{before}{entry.pk}{after}</loc>{day}</url>")
        parts.append(_URLSET_CLOSE)
        dated = [entry.lastmod for entry in entries]
        latest = max(dated).timestamp() if dated and all(dated) else None
        return zlib.compress("".join(parts).encode("utf-8"), 1), latest


_URLSET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
_URLSET_CLOSE = "\n</urlset>\n"


@also_warm
def pages_warm(body: RegistryView, stamp: str) -> None:
    """Every page of the body's sections for the archive's public address (DOKREG_PUBLIC_BASE_URL),
    built ahead of crawlers with its other figures: a page of 10,000 addresses took 0.1-0.3 s to
    build on a crawler's first request at a million documents. Requests for another host or under a
    script prefix build their own."""
    public = urlsplit(settings.DOKREG_PUBLIC_BASE_URL)
    if public.scheme not in ("http", "https") or not public.netloc or public.path not in ("", "/"):
        return
    site = escape(f"{public.scheme}://{public.netloc}")
    with override_script_prefix("/"):
        for slug, year in sitemap.sections():
            if slug == body.slug:
                section = DocumentsSitemap(body, year, stamp)
                for number in section.paginator.page_range:
                    section.page_kept(number, site, stamp=stamp)


@contextmanager
def override_script_prefix(prefix: str) -> Iterator[None]:
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield
    finally:
        set_script_prefix(before)


class Sections(Mapping):
    """The sitemap sections, read from the database when asked (Django's views take any mapping)."""

    fixed = {"static": StaticSitemap, "registries": RegistriesSitemap}
    # reverse() compares a URL's default arguments with ==; Mapping's == would build every section.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __init__(self) -> None:
        self._listing = threading.local()

    def __getitem__(self, section: str) -> Sitemap:
        if section in self.fixed:
            return self.fixed[section]()
        slug, _, year = section.rpartition("-")
        if not slug or not (year == UNDATED or (year.isdigit() and len(year) == 4)):
            raise KeyError(section)
        registry, stamp = self._read_with_the_listing(slug)
        if registry is None:
            raise KeyError(section)
        return DocumentsSitemap(registry, None if year == UNDATED else int(year), stamp)

    def __iter__(self) -> Iterator[str]:
        yield from self.fixed
        for slug, year in sitemap.sections():
            yield f"{slug}-{year if year is not None else UNDATED}"

    @contextmanager
    def listing(self) -> Iterator[None]:
        """While the index is written (on this thread): the bodies and their stamps read once for
        every section's size and newest change, not twice a section (72 sections: 212 queries)."""
        self._listing.read = ({b.slug: b for b in registries.all_registries()}, body_stamps())
        try:
            yield
        finally:
            self._listing.read = None

    def _read_with_the_listing(self, slug: str) -> tuple[RegistryView | None, str | None]:
        """The body (and its stamp) as the index being written read them, else from the database."""
        bodies, stamps = getattr(self._listing, "read", None) or ({}, {})
        if slug in bodies:
            body = bodies[slug]
            return body, stamps.get(body.pk, "0.0.0")
        return registries.body(slug), None

    def __len__(self) -> int:
        return sum(1 for _ in self)


SECTIONS = Sections()


@require_safe
def section(request: HttpRequest, section: str) -> HttpResponse:
    """A sitemap section: a body's documents of a year written by ``DocumentsSitemap.response``, the
    small fixed sections by Django's view."""
    if section in Sections.fixed:
        return sitemap_views.sitemap(request, SECTIONS, section=section)
    try:
        documents = SECTIONS[section]
    except KeyError as exc:
        raise Http404(f"no sitemap section {section!r}") from exc
    return documents.response(request)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The sitemap index, kept per state of every body (``reading.kept``): it asks every section its
    size and newest change, each kept, yet still took about 70 ms a request at a million documents.
    A new section (a first document of a year) or a hiding changes a body's stamp: listed at once."""
    site = f"{request.scheme}://{get_current_site(request).domain}"
    state = hashlib.sha256(repr(sorted(body_stamps().items())).encode()).hexdigest()[:16]
    content, headers = kept(f"dokreg:sitemap-index:{site}:{state}", lambda: _index_written(request))
    return HttpResponse(content, content_type="application/xml", headers=headers)


def _index_written(request: HttpRequest) -> tuple[bytes, dict[str, str]]:
    with SECTIONS.listing():
        response = sitemap_views.index(request, SECTIONS, sitemap_url_name="sitemaps:section")
        response.render()
    return response.content, {
        name: response[name] for name in ("Last-Modified", "X-Robots-Tag") if name in response
    }


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemaps:index"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /i18n/", "Allow: /", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


app_name = "sitemaps"
urlpatterns = [
    path("sitemap.xml", index, name="index"),
    path("sitemap-<str:section>.xml", section, name="section"),
    path("robots.txt", robots_txt, name="robots"),
]
