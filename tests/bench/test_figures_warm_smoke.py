"""bench/figures_warm.py runs end to end on a small archive and reports what BENCHMARKS.md quotes.

No timing is asserted: speed lives in bench/, not in tests. This only keeps the script from rotting.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Document

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "figures_warm.py"


@pytest.mark.django_db
def test_figures_warm_bench_reports_every_body_and_a_takedown(tmp_path, monkeypatch):
    big, small = make_registry(), make_registry()
    for _ in range(3):
        make_document(big)
    make_document(small)
    out = tmp_path / "figures.json"
    monkeypatch.setenv("DOKREG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOKREG_WARM_FIGURES", "inline")  # the script sets it; restored after the test
    monkeypatch.setattr(sys, "argv", ["figures_warm.py", "--out", str(out)])
    monkeypatch.syspath_prepend(str(SCRIPT.parent))

    runpy.run_path(str(SCRIPT), run_name="__main__")

    result = json.loads(out.read_text())
    assert [b["body"] for b in result["bodies"][:2]] == [big.slug, small.slug]  # the largest first
    assert result["kept_entries"] > 0 and result["largest_body_takedown_with_warm_ms"] > 0
    # The document taken down for the run is back, as it was.
    assert not Document.objects.filter(registry=big).exclude(taken_down_at=None).exists()
