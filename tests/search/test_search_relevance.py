"""Relevance on real Estonian text: Riigi Teataja act titles, queried in inflected and accent-free forms.

The titles come from the EstNLTK smart-search snapshot (see its SOURCES.md): 22 312 titles of state
laws, government regulations and orders, many acts present in several versions, and many amending
acts whose titles contain the act's name ("Karistusseadustiku muutmise seadus"), so a query has to
put the act itself among the first ten.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dokreg.search import IndexDoc, IndexWriter, SearchFilters
from dokreg.search.services import run_search

pytestmark = pytest.mark.shared

# query → the exact title expected among the first ten hits
QUERIES = {
    "karistusseadustikule": "Karistusseadustik",
    "isikuandmete kaitse": "Isikuandmete kaitse seadus",
    "avaliku teabe seadus": "Avaliku teabe seadus",
    "relvaseaduse": "Relvaseadus",
    "toiduseadus": "Toiduseadus",
    "liiklusseadusega": "Liiklusseadus",
    "tsiviilkohtumenetluse seadustikus": "Tsiviilkohtumenetluse seadustik",
    "riigikogu töökorrast": "Riigikogu töökorra seadus",
    "perekonnaseaduses": "Perekonnaseadus",
    "toolepingu seadus": "Töölepingu seadus",
    "ariseadustik": "Äriseadustik",
    "kuberturvalisuse seadus": "Küberturvalisuse seadus",
    "atmosfaariohu kaitse": "Atmosfääriõhu kaitse seadus",
    "vaarteomenetluse seadustikule": "Väärteomenetluse seadustik",
    "ehitusseadustikust": "Ehitusseadustik",
    "looduskaitseseaduse": "Looduskaitseseadus",
    "meresoiduohutuse seadusele": "Meresõiduohutuse seadus",
    "riigilõivuseadusega": "Riigilõivuseadus",
    "ravikindlustusest": "Ravikindlustuse seadus",
    "autoriõigusest": "Autoriõiguse seadus",
}


def load_titles(source: Path) -> list[IndexDoc]:
    docs = []
    for path in sorted(source.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                docs.append(
                    IndexDoc(
                        doc_id=len(docs) + 1,
                        registry="riigiteataja",
                        registry_name="Riigi Teataja",
                        reference=row["global_id"],
                        title=row["document_title"],
                        doc_type=row["document_type"],
                        registered=None,
                        access="public",
                    )
                )
    return docs


def recall_at_10(docs: list[IndexDoc], index_dir: Path, *, lemmas: bool) -> tuple[float, list[str]]:
    titles = {d.doc_id: d.title for d in docs}
    missed = []
    for query, expected in QUERIES.items():
        result = run_search(
            query,
            filters=SearchFilters(),
            sort="relevance",
            offset=0,
            limit=10,
            index_dir=index_dir,
            lemmas=lemmas,
        )
        if not any(titles[h.doc_id].lower() == expected.lower() for h in result.hits):
            missed.append(query)
    return 1 - len(missed) / len(QUERIES), missed


def test_inflected_and_accent_free_queries_find_the_act(shared_data, tmp_path, capsys):
    docs = load_titles(shared_data / "ee-riigiteataja-smartsearch" / "titles-source")
    assert len(docs) == 22_312
    with IndexWriter(tmp_path / "titles", batch_size=5_000) as writer:
        for d in docs:
            writer.add(d)

    with_analyser, missed = recall_at_10(docs, tmp_path / "titles", lemmas=True)
    surface_only, _ = recall_at_10(docs, tmp_path / "titles", lemmas=False)
    with capsys.disabled():
        print(
            f"\nrecall@10 on {len(QUERIES)} queries: analyser {with_analyser:.2f}, surface only {surface_only:.2f}"
        )

    assert missed == []
    assert surface_only < 0.5
