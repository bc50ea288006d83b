"""Personal codes spelt to slip past a plain digit match, for the privacy tests."""

from __future__ import annotations

import random

# The textbook example (a man born 3 May 1976), a DigiDoc TEST person and a constructed code.
VALID = ["37605030299", "38001085718", "60001019906"]

# Digits in other scripts, format characters and spaces a code may be spelt with (as in the variants
# test_personal_codes.py checks one by one).
_DIGIT_BASES = (ord("0"), 0xFF10, 0x0660, 0x06F0, 0x0966, 0x1D7CE)
_INVISIBLE = ("\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u202e", "\U000e0041")
_SPACES = (" ", "\u00a0", "\u2009", "\u3000", "\u202f")
_NOISE = (
    "Isik ",
    "tel 5341 2345 ",
    "õäöü ",
    "šž ",
    '<a href="/dokument/12/">',
    "4-1/2863-1 ",
    "\n",
    "\t",
    "Ж ",
)


def spelt(code: str, rng: random.Random) -> str:
    """``code`` written the way someone hiding it might: other digits, invisible joins, split by spaces."""
    out = []
    for i, digit in enumerate(code):
        out.append(chr(rng.choice(_DIGIT_BASES) + int(digit)))
        if i < len(code) - 1 and rng.random() < 0.3:
            out.append(rng.choice(_INVISIBLE) * rng.randint(1, 2))
        if i < len(code) - 1 and rng.random() < 0.15:
            out.append(rng.choice(_SPACES))
    return "".join(out)


def hostile_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(spelt(rng.choice(VALID), rng))
        elif roll < 0.5:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 13))))
        else:
            parts.append(rng.choice(_NOISE))
    return "".join(parts)
