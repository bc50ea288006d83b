"""Access restrictions: the register's wording mapped to our access levels and legal bases.

Registers write bases inconsistently (``AvTS § 35 lg 1 p 12``, ``p 12``, ``§ 35 lg 1 p 11-15``,
``Avaliku teabe seadus § 35 lg 1 p 5``, free text). We normalise each citation to
(law, §, lg, p) and always keep the original text beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dokreg.archive.models import Access

LAW_NAMES = {
    "avaliku teabe seadus": "AvTS",
    "isikuandmete kaitse seadus": "IKS",
    "kriminaalmenetluse seadustik": "KrMS",
    "riigisaladuse ja salastatud välisteabe seadus": "RSVS",
    "maksukorralduse seadus": "MKS",
    "halduskohtumenetluse seadustik": "HKMS",
    "tsiviilkohtumenetluse seadustik": "TsMS",
    "karistusregistri seadus": "KarRS",
}
# The law a bare "§ 35" or "p 12" means in a register: AvTS is the access law.
DEFAULT_LAW = "AvTS"


@dataclass(frozen=True)
class Basis:
    text: str
    law: str = ""
    section: str = ""
    subsection: str = ""
    point: str = ""


def access_level(access_text: str) -> str:
    """Map the register's restriction wording to an Access value."""
    text = " ".join(access_text.split()).lower()
    if not text:
        return Access.UNKNOWN
    if text in {"ak", "asutusesiseseks kasutamiseks", "restricted", "piiratud"} or text.startswith(
        ("ak ", "ak,", "asutusesisese")
    ):
        return Access.AK
    if "teabenõude korras" in text or "teabenoude korras" in text:
        return Access.ON_REQUEST
    if text.startswith(("avalik", "public")):
        return Access.PUBLIC
    return Access.UNKNOWN


_CITATION = re.compile(
    r"(?:(?P<law>[A-ZÕÄÖÜ][A-Za-zÕÄÖÜõäöüšž]{1,8})\s*)?"
    r"(?:§\s*(?P<section>\d+\w?))?\s*"
    r"(?:(?:lg|lõige|lõike)\.?\s*(?P<subsection>\d+))?\s*"
    r"(?:(?:p|punkt|punkti)\.?\s*(?P<point>\d+(?:\s*[-–]\s*\d+)?(?:\s*(?:,|ja)\s*\d+)*))?"
)


def parse_bases(text: str) -> list[Basis]:
    """Find every citation in a basis text; text that cites nothing is kept as one free-text basis."""
    original = " ".join(text.split())
    if not original:
        return []
    normalised = original
    for long_name, short in LAW_NAMES.items():
        normalised = re.sub(re.escape(long_name), short, normalised, flags=re.IGNORECASE)
    bases = [basis for match in _CITATION.finditer(normalised) if (basis := _citation(match, original))]
    return bases or [Basis(text=original)]


def _citation(match: re.Match, original: str) -> Basis | None:
    section, subsection, point = match["section"] or "", match["subsection"] or "", match["point"] or ""
    if not (section or point):
        return None
    law = match["law"] or DEFAULT_LAW
    if not section and law == DEFAULT_LAW:
        # "p 12" alone: registers mean AvTS § 35 lg 1 (grounds for internal use).
        section, subsection = "35", subsection or "1"
    point = re.sub(r"\s+", "", point).replace("–", "-").replace("ja", ",")
    return Basis(text=original, law=law, section=section, subsection=subsection, point=point)
