"""Body-page aggregates kept between requests, keyed by the body's BodyMonth rows.

Why: restriction bases, the lag to first sight, the types and the series tree each group a body's
documents (200,000 rows at a million, 0.4-0.8 s together); they change only when documents do.
The key holds the body's sum of ``BodyMonth.removed``, which every move out of a count (a takedown,
a withdrawal, a restriction) and every redaction raises, so whatever hides something starts the
aggregates afresh at once. New documents show within about KEEP_SECONDS, and edits that move no
count (a type renamed at the source) within UNMOVED_SECONDS: keyed by every change, a body being
synced recomputed them on nearly every request. Only counts and labels are kept, never a document,
and the pages re-read the documents they list.

An aggregate older than KEEP_SECONDS is still served while one background thread of the process
computes it afresh, so a request waits for a body's aggregates only when none are kept under its
current stamp: after something was hidden (a hidden document must leave at once), until the process
that hid it has computed them again (``reading.figures``). Before, every body page paid 0.4-0.8 s at a
million documents once per body every ten minutes. That thread computes it only when something has
moved into or out of the body's month rows since (``body_moves``: every new document does), or when
it is older than UNMOVED_SECONDS; otherwise it notes that the aggregate is still good. Before, a web
process recomputed every body a crawler visited every ten minutes, 0.9 s of a core each at a million
documents. Kept in ``CACHES["kept"]``: the database or Redis, shared by every process and host, so a
restart computes nothing again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections
from django.db.models import Count, Max, Sum

from dokreg.archive.models import BodyMonth, KeptEntry
from dokreg.reading.types import RegistryView
from dokreg.threads import FORK_GUARD, process_pool

logger = logging.getLogger(__name__)

KEEP_SECONDS = 600
# How long an aggregate may still be served (while it is computed afresh) when nobody asks for it.
STALE_SECONDS = 86_400
# How long a body's aggregate is kept past KEEP_SECONDS while nothing moves into or out of its month
# rows: an edit that moves no count (a type renamed at the source) shows within this.
UNMOVED_SECONDS = 3600

T = TypeVar("T")


def _stamp(row: dict) -> str:
    # The newest row's id too: rows rebuilt by body_months_rebuild start their sums at 0 again, and
    # a new id keeps an old stamp from coming back.
    return f"{row['removed'] or 0}.{row['rows']}.{row['last'] or 0}"


_STAMP = {"removed": Sum("removed"), "rows": Count("id"), "last": Max("id")}


def body_stamp(registry: RegistryView) -> str:
    """Changes whenever something of the body is hidden (one query over its month rows)."""
    return _stamp(BodyMonth.objects.filter(registry_id=registry.pk).aggregate(**_STAMP))


def body_stamps() -> dict[int, str]:
    """``body_stamp`` of every body in one query (a page that keeps something per body and section)."""
    rows = BodyMonth.objects.values("registry_id").annotate(**_STAMP)
    return {r["registry_id"]: _stamp(r) for r in rows}


def body_kept(
    registry: RegistryView,
    name: str,
    compute: Callable[[], T],
    *,
    today: date | None = None,
    stamp: str | None = None,
    keep_seconds: int = KEEP_SECONDS,
) -> T:
    """``compute()`` once per body state (and day, when the aggregate depends on it); ``stamp``: the
    body's stamp when the caller has just read it (``body_stamps``)."""
    stamp = stamp if stamp is not None else body_stamp(registry)
    key = f"{_key_head(registry)}:{name}:{stamp}:{today or ''}"
    return kept(key, compute, keep_seconds, moves=lambda: body_moves(registry))


_MOVES = {"changes": Sum("changes"), "rows": Count("id"), "last": Max("id")}


def body_moves(registry: RegistryView) -> str:
    """Changes whenever a document moves into or out of one of the body's month rows: every new
    document, and whatever ``body_stamp`` follows (one query over its month rows)."""
    row = BodyMonth.objects.filter(registry_id=registry.pk).aggregate(**_MOVES)
    return f"{row['changes'] or 0}.{row['rows']}.{row['last'] or 0}"


def body_older_states_drop(registry: RegistryView, stamp: str) -> int:
    """Delete what the database store keeps under the body's other states; returns the rows deleted.

    A key holds the body's state, so once the state moves on nothing reads them again, yet the
    database cache deletes an expired row only when it is over its bound: at a million documents a
    body's sitemap pages are about 1.7 MB a state, and a busy day hides something many times. Called
    once the current state's figures are kept; Redis evicts such keys by itself."""
    if not isinstance(caches["kept"], DatabaseCache):
        return 0
    body = f":{_key_head(registry)}:"
    deleted, _ = (
        KeptEntry.objects.filter(cache_key__contains=body).exclude(cache_key__contains=f":{stamp}:").delete()
    )
    return deleted


def _key_head(registry: RegistryView) -> str:
    return f"dokreg:body:{registry.pk}:{registry.slug}"


