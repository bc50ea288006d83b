"""The query parser: the syntax it understands, and that nothing a user types makes it raise."""

from __future__ import annotations

import random

import pytest

from dokreg.search import schema as s
from dokreg.search.query import And, Field, Not, Or, Phrase, Words, parse


def test_words_phrases_and_operators():
    assert parse('kiri "avaliku teabe" OR otsus -eelnõu') == And(
        (Words("kiri"), Or((Phrase("avaliku teabe"), Words("otsus"))), Not(Words("eelnõu")))
    )


def test_grouping_and_not():
    assert parse("(kiri OR otsus) NOT leping") == And(
        (Or((Words("kiri"), Words("otsus"))), Not(Words("leping")))
    )


def test_field_prefix_and_reference():
    assert parse("title:vastus viit:5.1-2/3233-1 doku*") == And(
        (Field((s.TITLE,), Words("vastus")), Field(None, Words("5.1-2/3233-1")), Words("doku", prefix=True))
    )


def test_estonian_field_names_and_quoted_field_values():
    assert parse('pealkiri:"avaliku teabe"') == Field((s.TITLE,), Phrase("avaliku teabe"))
    assert parse("osapool:Tamm") == Field((s.PARTY,), Words("Tamm"))


def test_unknown_field_is_read_as_words():
    assert parse("foo:bar") == Words("foo:bar")


def test_section_citation_and_initials_are_joined():
    assert parse("AvTS § 35") == And((Words("AvTS"), Words("§35")))
    assert parse("K. P. Tamm") == And((Words("K.P."), Words("Tamm")))


def test_unbalanced_input_closes_at_the_end():
    assert parse('"avaliku teabe') == Phrase("avaliku teabe")
    assert parse("(kiri OR otsus") == Or((Words("kiri"), Words("otsus")))
    assert parse("kiri)") == Words("kiri")


@pytest.mark.parametrize("query", ["", "   ", "OR", "NOT", "-", '"', '""', "()", "(((", "title:", "AND"])
def test_nothing_searchable_is_none(query):
    assert parse(query) is None


def test_random_junk_never_raises():
    alphabet = list('"()*:-+|!§/.,\\\x00 \t\nORNOTAND') + [
        "OR",
        "NOT",
        "title:",
        "viit:",
        "õ",
        "ß",
        "漢",
        "5.1-2",
    ]
    rnd = random.Random(20260101)
    for _ in range(2_000):
        query = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 30)))
        parse(query)


def test_deep_nesting_is_bounded():
    parse("(" * 10_000 + "kiri" + ")" * 10_000)


def test_operator_chains_are_counted_not_recursed():
    assert parse("-" * 900 + "kiri") == Words("kiri")
    assert parse("NOT " * 249 + "kiri") == Not(Words("kiri"))


def test_or_binds_tighter_than_the_implicit_and():
    assert parse("kiri vastus OR otsus") == And((Words("kiri"), Or((Words("vastus"), Words("otsus")))))
