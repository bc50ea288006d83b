"""Does a restriction basis protect personal data? Decided from the basis text as registers write it.

AvTS § 35 lg 1 grounds that protect people: p 11 (special categories of personal data), p 12 (personal
data whose disclosure would significantly harm privacy — by far the most common basis) and p 13 (social
welfare and social services received). A bare "p 12" or "12" means AvTS § 35 lg 1 p 12, as the
citation parser already reads it; other acts' points (``LS § 184 lg 3 p 1-4``) and AvTS § 35 lg 2
(drafts, internal documents) are not personal data. The personal data protection act itself (IKS) is.
Free text counts when it names personal data or privacy, however the citation reads.
"""

from __future__ import annotations

import re

from dokreg.archive.restrictions import DEFAULT_LAW, parse_bases

PERSONAL_POINTS = frozenset({11, 12, 13})
PERSONAL_LAWS = frozenset({"IKS"})
# Registers' other spellings of the access law: "AvTs", and "ATS" (an older abbreviation).
_LAW_SPELLINGS = {"ATS": "AVTS"}
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
# "isikuandmed/-eid/-ete", "eraelu", "eriliiki/delikaatsed isikuandmed", "terviseandmed": the words
# registers use for these grounds. Folded (no diacritics) and lowercase before matching.
_PERSONAL_WORDS = re.compile(r"isikuandme|eraelu|delikaats|eriliiki|terviseandme|isikuandmete kaitse")
# A basis that is nothing but point numbers: "12", "12, 19", "11-15".
_BARE_POINTS = re.compile(r"\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*[.;]?\s*")
_FOLD = str.maketrans({"õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z"})


def is_personal_data(text: str) -> bool:
    """True when the basis text restricts access to protect a person's data or privacy."""
    if not text or not text.strip():
        return False
    if _PERSONAL_WORDS.search(text.lower().translate(_FOLD)):
        return True
    if _BARE_POINTS.fullmatch(text):
        return bool(points(text) & PERSONAL_POINTS)
    # "5¹" is point 5 prim: read as one number (51), it is no personal-data point, and the citation
    # parser no longer stops at it and loses the points after it ("p 1, 5¹, 11, 12").
    for basis in parse_bases(text.translate(_SUPERSCRIPTS)):
        law = _LAW_SPELLINGS.get(basis.law.upper(), basis.law.upper())
        if law in PERSONAL_LAWS:
            return True
        if law != DEFAULT_LAW.upper() or basis.section not in ("35", ""):
            continue
        if basis.subsection in ("1", "") and points(basis.point) & PERSONAL_POINTS:
            return True
        if basis.section == "35" and not basis.point and basis.subsection.isdigit():
            # "§ 35 lg 12": § 35 has no such subsection; the clerk meant lg 1 p 12.
            if int(basis.subsection) in PERSONAL_POINTS:
                return True
    return False


def points(text: str) -> set[int]:
    """Point numbers of "12", "12,19", "11-15", "3, 9 ja 12"; a range is every point in it."""
    found: set[int] = set()
    for part in re.split(r"\s*(?:,|ja)\s*", text.replace("–", "-")):
        bounds = [int(n) for n in re.findall(r"\d+", part)[:2]]
        if len(bounds) == 2 and "-" in part and bounds[0] <= bounds[1] <= bounds[0] + 50:
            found.update(range(bounds[0], bounds[1] + 1))
        elif bounds:
            found.add(bounds[0])
    return found
