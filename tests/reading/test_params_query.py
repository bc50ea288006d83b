"""Links that change one filter of a search (facets, "did you mean", sorts) keep every other one."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.http import QueryDict

from dokreg.reading.params import SearchParams, params_query, parse_search, query_parts, query_with

BODIES = [("som", "Sotsiaalministeerium"), ("rk", "Riigikogu & Co")]

EVERY_FILTER = SearchParams(
    q="hange §35 lõige=2",
    registries=("som", "rk"),
    date_from=date(2024, 1, 1),
    date_to=date(2024, 12, 31),
    doc_types=("Leping", "Kiri & vastus"),
    functions=("1 Juhtimine",),
    series=("1-2 Kirjavahetus",),
    case_files=("1-2/24",),
    access=("ak", "expired_ak"),
    restriction_bases=("AvTS § 35 lg 1 p 12",),
    correspondents=("AS Tallinna Vesi",),
    channels=("e-post",),
    has_files=False,
    file_kinds=("pdf",),
    sort="date",
)


def read_back(query: str) -> SearchParams:
    _form, params = parse_search(QueryDict(query), registry_choices=BODIES)
    assert not params.errors, params.errors
    return params


@pytest.mark.parametrize(
    "change",
    [
        {"doc_types": ("Leping",)},
        {"doc_types": ()},
        {"registries": ("rk",)},
        {"date_from": None, "date_to": None},
        {"has_files": True},
        {"sort": "relevance"},
        {"q": ""},
    ],
)
def test_a_link_changes_its_filter_and_keeps_every_other(change):
    wanted = dataclasses.replace(EVERY_FILTER, **change)
    assert read_back(params_query(EVERY_FILTER, **change)) == wanted


def test_links_built_from_the_same_parts_carry_only_their_own_change():
    parts = query_parts(EVERY_FILTER)
    first = query_with(parts, doc_types=("Leping",))
    second = query_with(parts, access=("public",))
    assert read_back(second).doc_types == EVERY_FILTER.doc_types
    assert read_back(first).access == EVERY_FILTER.access
    assert query_with(parts) == params_query(EVERY_FILTER)


def test_a_link_goes_back_to_the_first_page():
    on_page_7 = dataclasses.replace(EVERY_FILTER, page=7)
    assert read_back(params_query(on_page_7, doc_types=())).page == 1
    assert "page=" not in params_query(on_page_7, page=3)


def test_a_change_to_no_field_is_a_mistake_in_the_caller():
    with pytest.raises(TypeError, match="doc_type"):
        params_query(EVERY_FILTER, doc_type=("Leping",))
