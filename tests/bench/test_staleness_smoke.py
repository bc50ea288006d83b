"""The index-staleness benchmark runs end to end on a tiny index against the session's S3 server.

No timing is asserted: speed lives in bench/, not in tests. This only keeps the script from rotting.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "index_staleness.py"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_staleness_benchmark_reports_every_figure(tmp_path, s3_server, settings, monkeypatch):
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    settings.INDEX_SNAPSHOTS_URL = ""  # the script sets both; the fixture puts them back after
    settings.INDEX_DIR = tmp_path / "index"
    spec = importlib.util.spec_from_file_location("bench_index_staleness", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out = tmp_path / "out.json"

    module.main(
        ["--base", "100", "--rounds", "2", "--intervals", "0.3", "--store", s3_server.url(s3_server.place()),
         "--work-dir", str(tmp_path / "work"), "--out", str(out)]
    )  # fmt: skip

    results = json.loads(out.read_text())
    assert results["base_docs"] >= 100 and results["first_publish"]["files"] > 0
    [interval] = results["intervals"]
    assert interval["rounds"] == 2 and interval["stale_max_s"] >= interval["stale_p50_s"] > 0
    assert interval["uploaded_kb_mean"] > 0  # each commit's new segment travelled
