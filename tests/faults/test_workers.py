"""Queued syncs run by `dokreg worker` processes: a worker killed mid-task, and two workers at once.

`dokreg sync --queue` puts one task per registration day in the database (DOKREG_TASKS=database); workers
take them, and each day's task queues the file work of its documents and the indexing. Whatever happens to
the workers, the archive must end as a plain `dokreg sync` leaves it: compared through `dokreg export`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from tests.archive_children import ON_POSTGRES, child_env, database

from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.slow

SINCE, UNTIL = date(2025, 12, 1), date(2025, 12, 3)
DAYS = ["--since", str(SINCE), "--until", str(UNTIL)]
# When we saw something differs between two runs by nature; everything else must match.
TIMES = {"first_seen_at", "last_checked_at", "last_changed_at"}
TASKS_TABLE = "django_tasks_database_dbtaskresult"

COUNTS = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
django.setup()
from django.db.models import Count
from dokreg.archive.models import Document, DocumentVersion, File
print(json.dumps({
    "versions": dict(DocumentVersion.objects.values_list("kind").annotate(n=Count("id"))),
    "documents": Document.objects.count(),
    "fetched": Document.objects.filter(fetch_state="ok").count(),
    "files": File.objects.count(),
    "files_done": File.objects.exclude(extract_state="pending").filter(download_state="ok").count(),
    "source_ids": sorted(Document.objects.values_list("source_id", flat=True)),
}))
"""


def full_env(env: dict, tasks: str) -> dict:
    return child_env(env, DOKREG_TASKS=tasks)


def dokreg(env: dict, *args: str, tasks: str = "database", check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "dokreg", *args], env=full_env(env, tasks), capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"dokreg {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def worker(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dokreg", "worker", "--batch", "--interval", "0.2", *extra],
        env=full_env(env, "database"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def task_states(env: dict) -> Counter[str]:
    """Task rows by status, read straight from the database while workers run."""
    return Counter(dict(query(env, f"SELECT status, COUNT(*) FROM {TASKS_TABLE} GROUP BY status")))


def fetched_documents(env: dict) -> int:
    return query(env, "SELECT COUNT(*) FROM archive_document WHERE fetch_state = 'ok'")[0][0]


def query(env: dict, sql: str) -> list[tuple]:
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return conn.execute(sql).fetchall()
    conn = sqlite3.connect(Path(env["DOKREG_DATA_DIR"]) / "dokreg.sqlite3", timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def archive(env: dict) -> list[dict]:
    out = dokreg(env, "export", "--registry", "som", "--format", "ndjson").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return sorted(
        ({k: v for k, v in r.items() if k not in TIMES} for r in rows), key=lambda r: r["source_id"]
    )


def assert_same_archive(got: list[dict], want: list[dict]) -> None:
    """``got == want``, saying which fields of which documents differ (a list diff cuts them off)."""
    if got == want:
        return
    ids = [r["source_id"] for r in got], [r["source_id"] for r in want]
    assert ids[0] == ids[1], f"documents differ: {sorted(set(ids[0]) ^ set(ids[1]))}"
    differing = {
        a["source_id"]: {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        for a, b in zip(got, want, strict=True)
        if a != b
    }
    raise AssertionError(f"fields differ (got, wanted), by source id: {differing}")


def counts(env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", COUNTS],
        env=full_env(env, "database"),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def queue_days(env: dict, server: SimulatorServer) -> None:
    dokreg(env, "registry", "add", "--slug", "som", "--url", server.base_url("som"))
    assert dokreg(env, "sync", "--registry", "som", *DAYS, "--queue").stdout.strip() == "som: 3 days queued"


@pytest.fixture
def corpus() -> Corpus:
    # PDFs make the file tasks real work (download, extract), so a kill can land inside one.
    return Corpus(
        CorpusConfig(bodies=1, days=3, start=SINCE, docs_per_day=25, big_day_every=3, seed=9, files="pdf")
    )


@pytest.fixture
def server(corpus):
    # One server for the plain and the queued run: document URLs (with the port) must match.
    with SimulatorServer(corpus) as server:
        yield server


@pytest.fixture
def expected(tmp_path, corpus, server) -> tuple[list[dict], dict]:
    """What a plain, uninterrupted `dokreg sync` (no queue) makes of the corpus."""
    with database(tmp_path, "plain") as env:
        dokreg(env, "registry", "add", "--slug", "som", "--url", server.base_url("som"), tasks="immediate")
        dokreg(env, "sync", "--registry", "som", *DAYS, tasks="immediate")
        rows, numbers = archive(env), counts(env)
    assert numbers["source_ids"] == sorted(str(d.id) for d in corpus.documents("som"))
    assert numbers["fetched"] == len(numbers["source_ids"]) and numbers["files"] == numbers["files_done"] > 0
    return rows, numbers


def test_a_worker_killed_mid_task_and_started_again_ends_with_the_same_archive(tmp_path, server, expected):
    rows, numbers = expected
    kills = []
    with database(tmp_path, "killed") as env:
        queue_days(env, server)
        for round in range(3):
            process = worker(env, "--indexer")
            deadline = time.monotonic() + 60
            # Kill it without warning inside a task: the first time halfway through the first day's
            # documents (only the three day tasks exist yet, and some documents are stored).
            while process.poll() is None and time.monotonic() < deadline:
                states = task_states(env)
                if states["RUNNING"] and (round or (states.total() == 3 and fetched_documents(env) >= 10)):
                    break
                time.sleep(0.05)
            time.sleep(0 if round == 0 else 0.2)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            kills.append(task_states(env))
        # A task the killed worker held stays RUNNING: django-tasks-db never takes it back by itself.
        assert kills[0]["RUNNING"] == 1, kills
        restarted = worker(env, "--indexer")
        _, err = restarted.communicate(timeout=300)
        assert restarted.returncode == 0, err
        states = task_states(env)
        assert_same_archive(archive(env), rows)
        assert counts(env) == numbers
    assert set(states) == {"SUCCESSFUL"}, states
    assert numbers["versions"] == {"created": len(rows)}  # nothing recorded twice


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="two workers at once need PostgreSQL (SQLite has one writer; set DOKREG_TEST_ON_POSTGRES=1 and "
    "DOKREG_TEST_DATABASE_URL)",
)
def test_two_workers_at_once_lose_nothing_and_store_nothing_twice(tmp_path, corpus, server, expected):
    rows, numbers = expected
    fetched_before = server.requests["document"]
    with database(tmp_path, "two") as env:
        queue_days(env, server)
        both = [worker(env, "--indexer"), worker(env)]
        for process in both:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
        # The indexer may have found the queues empty while the other still worked: drain what is left.
        dokreg(env, "worker", "--batch", "--indexer", "--interval", "0.2")
        states = task_states(env)
        assert_same_archive(archive(env), rows)
        assert counts(env) == numbers
        # Each document fetched once: no day was taken by both workers.
        assert server.requests["document"] - fetched_before == len(corpus.documents("som"))
    assert set(states) == {"SUCCESSFUL"}, states
