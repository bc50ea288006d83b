"""Per-IP request limits on every public route: a fixed-window counter in Django's cache.

Three buckets, each ``"<requests>/<period>"`` with period ``s``/``sec``/``min``/``hour``/``day``, or
``off``: ``DOKREG_API_RATE`` (the API, default ``120/min``), ``DOKREG_SEARCH_RATE`` (the results
page and every feed, the costly paths: each runs a search; default ``60/min``) and
``DOKREG_PAGE_RATE`` (every other page, default ``600/min``). Windows are aligned to the clock, so the wait
until the next window is known without remembering anything per request (``Retry-After``).
The counter lives in the default cache: with several worker processes configure a shared cache
(database or Redis), or each process counts on its own.
"""

from __future__ import annotations

import functools
import math
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from ninja.throttling import BaseThrottle

from dokreg.errors import DokregError

DEFAULT_RATES = {
    "DOKREG_API_RATE": "120/min",
    "DOKREG_SEARCH_RATE": "60/min",
    "DOKREG_PAGE_RATE": "600/min",
    # Removal requests (dokreg.desk): each one mails a code, so a sender's address and the mailbox
    # it targets are each limited, or the form becomes a way to flood someone's inbox.
    "DOKREG_REMOVAL_RATE_IP": "10/day",
    "DOKREG_REMOVAL_RATE_EMAIL": "3/day",
}
# Paths no limit applies to: the API counts itself (JSON 429), monitors and staff must always get in.
UNLIMITED_PREFIXES = ("/api/", "/static/", "/health/", "/admin/", "/i18n/")
PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


class RateLimited(DokregError):
    code = "rate_limited"


def parse_rate(text: str, name: str = "DOKREG_API_RATE") -> tuple[int, int] | None:
    """``"120/min"`` → (120, 60); ``"off"`` → None. A bad value is a configuration error, said plainly."""
    text = text.strip().lower()
    if text in ("", "off", "0", "none"):
        return None
    count, _, period = text.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in PERIODS:
        raise DokregError(
            f"{name} {text!r}: expected '<requests>/<period>' such as '120/min' "
            f"(periods: {', '.join(sorted(PERIODS))}) or 'off'",
            code="bad_config",
        )
    return int(count), PERIODS[period]


def current_rate(name: str = "DOKREG_API_RATE") -> tuple[int, int] | None:
    value = getattr(settings, name, os.environ.get(name, DEFAULT_RATES[name]))
    return parse_rate(str(value), name)


def client_ip(request: HttpRequest) -> str:
    """The address a limit counts against.

    X-Forwarded-For is the client's to invent, and trusting it would let anyone start a fresh window per
    request; so it is read only when the socket's address is one of DOKREG_TRUSTED_PROXIES (the reverse
    proxy in front of granian), and then its last entry not itself a trusted proxy is the client. Without
    this, every reader behind the proxy would share the proxy's one window."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    trusted = _trusted_proxies()
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return remote


def _trusted_proxies() -> frozenset[str]:
    value = getattr(settings, "DOKREG_TRUSTED_PROXIES", os.environ.get("DOKREG_TRUSTED_PROXIES", ""))
    return frozenset(a.strip() for a in str(value).split(",") if a.strip())


def window_allows(bucket: str, request: HttpRequest, rate: tuple[int, int] | None) -> bool:
    """Count this request in its client's current window of ``bucket``; False once over the limit."""
    return subject_allows(bucket, client_ip(request), rate)


def subject_allows(bucket: str, subject: str, rate: tuple[int, int] | None) -> bool:
    """Count one act of ``subject`` (an address, or a hash of an e-mail address) in its current window."""
    if rate is None:
        return True
    limit, period = rate
    window = int(time.time() // period)
    key = f"dokreg:{bucket}:rate:{subject}:{period}:{window}"
    # add() only sets a missing key, so the first request of a window starts it at 1 atomically
    # enough for a counter; incr() then counts (a lost race costs one extra request, no more).
    if cache.add(key, 1, timeout=period + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window begins
        cache.add(key, 1, timeout=period + 1)
        return True
    return count <= limit


def window_wait(rate: tuple[int, int]) -> int:
    """Seconds until the next window opens (windows are aligned to the clock)."""
    period = rate[1]
    return max(1, math.ceil(period - time.time() % period))


class FixedWindowThrottle(BaseThrottle):
    """The API's limit, answered by the API's own JSON 429."""

    def allow_request(self, request: HttpRequest) -> bool:
        return window_allows("api", request, current_rate("DOKREG_API_RATE"))

    def wait(self) -> float | None:
        rate = current_rate("DOKREG_API_RATE")
        return None if rate is None else float(window_wait(rate))


# Searches a web process runs at once (DOKREG_SEARCH_SLOTS, default 1). Per-IP windows cannot stop eight
# addresses each searching a few times a second, and those searches, rendered with facets and
# snippets, took every thread and core from ordinary readers (bench/hostile_load.py: document page p50
# 28x its idle value). A search waits briefly for a slot, then is told to come back: readers of
# other pages keep their threads and a core.
SEARCH_SLOT_WAIT = 0.05
_search_slots = threading.BoundedSemaphore(max(1, int(os.environ.get("DOKREG_SEARCH_SLOTS", "1"))))


class RateLimitMiddleware:
    """Pages and feeds: one client over its limit gets a 429 page with Retry-After, so it cannot
    slow every other reader. Searches have their own, tighter bucket."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(UNLIMITED_PREFIXES):
            return self.get_response(request)
        bucket, name = ("search", "DOKREG_SEARCH_RATE") if _is_search(path) else ("page", "DOKREG_PAGE_RATE")
        rate = current_rate(name)
        if not window_allows(bucket, request, rate):
            return _refusal(request, 429, window_wait(rate))
        if bucket != "search":
            return self.get_response(request)
        if not _search_slots.acquire(timeout=SEARCH_SLOT_WAIT):
            return _refusal(request, 503, 1)
        try:
            return self.get_response(request)
        finally:
            _search_slots.release()


def _refusal(request: HttpRequest, status: int, wait: int) -> HttpResponse:
    """A small page made once per language and wait: refusals come in floods (bench/hostile_load.py:
    ~330 a second), and each one rendered through the site's templates took CPU from real readers."""
    from dokreg.public.middleware import chosen_language

    language = chosen_language(request)
    response = HttpResponse(_refusal_page(language, wait), status=status)
    response["Retry-After"] = str(wait)
    response["Content-Language"] = language
    return response


@functools.lru_cache(maxsize=512)
def _refusal_page(language: str, wait: int) -> str:
    with translation.override(language):
        title = escape(gettext("Liiga palju päringuid"))
        text = escape(
            gettext(
                "Sellelt aadressilt on tulnud lühikese ajaga liiga palju päringuid. "
                "Proovige uuesti %(wait)s sekundi pärast."
            )
            % {"wait": wait}
        )
        api = escape(gettext("Suure hulga andmete jaoks kasutage avatud API-t või massallalaadimist."))
    return (
        f'<!doctype html>\n<html lang="{escape(language)}">\n<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>\n'
        f'<body><h1>{title}</h1>\n<p>{text}</p>\n<p>{api} <a href="/api/v1/docs">API</a></p></body>\n</html>\n'
    )


def _is_search(path: str) -> bool:
    # The results page and every Atom feed run a search (or a filtered listing) on each request.
    return path.startswith("/otsi/") or path.endswith("/atom/")
