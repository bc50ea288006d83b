"""The `dokreg` command as operators and scripts use it."""

import subprocess
import sys

import pytest

from dokreg.cli import build_parser, main
from dokreg.registries.models import Registry

COMMANDS = [
    "demo",
    "sync",
    "serve",
    "worker",
    "status",
    "reprocess",
    "reindex",
    "registry",
    "export",
    "extract",
    "takedown",
    "migrate",
    "check",
    "requests",
    "digest",
    "alerts",
]


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code


def test_every_command_has_help(capsys):
    parser = build_parser()
    for command in COMMANDS:
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args([command, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert "usage: dokreg " + command in out
        # Each help says what the command does, not only its options.
        assert len(out.split("\n\n")[1].strip()) > 20, command


def test_top_level_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "dokreg", "--help"], capture_output=True, text=True).stdout
    for command in COMMANDS:
        assert command in out


@pytest.mark.django_db
def test_registry_add_then_list(capsys):
    assert (
        run(
            "registry",
            "add",
            "--family",
            "adr",
            "--slug",
            "testreg",
            "--name",
            "Testamet",
            "--url",
            "http://127.0.0.1:9/testreg",
        )
        == 0
    )
    registry = Registry.objects.get(slug="testreg")
    assert registry.base_url == "http://127.0.0.1:9/testreg/"  # a base needs its slash
    assert (
        run("registry", "add", "--family", "adr", "--slug", "testreg", "--url", "http://127.0.0.1:9/other/")
        == 0
    )
    registry.refresh_from_db()
    assert registry.base_url == "http://127.0.0.1:9/other/" and registry.name == "Testamet"
    capsys.readouterr()
    assert run("registry", "list") == 0
    out = capsys.readouterr().out
    assert "testreg" in out and "Testamet" in out


@pytest.mark.django_db
def test_catalogue_is_loaded_by_migration():
    covered = Registry.objects.exclude(state=Registry.State.NOT_COVERED)
    assert covered.filter(family="adr").count() == 47
    assert set(covered.exclude(family="adr").values_list("family", flat=True)) == {
        "rmk",
        "riigikantselei",
        "riigikogu",
        "tallinn",
    }
    assert Registry.objects.filter(state=Registry.State.NOT_COVERED).count() == 11
    assert Registry.objects.get(slug="som").name == "Sotsiaalministeerium"
    assert Registry.objects.get(slug="ram").name == "ram"  # not certain: the slug stands in until a sync


@pytest.mark.django_db
def test_bad_arguments_give_clear_errors(capsys):
    assert run("registry", "add", "--family", "nope", "--slug", "x", "--url", "http://127.0.0.1/") == 2
    assert "unknown family 'nope'" in capsys.readouterr().err
    assert (
        run("sync", "--registry", "does-not-exist", "--since", "2025-01-01")
        == "dokreg: no registry 'does-not-exist'; see `dokreg registry list`"
    )
    assert run("sync", "--since", "yesterday") == 2
    assert "'yesterday' is not a date" in capsys.readouterr().err


@pytest.mark.django_db
def test_export_of_empty_registry_is_empty(capsys):
    assert run("export", "--registry", "som", "--format", "ndjson") == 0
    assert capsys.readouterr().out == ""


def test_simulate_takes_its_own_options(capsys):
    assert run("simulate", "--help") == 0
    out = capsys.readouterr().out
    assert "usage: dokreg simulate" in out and "--port" in out and "--docs-per-day" in out


def test_simulate_serves_any_family(capsys):
    from dokreg.simulator.cli import SITES

    assert set(SITES) == {"adr", "rmk", "riigikantselei", "riigikogu", "tallinn"}
    assert run("simulate", "--family", "nope") == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


@pytest.mark.django_db
def test_sync_needs_a_register_or_all(capsys):
    # A bare `dokreg sync` must not quietly sync every active register for today.
    message = run("sync")
    assert "--registry" in message and "--all" in message


@pytest.mark.django_db
def test_ids_refused_on_a_day_based_family():
    message = run("sync", "--registry", "som", "--ids", "1-10")
    assert "by registration day" in message and "--since" in message


@pytest.mark.django_db
def test_status_of_an_unknown_register_is_an_error():
    assert run("status", "--registry", "nope") == "dokreg: no registry 'nope'; see `dokreg registry list`"


@pytest.mark.django_db
def test_a_connection_failure_is_named_in_the_sync_summary(capsys):
    run("registry", "add", "--family", "adr", "--slug", "gone", "--url", "http://no-such-host.invalid/gone/")
    capsys.readouterr()
    assert run("sync", "--registry", "gone", "--since", "2025-12-01", "--until", "2025-12-01") == 1
    out = capsys.readouterr().out
    assert "gone:" in out and "errors:" in out and "no-such-host.invalid" in out


@pytest.mark.django_db
def test_status_shows_a_sync_that_never_finished(capsys):
    from django.utils import timezone

    Registry.objects.filter(slug="som").update(last_sync_started_at=timezone.now())
    assert run("status", "--registry", "som") == 0
    assert "som: the last sync never finished" in capsys.readouterr().out
