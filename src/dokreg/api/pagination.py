"""Opaque cursors: what page comes next, as a token the client hands back unchanged.

A cursor is URL-safe base64 of a small JSON object tagged with the route it belongs to. It is
not signed, so a rotated secret key never breaks a mirror's stored position; instead every
value is checked on the way back in and anything odd is a ``BadInput`` (400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from dokreg.errors import BadInput

MAX_CURSOR_CHARS = 2000


def cursor_encode(kind: str, state: dict[str, Any]) -> str:
    raw = json.dumps({"k": kind, **state}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(kind: str, token: str | None) -> dict[str, Any] | None:
    """The state inside ``token``, or ``None`` for the first page; a foreign or broken token is 400."""
    if not token:
        return None
    if len(token) > MAX_CURSOR_CHARS:
        raise BadInput("cursor: too long; pass back the next_cursor value unchanged")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadInput("cursor: not a cursor this API issued; pass back next_cursor unchanged") from exc
    if not isinstance(state, dict) or state.pop("k", None) != kind:
        raise BadInput(f"cursor: not a cursor of {kind}; pass back next_cursor unchanged")
    return state


def fingerprint(*parts: object) -> str:
    """A short digest of a query, so a cursor used with other filters is refused instead of misread."""
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:16]


def state_int(state: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = state.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise BadInput(f"cursor: field {key!r} is not a whole number ≥ {minimum}")
    return value


def state_str(state: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = state.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise BadInput(f"cursor: field {key!r} is not text")
    return value
