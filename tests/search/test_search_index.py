"""Indexing and searching: Estonian morphology, the forgiving query syntax, filters, sort, snippets."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from dokreg.errors import BadInput
from dokreg.search import (
    SCHEMA_VERSION,
    IndexBusy,
    IndexDoc,
    IndexOutdated,
    IndexWriter,
    SearchFilters,
    index_clear,
    index_outdated,
    search,
)
from dokreg.search import schema as search_schema

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")


def doc(doc_id: int, title: str, **fields) -> IndexDoc:
    values = {
        "registry": "jm",
        "registry_name": "Justiitsministeerium",
        "reference": f"1-1/{doc_id}",
        "doc_type": "Kiri",
        "registered": date(2025, 1, doc_id % 28 + 1),
        "access": "public",
    }
    values.update(fields)
    return IndexDoc(doc_id=doc_id, title=title, **values)


CORPUS = (
    doc(1, "Dokument", text="Lisatud on dokument koos allkirjaga."),
    doc(2, "Dokumendi edastamine", text="Edastame dokumendi teadmiseks."),
    doc(3, "Vastus dokumentidele", text="Vastame dokumentidele, mis saabusid eelmisel nädalal."),
    doc(
        4,
        "Kiri ministeeriumile",
        text="Pöördume ministeeriumi poole ettepanekuga.",
        correspondent="Rahandusministeerium",
    ),
    doc(5, "Teabenõue", text="Palun väljastada teabenõude alusel koopia.", doc_type="Teabenõue"),
    doc(6, "Pöördumine", text="Kodaniku pöördumisele vastamise tähtaeg on 30 päeva."),
    doc(7, "Õigus tutvuda", text="Isikul on õigus tutvuda enda andmetega."),
    doc(8, "Sõda ja rahu", text="Sõda puudutavad materjalid."),
    doc(9, "Soda tootmine", text="Soda tootmise keskkonnaluba."),
    doc(10, "Ettepanek", text="Teeme ettepaneku muuta määrust.", series="1-1 Kirjavahetus"),
    doc(11, "Vastus", reference="5.1-2/3233-1", text="Vastus kodaniku kirjale.", correspondent="K. P. Tamm"),
    doc(12, "Vastus", reference="5.1-2/3233-2", text="Teine vastus samale kirjale."),
    doc(13, "Leping", reference="2-1/2801", sender_reference="7-4/1012", doc_type="Leping", access="ak"),
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
    [
        ("dokumentidele", {1, 2, 3}),
        ("dokumendi", {1, 2, 3}),
        ("dokument", {1, 2, 3}),
        ("ministeeriumile", {4}),
        ("ministeerium", {4}),
        ("teabenõude", {5}),
        ("teabenõue", {5}),
        ("pöördumisele", {6}),
        ("pöördumine", {6}),
    ],
)
def test_inflected_queries_find_base_forms_and_back(corpus, query, expected):
    assert set(ids(query)) == expected


@pytest.mark.parametrize(("query", "expected"), [("oigus", {7}), ("poordumine", {6}), ("teabenoue", {5})])
def test_queries_without_diacritics_find_estonian_words(corpus, query, expected):
    assert set(ids(query)) == expected


def test_exact_diacritics_rank_first(corpus):
    assert ids("sõda")[0] == 8
    assert ids("soda")[0] == 9
    assert set(ids("sõda")) == {8, 9}


def test_exact_surface_outranks_lemma_match(corpus):
    assert ids("dokumentidele")[0] == 3


def test_phrase_matches_surface_forms_in_order(corpus):
    assert ids('"kodaniku kirjale"') == [11]
    assert ids('"kirjale kodaniku"') == []
    assert ids('"kodaniku kirjadele"') == []  # phrases are exact, no lemmas


def test_or_not_and_minus(corpus):
    assert set(ids("teabenõue OR leping")) == {5, 13}
    assert set(ids("vastus NOT teine")) == {3, 11}
    assert set(ids("vastus -teine")) == {3, 11}
    assert set(ids("(teabenõue OR leping) -leping")) == {5}


def test_all_words_must_match(corpus):
    assert ids("vastus kodaniku") == [11]


def test_prefix(corpus):
    assert set(ids("ministeer*")) == {4}
    assert set(ids("dokumen*")) == {1, 2, 3}
    assert set(ids("5.1-2/3233*")) == {11, 12}


def test_field_queries(corpus):
    assert ids("title:vastus") and set(ids("title:vastus")) == {3, 11, 12}
    assert ids("party:rahandusministeerium") == [4]
    assert ids("correspondent:tamm") == [11]
    assert set(ids("type:leping")) == {13}
    assert set(ids("series:kirjavahetus")) == {10}
    assert ids("viit:2-1/2801") == [13]
    assert ids('title:"vastus dokumentidele"') == [3]


def test_bare_reference_finds_exactly_that_document(corpus):
    assert ids("5.1-2/3233-1") == [11]
    assert ids("5.1-2/3233-2") == [12]
    assert ids("2-1/2801") == [13]
    assert ids("7-4/1012") == [13]  # the sender's reference
    assert ids('"2-1/2801"') == [13]
    assert ids("title:2-1/2801") == []  # a field restriction keeps references out


def test_initials_are_searchable(corpus):
    assert ids("K. P. Tamm") == [11]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "(((",
        ")))",
        "OR",
        "NOT",
        "*",
        ":",
        "-",
        "\x00",
        "title:",
        "a OR",
        "NOT NOT",
        '"unclosed phrase',
        "((a)",
        "§",
    ],
)
def test_hostile_syntax_never_raises(corpus, query):
    result = search(query)
    assert result.total >= 0
    assert result.query == query


def test_lone_operators_and_symbols_match_everything_newest_first(corpus):
    result = search("(((")
    assert result.total == len(CORPUS)


def test_very_long_input_does_not_raise(corpus):
    assert search("dokument " * 5000).total == 3
    assert search("x" * 100_000).total == 0


def test_empty_query_matches_all_newest_first(corpus):
    result = search("", limit=100)
    assert result.total == len(CORPUS)
    dates = [next(d.registered for d in CORPUS if d.doc_id == h.doc_id) for h in result.hits]
    assert dates == sorted(dates, reverse=True)


def test_filters(corpus, settings):
    with IndexWriter() as writer:
        writer.add(doc(20, "Dokument teisest registrist", registry="rk", registered=date(2024, 6, 1)))
        writer.add(doc(21, "Dokument ilma kuupäevata", registered=None))
    assert set(ids("dokument", filters=SearchFilters(registries=("rk",)))) == {20}
    assert set(ids("dokument", filters=SearchFilters(registries=("jm", "rk")))) == {1, 2, 3, 20, 21}
    assert set(ids("", filters=SearchFilters(doc_types=("leping", "Teabenõue")))) == {5, 13}
    assert set(ids("", filters=SearchFilters(access=("ak",)))) == {13}
    in_range = SearchFilters(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    assert ids("dokument", filters=in_range) == [20]
    assert 21 not in ids("dokument", filters=SearchFilters(date_to=date(2030, 1, 1)))


def test_date_sort_newest_first(corpus):
    hits = search("vastus", sort="date").hits
    assert [h.doc_id for h in hits] == [12, 11, 3]


def test_total_counts_all_matches_beyond_the_page(corpus):
    result = search("dokument", limit=1)
    assert result.total == 3
    assert len(result.hits) == 1
    assert search("dokument", limit=0).hits == ()
    assert search("dokument", limit=0).total == 3
    assert len(search("dokument", offset=2).hits) == 1


def test_nothing_found_suggests_a_spelling_the_index_knows(corpus):
    result = search("ministeeriumle")
    assert result.total == 0
    assert result.corrected == "ministeeriumile"
    assert search("title:dokumnet").corrected == "title:dokument"
    assert search("dokument").corrected is None
    assert search("xyzzyq").corrected is None


def test_unusable_paging_is_bad_input(corpus):
    with pytest.raises(BadInput, match="offset"):
        search("dokument", offset="kümme")
    assert search("dokument", offset=-5, limit=10**9).total == 3


def test_delete_removes_a_document(corpus):
    with IndexWriter() as writer:
        writer.delete(8)
    assert ids("sõda") == [9]


def test_add_replaces_a_document_with_the_same_id(corpus):
    with IndexWriter() as writer:
        writer.add(replace(CORPUS[6], title="Kiri", text="Arhiveeritud sisu"))
    assert ids("oigus") == []
    assert ids("arhiveeritud") == [7]
    assert search("").total == len(CORPUS)


def test_readers_see_commits_of_a_writer_in_another_process(corpus, settings, index_shards):
    assert ids("kuulutus") == []
    script = (
        "import sys; from datetime import date; from dokreg.search import IndexDoc, IndexWriter\n"
        "with IndexWriter(sys.argv[1]) as w:\n"
        "    w.add(IndexDoc(90, 'jm', 'JM', '1-1/90', 'Kuulutus', 'Kiri', date(2025, 2, 1), 'public'))\n"
    )
    env = {**os.environ, "DOKREG_INDEX_SHARDS": str(index_shards)}
    subprocess.run([sys.executable, "-c", script, str(settings.INDEX_DIR)], check=True, timeout=120, env=env)
    assert ids("kuulutus") == [90]


def test_readers_see_later_commits(corpus):
    assert ids("kuulutus") == []
    with IndexWriter() as writer:
        writer.add(doc(30, "Kuulutus"))
    assert ids("kuulutus") == [30]


def test_snippet_marks_the_matched_word_and_escapes_html(corpus):
    with IndexWriter() as writer:
        writer.add(
            doc(
                40,
                "Aruanne",
                text="Sissejuhatus <b>paks</b> & " + "täide " * 40 + "ministeeriumile saadetud aruanne.",
            )
        )
    snippet = search("ministeerium", filters=SearchFilters(registries=("jm",))).hits
    by_id = {h.doc_id: h.snippet for h in snippet}
    assert "<mark>ministeeriumile</mark> saadetud aruanne." in by_id[40]
    assert by_id[40].startswith("…")
    assert "<b>" not in by_id[40]
    escaped = search("sissejuhatus").hits[0].snippet
    assert "&lt;b&gt;paks&lt;/b&gt; &amp;" in escaped
    assert search("oigus").hits[0].snippet == "Isikul on <mark>õigus</mark> tutvuda enda andmetega."


def test_no_index_yet_searches_as_empty():
    assert search("dokument").total == 0


def test_schema_version_mismatch_asks_for_reindex(corpus, settings, monkeypatch):
    monkeypatch.setattr(search_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(IndexOutdated, match="run dokreg reindex"):
        search("dokument")
    with pytest.raises(IndexOutdated):
        IndexWriter().__enter__()
    index_clear()
    with IndexWriter() as writer:
        writer.add(doc(50, "Uus dokument"))
    assert ids("dokument") == [50]
    for shard in search_schema.shard_dirs(settings.INDEX_DIR):
        assert (shard / "SCHEMA_VERSION").read_text().strip() == str(SCHEMA_VERSION + 1)


def test_an_index_built_with_other_fields_asks_for_reindex(corpus, settings, monkeypatch):
    """A field added to the field table changes the schema without a version bump: the index on disk
    (built without it) is outdated, so the indexing stage rebuilds it instead of failing as broken."""
    assert not index_outdated()
    monkeypatch.setattr(search_schema, "KEYWORDS", (*search_schema.KEYWORDS, "parser"))
    monkeypatch.setattr(search_schema, "SCHEMA", search_schema.build_schema())
    assert index_outdated()
    with pytest.raises(IndexOutdated, match="run dokreg reindex"):
        search("dokument")
    index_clear()
    with IndexWriter() as writer:
        writer.add(doc(50, "Uus dokument"))
    assert not index_outdated()
    assert ids("dokument") == [50]


def test_second_writer_after_the_first_closed(corpus):
    with IndexWriter() as writer:
        writer.add(doc(60, "Teadaanne"))
    with IndexWriter() as writer:
        writer.add(doc(61, "Kuulutus"))
    assert set(ids("teadaanne OR kuulutus")) == {60, 61}


def test_a_second_writer_at_once_is_busy(corpus):
    with IndexWriter():
        with pytest.raises(IndexBusy):
            IndexWriter().__enter__()


def test_failed_batch_is_rolled_back(corpus):
    with pytest.raises(RuntimeError):
        with IndexWriter() as writer:
            writer.add(doc(70, "Poolik"))
            raise RuntimeError("crash")
    assert ids("poolik") == []


def test_bad_documents_are_refused(corpus):
    with IndexWriter() as writer:
        with pytest.raises(BadInput, match="access"):
            writer.add(doc(80, "Kiri", access="secret"))
        with pytest.raises(BadInput, match="id"):
            writer.delete(-1)


def test_a_new_index_written_out_of_order_holds_each_document_once():
    # A rebuild adds in ascending id order without deleting first; a document taken again (changed
    # meanwhile) or an id below the last one must still replace, not duplicate.
    with IndexWriter() as writer:
        for d in CORPUS[:6]:
            writer.add(d)
        writer.commit()
        writer.add(replace(CORPUS[2], title="Ümberkirjutatud"))
        writer.add(CORPUS[0])
        writer.add(replace(CORPUS[5], text="Tähtaeg muutus"))
    assert search("").total == 6
    assert ids("ümberkirjutatud") == [3]
    assert ids("vastus dokumentidele") == []
    assert ids("tähtaeg") == [6]


def test_an_index_holding_documents_is_written_as_upserts(corpus):
    # The shards were not empty when this writer opened them: every add replaces, even above them all.
    with IndexWriter() as writer:
        writer.add(replace(CORPUS[-1], title="Leping tühistatud"))
        writer.add(doc(99, "Uus"))
        writer.add(replace(doc(99, "Uus"), title="Uuem"))
    assert search("").total == len(CORPUS) + 1
    assert ids("uuem") == [99]
    assert ids("tühistatud") == [13]
