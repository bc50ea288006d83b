"""bench/web_search.py on a tiny corpus: the search part reports its figures, and one pass fills the
archive, its index and the Datasette peer with the same documents. No server, no timing asserted;
Datasette itself is not needed (the peer is plain SQLite with FTS5).
"""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _module(name: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))  # web_search imports its siblings by plain name
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_search_part_reports_latency_with_and_without_facets(tmp_path):
    web = _module("web_search")
    out = web.main(["search", "--sizes", "200", "--rounds", "1", "--work-dir", str(tmp_path)])
    [row] = out["search"]
    assert row["documents"] == 212  # 1 day of 5 registers, ~40 a day each
    assert row["samples"] == row["queries"] == 57
    for kind in ("hits_only", "facets"):
        assert 0 < row[kind]["p50_ms"] <= row[kind]["p95_ms"] <= row[kind]["p99_ms"] <= row[kind]["max_ms"]
    assert row["index_mib"] > 0
    assert not (tmp_path / "index-200").exists()  # a 1M index is too big to leave behind


def test_stream_gives_consecutive_ids_and_no_text_for_ak_documents():
    web = _module("web_search")
    docs = [doc for doc, _ in web.stream_docs(600, "short")]
    assert [d.doc_id for d in docs] == list(range(1, len(docs) + 1))
    assert {d.registry for d in docs} == {"som", "sisemin", "jm", "kum", "ska"}
    assert all(d.text == "" for d in docs if d.access == "ak")
    assert all(d.text for d in docs if d.access == "public")


@pytest.mark.django_db(transaction=True)
def test_one_pass_fills_archive_index_and_peer_with_the_same_documents(tmp_path):
    from dokreg.archive.models import Document
    from dokreg.search import search

    web = _module("web_search")
    # Two corpus chunks of one day each (a 1M run streams fifty 100-day chunks).
    built = web.build_archive(400, tmp_path, "short", chunk_days=1)
    assert built["documents"] == Document.objects.count() == 413
    doc = Document.objects.get(pk=17)
    peer = sqlite3.connect(tmp_path / "peer.db")
    assert peer.execute("SELECT reference, title FROM documents WHERE id = 17").fetchone() == (
        doc.reference,
        doc.title,
    )
    # The peer's FTS5 finds the document by a word of its title, and so does dokreg's index.
    word = max(doc.title.split(), key=len)
    found = {
        row[0]
        for row in peer.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", (f'"{word}"',))
    }
    assert 17 in found
    assert 17 in {hit.doc_id for hit in search(f'"{word}"', limit=1000).hits}


def test_peer_url_maps_the_query_mix_filters_to_datasette_columns():
    peer = _module("datasette_peer")
    sync = _module("sync_search")
    from dokreg.search import SearchFilters

    query = sync.Query(
        "ravimite hüvitamise",
        SearchFilters(registries=("som", "sisemin"), date_from=date(2023, 1, 1), doc_types=("Leping",)),
    )
    url = urlsplit(peer.peer_path(query, facets=True))
    assert url.path == "/peer/documents.json"
    assert parse_qsl(url.query) == [
        ("_search", "ravimite hüvitamise"),
        ("registry__in", "som,sisemin"),
        ("registered__gte", "2023-01-01"),
        ("doc_type__in", "Leping"),
        ("_size", "20"),
        ("_facet", "registry"),
        ("_facet", "doc_type"),
    ]