def kept(
    key: str,
    compute: Callable[[], T],
    keep_seconds: int = KEEP_SECONDS,
    *,
    moves: Callable[[], str] | None = None,
) -> T:
    """``compute()`` kept under ``key``: computed by the request that finds none (and stored by the
    background thread), served for ``keep_seconds``, and past them served while the background
    thread computes it afresh. ``moves()``: a cheap reading that changes whenever the value may
    have; while it has not, the value is not computed again for up to UNMOVED_SECONDS."""
    found = _read(key)
    if found is None:  # none kept (or kept by an older dokreg)
        return _compute_and_keep(key, compute, moves() if moves else None)
    value, checked_at, _computed_at, _moves = found
    if time.time() - checked_at > keep_seconds:
        _refresh_later(key, compute, keep_seconds, moves)
    return value


def _read(key: str) -> tuple | None:
    """(value, checked at, computed at, ``moves()`` when computed) kept under ``key``, or None. Kept
    with its times, so a computed None is kept too."""
    try:
        found = caches["kept"].get(key)
    except DatabaseError:  # the page is still served, from the documents
        logger.warning("kept aggregate %s could not be read", key, exc_info=True)
        return None
    if isinstance(found, tuple) and len(found) == 4:
        return found
    if isinstance(found, tuple) and len(found) == 2:  # kept before moves were read: (value, time)
        return (found[0], found[1], found[1], None)
    return None


def _compute_and_keep(key: str, compute: Callable[[], T], reading: str | None) -> T:
    """``reading``: ``moves()`` read before computing, so whatever moves meanwhile is seen next time."""
    computed_at = time.time()
    value = compute()
    entry = (value, computed_at, computed_at, reading)
    if _stores_in_background():
        in_background(f"keep:{key}", lambda: _keep(key, entry))
    else:
        _keep(key, entry)
    return value


def _stores_in_background() -> bool:
    """A reader's request has its value: storing it is left to the background thread. A store writes:
    on SQLite it waits for the write lock, up to the busy timeout (30 s) behind a long operator
    transaction, and Django's database cache counts its table first. Stored in the caller's thread
    on the background thread itself and when figures are not computed in the background (tests)."""
    return settings.DOKREG_WARM_FIGURES == "background" and not getattr(_thread, "in_background", False)


def _keep(key: str, entry: tuple) -> None:
    try:
        caches["kept"].set(key, entry, STALE_SECONDS)
    except DatabaseError:  # e.g. a sync holding SQLite's write lock past its timeout: computed next time
        logger.warning("kept aggregate %s could not be stored", key, exc_info=True)


def _refresh_later(
    key: str, compute: Callable[[], object], keep_seconds: int, moves: Callable[[], str] | None
) -> None:
    """Compute ``key`` afresh on the background thread, once however many requests find it old; when
    nothing has moved since it was computed (and that is under UNMOVED_SECONDS ago), only note that
    it is still good. With DOKREG_WARM_FIGURES ``inline`` or ``off`` nothing runs on another thread:
    the caller refreshes it itself, after it has read the kept value it serves. (A refresh on another
    thread beside a request also made SQLite's shared-cache test database refuse the request's
    next read, "database table is locked", and the page was computed afresh.)"""

    def refresh() -> None:
        found = _read(key)  # asked again while one ran: that one may have done it
        now = time.time()
        if found is not None and now - found[1] <= keep_seconds:
            return
        reading = moves() if moves else None
        if (
            found is not None
            and reading is not None
            and reading == found[3]
            and now - found[2] <= UNMOVED_SECONDS
        ):
            _keep(key, (found[0], now, found[2], reading))
            return
        _compute_and_keep(key, compute, reading)

    if settings.DOKREG_WARM_FIGURES == "background":
        in_background(key, refresh)
    else:
        refresh()


_waiting: dict[str, Future] = {}
_waiting_lock = threading.Lock()
_thread = threading.local()  # ``in_background``: set on the background thread


def in_background(key: str, work: Callable[[], object]) -> None:
    """Run ``work`` on the process's one thread for kept figures, once however often ``key`` is asked
    for while it waits; asked for again once it runs, it runs again after (a change made meanwhile is
    not missed). The work holds FORK_GUARD and its connections are closed after it."""
    with _waiting_lock:
        if key in _waiting:
            return
        _waiting[key] = process_pool("kept", 1).submit(_run, key, work)


def _run(key: str, work: Callable[[], object]) -> None:
    with _waiting_lock:
        _waiting.pop(key, None)
    _thread.in_background = True
    try:
        with FORK_GUARD:
            work()
    except Exception:  # noqa: BLE001 - what was kept stays; a request computes what is missing
        logger.exception("kept figures %s could not be computed in the background", key)
    finally:
        connections.close_all()  # this thread's own connections: nothing else closes them


def refreshes_wait(timeout: float = 60.0) -> None:
    """Wait until everything asked of the background thread so far has run (tests, a command about to
    exit)."""
    process_pool("kept", 1).submit(lambda: None).result(timeout)
