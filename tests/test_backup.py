"""The deployment guide's backup and restore: a lost archive comes back whole (database, files, index)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date

import pytest
from tests.archive_children import ON_POSTGRES, child_env, database

from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.slow
DAY = date(2025, 12, 1)


def dokreg(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "dokreg", *args], env=child_env(env), capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def export(env) -> list[dict]:
    out = dokreg(env, "export", "--registry", "som", "--format", "ndjson").stdout
    return sorted((json.loads(line) for line in out.splitlines()), key=lambda r: r["source_id"])


def lose_everything(env, tmp_path, s3=None) -> None:
    """The machine is gone: data folder removed, the object store emptied and, on PostgreSQL, every
    table dropped."""
    shutil.rmtree(env["DOKREG_DATA_DIR"])
    if s3 is not None:
        server, prefix = s3
        for key in server.keys(prefix):
            server.delete(key)
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.mark.parametrize("store", ["local", "s3"])
def test_backup_then_restore_gives_back_the_same_archive(tmp_path, store, request):
    corpus = Corpus(CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=10, big_day_every=0, seed=5))
    s3 = None
    if store == "s3":  # the files in an object store (DOKREG_FILE_STORE=s3://…)
        objects = request.getfixturevalue("s3_server")
        s3 = (objects, objects.place())
    with SimulatorServer(corpus) as server, database(tmp_path, "live") as env:
        if s3 is not None:
            env.update(s3[0].env(), DOKREG_FILE_STORE=s3[0].url(s3[1]))
        dokreg(env, "registry", "add", "--slug", "som", "--url", server.base_url("som"))
        dokreg(env, "sync", "--registry", "som", "--since", str(DAY), "--until", str(DAY))
        before = export(env)
        assert len(before) == len(corpus.documents("som")) > 0
        assert any(row["files"] for row in before)
        word = before[0]["title"].split()[0]

        out = dokreg(env, "backup", str(tmp_path / "backup")).stdout
        assert "files" in out
        again = dokreg(env, "backup", str(tmp_path / "backup")).stdout
        assert "(0 new)" in again  # a second backup into the same folder copies no file twice

        if s3 is not None:
            assert s3[0].keys(s3[1]) and not (tmp_path / "live" / "files").exists()
        lose_everything(env, tmp_path, s3)
        dokreg(env, "restore", str(tmp_path / "backup"))

        assert export(env) == before
        # Files and the rebuilt index work again: a title word is found, stored file bytes are readable.
        found = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'dokreg.conf.settings');"
                "django.setup();"
                "from dokreg.search import search; from dokreg.archive.models import Blob;"
                "from dokreg.archive.storage import blob_read;"
                f"print(search({word!r}).total, sum(len(blob_read(b.sha256)) == b.size for b in Blob.objects.all()),"
                " Blob.objects.count())",
            ],
            env=child_env(env),
            capture_output=True,
            text=True,
        )
        hits, readable, blobs = map(int, found.stdout.split())
        assert hits > 0 and blobs > 0 and readable == blobs, found.stderr


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with database(tmp_path, "empty") as env:
        result = dokreg(env, "restore", str(tmp_path), check=False)
        assert result.returncode == 2
        assert "is not a dokreg backup" in result.stderr
