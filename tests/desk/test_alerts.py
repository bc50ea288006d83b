"""Operator alerts: the daily digest and the follow loop's heartbeat, mailed through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Access, DocumentVersion, Problem
from dokreg.cli import main
from dokreg.desk import alerts
from dokreg.desk.models import AlertState, RemovalRequest
from dokreg.pipeline.follow import follow
from dokreg.registries.models import Registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def operators(settings):
    settings.DOKREG_OPERATOR_EMAILS = ["valve@example.ee", "juht@example.ee"]


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code


def test_follow_loop_beats_and_a_stale_beat_is_mailed_once_per_stale_period(operators, smtp_server):
    assert alerts.heartbeat_check().message.startswith("the follow loop has never run")
    follow(interval=0, once=True, only="no-such-register")
    beat = AlertState.objects.get(name=alerts.FOLLOW).at
    assert timezone.now() - beat < timedelta(minutes=1)

    fresh = alerts.heartbeat_check(now=beat + timedelta(minutes=29))
    assert not fresh.stale and smtp_server == []

    stale = alerts.heartbeat_check(now=beat + timedelta(minutes=31))
    assert stale.stale and stale.mailed
    (mail,) = smtp_server
    assert set(mail["X-Envelope-To"].split(", ")) == {"valve@example.ee", "juht@example.ee"}
    assert "seisab" in mail["Subject"] and "31 minutit" in mail.get_content()

    # Checked every few minutes by a timer: the same outage is not mailed again.
    again = alerts.heartbeat_check(now=beat + timedelta(minutes=45))
    assert again.stale and not again.mailed and len(smtp_server) == 1

    # The loop comes back, then stops again: a new outage, a new mail.
    alerts.heartbeat_beat(now=beat + timedelta(minutes=50))
    assert not alerts.heartbeat_check(now=beat + timedelta(minutes=60)).stale
    assert alerts.heartbeat_check(now=beat + timedelta(minutes=90)).mailed and len(smtp_server) == 2


def test_digest_lists_requests_restrictions_paused_registers_stalled_and_failed_tasks_and_extractions(
    operators, smtp_server
):
    now = timezone.now()
    body = make_registry(name="Päästeamet")
    paused = make_registry(
        name="Politsei- ja Piirivalveamet", state=Registry.State.PAUSED, state_reason="robot check"
    )
    personal = make_document(
        body, reference="7-1/5", access=Access.AK, restriction_basis="AvTS § 35 lg 1 p 12"
    )
    other = make_document(body, reference="7-1/6", access=Access.AK, restriction_basis="HkMS § 89 lg 1")
    for doc in (personal, other):
        DocumentVersion.objects.create(
            document=doc,
            kind="restricted",
            seen_at=now - timedelta(hours=2),
            changes={"access": ["public", "ak"]},
        )
    new = RemovalRequest.objects.create(
        token="t" * 32,
        document=personal,
        document_label="Päästeamet: 7-1/5",
        basis="gdpr_17",
        status="pending",
        confirmed_at=now - timedelta(hours=3),
        due_at=now + timedelta(days=30),
    )
    overdue = RemovalRequest.objects.create(
        token="u" * 32,
        document=other,
        document_label="Päästeamet: 7-1/6",
        basis="gdpr_21",
        status="pending",
        confirmed_at=now - timedelta(days=40),
        due_at=now - timedelta(days=10),
    )
    Problem.objects.create(
        registry=body,
        stage="extract",
        subject="fail.pdf",
        code="broken",
        message="x",
        seen_at=now - timedelta(hours=1),
    )
    DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=now - timedelta(hours=2),
        args_kwargs={"args": [], "kwargs": {}},
        task_path="dokreg.pipeline.tasks.index_task",
        backend_name="default",
        queue_name="index",
        run_after=now - timedelta(hours=2),
    )

    DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        finished_at=now - timedelta(hours=1),
        args_kwargs={"args": [body.pk, "2025-12-01", False], "kwargs": {}},
        task_path="dokreg.pipeline.tasks.sync_day_task",
        backend_name="default",
        queue_name="sync",
        run_after=now - timedelta(hours=2),
        exception_class_path="builtins.RuntimeError",
        traceback="Traceback (most recent call last):\nRuntimeError: the source went away\n",
    )

    digest, mailed = alerts.digest_send(now=now)

    assert mailed
    assert digest.new_requests == [new] and digest.overdue == [overdue]
    assert [v.document for v in digest.restrictions] == [personal]
    assert digest.paused == [paused] and digest.stalled_tasks == 1
    assert digest.failed_extractions == [("Päästeamet", 1)]
    (mail,) = smtp_server
    text = mail.get_content()
    assert "(7 vajab tähelepanu)" in mail["Subject"]
    for expected in (
        "Uued kinnitatud eemaldamise taotlused: 1",
        f"ÜLETATUD #{overdue.pk} Päästeamet: 7-1/6",
        f"Päästeamet: 7-1/5 (dokument {personal.pk})",
        "Politsei- ja Piirivalveamet",
        "Seisvad tööülesanded (üle tunni töös): 1",
        "Ebaõnnestunud tekstieraldused: 1",
        "Ebaõnnestunud tööülesanded: 1",
        "  sync_day_task: 1",
        "dokreg tasks --retry-failed",
    ):
        assert expected in text, expected
    assert "7-1/6 (dokument" not in text  # not a personal-data basis

    # The next digest covers only what came after: the overdue request stays until it is decided.
    later, _ = alerts.digest_send(now=now + timedelta(days=1))
    assert later.new_requests == [] and later.restrictions == [] and later.overdue == [overdue]


def test_commands_mail_the_operators(operators, smtp_server, capsys):
    assert run("digest") == 0
    assert "digest mailed" in capsys.readouterr().out and len(smtp_server) == 1
    assert run("alerts") == 0
    assert "never run" in capsys.readouterr().out
    assert run("requests") == 0
    assert "0 pending removal requests" in capsys.readouterr().out
    assert run("requests", "--purge") == 0
    assert "0 decided requests anonymised" in capsys.readouterr().out


def test_digest_without_any_operator_address_says_so(settings, capsys):
    settings.DOKREG_OPERATOR_EMAILS = []
    assert run("digest") == 1
    assert "no operator address" in capsys.readouterr().err


def test_a_long_sync_keeps_the_heartbeat_fresh(monkeypatch):
    """A first sync of a big register runs for hours inside one cycle; its progress beats the heart."""
    from dokreg.pipeline import follow as follow_module
    from dokreg.pipeline.progress import Reporter

    beating = follow_module._Beating(Reporter())
    beating.beat(stage="cycle started")
    first = AlertState.objects.get(name=alerts.FOLLOW)
    beating.advance()  # within BEAT_EVERY of the last beat: no write per document
    assert AlertState.objects.get(name=alerts.FOLLOW).at == first.at
    monkeypatch.setattr(follow_module, "BEAT_EVERY", 0.0)
    beating.advance()
    beat = AlertState.objects.get(name=alerts.FOLLOW)
    assert beat.at > first.at and beat.detail == {"stage": "sync"}
