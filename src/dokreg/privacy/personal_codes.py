"""Estonian personal identification codes (isikukood): recognise, find and mask them.

A code is 11 digits: G YYMMDD SSS C. G (1–6) gives the century and sex, YYMMDD is the birth date,
SSS a serial and C a check digit computed with the standard two-weight mod-11 rule. Checking all of it
keeps phone numbers, registry codes and other 11-digit runs out of the way.

Finding and masking also catch a code written to slip past a plain digit match: split by single
spaces ("380 0108 5718"), by invisible format characters (U+200B, U+FEFF, U+202E …), in full-width
or other Unicode decimal digits, or reversed behind a right-to-left override. Masking replaces the
whole original span, separators included.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MASK = "[isikukood]"

_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)
CODE_LENGTH = 11
# Unicode format characters (category Cf): invisible, so they may sit anywhere inside a code.
_CF = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Space separators (category Zs): one of them may split a code into groups. Tabs, newlines,
# hyphens, dots and slashes do not, so table columns and reference numbers ("7-1/21-0123") stay.
_ZS = "\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_RLO = "\u202e"  # right-to-left override: the digits after it are displayed reversed
# A chain of Unicode decimal digits joined by format characters and at most one space per gap.
# Possessive quantifiers: the classes are disjoint, so no backtracking is needed (or allowed).
_CHAIN = re.compile(rf"\d(?:[{_CF}]*+(?:[{_ZS}][{_CF}]*+)?\d)*+")
_SPACE = re.compile(rf"[{_ZS}]")


def is_personal_code(s: str) -> bool:
    """True when ``s`` is exactly a valid personal code (century, birth date and check digit)."""
    if len(s) != 11 or not s.isascii() or not s.isdigit():
        return False
    century = _CENTURY.get(int(s[0]))
    if century is None or not _valid_birth_date(century + int(s[1:3]), int(s[3:5]), int(s[5:7])):
        return False
    return check_digit(s[:10]) == int(s[10])


def check_digit(first_ten: str) -> int:
    """The check digit: weights 1…9,1; if the remainder is 10, weights 3…9,1,2,3; if again 10, 0."""
    digits = [int(c) for c in first_ten]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return 0


def find_personal_codes(text: str) -> list[str]:
    """Every valid personal code in ``text`` as 11 ASCII digits, in order of appearance (repeats kept)."""
    return [code for _, _, code in personal_code_spans(text)]


def contains_personal_code(text: str) -> bool:
    """True when ``text`` holds a valid personal code in any of the recognised spellings."""
    return any(True for _ in personal_code_spans(text))


def mask_personal_codes(text: str) -> str:
    """``text`` with each valid personal code replaced by ``[isikukood]``; other numbers are kept."""
    return replace_personal_codes(text, MASK)


def replace_personal_codes(text: str, replacement: str) -> str:
    """``text`` with the whole original span of each valid personal code replaced by ``replacement``."""
    if not text:
        return text
    out, last = [], 0
    for start, end, _ in personal_code_spans(text):
        out.append(text[last:start])
        out.append(replacement)
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


# ASCII digits and every non-ASCII byte (other digits, format characters, other spaces) become "0",
# everything else "x"; ASCII spaces are dropped: a code's span is then a run of at least 11 "0"s.
_CODE_BYTES = bytes(ord("0") if b >= 0x80 or chr(b) in "0123456789" else ord("x") for b in range(256))
_ELEVEN = b"0" * CODE_LENGTH


def could_hold_personal_code(data: bytes) -> bool:
    """False when UTF-8 ``data`` certainly holds no code in any spelling ``personal_code_spans`` finds.

    Why: Python's regular expressions read a megabyte in 30-100 ms, and nearly every text holds no
    code. This is one byte translation and one substring search (about 1 ms a megabyte). It is a
    superset: a "maybe" costs only the full scan.
    """
    return len(data) >= CODE_LENGTH and _ELEVEN in data.translate(_CODE_BYTES, b" ")


def personal_code_spans(text: str):
    """Yield (start, end, code) for each valid code: its span in ``text`` and its ASCII digits.

    A chain of digits splits into groups at its spaces; a code is a run of whole groups holding
    exactly 11 digits, so a code is never cut out of a longer number ("376050302991" is no code).
    """
    if could_hold_personal_code(text.encode("utf-8", "surrogatepass")):
        yield from _chain_spans(text)


def _chain_spans(text: str):
    first_rlo = text.find(_RLO)  # found once: slicing the text per chain would be quadratic
    for chain in _CHAIN.finditer(text):
        if chain.end() - chain.start() < CODE_LENGTH:
            continue  # fewer characters than a code has digits: most numbers in a text end here
        groups = _digit_groups(chain.group(), chain.start())
        i = 0
        while i < len(groups):
            digits: list[tuple[str, int]] = []
            j = i
            while j < len(groups) and len(digits) < CODE_LENGTH:
                digits.extend(groups[j])
                j += 1
            # The override may sit inside the chain ("viit 1 \u202e<code reversed>"): what counts is
            # whether it comes before this run's first digit, not before the chain's.
            reversed_display = bool(digits) and 0 <= first_rlo < digits[0][1]
            code = _valid_code("".join(d for d, _ in digits), reversed_display)
            if len(digits) == CODE_LENGTH and code:
                yield digits[0][1], digits[-1][1] + 1, code
                i = j
            else:
                i += 1


def _digit_groups(chain: str, offset: int) -> list[list[tuple[str, int]]]:
    """The chain's digits as ASCII with their positions in the text, grouped between spaces."""
    groups: list[list[tuple[str, int]]] = [[]]
    for k, c in enumerate(chain):
        value = unicodedata.decimal(c, None)
        if value is not None:
            groups[-1].append((str(value), offset + k))
        elif _SPACE.match(c):
            groups.append([])
    return groups


def _valid_code(digits: str, reversed_display: bool) -> str:
    """``digits`` if it is a code; also its reverse when a right-to-left override displays it so."""
    if is_personal_code(digits):
        return digits
    if reversed_display and is_personal_code(digits[::-1]):
        return digits[::-1]
    return ""


def _valid_birth_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
