"""`dokreg reindex` of an index in shards: one process per shard, side by side, the same index as one
process writes, and a failing shard process stops the rebuild with its error."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from tests.archive_children import child_env, database

from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

DAY = date(2025, 12, 1)

STATE = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
django.setup()
from django.conf import settings
from dokreg.archive.models import Document
from dokreg.search import search
from dokreg.search.schema import open_index, shard_dirs
docs = list(Document.objects.values_list("pk", "reference"))
per_shard = [open_index(folder, create=False).searcher().num_docs for folder in shard_dirs(settings.INDEX_DIR)]
print(json.dumps({
    "documents": len(docs),
    "found": sum(1 for pk, ref in docs if pk in {h.doc_id for h in search(ref, limit=50).hits}),
    "per_shard": per_shard,
    "waiting": Document.objects.filter(index_dirty=True).count() + Document.objects.filter(index_inflight=True).count(),
}))
"""


def dokreg(env, *args, **extra):
    return subprocess.run(
        [sys.executable, "-m", "dokreg", *args],
        env=child_env(env, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def state(env, **extra) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", STATE],
        env=child_env(env, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture
def synced(tmp_path):
    corpus = Corpus(CorpusConfig(bodies=1, days=2, start=DAY, docs_per_day=20, big_day_every=0, seed=5))
    with SimulatorServer(corpus) as server, database(tmp_path, "archive") as env:
        assert (
            dokreg(env, "registry", "add", "--slug", "som", "--url", server.base_url("som")).returncode == 0
        )
        synced = dokreg(env, "sync", "--registry", "som", "--since", str(DAY), "--until", "2025-12-02")
        assert synced.returncode == 0, synced.stderr
        yield env


def test_a_sharded_index_is_rebuilt_by_one_process_per_shard(synced):
    three = {"DOKREG_INDEX_SHARDS": "3"}
    run = dokreg(synced, "reindex", **three)
    assert run.returncode == 0, run.stderr
    after = state(synced, **three)
    assert after["documents"] >= 30
    assert f"{after['documents']} documents re-indexed" in run.stdout
    assert len(after["per_shard"]) == 3 and all(after["per_shard"])  # every shard written
    assert sum(after["per_shard"]) == after["documents"]
    assert after["found"] == after["documents"] and after["waiting"] == 0

    # The same index as one process writes.
    one = dokreg(synced, "reindex", "--one-process", **three)
    assert one.returncode == 0, one.stderr
    assert state(synced, **three)["per_shard"] == after["per_shard"]


def test_a_shard_number_the_index_does_not_have_is_refused(synced):
    child = dokreg(synced, "reindex", "--shard", "5", DOKREG_INDEX_SHARDS="2")
    assert child.returncode != 0 and "in 2 shard(s) (DOKREG_INDEX_SHARDS), no shard 5" in child.stderr
    refused = dokreg(synced, "reindex", "--shard", "x")
    assert refused.returncode == 2 and "'x' is not a shard number" in refused.stderr


def test_a_shard_process_that_fails_stops_the_rebuild_with_its_error():
    from dokreg.pipeline.indexing import IndexRebuildFailed, run_index_processes

    counted: list[int] = []
    fine = [sys.executable, "-c", "print(3, flush=True); print(4)"]
    broken = [sys.executable, "-c", "import sys; print(2, flush=True); sys.exit('shard 1 broke: disk full')"]
    assert run_index_processes([fine, fine], counted.append) == 14
    with pytest.raises(IndexRebuildFailed, match=r"shard 1 \(exit 1\): shard 1 broke: disk full"):
        run_index_processes([fine, broken], counted.append)
    assert sorted(counted) == [2, 3, 3, 3, 4, 4, 4]  # progress of both runs, from every child
