"""A private person's name in every form a text may hold it, and its replacement by initials.

Estonian inflects names: "Mari Maasikas" is "Mari Maasikase" (genitive), "Maasikale" (allative),
"MAASIKAST" … Vabamorf's synthesizer gives every case form of a surname in both numbers, read as a
common noun (a surname that is a word, Kask → Kase, Mägi → Mäe, declines like it) and as a guessed
proper name. Forms are matched whole, between non-letters, so a short surname never eats a longer word
("Kask" leaves "Kaskmaa" and "Kasemets" alone, "Saar" leaves "Saaremaa"). In running text a form must
start with a capital (or be all capitals): "kase" the birch is not Mr Kask. In file names, where case is
often lost ("avaldus_mari_maasikas.pdf"), any case matches.

The replacement is the registers' own style: initials "M. M."; two persons with the same initials in
one document are "M. M. (1)" and "M. M. (2)".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Every case of Estonian in both numbers, as Vabamorf names them.
CASES = ("n", "g", "p", "ill", "in", "el", "all", "ad", "abl", "tr", "ter", "es", "ab", "kom", "adt")
FORMS = tuple(f"{number} {case}" for number in ("sg", "pl") for case in CASES)
# Without Vabamorf: case endings on the nominative and on the usual genitive stems.
_ENDINGS = ("", "t", "d", "le", "l", "lt", "ks", "ni", "na", "ta", "ga", "sse", "s", "st", "de", "te")
_LETTER = "A-Za-zÀ-ÖØ-öø-ɏ"
_NOT_LETTER_BEFORE = rf"(?<![{_LETTER}])"
_NOT_LETTER_AFTER = rf"(?![{_LETTER}])"
# Between given name and surname: spaces, or the underscores and dots of a file name.
_SEP = r"[\s_.]+"


@dataclass(frozen=True)
class Person:
    given: str
    surname: str
    label: str = ""

    @property
    def full(self) -> str:
        return f"{self.given} {self.surname}".strip()


def person_parse(text: str) -> Person:
    """ "Mari Maasikas" or "Maasikas, Mari": the last word is the surname unless a comma says otherwise."""
    text = " ".join(text.split())
    if "," in text:
        surname, given = (part.strip() for part in text.split(",", 1))
    else:
        given, _, surname = text.rpartition(" ")
    if not surname or not re.fullmatch(rf"[{_LETTER}][{_LETTER}'\-]*", surname):
        raise ValueError(f"{text!r}: give a person as 'Eesnimi Perenimi'")
    if given and not re.fullmatch(rf"[{_LETTER}][{_LETTER}'\- ]*", given):
        raise ValueError(f"{text!r}: the given name has characters a name does not have")
    return Person(given=given, surname=surname)


def initials(person: Person) -> str:
    """ "Mari Maasikas" → "M. M."; "Mari-Liis Maasikas-Kask" → "M.-L. M.-K."."""
    words = [*person.given.split(), person.surname]
    return " ".join("-".join(part[0].upper() + "." for part in word.split("-") if part) for word in words)


def labels(persons: list[Person]) -> list[Person]:
    """Each person with its label; the same initials twice are numbered in the order given."""
    base = [initials(p) for p in persons]
    counts = Counter(base)
    seen: Counter[str] = Counter()
    out = []
    for person, label in zip(persons, base, strict=True):
        if counts[label] > 1:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        out.append(Person(given=person.given, surname=person.surname, label=label))
    return out


def word_forms(word: str) -> set[str]:
    """Every inflected form of one name word, lowercase; a hyphenated name inflects its last part."""
    head, _, last = word.rpartition("-")
    prefix = f"{head}-".lower() if head else ""
    return {prefix + form for form in _inflect(last)}


def _inflect(word: str) -> set[str]:
    lower = word.lower()
    found = {lower}
    try:
        found |= _synthesize(word)
    except Exception:  # noqa: BLE001 - without Vabamorf, the endings below still catch most forms
        found |= _fallback(lower)
    return {f for f in found if f}


def _synthesize(word: str) -> set[str]:
    """Vabamorf's forms of ``word``, plus the ending-built forms Vabamorf reads back as ``word``: the
    synthesizer declines "Maasikas" only as the berry (Maasika), the analyser also knows the surname's
    own "Maasikase", and a guessed form it does not read back as the name is dropped."""
    from dokreg.search.analyser import default_analyser

    lower = word.lower()
    candidates = sorted(_fallback(lower))

    def run(vm) -> set[str]:
        forms: set[str] = set()
        for lemma, pos in ((lower, "S"), (_capital(lower), "H")):
            for form in FORMS:
                forms.update(f.lower() for f in vm.synthesize(lemma, form, pos))
        readings = vm.analyze(
            [_capital(c) for c in candidates], disambiguate=False, guess=True, propername=True
        )
        for candidate, reading in zip(candidates, readings, strict=True):
            lemmas = {_plain_lemma(a.get("lemma")) for a in reading.get("analysis") or ()}
            if lower in lemmas:
                forms.add(candidate)
        return forms

    return default_analyser().lemmatiser.call(run)


def _plain_lemma(lemma) -> str:
    return str(lemma or "").replace("=", "").replace("_", "").lower()


def _fallback(lower: str) -> set[str]:
    stems = {lower, lower + "i", lower + "a", lower + "e", lower + "u"}
    if lower.endswith("ne"):
        stems.add(lower[:-2] + "se")
    if lower.endswith("s"):
        stems |= {lower[:-1], lower + "e"}
    return {stem + ending for stem in stems for ending in _ENDINGS}


def _alternation(forms: set[str], *, any_case: bool) -> str:
    variants: set[str] = set()
    for form in forms:
        if any_case:
            variants.add(form)
        else:
            variants |= {_capital(form), form.upper()}
    ordered = sorted(variants, key=lambda v: (-len(v), v))  # longest first: "Maasikale" before "Maasika"
    return "(?:" + "|".join(re.escape(v) for v in ordered) + ")"


def _capital(form: str) -> str:
    return re.sub(r"(^|[\s-])(\w)", lambda m: m.group(1) + m.group(2).upper(), form)


@dataclass(frozen=True)
class Replacer:
    """Replaces the persons' names (every form) by their labels; ``find`` says which forms remain."""

    persons: tuple[dict, ...]  # {"given", "surname", "label", "forms": [surname forms], "given_forms"}

    def patterns(self, *, any_case: bool) -> list[tuple[re.Pattern, str]]:
        flags = re.IGNORECASE if any_case else 0
        full, alone = [], []
        for p in self.persons:
            surname = _alternation(set(p["forms"]), any_case=any_case)
            label = p["label"]
            if p.get("given_forms"):
                given = _alternation(set(p["given_forms"]), any_case=any_case)
                initial = "".join(rf"{re.escape(w[0])}\.\s?" for w in p["given"].split())
                for body in (
                    rf"{given}{_SEP}{surname}",
                    rf"{surname}(?:,\s*|{_SEP}){given}",
                    rf"{initial}\s*{surname}",
                ):
                    full.append((re.compile(_NOT_LETTER_BEFORE + body + _NOT_LETTER_AFTER, flags), label))
            alone.append((re.compile(_NOT_LETTER_BEFORE + surname + _NOT_LETTER_AFTER, flags), label))
        # Whole names of everyone first, so one person's surname never splits another's full name.
        return full + alone

    def text(self, value: str, *, any_case: bool = False) -> str:
        if not isinstance(value, str) or not value:
            return value
        for pattern, label in self._compiled(any_case):
            value = pattern.sub(label, value)
        return value

    def find(self, value: str, *, any_case: bool = False) -> list[str]:
        """The name forms still in ``value``."""
        if not isinstance(value, str) or not value:
            return []
        found = []
        for pattern, _label in self._compiled(any_case):
            found += [m.group() for m in pattern.finditer(value)]
        return sorted(set(found))

    def _compiled(self, any_case: bool) -> list[tuple[re.Pattern, str]]:
        cache = self.__dict__.setdefault("_cache", {})
        if any_case not in cache:
            cache[any_case] = self.patterns(any_case=any_case)
        return cache[any_case]

    def json(self, value, *, any_case: bool = False):
        """``value`` (JSON: lists, dicts, strings) with every string replaced."""
        if isinstance(value, str):
            return self.text(value, any_case=any_case)
        if isinstance(value, list):
            return [self.json(v, any_case=any_case) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v, any_case=any_case) for k, v in value.items()}
        return value


def persons_prepare(persons: list[Person]) -> list[dict]:
    """Labels and every form, computed once when the redaction is made and stored with it (so a
    re-application after a re-visit replaces exactly what the first one did)."""
    prepared = []
    for person in labels(persons):
        forms: set[str] = set()
        for part in person.surname.split():
            forms |= word_forms(part)
        given_forms: set[str] = set()
        if person.given:
            *first, last = person.given.split()
            # In "Mari Liis Maasikase" only the last given name may inflect with the surname.
            given_forms = {" ".join([*(w.lower() for w in first), f]) for f in word_forms(last)}
        prepared.append(
            {
                "given": person.given,
                "surname": person.surname,
                "label": person.label,
                "forms": sorted(forms),
                "given_forms": sorted(given_forms),
            }
        )
    return prepared
