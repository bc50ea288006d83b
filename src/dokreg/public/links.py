"""Links to one document or one body, many to a page, at a string's cost instead of a reverse() each.

A results page lists 20 documents with two links each, a sitemap page 10,000: reverse() costs 15-26 µs
a call (a millisecond of every results page). The address is reversed once per route, language and
script prefix with a stand-in argument, and each link is that address with the stand-in replaced. Only
arguments the route's converter accepts as they are (a non-negative int, a slug) take this way; any
other goes through reverse(), which quotes it or refuses it as before.
"""

from __future__ import annotations

import re

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

STAND_IN = 987654321
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_parts: dict[tuple, tuple[str, str] | None] = {}


def link(name: str, value: int | str) -> str:
    """``reverse(name, args=[value])`` for a route with one int or slug argument."""
    plain = (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and _SLUG.fullmatch(value)
    )
    parts = address_parts(name) if plain else None
    if parts is None:
        return reverse(name, args=[value])
    return f"{parts[0]}{value}{parts[1]}"


def address_parts(name: str) -> tuple[str, str] | None:
    """The route's address before and after its one argument, as reversed now (None: not that shape)."""
    key = (name, get_language(), get_script_prefix(), get_urlconf())
    if key not in _parts:
        before, found, after = reverse(name, args=[STAND_IN]).partition(str(STAND_IN))
        _parts[key] = (before, after) if found and str(STAND_IN) not in after else None
    return _parts[key]
