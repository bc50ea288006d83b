"""Politeness across processes: requests to one host start DOKREG_REQUEST_INTERVAL apart whatever number
of workers (on however many machines) share the database.

Each worker keeps its own requests apart; before this, two workers meant two requests per interval at
the register, and a worker building a client per task did not even keep its own apart across tasks.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from tests.archive_children import child_env, database

from dokreg.registries.models import HostTurn
from dokreg.registries.turns import MAX_WAIT, host_turn_take

INTERVAL = 0.25
REQUESTS_EACH = 6

FETCHER = f"""
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
django.setup()
from dokreg.registries.http import client_from_settings
client = client_from_settings()
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both start together, set-up done
for _ in range({REQUESTS_EACH}):
    client.get(sys.argv[1])
"""


@pytest.fixture
def register():
    """A host that notes when each request arrives."""
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrivals.append(time.time())
            body = b"<html><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/dokument/1", arrivals
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_two_workers_on_one_database_keep_the_interval_between_them(tmp_path, register):
    url, arrivals = register
    with database(tmp_path, "turns") as db:
        env = child_env(db, DOKREG_REQUEST_INTERVAL=str(INTERVAL))
        migrated = subprocess.run([sys.executable, "-m", "dokreg", "migrate"], env=env, capture_output=True)
        assert migrated.returncode == 0, migrated.stderr
        start = f"{time.time() + 4:.3f}"
        fetchers = [
            subprocess.Popen([sys.executable, "-c", FETCHER, url, start], env=env, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        for fetcher in fetchers:
            _, err = fetcher.communicate(timeout=120)
            assert fetcher.returncode == 0, err.decode()
    assert len(arrivals) == 2 * REQUESTS_EACH
    gaps = [b - a for a, b in zip(sorted(arrivals), sorted(arrivals)[1:], strict=False)]
    # Scheduling jitter takes a little off a gap, never most of it (alone, each would send 1 per gap).
    assert min(gaps) > INTERVAL * 0.8, gaps


@pytest.mark.django_db(transaction=True)
def test_each_start_is_an_interval_after_the_last_one_taken_per_host():
    now = 1_000_000.0
    assert host_turn_take("adr.rik.ee", 1.0, now) == 0.0
    assert host_turn_take("adr.rik.ee", 1.0, now) == 1.0  # another worker, the same moment
    assert host_turn_take("adr.rik.ee", 1.0, now + 0.5) == 1.5
    assert host_turn_take("dhs.riigikantselei.ee", 1.0, now) == 0.0  # other hosts never wait
    assert host_turn_take("adr.rik.ee", 1.0, now + 10) == 0.0  # the turns caught up: at once
    assert host_turn_take("adr.rik.ee", 0, now + 10) == 0.0  # politeness off: nothing shared
    assert HostTurn.objects.get(host="adr.rik.ee").next_at == now + 11


@pytest.mark.django_db(transaction=True)
def test_a_start_far_ahead_is_a_wrong_clock_and_the_turns_start_again():
    now = 1_000_000.0
    HostTurn.objects.create(host="adr.rik.ee", next_at=now + 10 * MAX_WAIT)  # a machine a day ahead
    assert host_turn_take("adr.rik.ee", 1.0, now) == 0.0
    assert host_turn_take("adr.rik.ee", 1.0, now) == 1.0


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_no_shared_row_is_held():
    """The row would stay locked until the caller commits, holding every other worker back."""
    with transaction.atomic():
        assert host_turn_take("adr.rik.ee", 1.0, 1_000_000.0) == 0.0
    assert not HostTurn.objects.exists()
