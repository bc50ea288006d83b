"""Estonian personal identification codes (isikukood): recognise, find and mask them.

A code is 11 digits: G YYMMDD SSS C. G (1–6) gives the century and sex, YYMMDD is the birth date,
SSS a serial and C a check digit computed with the standard two-weight mod-11 rule. Checking all of it
keeps phone numbers, registry codes and other 11-digit runs out of the way.
"""

from __future__ import annotations

import re
from datetime import date

MASK = "[isikukood]"

_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)
# Exactly 11 digits, not part of a longer run of digits.
_CANDIDATE = re.compile(r"(?<!\d)\d{11}(?!\d)")


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
    """Every valid personal code in ``text``, in order of appearance (repeats kept)."""
    return [m.group() for m in _CANDIDATE.finditer(text) if is_personal_code(m.group())]


def mask_personal_codes(text: str) -> str:
    """``text`` with each valid personal code replaced by ``[isikukood]``; other numbers are kept."""
    return _CANDIDATE.sub(lambda m: MASK if is_personal_code(m.group()) else m.group(), text)


def _valid_birth_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
