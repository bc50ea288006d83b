"""bench/relevance.py on a slice of the real titles: the judgements parse, and the runner scores what it finds.

No figure is asserted beyond what a working search must do on a tiny set: the full run is in BENCHMARKS.md.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "relevance.py"

pytestmark = pytest.mark.shared


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_relevance", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_relevance_runner_scores_a_slice_of_the_titles(shared_data, tmp_path):
    bench = _bench_module()
    source = shared_data / "ee-riigiteataja-smartsearch" / "titles-source" / "state_laws.csv"
    titles = tmp_path / "titles"
    titles.mkdir()
    with (
        source.open(encoding="utf-8", newline="") as f,
        (titles / "laws.csv").open("w", encoding="utf-8") as out,
    ):
        rows = list(csv.reader(f))[:401]
        csv.writer(out).writerows(rows)
    queries = tmp_path / "queries.tsv"
    queries.write_text(
        "# a comment\n"
        "inflected\tkaristusseadustikule\t\ttitle:^Karistusseadustik$\n"
        "reference\t1-1/1001\t\tref:^1-1/1001-\tmatter root\n"
        "name\tseadus\tTallinna Vesi\tparty:^AS Tallinna Vesi$ & title:seadus | title:^nothing at all$\n"
        "typo\tkaristusseadustk\t\ttitle:^Karistusseadustik$\n",
        encoding="utf-8",
    )

    out = bench.main(["--titles", str(titles), "--queries", str(queries), "--out", str(tmp_path / "r.json")])

    assert out["docs"] == 400
    assert {r["query"]: r["recall_at_10"] for r in out["queries"]} == {
        "karistusseadustikule": 1.0,
        "1-1/1001": 1.0,
        "seadus": 1.0,
        "karistusseadustk": 1.0,
    }
    assert out["queries"][-1]["scored_on"] == "karistusseadustik"
    assert out["summary"]["all"]["queries"] == 4
    assert (tmp_path / "r.json").is_file()


def test_a_judgement_naming_no_document_stops_the_run(shared_data, tmp_path):
    bench = _bench_module()
    queries = tmp_path / "queries.tsv"
    queries.write_text("inflected\tx\t\ttitle:^no such act$\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="naming no document"):
        bench.main(["--queries", str(queries)])
