"""Filters, facet counts, snippets that name their file and page, and the recency boost."""

from __future__ import annotations

from datetime import date

import pytest

from dokreg.search import (
    EXPIRED_AK,
    FacetCount,
    FileText,
    IndexDoc,
    IndexWriter,
    SearchFilters,
    search,
)
from dokreg.search.ranking import recency_factor

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")

TODAY = date(2025, 6, 1)


def doc(doc_id: int, title: str, **fields) -> IndexDoc:
    values = {
        "registry": "jm",
        "registry_name": "Justiitsministeerium",
        "reference": f"1-1/{doc_id}",
        "doc_type": "Kiri",
        "registered": date(2025, 1, 10),
        "access": "public",
    }
    values.update(fields)
    return IndexDoc(doc_id=doc_id, title=title, **values)


CORPUS = (
    doc(
        1,
        "Hanke aruanne",
        series="1-1 Kirjavahetus",
        function="1 Juhtimine",
        case_file="1-1/2025 Hanked",
        correspondent="Rahandusministeerium",
        channel="e-post",
        file_names=("aruanne.pdf",),
        file_kinds=("pdf",),
    ),
    doc(2, "Hanke leping", doc_type="Leping", series="2-3 Lepingud", registered=date(2024, 3, 5)),
    doc(
        3,
        "Hanke kiri",
        doc_type="kiri",
        registry="rk",
        registry_name="Riigikogu",
        registered=date(2023, 1, 2),
    ),
    doc(
        4,
        "Hanke terviseandmed",
        access="ak",
        restriction_bases=("AvTS § 35 lg 1 p 12",),
        restriction_ends=date(2025, 5, 1),
        series="1-1 Kirjavahetus",
    ),
    doc(
        5,
        "Hanke ärisaladus",
        access="ak",
        restriction_bases=("AvTS § 35 lg 2 p 3", "KrMS § 214"),
        restriction_ends=date(2030, 1, 1),
    ),
    doc(6, "Hanke teabenõue", access="on_request", channel="Paberkandjal", file_kinds=("docx", "pdf")),
    doc(7, "Hange kuupäevata", registered=None, doc_type="Leping"),
)


@pytest.fixture
def corpus():
    with IndexWriter() as writer:
        for d in CORPUS:
            writer.add(d)
    return CORPUS


def ids(query: str = "hange", **filters) -> set[int]:
    return {h.doc_id for h in search(query, filters=SearchFilters(**filters), limit=100, today=TODAY).hits}


def facets(query: str = "hange", **filters) -> dict[str, dict[str, int]]:
    result = search(query, filters=SearchFilters(**filters), limit=0, facets=True, today=TODAY)
    return {name: {f.value: f.count for f in counts} for name, counts in result.facets.items()}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"functions": ("1 juhtimine",)}, {1}),
        ({"series": ("1-1  Kirjavahetus",)}, {1, 4}),
        ({"series": ("1-1 Kirjavahetus", "2-3 Lepingud")}, {1, 2, 4}),
        ({"case_files": ("1-1/2025 hanked",)}, {1}),
        ({"correspondents": ("rahandusministeerium",)}, {1}),
        ({"channels": ("e-post",)}, {1}),
        ({"channels": ("paberkandjal", "E-POST")}, {1, 6}),
        ({"restriction_bases": ("AvTS § 35 lg 1 p 12",)}, {4}),
        ({"restriction_bases": ("avts §35",)}, {4, 5}),
        ({"restriction_bases": ("AvTS",)}, {4, 5}),
        ({"restriction_bases": ("KrMS § 214",)}, {5}),
        ({"restriction_bases": ("AvTS § 36",)}, set()),
        ({"has_files": True}, {1, 6}),
        ({"has_files": False}, {2, 3, 4, 5, 7}),
        ({"file_kinds": ("docx",)}, {6}),
        ({"file_kinds": ("PDF",)}, {1, 6}),
        ({"access": ("ak",)}, {4, 5}),
        ({"access": (EXPIRED_AK,)}, {4}),
        ({"access": ("public", EXPIRED_AK)}, {1, 2, 3, 4, 7}),
        ({"doc_types": ("KIRI",)}, {1, 3, 4, 5, 6}),
        ({"registries": ("rk",)}, {3}),
        ({"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31)}, {2}),
        ({"series": ("1-1 Kirjavahetus",), "access": ("ak",)}, {4}),
    ],
)
def test_each_filter(corpus, filters, expected):
    assert ids(**filters) == expected
    assert ids("", **filters) == expected  # the same without words (newest first)


def test_expired_ak_depends_on_the_day_asked(corpus):
    early = search("", filters=SearchFilters(access=(EXPIRED_AK,)), today=date(2025, 4, 30))
    assert early.total == 0
    assert search("", filters=SearchFilters(access=(EXPIRED_AK,)), today=date(2025, 5, 1)).total == 1


def test_facets_count_every_value_of_the_matching_documents(corpus):
    counted = facets()
    assert counted["registry"] == {"jm": 6, "rk": 1}
    # "Kiri" and "kiri" are one type for the filter, so one row here, under the common spelling.
    assert counted["doc_type"] == {"Kiri": 5, "Leping": 2}
    assert counted["year"] == {"2025": 4, "2024": 1, "2023": 1}  # undated documents have no year row
    assert counted["access"] == {"public": 4, "ak": 2, "on_request": 1, EXPIRED_AK: 1}
    assert counted["series"] == {"1-1 Kirjavahetus": 2, "2-3 Lepingud": 1}
    result = search("hange", limit=0, facets=True, today=TODAY)
    assert result.facets["registry"] == (FacetCount("jm", 6), FacetCount("rk", 1))
    assert [f.value for f in result.facets["year"]] == ["2025", "2024", "2023"]


