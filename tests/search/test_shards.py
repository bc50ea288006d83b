"""An index in shards (DOKREG_INDEX_SHARDS): where documents live, how a search merges the shards,
and how a change of the number of shards rebuilds the index."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
import tantivy

from dokreg.search import (
    IndexBroken,
    IndexDoc,
    IndexOutdated,
    IndexWriter,
    SearchFilters,
    index_outdated,
    search,
)
from dokreg.search import schema as search_schema
from dokreg.search.shards import shard_of

FIRST = date(2025, 1, 1)
TODAY = date(2025, 6, 1)


def doc(doc_id: int, title: str, **fields) -> IndexDoc:
    values = {
        "registry": ("jm", "rk", "som")[doc_id % 3],
        "registry_name": "Amet",
        "reference": f"1-1/{doc_id}",
        "doc_type": ("Kiri", "Leping")[doc_id % 2],
        "registered": FIRST + timedelta(days=doc_id % 50),
        "access": "public",
    }
    values.update(fields)
    return IndexDoc(doc_id=doc_id, title=title, **values)


# Words repeated at different rates, so scores differ and many documents tie on a day.
CORPUS = [
    doc(i, f"Hanke {'leping ' * (i % 4)}kiri {i}", text=f"Riigihange number {i}. " + "hange " * (i % 7))
    for i in range(1, 121)
]


def write(index_dir, shards: int, docs=CORPUS) -> None:
    with IndexWriter(index_dir, shards=shards) as writer:
        for d in docs:
            writer.add(d)


def ids(result) -> list[int]:
    return [hit.doc_id for hit in result.hits]


def stored_ids(shard_dir) -> set[int]:
    searcher = search_schema.open_index(shard_dir, create=False).searcher()
    everything = searcher.search(tantivy.Query.all_query(), 1_000).hits
    return {int(searcher.doc(address).get_first(search_schema.DOC_ID)) for _, address in everything}


def test_each_document_lives_in_one_shard_and_an_update_or_delete_finds_it(tmp_path):
    index_dir = tmp_path / "index"
    write(index_dir, 3)
    with IndexWriter(index_dir, shards=3) as writer:
        writer.add(doc(7, "Uus pealkiri seitse"))  # an update: replaces the one in its shard
        writer.delete(8)

    folders = search_schema.shard_dirs(index_dir)
    assert [f.name for f in folders] == ["shard-0", "shard-1", "shard-2"]
    held = [stored_ids(folder) for folder in folders]
    assert all(held), "every shard holds documents"
    for shard, doc_ids in enumerate(held):
        assert all(shard_of(doc_id, 3) == shard for doc_id in doc_ids)
    assert sorted(doc_id for doc_ids in held for doc_id in doc_ids) == [i for i in range(1, 121) if i != 8]
    assert ids(search("seitse", index_dir=index_dir)) == [7]
    assert search("hanke", index_dir=index_dir, limit=0).total == 118  # all but 8 deleted and 7 retitled


@pytest.mark.parametrize("sort", ["relevance", "date", "oldest"])
def test_pages_through_shards_hold_every_match_once_in_order(tmp_path, sort):
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, 1)
    write(two, 2)

    def all_pages(index_dir) -> list:
        hits = []
        for offset in range(0, 130, 25):
            result = search("hange", sort=sort, offset=offset, limit=25, index_dir=index_dir, today=TODAY)
            assert result.total == 120 and result.total_exact
            hits += result.hits
        return hits

    merged = all_pages(two)
    assert sorted(hit.doc_id for hit in merged) == list(range(1, 121))  # no match lost or shown twice
    if sort == "relevance":
        scores = [hit.score for hit in merged]
        assert scores == sorted(scores, reverse=True)
        # Each shard scores with its own statistics, so scores differ a little from one index's; the
        # best matches are the same documents.
        alone = all_pages(one)
        assert {h.doc_id for h in merged[:10]} & {h.doc_id for h in alone[:10]}
    else:
        days = [FIRST + timedelta(days=hit.doc_id % 50) for hit in merged]
        assert days == sorted(days, reverse=sort == "date")


def test_facets_and_filters_add_up_over_the_shards(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, 1)
    write(two, 2)
    for filters in (SearchFilters(), SearchFilters(registries=("rk",)), SearchFilters(doc_types=("Leping",))):
        alone = search("hange", filters=filters, facets=True, index_dir=one, today=TODAY)
        merged = search("hange", filters=filters, facets=True, index_dir=two, today=TODAY)
        assert merged.total == alone.total
        assert merged.facets == alone.facets
    # Documents of one type all lie in one shard here (type and shard both follow the id's parity):
    # the other shard's counts must still come in.
    assert {f.value: f.count for f in merged.facets["doc_type"]} == {"Kiri": 60, "Leping": 60}


def test_a_spelling_suggestion_counts_the_word_in_every_shard(tmp_path):
    # "ministeerium" only in odd documents, so all of it lies in shard 1 of two.
    docs = [doc(i, "Kiri ministeeriumile" if i % 2 else "Kiri", text="") for i in range(1, 21)]
    two = tmp_path / "two"
    write(two, 2, docs)
    assert search("ministeerium", index_dir=two).total == 10
    assert search("ministeeeium", index_dir=two).corrected == "ministeerium"


def test_another_number_of_shards_asked_makes_the_index_outdated(tmp_path, settings):
    index_dir = tmp_path / "index"
    write(index_dir, 1, CORPUS[:5])
    settings.INDEX_SHARDS = 1
    assert not index_outdated(index_dir)
    settings.INDEX_SHARDS = 2
    assert index_outdated(index_dir)
    with pytest.raises(IndexOutdated, match="is in 1 shard.*asks for 2.*reindex"):
        IndexWriter(index_dir).__enter__()
    # Readers follow the layout on disk, whatever the setting.
    assert search("hanke", index_dir=index_dir).total == 5


def test_a_reader_follows_a_rebuild_into_another_number_of_shards(tmp_path):
    index_dir = tmp_path / "index"
    write(index_dir, 1, CORPUS[:5])
    assert search("hanke", index_dir=index_dir).total == 5  # the reader is open now
    search_schema.index_clear(index_dir)
    write(index_dir, 2, CORPUS[:9])
    assert search("hanke", index_dir=index_dir).total == 9
    search_schema.index_clear(index_dir)
    write(index_dir, 1, CORPUS[:3])
    assert search("hanke", index_dir=index_dir).total == 3
    assert not (index_dir / search_schema.SHARDS_FILE).exists()


def test_a_damaged_shards_file_is_named(tmp_path):
    index_dir = tmp_path / "index"
    write(index_dir, 2, CORPUS[:3])
    (index_dir / search_schema.SHARDS_FILE).write_text("zwei\n")
    with pytest.raises(IndexBroken, match="SHARDS says 'zwei', not 1 to 64"):
        search("hanke", index_dir=index_dir)


@pytest.mark.parametrize("value", ["0", "65", "two", "-1"])
def test_a_bad_number_of_shards_stops_the_settings_with_its_name(value):
    env = {**os.environ, "DOKREG_INDEX_SHARDS": value, "DJANGO_SETTINGS_MODULE": "dokreg.conf.settings"}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert f"DOKREG_INDEX_SHARDS must be a whole number from 1 to 64, not '{value}'" in run.stderr
