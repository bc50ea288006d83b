"""A hostile register: every field, file name and file text carries valid personal codes in every spelling,
markup, ``javascript:`` links, control characters and right-to-left overrides.

It is the proof that the archive keeps its promises against a register that does its worst, not only against
well-behaved pages: ``CorpusConfig(hostile=True)`` (``dokreg simulate --hostile``) serves it in any family's
format, and tests/leaks syncs it through the real pipeline and walks every public route.

Dates, ids and the access level stay plain: they are what the register's own format fixes, and a corpus whose
documents the connectors cannot read would prove nothing about what reaches the pages.
"""

from __future__ import annotations

import dataclasses
import random

from dokreg.simulator.corpus import BodySpec, SimDocument, SimFile, SimRelation

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MARKUP = '<script>alert("dokreg")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>'
# Control characters a terminal or a log viewer would act on, and an override that flips what follows.
CONTROL = "\x1b[31m\x08\x00\x7f"
PAYLOAD = f"\u202e{MARKUP}{CONTROL}\u202c"
# Plain words so the documents stay findable by search (the leak test searches for them).
HOSTILE_BODY = BodySpec(slug="vaenulik", name="Vaenulik Amet", email="info@vaenulik.example")


def hostile_codes(seed: int, count: int = 12) -> list[str]:
    """Valid personal codes (century, birth date and check digit right), the same for the same seed."""
    from dokreg.privacy.personal_codes import check_digit

    rng = random.Random(f"{seed}:hostile-codes")
    codes = []
    while len(codes) < count:
        first = rng.choice("123456")
        born = f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        ten = f"{first}{born}{rng.randint(0, 999):03d}"
        codes.append(ten + str(check_digit(ten)))
    return codes


def spellings(code: str) -> list[str]:
    """Every way a register (or someone slipping past a filter) may write one code."""
    return [
        code,
        f"{code[:7]} {code[7:]}",
        f"{code[:3]}\u00a0{code[3:7]}\u00a0{code[7:]}",  # no-break spaces
        f"{code[:1]}\u202f{code[1:7]}\u2009{code[7:]}",  # narrow and thin spaces
        "\u200b".join(code),  # zero-width spaces
        "\u2060".join(code[:6]) + "\u00ad" + code[6:] + "\ufeff",  # word joiners, a soft hyphen, a BOM
        code.translate(FULLWIDTH),
        code[:5].translate(ARABIC_INDIC) + code[5:],  # other Unicode decimal digits, mixed
        f"\u202e{code[::-1]}\u202c",  # displayed the right way round behind a right-to-left override
    ]


def all_spellings(seed: int) -> list[str]:
    return [s for code in hostile_codes(seed) for s in spellings(code)]


class HostileMaker:
    """Turns a well-formed document into a hostile one, field by field, deterministically."""

    def __init__(self, seed: int) -> None:
        self.spellings = all_spellings(seed)
        self.n = 0

    def text(self, value: str) -> str:
        """``value`` (kept, so the document still reads as one) followed by a code and the payload."""
        spelled = self.spellings[self.n % len(self.spellings)]
        self.n += 1
        return f"{value} {spelled} {PAYLOAD}".strip()

    def name(self, name: str) -> str:
        """A file name with a code and markup in it, its extension kept (the register's file kind)."""
        stem, dot, extension = name.rpartition(".")
        spelled = self.spellings[self.n % len(self.spellings)]
        self.n += 1
        # '/' is a path separator and NUL ends a name in most file systems: a register could not keep them.
        markup = MARKUP.replace("/", "").replace('"', "'")
        return f"{stem} {spelled} {markup}\u202e{dot}{extension}" if dot else f"{name} {spelled} {markup}"

    def document(self, doc: SimDocument) -> SimDocument:
        text_fields = (
            "doc_type",
            "title",
            "function",
            "series",
            "case_file",
            "restriction_basis",
            "restriction_change_basis",
            "sender_reference",
            "correspondent",
            "channel",
            "responsible",
        )
        changes: dict[str, object] = {name: self.text(getattr(doc, name)) for name in text_fields}
        changes["reference"] = f"{doc.reference} {self.spellings[self.n % len(self.spellings)]}"
        self.n += 1
        changes["paragraphs"] = tuple(self.text(p) for p in doc.paragraphs) + tuple(
            f"Isikukood {s}." for s in self.spellings[:9]
        )
        changes["files"] = tuple(SimFile(f.file_id, self.name(f.name), f.kind) for f in doc.files)
        changes["relations"] = tuple(SimRelation(self.text(r.kind), r.target_id) for r in doc.relations)
        return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def hostile_body(spec: BodySpec, seed: int) -> BodySpec:
    maker = HostileMaker(seed)
    genitive = spec.genitive or spec.register_title.removesuffix(" avalik dokumendiregister")
    return dataclasses.replace(spec, name=maker.text(spec.name), genitive=maker.text(genitive))
