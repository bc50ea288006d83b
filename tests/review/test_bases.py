"""The personal-data classifier over basis strings as registers write them.

``RECORDED`` strings are copied from the recorded data in ../shared/data (the Delta test data's list of
restriction bases, and the recorded register pages); a test checks each is really there, so the table
stays a table of real strings. ``WRITTEN`` are the short forms the issue names and the ones that must
stay false.
"""

from __future__ import annotations

import re

import pytest

from dokreg.review.bases import is_personal_data, points

RECORDED = [
    ("AvTS § 35 lg 1 p 12", True),
    ("AvTs § 35 lg 1 p 12", True),
    ("AvTs §35 lg 1 p 12", True),
    ("AvTS §35 lg1 p12", True),
    ("AvTS § 35 lg 1 p12", True),
    ("AvTS § 35, lg 1 p 12", True),
    ("AvTS § 35 lg 1 p 11", True),
    ("AvTS § 35 lg 1 p 13", True),
    ("AvTS § 35 lg 1 p 11-13", True),
    ("AvTS § 35 lg 1 p 11 - 13, AvTS § 35 lg 2 p 4", True),
    ("AvTS § 35 lg 1 p 11 ja 12", True),
    ("AvTS § 35 lg 1 p 11 ja12", True),
    ("AvTS § 35 lg 1 p 12 - 13", True),
    ("AvTS § 35 lg 1 p 12, 19", True),
    ("AvTS § 35 lg 1 p 10, 12", True),
    ("AvTS § 35 lg 1 p 1, 5¹, 11, 12", True),
    ("AvTS § 35 lg 1 p 12, ÕKS § 23 lg 8", True),
    ("ÕKS §23 lg 8, AvTS § 35 lg 1 p 12,19", True),
    ("AvTS § 35 lg 1 p 12, AvTS § 35 lg 1 p 1", True),
    ("AvTS § 35 lg 1 p 12, p 19, MKS § 26", True),
    ("AvTS § 35 lg 1 p 11-13, IKS § 13 lg 1", True),
    ("AvTS § 35 lg 1 p 11, TLS § 28 lg 2 p 13", True),
    ("Avaliku teabe seadus § 35 lg 1 p 12 (isiku eraelu kaitse)", True),
    ("Avaliku teabe seadus § 35 lg 1 p 10, AvTS § 35 lg 1 p 12", True),
    ("AvTS § 35 lg 1 p 12 teave, mis sisaldab isikuandmeid", True),
    ("oluliselt andmesubjekti eraelu puutumatust", True),
    ("AvTS § 35 lg 12", True),  # § 35 has no lg 12: the clerk meant lg 1 p 12
    ("AvTS § 35 lg 1 p 1", False),
    ("AvTS § 35 lg 1 p 10", False),
    ("AvTS § 35 lg 1 p 15", False),
    ("AvTS § 35 lg 1 p 17", False),
    ("AvTS §-35 lg 1 p 17", False),
    ("AvTS § 35 lg 1 p 18", False),
    ("AvTS § 35 lg 1 p 1, 5¹, 12", True),
    ("AvTS § 35 lg 1 p 1, 3, 10", False),
    ("AvTS § 35 lg 1 p 14, lg 2 p 3", False),
    ("AvTS § 35 lg 1 p 16, AvTS § 35 lg 1 p 17", False),
    ("AvTS § 35 lg 1 p 1, 5-1, 17", False),
    ("§ 35 lg 1 p 181 elutähtsa teenuse riskianalüüsi", False),
    ("Avaliku teabe seadus § 35 lg 2 p 2 (dokumendi kavandi kaitse)", False),
    (
        "Avaliku teabe seadus § 35 lg 1 p 9 (turvasüsteemide, -organisatsiooni või -meetmete kirjelduse kaitse)",
        False,
    ),
    ("Avaliku teabe seadus § 35 lg 1 p 3 (välissuhtlemise kaitse)", False),
    ("ATS § 35 lg 2 p2 ja VV 28.05.2009 määrus nr 82 § 11 lg 9", False),
    ("KrMS § 214 lg 1, AvTS § 35 lg 1 p 1", False),
    ("RSVS § 11 lg 3, AvTS § 35 lg 1 p 19", False),
    ("PPVS § 4 lg 5, AvTS § 35 lg 1 p 19, , AvTS § 35 lg 2 p 2", False),
    ("AvTS § 12 lg 4²", False),
    ("TsMS §59", False),
    ("KVS § 12", False),
    ("VV määrus 82 §11", False),
]

