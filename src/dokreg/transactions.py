"""Write transactions that the database may abort for a conflict with another writer, run again.

With several workers on PostgreSQL, two transactions can each hold a row the other wants next (two
related documents stored at once, the month's figures row both update). PostgreSQL breaks such a cycle
by aborting one of them ("deadlock detected", SQLSTATE 40P01), and a serializable transaction can be
aborted the same way (40001). Nothing of the aborted transaction was stored, so running it again is
the remedy the database asks for; failing the worker's whole day of documents is not. SQLite takes its
write lock when a transaction begins (settings: IMMEDIATE), so its writers wait and never hit this.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# SQLSTATEs of a transaction aborted only because another one conflicted with it.
CONFLICTS = {"40P01": "deadlock detected", "40001": "serialization failure"}
ATTEMPTS = 5
PAUSE = 0.05  # seconds; doubled each attempt and jittered, so the two writers do not meet again


def retried_atomic(func: Callable[P, T]) -> Callable[P, T]:
    """``transaction.atomic`` for a service, run again when the database aborted it for a conflict.

    ``func`` must read what it changes from the database, not from objects its caller passed (a retry
    would start from the half-changed object), and leave nothing outside the database before its
    commit (``transaction.on_commit`` for files and queues)."""
    return retried(transaction.atomic(func))


def retried(func: Callable[P, T]) -> Callable[P, T]:
    """Run ``func`` again (up to ``ATTEMPTS`` times in all) when the database aborted its transaction
    for a conflict with another writer: a service's transaction, or a whole background task whose
    steps are safe to redo.

    Only outside any transaction. Inside a caller's transaction the whole of it was aborted, not just
    this part, so the error goes up to whoever opened it: retrying the part would commit half."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as error:
                if attempt == ATTEMPTS or not conflict(error):
                    raise
                log.info("%s: %s, attempt %d of %d", func.__qualname__, conflict(error), attempt, ATTEMPTS)
                time.sleep(random.uniform(0.5, 1.0) * PAUSE * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    return run


def conflict(error: BaseException) -> str:
    """What conflict aborted the transaction, or "" when ``error`` is no such abort."""
    return CONFLICTS.get(getattr(error.__cause__, "sqlstate", None) or "", "")
