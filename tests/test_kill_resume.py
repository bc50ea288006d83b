"""Killing `dokreg sync` at any moment and running it again ends with the same archive as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from tests.archive_children import child_env, database

from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.slow

SINCE, UNTIL = date(2025, 12, 1), date(2025, 12, 3)
# Fields that say *when* we saw something differ between two runs by nature; everything else must match.
TIMES = {"first_seen_at", "last_checked_at", "last_changed_at"}

COUNT_VERSIONS = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
django.setup()
from django.db.models import Count
from dokreg.archive.models import Document, DocumentVersion, File
print(json.dumps({
    "versions": {k: n for k, n in DocumentVersion.objects.values_list("kind").annotate(n=Count("id"))},
    "documents": Document.objects.count(),
    "files": File.objects.count(),
    "pending": File.objects.filter(extract_state="pending", download_state="ok").count(),
}))
"""


def dokreg(env, *args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "dokreg", *args], env=child_env(env), capture_output=True, text=True, **kw
    )


def sync_popen(env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dokreg",
            "sync",
            "--registry",
            "som",
            "--since",
            str(SINCE),
            "--until",
            str(UNTIL),
        ],
        env=child_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def archive(env) -> list[dict]:
    out = dokreg(env, "export", "--registry", "som", "--format", "ndjson", check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return sorted(
        ({k: v for k, v in row.items() if k not in TIMES} for row in rows), key=lambda r: r["source_id"]
    )


def test_killed_sync_resumes_to_the_same_archive(tmp_path):
    corpus = Corpus(CorpusConfig(bodies=1, days=3, start=SINCE, docs_per_day=15, big_day_every=3, seed=3))
    with (
        SimulatorServer(corpus) as server,
        database(tmp_path, "a") as whole,
        database(tmp_path, "b") as killed,
    ):
        for env in (whole, killed):
            dokreg(env, "registry", "add", "--slug", "som", "--url", server.base_url("som"), check=True)
        assert (
            dokreg(
                whole, "sync", "--registry", "som", "--since", str(SINCE), "--until", str(UNTIL)
            ).returncode
            == 0
        )
        expected = archive(whole)
        assert len(expected) == len(corpus.documents("som")) > 100

        # Kill the sync at different moments: while listing, fetching, downloading and extracting.
        for delay in (1.5, 3.0, 4.5, 6.0):
            process = sync_popen(killed)
            time.sleep(delay)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        final = dokreg(killed, "sync", "--registry", "som", "--since", str(SINCE), "--until", str(UNTIL))
        assert final.returncode == 0, final.stdout + final.stderr

        assert archive(killed) == expected
        whole_counts = json.loads(_count(whole))
        killed_counts = json.loads(_count(killed))
        assert killed_counts == whole_counts
        assert killed_counts["versions"] == {"created": len(expected)}  # nothing recorded twice
        assert killed_counts["pending"] == 0


def _count(env) -> str:
    return subprocess.run(
        [sys.executable, "-c", COUNT_VERSIONS], env=child_env(env), capture_output=True, text=True, check=True
    ).stdout
