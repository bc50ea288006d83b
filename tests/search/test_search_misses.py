"""What people type and the index used to miss (issue 11): compound parts, accent-free inflected
words, partial references, typos and party names. A few representative queries of each class; the
full relevance set with judged results is bench/relevance/ (recall@10 and MRR in BENCHMARKS.md)."""

from __future__ import annotations

from datetime import date

import pytest

from dokreg.search import IndexDoc, IndexWriter, SearchFilters, search

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")


def doc(doc_id: int, title: str, **fields) -> IndexDoc:
    values = {
        "registry": "tai",
        "registry_name": "Tervise Arengu Instituut",
        "reference": f"1-1/{doc_id}",
        "doc_type": "Kiri",
        "registered": date(2025, 3, doc_id % 28 + 1),
        "access": "public",
    }
    values.update(fields)
    return IndexDoc(doc_id=doc_id, title=title, **values)


CORPUS = (
    doc(1, "Šokolaaditööstuse aruanne"),
    doc(2, "Koolitervishoiu juhend", correspondent="Tartu Linnavalitsus"),
    doc(3, "Kool ja lasteaed", text="Kooli õppekava."),
    doc(4, "Teabenõuded ja vastused", correspondent="AS Tallinna Vesi", reference="4-2/3259-1"),
    doc(5, "Vastus teabenõudele", correspondent="AS Tallinna Vesi", reference="4-2/3259-2"),
    doc(6, "Küberturvalisuse seaduse muutmine", reference="5.1-2/2090-3"),
    doc(7, "Töövõtuleping", doc_type="Leping", reference="7-1/15"),
    doc(8, "Leping ehitustöödeks", doc_type="Leping", correspondent="Tallinna Vesi OÜ"),
    doc(9, "Vee-ettevõtte hinnaleping", correspondent="Tallinna Kesklinna Valitsus"),
    doc(10, "Sõjaväe õppus", text="Sõda ja rahu."),
)


@pytest.fixture
def corpus():
    with IndexWriter() as writer:
        for d in CORPUS:
            writer.add(d)
    return CORPUS


def ids(query: str, **kwargs) -> list[int]:
    return [hit.doc_id for hit in search(query, **kwargs).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("šokolaad", 1), ("sokolaadi", 1), ("kool", 2), ("turvalisus", 6), ("kuber", 6), ("hinnalepingud", 9)],
)
def test_a_part_of_a_compound_finds_the_compound(corpus, query, expected):
    assert expected in ids(query)


def test_the_word_itself_ranks_above_a_compound_holding_it(corpus):
    found = ids("kool")
    assert found.index(3) < found.index(2)
    assert ids("leping")[:1] == [8]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("teabenouded", {4, 5}), ("teabenoudele", {4, 5}), ("kuberturvalisuse seadus", {6}), ("sojavae", {10})],
)
def test_accent_free_inflected_words_find_every_form(corpus, query, expected):
    assert expected <= set(ids(query))


def test_diacritics_still_rank_the_word_as_written_first(corpus):
    assert ids("sõda") == [10]
    assert ids("soda") == [10]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("4-2/3259", {4, 5}), ("3259-1", {4}), ("5.1-2/2090", {6}), ("2090-3", {6}), ("4-2/3259-2", {5})],
)
def test_a_reference_prefix_or_tail_finds_its_documents(corpus, query, expected):
    assert set(ids(query)) == expected


def test_a_reference_part_is_not_a_date_or_a_bare_prefix(corpus):
    assert ids("4-2") == []
    assert ids("5.1") == []


@pytest.mark.parametrize(("query", "suggestion"), [("lepng", "leping"), ("Teabenõudd", "Teabenõuded")])
def test_a_typo_gets_the_nearest_word_the_index_knows(corpus, query, suggestion):
    result = search(query)
    assert result.total == 0
    assert result.corrected == suggestion


def test_no_suggestion_for_words_the_index_knows(corpus):
    assert search("leping").corrected is None
    assert search("kuber").corrected is None  # found as a part of "küberturvalisuse"


def test_correspondent_filter_matches_words_within_the_party(corpus):
    def by(*names: str) -> set[int]:
        return set(ids("", filters=SearchFilters(correspondents=names)))

    assert by("AS Tallinna Vesi") == {4, 5}
    assert by("Tallinna Vesi") == {4, 5, 8}
    assert by("tallinna vesi") == {4, 5, 8}
    assert by("Tallinna") == {4, 5, 8, 9}
    assert by("Tartu Linnavalitsus", "Tallinna Vesi") == {2, 4, 5, 8}
    assert by("Tallinna Tartu") == set()


def test_a_typo_of_a_word_held_only_by_types_and_compounds_is_suggested():
    # The demo's case: "Leping" is a document type and the end of compounds, in no title on its own.
    with IndexWriter() as writer:
        writer.add(doc(1, "Töövõtuleping", doc_type="Leping"))
        writer.add(doc(2, "Hankeleping", doc_type="Leping"))
        writer.add(doc(3, "Saneerimisabi taotlus"))
        writer.add(doc(4, "Saneerimiskava"))
    assert search("lepng").corrected == "leping"
    assert {1, 2} <= set(ids("leping"))
    assert set(ids("saneerimine")) == {3, 4}
    assert set(ids("saneerimisest")) == {3, 4}


def test_snippets_mark_the_compound_a_part_found(corpus):
    assert search("šokolaad").hits[0].snippet == "<mark>Šokolaaditööstuse</mark> aruanne"
    assert search("teabenouded").hits[0].snippet.count("<mark>") == 1