WRITTEN = [
    ("§ 35 lg 1 p 12 teave", True),
    ("12", True),
    ("11", True),
    ("12, 19", True),
    ("p 12", True),
    ("p 12,19", True),
    ("p 11-15", True),
    ("p 10-14", True),
    ("mis sisaldab isikuandmeid", True),
    ("eraelu puutumatust kahjustav teave", True),
    ("Eraelu puutumatust kahjustav teave", True),
    ("delikaatsed isikuandmed", True),
    ("Isikuandmete kaitse seadus § 10", True),
    ("", False),
    ("   ", False),
    ("p 1", False),
    ("p 17", False),
    ("1", False),
    ("19", False),
    ("lg 2 p 2", False),
    ("HkMS § 89 lg 1", False),
    ("LS § 184 lg 3 p 1-4", False),
    ("LS § 184 lg 3 p 12", False),  # another act's point 12 is not AvTS's
    ("AvTS § 35 lg 2 p 12", False),  # lg 2 (drafts, internal), whatever its point
    ("AvTS § 35", False),
    ("Asutusesiseseks kasutamiseks", False),
    ("Avaliku teabe seadus § 35 lg 2 p 1", False),
]


@pytest.mark.parametrize(("text", "personal"), RECORDED + WRITTEN)
def test_basis_classifier(text, personal):
    assert is_personal_data(text) is personal


def test_the_table_is_large_and_mixed():
    table = RECORDED + WRITTEN
    assert len(table) >= 40
    assert sum(p for _, p in table) >= 15 and sum(not p for _, p in table) >= 15


def test_recorded_strings_are_in_the_recorded_data(shared_data):
    texts = [(shared_data / "ee-delta-dhs" / "testdata" / "accessrestrictionreasons.csv").read_text("utf-8")]
    fixtures = shared_data / "ee-dokumendiregistrid-fixtures" / "fixtures"
    texts += [p.read_bytes().decode("utf-8", errors="ignore") for p in fixtures.iterdir() if p.is_file()]
    recorded = " ".join(" ".join(t.split()) for t in texts)
    missing = [text for text, _ in RECORDED if " ".join(text.split()) not in recorded]
    assert not missing, f"not in the recorded data: {missing}"


def test_every_basis_in_the_delta_list_is_classified_without_error(shared_data):
    """All 400-odd recorded bases: no exception, and the plain AvTS p 12 citations are personal data."""
    lines = (shared_data / "ee-delta-dhs" / "testdata" / "accessrestrictionreasons.csv").read_text("utf-8")
    decided = [(line, is_personal_data(line.strip('"'))) for line in lines.splitlines() if line.strip()]
    plain_12 = [line for line, _ in decided if re.fullmatch(r"AvTS\s*§\s*35\s*,?\s*lg\s*1\s*p\s*12", line)]
    assert plain_12 and all(dict(decided)[line] for line in plain_12)
    assert 0.2 < sum(p for _, p in decided) / len(decided) < 0.9


def test_points_reads_lists_and_ranges():
    assert points("12") == {12}
    assert points("12,19") == {12, 19}
    assert points("11-15") == {11, 12, 13, 14, 15}
    assert points("3, 9 ja 12") == {3, 9, 12}
