"""Per-IP request limits: a fixed-window counter in Django's cache.

``DOKREG_API_RATE`` is ``"<requests>/<period>"`` with period ``s``/``sec``/``min``/``hour``/``day``
(default ``120/min``; ``off`` turns limiting off). Windows are aligned to the clock, so the wait
until the next window is known without remembering anything per request (``Retry-After``).
The counter lives in the default cache: with several worker processes configure a shared cache
(database or Redis), or each process counts on its own.
"""

from __future__ import annotations

import math
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from dokreg.errors import DokregError

DEFAULT_RATE = "120/min"
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


def parse_rate(text: str) -> tuple[int, int] | None:
    """``"120/min"`` → (120, 60); ``"off"`` → None. A bad value is a configuration error, said plainly."""
    text = text.strip().lower()
    if text in ("", "off", "0", "none"):
        return None
    count, _, period = text.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in PERIODS:
        raise DokregError(
            f"DOKREG_API_RATE {text!r}: expected '<requests>/<period>' such as '120/min' "
            f"(periods: {', '.join(sorted(PERIODS))}) or 'off'",
            code="bad_config",
        )
    return int(count), PERIODS[period]


def current_rate() -> tuple[int, int] | None:
    return parse_rate(
        str(getattr(settings, "DOKREG_API_RATE", os.environ.get("DOKREG_API_RATE", DEFAULT_RATE)))
    )


def client_ip(request: HttpRequest) -> str:
    # Only the socket's address: X-Forwarded-For is the client's to invent, and trusting it would let
    # anyone start a fresh window per request. Behind a proxy, let the proxy set REMOTE_ADDR.
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class FixedWindowThrottle(BaseThrottle):
    def allow_request(self, request: HttpRequest) -> bool:
        rate = current_rate()
        if rate is None:
            return True
        limit, period = rate
        window = int(time.time() // period)
        key = f"dokreg:api:rate:{client_ip(request)}:{period}:{window}"
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

    def wait(self) -> float | None:
        rate = current_rate()
        if rate is None:
            return None
        period = rate[1]
        return float(max(1, math.ceil(period - time.time() % period)))
