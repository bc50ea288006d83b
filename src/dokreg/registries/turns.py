"""Requests to one host start DOKREG_REQUEST_INTERVAL apart across every process sharing the database.

A process waits for its own previous request to the host to end (``http.PoliteClient``), then takes
the next start from the host's row: one INSERT … ON CONFLICT DO UPDATE … RETURNING, atomic on
PostgreSQL and SQLite alike, so two workers never get the same start. Starts are Unix times from the
machines' clocks (kept by NTP); a start further off than ``MAX_WAIT`` was written by a clock gone
wrong, and the host's turns start again from this one. The bound is on starts: a download longer than
the interval may overlap the next request from another process, never one from its own.
"""

from __future__ import annotations

import logging

from django.db import connection

from dokreg.registries.models import HostTurn

log = logging.getLogger(__name__)

MAX_WAIT = 300.0  # seconds


def host_turn_take(host: str, interval: float, now: float) -> float:
    """Reserve the next start for a request to ``host``; returns the seconds to wait for it (0: now).

    Inside a caller's transaction the row would stay locked until that commits, holding every other
    process back: there the shared turn is skipped and only the process's own spacing applies."""
    if interval <= 0 or connection.in_atomic_block:
        return 0.0
    table = connection.ops.quote_name(HostTurn._meta.db_table)
    latest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (host, next_at) VALUES (%s, %s) ON CONFLICT (host) DO UPDATE "
            f"SET next_at = {latest}({table}.next_at, %s) + %s RETURNING next_at",
            [host[:255], now + interval, now, interval],
        )
        (next_at,) = cursor.fetchone()
    wait = next_at - interval - now
    if wait > MAX_WAIT:
        # Written by a machine whose clock runs far ahead: start the host's turns again from this clock.
        log.warning("%s: next request %.0f s away, a clock is wrong; turns restarted from now", host, wait)
        HostTurn.objects.filter(host=host[:255]).update(next_at=now + interval)
        return 0.0
    return max(0.0, wait)
