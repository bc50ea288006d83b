"""Several hosts: two `dokreg worker` processes with data folders of their own share one PostgreSQL
database and one S3 object store (a real SeaweedFS server); a web host pulls the index they publish.

Whatever the two take from the queues, every document is stored once, every file once, every file's
bytes are in the object store (none in either worker's own folder), and the web host's copy of the
index finds every publishable document.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date

import pytest
from tests.archive_children import ON_POSTGRES, child_env, database

from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="workers on several hosts share PostgreSQL (set DOKREG_TEST_ON_POSTGRES=1 and "
        "DOKREG_TEST_DATABASE_URL)",
    ),
]

SINCE, UNTIL = date(2025, 12, 1), date(2025, 12, 3)

FACTS = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dokreg.conf.settings")
django.setup()
from django.db.models import Count
from dokreg.archive.models import Blob, Document, File, KeptEntry, Problem
from dokreg.archive.selectors import publishable_documents
from dokreg.search import search
from django_tasks_db.models import DBTaskResult
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dokreg.reading import figures, registries
body = registries.body("som")
with CaptureQueriesContext(connection) as figures_read:
    figures.restriction_bases(body), figures.document_types(body), figures.series_tree(body)
keys = Document.objects.values("registry_id", "source_id").annotate(n=Count("id")).filter(n__gt=1)
print(json.dumps({
    "documents": Document.objects.count(),
    "duplicate_documents": keys.count(),
    "files": File.objects.filter(parent=None).count(),
    "files_not_done": File.objects.exclude(download_state="ok").count(),
    "files_not_extracted": File.objects.filter(extract_state="pending").count(),
    "blobs": {b.sha256: b.size for b in Blob.objects.all()},
    "file_blobs": sorted(set(File.objects.exclude(blob=None).values_list("blob_id", flat=True))),
    "publishable": publishable_documents().count(),
    "found_by_web_host": search("", limit=0).total,
    "figures_computed_by_web_host": [q["sql"] for q in figures_read if "archive_document" in q["sql"]],
    "sitemap_pages_kept": KeptEntry.objects.filter(cache_key__contains=":sitemap-page-").count(),
    "task_workers": [w[-1] for w in DBTaskResult.objects.values_list("worker_ids", flat=True) if w],
    # Only for the failure message: what went wrong if something is missing.
    "documents_not_ok": list(Document.objects.exclude(fetch_state="ok").values_list("source_id", "fetch_state")),
    "problems": [f"{p.stage} {p.code}: {p.message[:200]}" for p in Problem.objects.all()],
    "tasks_not_done": list(
        (r.task_path, r.status, r.traceback[-1500:])
        for r in DBTaskResult.objects.exclude(status="SUCCESSFUL")
    ),
}))
"""


def run(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def worker(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dokreg", "worker", "--batch", "--interval", "0.2", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_two_workers_on_two_folders_share_one_database_and_one_object_store(tmp_path, s3_server):
    corpus = Corpus(
        CorpusConfig(bodies=1, days=3, start=SINCE, docs_per_day=20, big_day_every=0, seed=4, files="pdf")
    )
    place = s3_server.place()
    shared = {
        **s3_server.env(),
        "DOKREG_TASKS": "database",
        "DOKREG_FILE_STORE": s3_server.url(place + "files/"),
        "DOKREG_INDEX_SNAPSHOTS": s3_server.url(place + "index/"),
    }
    with SimulatorServer(corpus) as server, database(tmp_path, "hosts") as db:

        def host(name: str) -> dict:
            return child_env({**db, "DOKREG_DATA_DIR": str(tmp_path / name)}, **shared)

        a, b, web = host("host-a"), host("host-b"), host("web")
        run(a, "-m", "dokreg", "registry", "add", "--slug", "som", "--url", server.base_url("som"))
        queued = run(
            a,
            "-m",
            "dokreg",
            "sync",
            "--registry",
            "som",
            "--since",
            str(SINCE),
            "--until",
            str(UNTIL),
            "--queue",
        )
        assert queued.strip() == "som: 3 days queued"

        both = [worker(a, "--indexer"), worker(b)]
        pids = [process.pid for process in both]
        for process in both:
            _, err = process.communicate(timeout=600)
            assert process.returncode == 0, err
        # Host A's worker may have found the queues empty while B still worked: it runs again, as a
        # service would, and takes what is left (the index queue).
        worker(a, "--indexer").communicate(timeout=600)

        run(web, "-m", "dokreg", "index", "pull")
        facts = json.loads(run(web, "-c", FACTS))
        file_downloads = server.requests["file"]

    documents = corpus.documents("som")
    listed_files = sum(len(d.listed_files) for d in documents)
    # Both hosts took tasks from the one queue.
    for pid in pids:
        assert any(f":{pid}:" in w for w in facts["task_workers"]), (pid, facts["task_workers"])
    assert facts["documents"] == len(documents) and facts["duplicate_documents"] == 0
    why = {k: facts[k] for k in ("documents_not_ok", "problems", "tasks_not_done", "files_not_done")}
    # Each file fetched once (this failed once in a full run, 55 of 60 files, and passed 7 times alone).
    assert facts["files"] == listed_files > 0 and file_downloads == listed_files, why
    assert facts["files_not_done"] == facts["files_not_extracted"] == 0
    # Every blob is in the object store under its SHA-256, whole; nothing else is there.
    stored = {key.rsplit("/", 1)[1]: key for key in s3_server.keys(place + "files/")}
    assert set(stored) == set(facts["blobs"]) >= set(facts["file_blobs"])
    client = s3_server.client()
    for sha, key in stored.items():
        data = client.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == facts["blobs"][sha]
    for name in ("host-a", "host-b", "web"):
        local = tmp_path / name / "files"
        assert not local.exists() or not any(p.is_file() for p in local.rglob("*")), name
    # The web host never indexed anything: its copy came from the snapshot host A published.
    assert facts["found_by_web_host"] == facts["publishable"] > 0
    # The body's figures were computed by a worker after its sync, in the database every host reads.
    assert facts["figures_computed_by_web_host"] == []
    # And its sitemap pages for the archive's public address, built by a worker that never loads URLs.
    assert facts["sitemap_pages_kept"] > 0
