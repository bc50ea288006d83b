"""Every write to an archive table comes from the archive's own code, and its reads import none of its writes.

Checked where it cannot be fooled: every INSERT, UPDATE and DELETE the database receives during a real
sync (listing, fetching, files, extraction, index, revisit, restriction, reprocess) is traced back to
the dokreg function that issued it.
"""

from __future__ import annotations

import ast
import re
import sys
import traceback
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from dokreg.pipeline.reprocess import captures_reparse, files_reextract
from dokreg.pipeline.sync import registry_revisit, registry_sync
from dokreg.registries.services import registry_save
from dokreg.simulator import Corpus, CorpusConfig, SimulatorServer
from dokreg.simulator.corpus import RESTRICTED

SRC = Path(__file__).resolve().parents[2] / "src" / "dokreg"
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# The tables each package alone may write (the archive keeps its per-register counts on the registry row).
OWNERS = {"archive_": ("archive/",), "registries_": ("registries/", "archive/services/")}


def _writer(stack) -> str:
    """The innermost dokreg source file on the stack (the code that asked the ORM to write)."""
    for frame in reversed(stack):
        path = Path(frame.filename)
        if SRC in path.parents:
            return path.relative_to(SRC).as_posix()
    return "?"


@pytest.mark.django_db(transaction=True)
def test_only_archive_services_write_archive_tables():
    writes: list[tuple[str, str]] = []

    def watch(execute, sql, params, many, context):
        found = WRITE.match(sql)
        if found:
            writes.append((found.group(2).lower(), _writer(traceback.extract_stack())))
        return execute(sql, params, many, context)

    corpus = Corpus(CorpusConfig(bodies=1, days=2, start=date(2025, 12, 1), docs_per_day=6, seed=9))
    with SimulatorServer(corpus) as server, connection.execute_wrapper(watch):
        registry = registry_save(
            slug="boundary", family="adr", base_url=f"{server.url}/{corpus.bodies[0].slug}/"
        )
        writes.clear()  # the catalogue write above is the registries app's own service
        registry_sync(registry=registry, since=date(2025, 12, 1), until=date(2025, 12, 2), isolate=False)
        slug = corpus.bodies[0].slug
        public = [doc for doc in corpus.documents(slug) if doc.is_public]
        # A restriction and a withdrawal at the source: files purged, versions and withdrawals recorded.
        corpus.mutate(slug, public[0].id, access=RESTRICTED)
        corpus.withdraw(slug, public[1].id)
        registry_revisit(registry=registry, due_only=False, isolate=False)
        captures_reparse(registry=registry)
        files_reextract(extractor="pdf", registry=registry)

    tables = {table for table, _ in writes}
    assert {"archive_document", "archive_file", "archive_syncday", "archive_documentversion"} <= tables
    wrong = sorted(
        {
            (table, writer)
            for table, writer in writes
            for prefix, owners in OWNERS.items()
            if table.startswith(prefix) and not writer.startswith(owners)
        }
    )
    assert not wrong, f"archive or registry rows written outside their app's services: {wrong}"
    pipeline_writes = {w for _, w in writes if w.startswith("pipeline/")}
    assert not pipeline_writes


def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_archive_selectors_import_no_services():
    """Reads never need writes: any import (even one inside a function) of services from selectors is a cycle."""
    imported = _imports(SRC / "archive" / "selectors.py")
    assert not {name for name in imported if name.startswith("dokreg.archive.services")}


def test_selectors_import_cleanly_before_services():
    for name in [m for m in sys.modules if m.startswith("dokreg.archive.s")]:
        del sys.modules[name]
    import dokreg.archive.selectors  # noqa: F401

    assert "dokreg.archive.services" not in sys.modules


WRITE_METHODS = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "get_or_create",
}
# Write-named calls in the pipeline that touch no archive table: the search index writer, the progress bar,
# and django-tasks' own queue table (its stale-task recovery).
NOT_ARCHIVE = {
    ("indexing.py", "writer"),
    ("progress.py", "self"),
    ("tasks.py", "DBTaskResult"),
    ("queue.py", "DBTaskResult"),
}


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else "?"


def test_pipeline_modules_call_no_orm_writes():
    """The same rule read from the source, so stages no sync walks (OCR, retries) are held to it too."""
    found = []
    for module in sorted((SRC / "pipeline").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITE_METHODS
                and (module.name, _root(node.func.value)) not in NOT_ARCHIVE
            ):
                found.append(f"{module.name}:{node.lineno} {ast.unparse(node.func)}")
    assert not found, f"writes in the pipeline belong in archive.services: {found}"
