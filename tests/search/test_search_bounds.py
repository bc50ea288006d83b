"""Bounded work at scale: totals exact up to a bound ("more than N" beyond it), facets counted over
the newest matches past a bound, and results kept per index generation that never outlive a commit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dokreg.search import IndexDoc, IndexWriter, SearchFilters, search, services

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")

TODAY = date(2025, 6, 1)
FIRST = date(2025, 1, 1)


def doc(doc_id: int, registered: date | None, **fields) -> IndexDoc:
    values = {
        "registry": "jm" if doc_id % 2 else "rk",
        "registry_name": "Amet",
        "reference": f"1-1/{doc_id}",
        "title": f"Hanke kiri {doc_id}",
        "doc_type": "Kiri",
        "access": "public",
    }
    values.update(fields)
    return IndexDoc(doc_id=doc_id, registered=registered, **values)


@pytest.fixture
def index_dir(tmp_path):
    """60 dated documents, one a day, and 3 undated ones that only ``ainulaadne`` finds with two others."""
    path = tmp_path / "index"
    with IndexWriter(path) as writer:
        for i in range(1, 61):
            writer.add(doc(i, FIRST + timedelta(days=i)))
        for i in range(61, 64):
            writer.add(doc(i, None, title=f"Ainulaadne kiri {i}"))
        writer.add(doc(64, FIRST + timedelta(days=3), title="Ainulaadne hanke kiri"))
    return path


@pytest.fixture
def bounds(monkeypatch):
    def set_bounds(total: int | None, facets: int | None) -> None:
        monkeypatch.setattr(services, "TOTAL_BOUND", total)
        monkeypatch.setattr(services, "FACET_BOUND", facets)

    return set_bounds


def ids(result) -> list[int]:
    return [hit.doc_id for hit in result.hits]


def test_newest_first_beyond_the_bound_says_more_than_and_keeps_the_same_hits(index_dir, bounds):
    bounds(None, None)
    exact = search("", index_dir=index_dir, limit=5, today=TODAY)
    bounds(10, None)
    bounded = search("", index_dir=index_dir, limit=5, today=TODAY)

    assert (exact.total, exact.total_exact) == (64, True)
    assert (bounded.total, bounded.total_exact) == (10, False)  # "more than 10"
    assert ids(bounded) == ids(exact) == [60, 59, 58, 57, 56]


def test_date_sorted_words_and_deep_pages_keep_their_hits(index_dir, bounds):
    bounds(None, None)
    exact = search("hanke", sort="date", offset=10, limit=5, index_dir=index_dir, today=TODAY)
    bounds(10, None)
    bounded = search("hanke", sort="date", offset=10, limit=5, index_dir=index_dir, today=TODAY)

    assert ids(bounded) == ids(exact) == [50, 49, 48, 47, 46]
    # A bounded count always reaches one past the page asked, so "next page" stays right.
    assert (bounded.total, bounded.total_exact) == (15, False)  # more than 15: past the page asked


def test_counts_under_the_bound_are_exact_and_undated_documents_count(index_dir, bounds):
    bounds(10, 10)
    found = search("ainulaadne", sort="date", index_dir=index_dir, today=TODAY, facets=True)

    assert (found.total, found.total_exact) == (4, True)
    assert ids(found)[0] == 64  # the dated one first, the undated after it
    assert sorted(ids(found)) == [61, 62, 63, 64]
    assert found.facet_sample == 0
    assert sum(f.count for f in found.facets["registry"]) == 4


def test_relevance_totals_are_exact_whatever_the_bound(index_dir, bounds):
    bounds(10, 10)
    found = search("hanke", index_dir=index_dir, today=TODAY)

    assert (found.total, found.total_exact) == (61, True)


def test_facets_past_the_bound_count_the_newest_matches_and_say_how_many(index_dir, bounds):
    bounds(None, None)
    exact = search("", index_dir=index_dir, facets=True, today=TODAY)
    bounds(None, 10)
    sampled = search("", index_dir=index_dir, facets=True, today=TODAY)

    assert exact.facet_sample == 0
    assert sum(f.count for f in exact.facets["registry"]) == 64
    assert 10 <= sampled.facet_sample < 64
    assert sum(f.count for f in sampled.facets["registry"]) == sampled.facet_sample
    # The newest ones: the years counted are those of the newest days only.
    assert [f.value for f in sampled.facets["year"]] == ["2025"]


def test_a_facet_filter_still_counts_the_other_values(index_dir, bounds):
    bounds(10, 10)
    found = search(
        "", filters=SearchFilters(registries=("jm",)), facets=True, index_dir=index_dir, today=TODAY
    )

    registries = {f.value: f.count for f in found.facets["registry"]}
    assert set(registries) == {"jm", "rk"}  # multi-select: rk is still offered
    assert found.hits and all(h.doc_id % 2 for h in found.hits)


def test_facets_take_the_newest_first_pages_window_instead_of_looking_again(
    tmp_path, bounds, index_shards, monkeypatch
):
    """A list without words past the bound has found a window of newest days per shard: the facets
    that keep every filter are counted in it, not in a window of their own (a second search per
    shard). With one shard the facets are counted beside the page, before it has a window."""
    from dokreg.search import facets

    path = tmp_path / "index"
    with IndexWriter(path) as writer:
        # jm and rk two ids each in turn: both shards hold jm, as a body's documents spread over the
        # shards of a real index (one holding none would leave the other shard's window the whole bound).
        for i in range(1, 201):
            writer.add(doc(i, FIRST - timedelta(days=200 - i), registry="jm" if (i // 2) % 2 else "rk"))
    looked: list[int] = []

    def spied(*args, **kwargs):
        looked.append(kwargs["need"])
        return newest_window(*args, **kwargs)

    newest_window = services.newest_window
    monkeypatch.setattr(services, "newest_window", spied)
    monkeypatch.setattr(facets, "newest_window", spied)
    bounds(10, 10)
    jm = SearchFilters(registries=("jm",))
    found = search("", filters=jm, facets=True, limit=2, index_dir=path, today=TODAY)

    # Per shard: the page's window, and one for the registry facet, which leaves its filter out.
    assert len(looked) == (2 * index_shards if index_shards > 1 else 3)
    assert (found.total, found.total_exact) == (10, False)
    access = sum(f.count for f in found.facets["access"])
    assert 10 <= access < 100  # jm's newest documents only, as many as the page's windows hold
    assert found.facet_sample >= access
    assert [h.doc_id for h in found.hits] == [199, 198]


def test_one_bodys_list_sizes_its_first_window_by_the_bodys_share(
    tmp_path, bounds, monkeypatch, index_shards
):
    """A list of one body among many starts from a window as wide as that body's share of the index
    needs (its term count), not one sized as if every document matched, then grown step by step."""
    path = tmp_path / "index"
    with IndexWriter(path) as writer:
        for i in range(1, 201):
            writer.add(doc(i, FIRST - timedelta(days=200 - i), registry="jm" if i % 10 == 0 else "rk"))
    searches: list[int] = []
    real = services.newest_window

    def spied(searcher, *args, **kwargs):
        counted = type(
            "Counted", (), {"search": lambda _, *a, **k: searches.append(1) or searcher.search(*a, **k)}
        )
        return real(counted(), *args, **kwargs)

    monkeypatch.setattr(services, "newest_window", spied)
    bounds(5, None)
    found = search("", filters=SearchFilters(registries=("jm",)), limit=3, index_dir=path, today=TODAY)

    assert [h.doc_id for h in found.hits] == [200, 190, 180]
    assert found.total >= 5
    # One try in the shard holding jm's documents; none where the term count says it holds none.
    assert len(searches) == 1


@pytest.fixture
def two_hundred_days(tmp_path):
    """One document a day for 200 days; "ainulaadne" in the 30 oldest titles only."""
    path = tmp_path / "index"
    with IndexWriter(path) as writer:
        for i in range(1, 201):
            title = f"Ainulaadne hanke kiri {i}" if i <= 30 else f"Hanke kiri {i}"
            writer.add(doc(i, FIRST - timedelta(days=200 - i), title=title))
    return path


def looked_for_windows(monkeypatch) -> list[int]:
    """The windows of newest days the facets look for (each at least one search of its own)."""
    from dokreg.search import facets

    needs: list[int] = []
    real = facets.newest_window
    monkeypatch.setattr(facets, "newest_window", lambda *a, **k: needs.append(k["need"]) or real(*a, **k))
    return needs


def test_facets_of_words_count_their_matches_in_the_same_pass(
    two_hundred_days, bounds, index_shards, monkeypatch
):
    """Ranked by relevance, each shard's page knows its number of matches: the facets are counted in
    the window of newest days that number says holds enough, counting the matches in the same pass,
    with no search of their own to find the window first."""
    looked = looked_for_windows(monkeypatch)
    bounds(None, 20)
    found = search("hanke", facets=True, index_dir=two_hundred_days, today=TODAY)

    assert found.total == 200 and found.total_exact
    assert 20 <= found.facet_sample <= 26  # about the bound: at most a quarter over, not twice it
    assert sum(f.count for f in found.facets["access"]) == found.facet_sample
    assert {f.value: f.count for f in found.facets["year"]}["2025"] == 1  # the newest days: one in 2025
    # One shard counts its facets beside the page, before the number is known.
    assert looked == ([] if index_shards > 1 else [20])


def test_facets_of_words_matching_only_old_documents_still_count_them(two_hundred_days, bounds, index_shards):
    """The 30 matches are the oldest documents: the window their share suggests (or, with one shard,
    the narrowest) holds none of them, so the facets look further and count at least the bound of
    them: every match, or the newest ones, saying how many."""
    bounds(None, 10)
    found = search("ainulaadne", facets=True, index_dir=two_hundred_days, today=TODAY)

    counted = sum(f.count for f in found.facets["access"])
    assert found.total == 30
    assert counted == (found.facet_sample or 30)
    assert 10 <= counted <= 30
    years = {f.value for f in found.facets["year"]}
    assert years == {"2024"}  # the old matches themselves, not an empty window of newest days


def test_a_window_too_small_grows_by_the_matches_it_held(two_hundred_days, monkeypatch):
    """A window that held too few matches is not counted again, and the next one is as wide as its
    matches a day say the need takes, a quarter more (between twice and four times as wide): not four
    times as wide whatever it held, which would count up to four times the need."""
    from dokreg.search import bounds as b
    from dokreg.search.bounds import Window

    searcher = services._searcher(two_hundred_days)[0][0]
    days = b.index_days(searcher, ("test", str(id(searcher))))
    query = tantivy_query("hanke")
    widths: list[int] = []
    real = b._within
    monkeypatch.setattr(
        b, "_within", lambda q, first: widths.append(days.newest - first + 1) or real(q, first)
    )
    per_day = days.documents / (days.newest - days.oldest + 1)  # 1, or 0.5 in each of two shards
    tried = Window(query, round(8 * per_day), days.newest - 15, [])  # 16 days held 8 a day's worth

    found = b.newest_window(searcher, query, days, need=round(20 * per_day), tried=tried)

    assert widths == [51]  # 16 × 20 × 1.25 / 8, and one: one look, not 64 days
    assert found is not None
    assert round(20 * per_day) <= found.matches <= round(51 * per_day) + 1


def tantivy_query(word: str):
    from dokreg.search.analyser import default_analyser
    from dokreg.search.query import Builder, parse

    return Builder(default_analyser()).build(parse(word)).query


def test_a_ticked_facet_counts_the_other_values_in_one_pass(tmp_path, bounds, index_shards, monkeypatch):
    """With a body ticked, the body facet leaves its own filter out: its matches are estimated from
    the page's count and the body's share of the shard, so it too is counted in one pass, with no
    search of its own for a window, and still offers the other body with its count."""
    path = tmp_path / "index"
    with IndexWriter(path) as writer:
        for i in range(1, 201):  # jm and rk in turn, two days each: half of each shard is jm
            writer.add(doc(i, FIRST - timedelta(days=200 - i), registry="jm" if (i // 2) % 2 else "rk"))
    looked = looked_for_windows(monkeypatch)
    bounds(None, 20)
    found = search(
        "hanke", filters=SearchFilters(registries=("jm",)), facets=True, index_dir=path, today=TODAY
    )

    bodies = {f.value: f.count for f in found.facets["registry"]}
    assert set(bodies) == {"jm", "rk"} and min(bodies.values()) >= 5
    assert 20 <= sum(bodies.values()) < 200  # the newest documents of both bodies, not all of them
    assert found.total == 100 and all(h.doc_id % 4 in (2, 3) for h in found.hits)
    assert looked == ([] if index_shards > 1 else [20, 20])


def test_a_ticked_access_value_is_estimated_the_same_way(two_hundred_days, bounds, index_shards, monkeypatch):
    looked = looked_for_windows(monkeypatch)
    bounds(None, 20)
    found = search(
        "hanke",
        filters=SearchFilters(access=("public",)),
        facets=True,
        index_dir=two_hundred_days,
        today=TODAY,
    )

    assert found.total == 200
    assert 20 <= sum(f.count for f in found.facets["access"]) < 200
    assert looked == ([] if index_shards > 1 else [20, 20])


def test_a_date_range_is_estimated_by_the_days_it_covers(two_hundred_days, bounds, index_shards, monkeypatch):
    """With a date range set, the year facet leaves it out: its matches are estimated from the page's
    count and the share of the index's days the range covers, so it too is counted in one pass, with
    no search of its own for a window, and still offers the years outside the range."""
    looked = looked_for_windows(monkeypatch)
    bounds(None, 20)
    oldest_half = SearchFilters(date_from=FIRST - timedelta(days=199), date_to=FIRST - timedelta(days=100))
    found = search("hanke", filters=oldest_half, facets=True, index_dir=two_hundred_days, today=TODAY)

    years = {f.value: f.count for f in found.facets["year"]}
    assert found.total == 100
    assert years.get("2025") == 1  # the newest day, outside the range, still offered
    assert 20 <= sum(years.values()) < 200  # the newest documents, not all of them
    assert looked == ([] if index_shards > 1 else [20, 20])


def test_a_list_of_a_past_range_reads_the_newest_days_of_the_range(two_hundred_days, bounds, monkeypatch):
    """Newest first within a date range that ended long ago: the window of newest days ends at the
    range's last day, so one look per shard finds enough, not windows of newer days that hold none."""
    from dokreg.search import bounds as b

    looks: list[int] = []
    real = b._within
    monkeypatch.setattr(b, "_within", lambda q, first: looks.append(first) or real(q, first))
    bounds(10, None)
    oldest_half = SearchFilters(date_from=FIRST - timedelta(days=199), date_to=FIRST - timedelta(days=100))
    found = search("", filters=oldest_half, sort="date", limit=3, index_dir=two_hundred_days, today=TODAY)

    assert [h.doc_id for h in found.hits] == [100, 99, 98]
    assert (found.total, found.total_exact) == (10, False)  # more than 10, of the range's 100
    assert len(looks) == len(services._searcher(two_hundred_days)[0])  # one window a shard


