"""Names in every inflected form, replaced by initials, and never a longer word with them."""

from __future__ import annotations

import pytest

from dokreg.review import names
from dokreg.review.names import Person, Replacer, initials, labels, person_parse, persons_prepare


def replacer(*people: str) -> Replacer:
    return Replacer(tuple(persons_prepare([person_parse(p) for p in people])))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mari Maasikas", "M. M."),
        ("Mari Maasikase avaldus", "M. M. avaldus"),  # genitive of the surname
        ("Vastus Maasikale", "Vastus M. M."),  # allative, surname alone
        ("saadetud Mari Maasikasele", "saadetud M. M."),
        ("MARI MAASIKAS", "M. M."),
        ("Maasikas, Mari", "M. M."),
        ("MAASIKAS,MARI", "M. M."),
        ("M. Maasikas", "M. M."),
        ("Marile ja Maasikale", "Marile ja M. M."),  # a first name alone identifies nobody
        ("Maasikamaa küla", "Maasikamaa küla"),  # a longer word is not the surname
        ("maasikad on punased", "maasikad on punased"),  # nor is the berry, in lower case
    ],
)
def test_every_form_of_the_name(text, expected):
    assert replacer("Mari Maasikas").text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jaan Kask", "J. K."),
        ("Jaan Kase kiri", "J. K. kiri"),  # Kask → Kase: Vabamorf knows the stem change
        ("Kaskedele", "J. K."),
        ("Kaskmaa ja Kasemets ja Kasepuu", "Kaskmaa ja Kasemets ja Kasepuu"),
        ("kase all", "kase all"),
        ("Kaskjala", "Kaskjala"),
    ],
)
def test_a_short_surname_never_eats_a_longer_word(text, expected):
    assert replacer("Jaan Kask").text(text) == expected


def test_saar_and_saaremaa():
    r = replacer("Tiit Saar")
    assert r.text("Tiit Saare ja Saaremaa ning Saarde") == "T. S. ja Saaremaa ning T. S."


def test_file_names_lose_case():
    r = replacer("Mari Maasikas")
    assert r.text("avaldus_mari_maasikas.pdf", any_case=True) == "avaldus_M. M..pdf"
    assert r.text("avaldus_mari_maasikas.pdf") == "avaldus_mari_maasikas.pdf"  # running text keeps case rules


def test_initials_and_numbering():
    assert initials(Person("Mari-Liis", "Maasikas-Kask")) == "M.-L. M.-K."
    assert initials(Person("Mari Liis", "Maasikas")) == "M. L. M."
    labelled = labels([Person("Mari", "Maasikas"), Person("Jaan", "Tamm"), Person("Mihkel", "Mets")])
    assert [p.label for p in labelled] == ["M. M. (1)", "J. T.", "M. M. (2)"]


def test_two_persons_in_one_text():
    r = replacer("Mari Maasikas", "Mihkel Mets")
    assert r.text("Mari Maasikas ja Mihkel Metsa naaber") == "M. M. (1) ja M. M. (2) naaber"


def test_person_parse_refuses_what_is_no_name():
    assert person_parse("Maasikas, Mari") == Person("Mari", "Maasikas")
    for bad in ("<script>", "Mari 123", ""):
        with pytest.raises(ValueError):
            person_parse(bad)


def test_without_vabamorf_the_endings_still_catch_the_forms(monkeypatch):
    def broken(word):
        raise RuntimeError("no vabamorf")

    monkeypatch.setattr(names, "_synthesize", broken)
    r = replacer("Mari Maasikas")
    assert r.text("Vastus Maasikale, Mari Maasikase kiri") == "Vastus M. M., M. M. kiri"
    assert r.text("Maasikamaa") == "Maasikamaa"


def test_find_names_what_is_left():
    assert replacer("Mari Maasikas").find("Tere, Maasikale ja MAASIKAS") == ["MAASIKAS", "Maasikale"]
