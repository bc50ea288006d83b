"""The one small interface every platform family's connector implements.

A connector turns a register's pages into the plain values of ``registries.types`` and knows nothing
of the database. ``parse`` is pure (no network) so ``dokreg reprocess`` can re-run an improved parser
over every stored capture without touching the sources again.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import UTC, date, datetime
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from dokreg.errors import BadInput, NotFoundAtSource, NotModified, SourceUnavailable, WrongContent
from dokreg.registries.http import PoliteClient
from dokreg.registries.types import DayListing, FileRef, RawCapture, RegisterEntry, Validators

# A list or document page is markup or data; anything else (a PDF, an image, a binary) is not a page.
_PAGE_CONTENT_TYPE = re.compile(r"html|xml|json|^text/", re.IGNORECASE)
# A file served as an HTML document is a login wall, a challenge or an error page, not the file, unless
# the register itself names an HTML file. Bytes decide (a server may label a PDF text/html).
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_FILE_NAME = re.compile(r"\.(?:x?html?|mht(?:ml)?)$", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>([^<]{1,200})", re.IGNORECASE)
# A file larger than this is refused (TooLarge) unless settings.DOKREG_MAX_DOWNLOAD_BYTES says otherwise.
DEFAULT_MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024


class Connector(ABC):
    family: ClassVar[str]
    # True for registers walked by id (RMK, Tallinn): sync calls fetch(id) over id ranges, not list_day.
    sequential_ids: ClassVar[bool] = False
    # Markup every real page of the family carries (site chrome, the result envelope); a page that has it is
    # never taken for a robot check, whatever scripts it loads. None: any challenge marker pauses.
    own_markup: ClassVar[re.Pattern[str] | None] = None

    def __init__(self, base_url: str, client: PoliteClient) -> None:
        # Relative links and endpoints are joined onto the base, so it must end with a slash.
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.client = client
        if isinstance(client, PoliteClient):
            # Redirects may stay on the register as the operator added it, and nowhere else.
            client.allow_origin(self.base_url)
            client.own_markup = self.own_markup

    @abstractmethod
    def list_day(self, day: date) -> DayListing:
        """Every entry the register lists for one registration day, with honest completeness."""

    @abstractmethod
    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        """The document's page as the source sent it; NotFoundAtSource when it is gone, NotModified when
        ``validators`` say we hold it already and the source agrees."""

    @abstractmethod
    def parse(self, raw: RawCapture) -> RegisterEntry:
        """Pure: a stored capture → an entry. Never touches the network."""

    @abstractmethod
    def download(self, ref: FileRef) -> bytes:
        """A listed file's bytes, refusing files over the size limit (TooLarge)."""

    @abstractmethod
    def document_url(self, source_id: str) -> str:
        """The public address of a document on its register (the "original" link)."""

    def site_name(self) -> str:
        """The body's name as the register's own page gives it; "" when unknown."""
        return ""

    # --- shared plumbing for the families --------------------------------------------------
    def _capture(self, url: str, source_id: str, validators: Validators | None = None) -> RawCapture:
        """GET a document page as it came: NotFoundAtSource on 404/410, NotModified on 304 (a conditional
        request), SourceUnavailable on any other non-200. Whether the page holds a document is the family's check."""
        response = self.client.get(url, headers=validators.headers() if validators else None)
        if response.status_code == 304:
            raise NotModified(f"{url}: not modified since we stored it")
        if response.status_code in (404, 410):
            raise NotFoundAtSource(f"{url}: HTTP {response.status_code}; withdrawn or never public")
        if response.status_code != 200:
            raise SourceUnavailable(f"{url}: HTTP {response.status_code}")
        content_type = self._page_check(response, url, "document page")
        return RawCapture(
            url=url,
            status=response.status_code,
            body=response.content,
            content_type=content_type,
            fetched_at=datetime.now(UTC),
            source_id=source_id,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
        )

    def _page_check(self, response: httpx.Response, url: str, what: str) -> str:
        """A list or document page must be a page (markup or data); its Content-Type is returned."""
        content_type = response.headers.get("Content-Type", "")
        if content_type and not _PAGE_CONTENT_TYPE.search(content_type):
            raise WrongContent(f"{url}: the {what} came as {content_type!r}, not a page; not stored")
        return content_type

    def _download_from_register(self, url: str, name: str = "") -> httpx.Response:
        """A file's 200 response, fetched only from the register's own host and within the size
        limit (TooLarge above it). Per-file access refusals stay with the family, before this."""
        from django.conf import settings

        base, target = urlsplit(self.base_url), urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            # A file link is fetched only from the register itself, never wherever a page points.
            raise BadInput(f"{url}: file link is not on the register's host {base.netloc}")
        limit = int(getattr(settings, "DOKREG_MAX_DOWNLOAD_BYTES", DEFAULT_MAX_DOWNLOAD_BYTES))
        response = self.client.get_bytes(url, max_bytes=limit)
        if response.status_code in (404, 410):
            raise NotFoundAtSource(f"{url}: HTTP {response.status_code}; the file is gone")
        if response.status_code != 200:
            raise SourceUnavailable(f"{url}: HTTP {response.status_code}")
        _refuse_html_instead_of_file(url, name, response)
        return response


def _refuse_html_instead_of_file(url: str, name: str, response: httpx.Response) -> None:
    if _HTML_FILE_NAME.search(name or urlsplit(url).path):
        return  # the register lists an HTML file: it is what was asked for
    head = response.content[:4096]
    if not _HTML_START.match(head):
        return
    title = _TITLE.search(head)
    said = f", titled '{title.group(1).decode('utf-8', 'replace').strip()}'" if title else ""
    content_type = response.headers.get("Content-Type", "") or "no Content-Type"
    raise WrongContent(
        f"{url}: the register answered an HTML page ({content_type}{said}) instead of the file "
        f"'{name or urlsplit(url).path.rsplit('/', 1)[-1]}' (a login wall, a challenge or an error page); not stored"
    )
