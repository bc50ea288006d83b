"""DOKREG_SEARCH_KEPT_RESULTS: how many results a process keeps per index generation."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = "from dokreg.search import services; print(services.CACHED_RESULTS)"


def run(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOKREG_SEARCH_KEPT_RESULTS": value}
    return subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=60)


def test_an_operator_sets_how_many_results_are_kept_or_none():
    assert run("0").stdout.strip() == "0"
    assert run("2048").stdout.strip() == "2048"


def test_a_bad_value_is_refused_with_the_setting_named():
    answer = run("lots")
    assert answer.returncode != 0
    assert "DOKREG_SEARCH_KEPT_RESULTS must be a whole number" in answer.stderr and "'lots'" in answer.stderr
