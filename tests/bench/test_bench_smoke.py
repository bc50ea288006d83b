"""The benchmark script runs end to end on a tiny corpus and reports every figure BENCHMARKS.md quotes.

No timing is asserted: speed lives in bench/, not in tests. This only keeps the script from rotting.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "sync_search.py"

pytestmark = pytest.mark.django_db(transaction=True)


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_sync_search", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sync_and_search_benchmark_reports_positive_figures(tmp_path):
    out = tmp_path / "out.json"
    argv = [
        "--docs",
        "60",
        "--files",
        "asice",
        "--search-sizes",
        "1000",
        "--rounds",
        "1",
        "--work-dir",
        str(tmp_path / "work"),
        "--out",
        str(out),
    ]
    returned = _bench_module().main(argv)

    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(returned))
    sync = written["sync"]
    # Every document the simulated register holds is synced, and every public file downloaded.
    assert sync["documents_stored"] == sync["source_documents"] >= 50
    assert sync["report"]["files"] == sync["source_files"] > 0
    assert sync["report"]["failed"] == 0 and sync["report"]["incomplete_days"] == 0
    assert sync["report"]["extracted"] > sync["report"]["files"]  # containers' children are extracted too
    for key in ("seconds", "docs_per_s", "files_per_s", "extractions_per_s"):
        assert sync[key] > 0, key
    for stage in ("list_fetch_parse_upsert", "download_extract", "index"):
        assert sync["stages_s"][stage] > 0, stage
    assert sync["requests"]["document"] == sync["source_documents"]
    assert sync["peak_rss_mib"]["self"] > 0 and sync["peak_rss_mib"]["children"] > 0

    (row,) = written["search"]
    assert row["size"] == 1000 and 900 <= row["documents"] <= 1100
    assert row["queries"] >= 50 and row["samples"] == row["queries"]
    for key in ("build_s", "index_docs_per_s", "index_mib", "p50_ms", "p95_ms", "p99_ms", "mean_ms"):
        assert row[key] > 0, key
    assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert written["machine"]["nproc"] >= 1 and written["command"].startswith("python bench/sync_search.py")


def test_queries_file_parses_into_filters():
    bench = _bench_module()
    queries = bench.load_queries(bench.QUERIES_FILE)
    by_line = {q.line: q for q in queries}
    filtered = by_line["ravimite hüvitamise || registry=som,sisemin; from=2023-01-01; to=2023-01-31"]
    assert filtered.text == "ravimite hüvitamise"
    assert filtered.filters.registries == ("som", "sisemin")
    assert (filtered.filters.date_from.isoformat(), filtered.filters.date_to.isoformat()) == (
        "2023-01-01",
        "2023-01-31",
    )
    assert by_line["isikuandmete || sort=date"].sort == "date"
    assert by_line["|| registry=jm; type=Käskkiri"].text == ""
