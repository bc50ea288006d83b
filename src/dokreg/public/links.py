"""Links to documents, bodies and months, many to a page, at a string's cost instead of a reverse() each.

A results page lists 20 documents with two links each, a body page links every month of its charts, a
sitemap page 10,000 documents: reverse() costs 15-26 µs a call (a millisecond or more of such pages).
An address is reversed once per route, number of arguments, language and script prefix with stand-in
arguments, and each link is that address with the stand-ins replaced. Only arguments every converter
takes as they are (a non-negative int, a slug) go this way; any other goes through reverse(), which
quotes it or refuses it as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

STAND_IN = 987654321
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_parts: dict[tuple, tuple[str, ...] | None] = {}


def link(name: str, *args: int | str) -> str:
    """``reverse(name, args=args)`` for a route whose arguments are ints or slugs."""
    return _linked(name, address_parts(name, len(args)), args)


def linker(name: str, count: int = 1) -> Callable[..., str]:
    """``link`` for one route and many rows: the address is looked up once, not per link."""
    parts = address_parts(name, count)
    return lambda *args: _linked(name, parts, args)


def _linked(name: str, parts: tuple[str, ...] | None, args: tuple[int | str, ...]) -> str:
    if parts is None or not all(map(_plain, args)):
        return reverse(name, args=list(args))
    out = [parts[0]]
    for value, after in zip(args, parts[1:], strict=True):
        out += (str(value), after)
    return "".join(out)


def _plain(value: object) -> bool:
    if isinstance(value, int):
        return not isinstance(value, bool) and value >= 0
    return isinstance(value, str) and _SLUG.fullmatch(value) is not None


def address_parts(name: str, count: int = 1) -> tuple[str, ...] | None:
    """The route's address around each of its ``count`` arguments, as reversed now (None: an address
    in which a stand-in does not come back exactly once, in order)."""
    key = (name, count, get_language(), get_script_prefix(), get_urlconf())
    if key not in _parts:
        stand_ins = [str(STAND_IN + i) for i in range(count)]
        rest = reverse(name, args=[int(s) for s in stand_ins])
        parts: list[str] | None = []
        for stand_in in stand_ins:
            if rest.count(stand_in) != 1:
                parts = None
                break
            before, _, rest = rest.partition(stand_in)
            parts.append(before)
        _parts[key] = None if parts is None else (*parts, rest)
    return _parts[key]
