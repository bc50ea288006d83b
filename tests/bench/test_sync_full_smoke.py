"""bench/sync_full.py runs end to end on a small register, and its re-visit finds exactly what was changed.

No timing is asserted: speed lives in bench/ and BENCHMARKS.md. This keeps the script from rotting
and pins the one thing it checks itself: the re-visit's counts against the simulator's changes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "sync_full.py"

pytestmark = pytest.mark.django_db(transaction=True)


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_sync_full", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_full_sync_then_revisit_finds_the_changes_made_at_the_source(tmp_path):
    out = tmp_path / "out.json"
    argv = [
        "--docs",
        "400",
        "--revisit",
        "300",
        "--edit-pct",
        "3",
        "--restrict-pct",
        "2",
        "--withdraw-pct",
        "1",
    ]
    argv += ["--progress-every", "600", "--work-dir", str(tmp_path / "work"), "--out", str(out)]

    returned = _bench_module().main(argv)

    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(returned))
    sync = written["sync"]
    assert sync["documents_stored"] == sync["source_documents"] >= 300
    assert sync["report"]["failed"] == 0 and sync["report"]["incomplete_days"] == 0
    assert sync["split_days"] >= 1  # a big day went over the 100-result cap and was split by type
    assert written["requests"]["sync"]["document"] == sync["source_documents"]
    revisit = written["revisit"]
    # 3 % / 2 % / 1 % of 300, on disjoint documents.
    assert revisit["mutated"] == {"edited": 9, "restricted": 6, "withdrawn": 3}
    assert revisit["found"] == {"changed": 15, "withdrawn": 3, "failed": 0}
    assert revisit["matches"] is True
    assert revisit["report"]["revisited"] == 300
    # Every re-visit asks the register: unchanged pages answer 304 (conditional request), changed ones
    # come back whole, and the withdrawn three answer "not found".
    assert revisit["requests"]["document"] + revisit["requests"].get("not_modified", 0) == 297