def test_a_first_window_nearly_holding_the_bound_is_counted_as_it_is(two_hundred_days):
    """The share of matches is an estimate, so the first window often holds a little fewer than the
    bound: nine tenths of it is a sample all the same, counted in that pass; fewer looks further."""
    from datetime import date as day

    from dokreg.search import bounds as b
    from dokreg.search import facets

    searcher = services._searcher(two_hundred_days)[0][0]
    days = b.index_days(searcher, ("test", str(id(searcher))))
    query = tantivy_query("hanke")
    spec = {"access": facets._terms("access", day(2025, 6, 1))}

    # Told 1.32 times as many match as do: the window holds about 95 % of the bound.
    nearly, answer, _ = facets._counted_in_first_window(searcher, query, spec, days, 40, 1.32)
    # Told twice as many: it holds about 62 %.
    short, none, tried = facets._counted_in_first_window(searcher, query, spec, days, 40, 2.0)

    assert nearly is not None and 36 <= nearly.matches < 40
    assert sum(bucket["doc_count"] for bucket in answer["access"]["buckets"]) == nearly.matches
    assert short is None and none is None and tried.matches < 36


def test_a_kept_result_never_outlives_a_commit(index_dir, bounds):
    bounds(10, 10)
    first = search("hanke", index_dir=index_dir, today=TODAY)
    again = search("hanke", index_dir=index_dir, today=TODAY)
    assert again is first  # kept within one index generation

    with IndexWriter(index_dir) as writer:  # a takedown reaches the index as a delete
        writer.delete(first.hits[0].doc_id)
    after = search("hanke", index_dir=index_dir, today=TODAY)

    assert first.hits[0].doc_id not in ids(after)
    assert after.total == first.total - 1
