import pytest

from dokreg.archive.models import Access
from dokreg.archive.restrictions import access_level, parse_bases


@pytest.mark.parametrize(
    "text, level",
    [
        ("Avalik", Access.PUBLIC),
        ("AK", Access.AK),
        ("Asutusesiseseks kasutamiseks", Access.AK),
        ("Avalik, väljastatakse teabenõude korras", Access.ON_REQUEST),
        ("", Access.UNKNOWN),
        ("midagi muud", Access.UNKNOWN),
    ],
)
def test_access_level(text, level):
    assert access_level(text) == level


def _tuple(basis):
    return (basis.law, basis.section, basis.subsection, basis.point)


def test_full_avts_citation():
    [basis] = parse_bases("AvTS § 35 lg 1 p 12")
    assert _tuple(basis) == ("AvTS", "35", "1", "12")
    assert basis.text == "AvTS § 35 lg 1 p 12"


def test_bare_point_means_avts_35_1():
    [basis] = parse_bases("p 12")
    assert _tuple(basis) == ("AvTS", "35", "1", "12")


def test_point_range_kept():
    [basis] = parse_bases("§ 35 lg 1 p 11-15")
    assert _tuple(basis) == ("AvTS", "35", "1", "11-15")


def test_law_written_out():
    [basis] = parse_bases("Avaliku teabe seadus § 35 lg 1 p 5")
    assert _tuple(basis) == ("AvTS", "35", "1", "5")


def test_two_citations():
    bases = parse_bases("AvTS § 35 lg 1 p 12; KrMS § 214")
    assert [_tuple(b) for b in bases] == [("AvTS", "35", "1", "12"), ("KrMS", "214", "", "")]
    assert all(b.text == "AvTS § 35 lg 1 p 12; KrMS § 214" for b in bases)


def test_free_text_kept_whole():
    [basis] = parse_bases("Ärisaladus")
    assert _tuple(basis) == ("", "", "", "")
    assert basis.text == "Ärisaladus"


def test_empty():
    assert parse_bases("  ") == []
