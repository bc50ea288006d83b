"""Cache keys that fit every store: the database cache's key column holds 255 characters, and a
kept sitemap page's key holds the site's address, which comes from the request's Host header."""

from __future__ import annotations

import hashlib

LONGEST = 250


def bounded_key(key: str, key_prefix: str, version: int) -> str:
    """Django's ``prefix:version:key``; a longer one keeps its first part readable and ends in a
    digest of the whole."""
    made = f"{key_prefix}:{version}:{key}"
    if len(made) <= LONGEST:
        return made
    digest = hashlib.sha256(made.encode("utf-8")).hexdigest()
    return f"{made[: LONGEST - len(digest) - 1]}#{digest}"
