"""The operator's view of the task queue: a failed task is seen (`dokreg tasks`, `dokreg status`, the
digest), put back once its cause is fixed, and then does its work; finished rows are pruned."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dokreg.archive.models import Document, File
from dokreg.cli import build_parser, cmd_status
from dokreg.desk import alerts
from dokreg.pipeline import queue, sync
from dokreg.pipeline.tasks import sync_enqueue
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2025, 12, 1)
# As `DOKREG_TASKS=database` sets it: stages queued in the database for `dokreg worker` processes.
QUEUED = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["sync", "download", "extract", "ocr", "index", "default"],
    }
}


def dokreg(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args)


def work_the_sync_queue() -> None:
    call_command("db_worker", queue_name="sync", batch=True, interval=0, reload=False, worker_id="test:1:x")


@override_settings(TASKS=QUEUED)
def test_a_failed_days_sync_is_seen_put_back_and_then_stores_the_day(monkeypatch, capsys):
    corpus = Corpus(CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=6, big_day_every=0, seed=4))
    slug = corpus.bodies[0].slug
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="t-som", family="adr", base_url=server.base_url(slug))
        sync_enqueue(registry=registry, days=[DAY])

        def broken(**_kwargs):
            raise RuntimeError("the connector met a page it could not read")

        real = sync.day_sync
        monkeypatch.setattr(sync, "day_sync", broken)
        work_the_sync_queue()
        assert not Document.objects.filter(registry=registry).exists()

        # Seen: in the queue's table, with the error; in `dokreg status`; in the digest.
        capsys.readouterr()
        assert dokreg("tasks") == 0
        shown = capsys.readouterr().out
        assert (
            f"sync_day_task({registry.pk}, '{DAY}', False): RuntimeError: the connector met a page" in shown
        )
        assert "dokreg tasks --retry-failed" in shown
        cmd_status(argparse.Namespace(registry=None, all=False))
        assert "1 queued tasks failed: see `dokreg tasks`" in capsys.readouterr().out
        now = timezone.now()
        digest = alerts.digest_build(since=now - timedelta(days=1), now=now + timedelta(seconds=1))
        assert digest.failed_tasks == [("sync_day_task", 1)] and digest.attention == 1

        # The cause fixed, put back: the same task runs again and stores the day.
        monkeypatch.setattr(sync, "day_sync", real)
        assert dokreg("tasks", "--retry-failed") == 0
        assert "1 failed tasks queued again" in capsys.readouterr().out
        work_the_sync_queue()
        [row] = DBTaskResult.objects.filter(task_path__endswith="sync_day_task")
        assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids == ["test:1:x", "test:1:x"]
        assert Document.objects.filter(registry=registry).count() == len(corpus.documents(slug))
        assert queue.failed_count() == 0


@override_settings(TASKS=QUEUED)
def test_the_queue_by_state_and_pruning_keeps_failed_and_recent_rows(monkeypatch, capsys):
    now = timezone.now()

    def row(status, queue_name, finished_days_ago=None):
        finished = now - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [1], "kwargs": {}},
            task_path=f"dokreg.pipeline.tasks.{queue_name}_task",
            backend_name="default",
            queue_name=queue_name,
            run_after=now,
            finished_at=finished,
            traceback="Traceback (most recent call last):\n  File x\nValueError: no\n"
            if status == "FAILED"
            else "",
            exception_class_path="builtins.ValueError" if status == "FAILED" else "",
        )

    old_done = [row(TaskResultStatus.SUCCESSFUL, "index", 30) for _ in range(3)]
    recent_done = row(TaskResultStatus.SUCCESSFUL, "index", 1)
    old_failed = row(TaskResultStatus.FAILED, "ocr", 30)
    waiting = row(TaskResultStatus.READY, "ocr")

    assert [(r.queue, r.waiting, r.running, r.failed, r.done) for r in queue.queue_overview()] == [
        ("index", 0, 0, 0, 4),
        ("ocr", 1, 0, 1, 0),
    ]
    monkeypatch.setattr(queue, "PRUNE_CHUNK", 2)  # two chunks for three rows: the loop, not one DELETE
    assert dokreg("tasks", "--prune-days", "14") == 0
    assert "3 finished task rows pruned" in capsys.readouterr().out
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert left == {recent_done.id, old_failed.id, waiting.id}
    assert not left & {r.id for r in old_done}


def test_bad_numbers_on_the_command_line_are_refused_by_name(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["tasks", "--prune-days", "-3"])
    assert "'-3' is not a whole number" in capsys.readouterr().err


@override_settings(TASKS=QUEUED)
def test_a_days_sync_queues_file_work_only_for_documents_with_files_to_fetch_and_one_index_run():
    """Restricted documents and those without files get no files task: most of a register's rows."""
    corpus = Corpus(
        CorpusConfig(bodies=1, days=1, start=DAY, docs_per_day=30, big_day_every=0, seed=4, files="pdf")
    )
    slug = corpus.bodies[0].slug
    with SimulatorServer(corpus) as server:
        registry = registry_save(slug="t-som", family="adr", base_url=server.base_url(slug))
        sync_enqueue(registry=registry, days=[DAY])
        work_the_sync_queue()
        queued = sorted(
            args["args"][0]
            for args in DBTaskResult.objects.filter(queue_name="extract").values_list(
                "args_kwargs", flat=True
            )
        )
        public_with_files = sorted(
            Document.objects.filter(registry=registry, access="public", files__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        )
        stored = Document.objects.filter(registry=registry).count()
        assert 0 < len(queued) < stored and queued == public_with_files
        call_command(
            "db_worker", queue_name="extract", batch=True, interval=0, reload=False, worker_id="t:2:y"
        )
        assert server.requests["file"] == sum(
            len(d.listed_files) for d in corpus.documents(slug) if d.is_public
        )
        assert not File.objects.filter(document__access="public", download_state="pending").exists()
        # One index run waits, for every document: not one per files task (a commit and a snapshot each).
        assert DBTaskResult.objects.filter(queue_name="index", status=TaskResultStatus.READY).count() == 1