def test_facets_follow_the_words_and_other_filters(corpus):
    assert facets("terviseandmed")["access"] == {"ak": 1, EXPIRED_AK: 1}
    assert facets(file_kinds=("pdf",))["registry"] == {"jm": 2}


def test_a_facet_leaves_out_only_its_own_filter(corpus):
    chosen = facets(doc_types=("Leping",))
    assert chosen["doc_type"] == {"Kiri": 5, "Leping": 2}  # still offers the other types
    assert chosen["registry"] == {"jm": 2}  # other facets are narrowed by the type
    assert chosen["year"] == {"2024": 1}
    in_2024 = facets(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    assert in_2024["year"] == {"2025": 4, "2024": 1, "2023": 1}
    assert in_2024["access"] == {"public": 1}
    ak = facets(access=("ak",))
    assert ak["access"] == {"public": 4, "ak": 2, "on_request": 1, EXPIRED_AK: 1}
    assert ak["series"] == {"1-1 Kirjavahetus": 1}


def test_deleted_documents_are_not_counted(corpus):
    with IndexWriter() as writer:
        writer.delete(4)
    assert facets()["access"] == {"public": 4, "ak": 1, "on_request": 1}
    assert facets()["series"] == {"1-1 Kirjavahetus": 1, "2-3 Lepingud": 1}


def test_no_facets_unless_asked_and_none_without_an_index():
    assert search("hange").facets == {}
    assert search("hange", facets=True).facets == {}


def test_snippet_names_the_file_and_page_it_quotes(corpus):
    pages = (
        (1, "Sissejuhatus ja eesmärgid."),
        (2, "Metoodika kirjeldus."),
        (3, "Järeldus: eelarve ületati kahekordselt."),
    )
    with IndexWriter() as writer:
        writer.add(
            doc(
                20,
                "Aruanne",
                text="Kaaskiri aruande juurde.",
                files=(
                    FileText("kaaskiri.docx", ((None, "Saadame aruande teadmiseks."),)),
                    FileText("X.pdf", pages),
                ),
            )
        )
    hit = search("eelarve", today=TODAY).hits[0]
    assert (hit.doc_id, hit.file_name, hit.page) == (20, "X.pdf", 3)
    assert "<mark>eelarve</mark> ületati" in hit.snippet
    docx = search("saadame", today=TODAY).hits[0]
    assert (docx.file_name, docx.page) == ("kaaskiri.docx", None)
    own = search("kaaskiri", today=TODAY).hits[0]
    assert (own.file_name, own.page) == (None, None)  # the document's own text, not a file
    assert search("metoodika", today=TODAY).hits[0].page == 2
    assert ids("metoodika", has_files=True) == {20}  # files make "has files"


def test_recency_boost_is_gentle():
    today = TODAY.toordinal()
    assert recency_factor(today, today) == pytest.approx(1.1)
    assert recency_factor(today - 365, today) == pytest.approx(1.0368, abs=1e-4)
    assert recency_factor(today - 3 * 365, today) < 1.005
    assert recency_factor(0, today) == 1.0
    assert recency_factor(today + 30, today) == pytest.approx(1.1)  # a future date is not boosted more


def test_recency_breaks_near_ties_but_not_a_much_better_match():
    with IndexWriter() as writer:
        writer.add(doc(30, "Teade", text="Eelarve muudatused.", registered=date(2015, 1, 1)))
        writer.add(doc(31, "Teade", text="Eelarve muudatused.", registered=TODAY))
        writer.add(doc(32, "Eelarve", text="Eelarve eelarve eelarve.", registered=date(2010, 1, 1)))
        writer.add(doc(33, "Teade", text="Muud asjad ja eelarve mainimine möödaminnes.", registered=TODAY))
    order = [h.doc_id for h in search("eelarve", today=TODAY).hits]
    assert order[0] == 32  # an old title match beats fresh body mentions
    assert order.index(31) < order.index(30)  # the same text: the newer first
    by_date = [h.doc_id for h in search("eelarve", sort="date", today=TODAY).hits]
    assert by_date[:2] == [31, 33] or by_date[:2] == [33, 31]
    assert by_date[2:] == [30, 32]


def test_boosted_paging_is_the_same_ranking_cut_in_pages():
    with IndexWriter() as writer:
        for i in range(60):
            day = date.fromordinal(TODAY.toordinal() - 40 * i)
            writer.add(doc(100 + i, "Teade", text="eelarve " + "sõna " * (i % 7), registered=day))
    whole = [h.doc_id for h in search("eelarve", limit=60, today=TODAY).hits]
    paged = [
        h.doc_id for o in range(0, 60, 7) for h in search("eelarve", offset=o, limit=7, today=TODAY).hits
    ]
    assert paged == whole
    assert len(set(whole)) == 60


def test_did_you_mean_still_works_with_filters(corpus):
    result = search("hankke", filters=SearchFilters(registries=("jm",)), facets=True, today=TODAY)
    assert result.total == 0
    assert result.corrected == "hanke"
    assert all(counts == () for counts in result.facets.values())
