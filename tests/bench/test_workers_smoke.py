"""bench/workers.py runs end to end with two workers on PostgreSQL and reports a complete archive.

No timing is asserted (BENCHMARKS.md section 23); this keeps the script from rotting and checks what it
reports besides speed: every document stored and fetched once, every file done, no task failed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from tests.archive_children import ON_POSTGRES

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "workers.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ON_POSTGRES, reason="the workers share PostgreSQL (DOKREG_TEST_DATABASE_URL)"),
]


def test_two_workers_leave_a_complete_archive(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_workers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    admin = os.environ["DOKREG_TEST_DATABASE_URL"]
    result = module.main(
        [
            "--docs",
            "150",
            "--files",
            "pdf",
            "--workers",
            "2",
            "--pg-admin-url",
            admin,
            "--out",
            str(tmp_path / "o.json"),
        ]
    )
    [run] = result["runs"]
    assert run["documents"] == run["simulator_documents"] == run["document_pages_served"] > 0
    assert run["files"] == run["simulator_files"] > 0
    assert run["tasks_failed"] == run["documents_not_fetched"] == run["files_not_done"] == 0
    assert run["duplicate_documents"] == 0 and (tmp_path / "o.json").exists()
