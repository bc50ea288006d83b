"""Who in a document may be a private person: suggestions for the operator, never applied by themselves.

Three sources, each a hint the operator weighs:
- the register's own fields: a correspondent written as initials ("M. M.") or "Eraisik" is how a register
  marks a private person, so a full name in the text with those initials is very likely that person;
- signatures: a signer's name (containers say "MAASIKAS,MARI");
- proper names in the text: two capitalised words Vabamorf reads as proper nouns (its "H").
Each candidate carries the context that decides: an official acting for a body (the responsible
official, a job title beside the name) is not redacted; a private applicant is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dokreg.archive.models import Document, File, Signature
from dokreg.review.names import Person, initials

CONTEXT_CHARS = 80
# Words beside a name that say the person acts for a body.
OFFICIAL_WORDS = re.compile(
    r"nõunik|juhataja|spetsialist|minister|ametnik|direktor|sekretär|kantsler|osakon|büroo|inspektor"
    r"|ametikoht|koordinaator|jurist|esimees|vanem\b|peaarst|referent|analüütik|ametni",
    re.IGNORECASE,
)
# Words beside a name, or a register's field value, that say a private person writes or is written about.
PRIVATE_WORDS = re.compile(
    r"eraisik|füüsiline isik|taotleja|avaldaja|kaebaja|pöörduja|elukoh|kodune aadress|isikukood|mina,"
    r"|kodanik|naaber|vanemad|lapse",
    re.IGNORECASE,
)
_INITIALS = re.compile(r"(?<![A-Za-zÀ-ɏ])([A-ZÕÄÖÜŠŽ])\.\s?(?:([A-ZÕÄÖÜŠŽ])\.)")
_WORD = re.compile(r"[A-ZÕÄÖÜŠŽ][a-zõäöüšž]+(?:-[A-ZÕÄÖÜŠŽ][a-zõäöüšž]+)?")
# Capitalised words that are never a name however Vabamorf guesses them.
_NEVER = frozenset({"Lugupeetud", "Austatud", "Tere", "Lugupidamisega", "Vastus", "Kiri", "Taotlus"})
METADATA_FIELDS = ("title", "correspondent", "responsible", "channel")


@dataclass
class Candidate:
    given: str
    surname: str
    sources: set[str] = field(default_factory=set)
    role: str = "unknown"  # "private" | "official" | "unknown"
    reason: str = ""
    context: str = ""
    count: int = 0

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}".strip()

    @property
    def person(self) -> Person:
        return Person(given=self.given, surname=self.surname)


def document_candidates(document: Document, *, extra_names: list[str] = ()) -> list[Candidate]:
    """Candidate private persons of ``document``, private ones first, then the most mentioned."""
    texts = _texts(document)
    whole = "\n".join(t for _, t in texts)
    found: dict[tuple[str, str], Candidate] = {}

    def add(given: str, surname: str, source: str) -> Candidate:
        key = (given.lower(), surname.lower())
        candidate = found.setdefault(key, Candidate(given=given, surname=surname))
        candidate.sources.add(source)
        return candidate

    for signature in Signature.objects.filter(file__document=document):
        person = _signer(signature.signer_name)
        if person:
            add(person.given, person.surname, "signature")
    for given, surname in _proper_names(whole):
        add(given, surname, "text")
    for name in extra_names:
        parts = name.split()
        if len(parts) >= 2:
            add(" ".join(parts[:-1]), parts[-1], "model")

    masked = {
        m.group(1) + m.group(2)
        for f in METADATA_FIELDS
        for m in _INITIALS.finditer(getattr(document, f) or "")
    }
    private_field = bool(PRIVATE_WORDS.search(document.correspondent or ""))
    for candidate in found.values():
        _decide(candidate, document, whole, masked, private_field)
    order = {"private": 0, "unknown": 1, "official": 2}
    return sorted(found.values(), key=lambda c: (order[c.role], -c.count, c.name))


def _texts(document: Document) -> list[tuple[str, str]]:
    texts = [(f, getattr(document, f) or "") for f in METADATA_FIELDS]
    for name, text in File.objects.filter(document=document).values_list("name", "text"):
        texts.append((name, text or ""))
    return texts


def _signer(raw: str) -> Person | None:
    """ "MAASIKAS,MARI,48001010000" (a certificate's CN), "Mari Maasikas" → a person."""
    parts = [p.strip() for p in (raw or "").split(",") if p.strip() and not p.strip().isdigit()]
    if len(parts) >= 2:
        surname, given = parts[0], parts[1]
    elif parts and len(parts[0].split()) >= 2:
        *given_words, surname = parts[0].split()
        given = " ".join(given_words)
    else:
        return None
    return Person(given=_title(given), surname=_title(surname))


def _title(word: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")) if word.isupper() else word


def _proper_names(text: str) -> list[tuple[str, str]]:
    """Pairs of adjacent capitalised words both read as proper nouns, as (given, surname) lemmas."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    pairs = []
    for (_s1, e1, w1), (s2, _e2, w2) in zip(words, words[1:], strict=False):
        if text[e1:s2].strip() == "" and "\n" not in text[e1:s2] and w1 not in _NEVER and w2 not in _NEVER:
            pairs.append((w1, w2))
    if not pairs:
        return []
    readings = _proper_readings(sorted({w for pair in pairs for w in pair}))
    surfaces = set(_WORD.findall(text))
    out = []
    for w1, w2 in pairs:
        if readings.get(w1) and readings.get(w2):
            given = w1 if w1 in readings[w1] else readings[w1][0]
            # "Maasikase" reads as Maasikane or Maasikas: the one the text also has is the name.
            lemmas = readings[w2]
            surname = next((lemma for lemma in lemmas if lemma in surfaces), lemmas[0])
            out.append((given, surname))
    return out


def _proper_readings(words: list[str]) -> dict[str, list[str]]:
    """Word → its proper-noun lemmas (Vabamorf's "H" readings); words without one are left out."""
    from dokreg.search.analyser import default_analyser

    def run(vm):
        return vm.analyze(words, disambiguate=False, guess=True, propername=True)

    try:
        analysed = default_analyser().lemmatiser.call(run)
    except Exception:  # noqa: BLE001 - without Vabamorf there are still the other sources
        return {}
    out: dict[str, list[str]] = {}
    for word, reading in zip(words, analysed, strict=True):
        analyses = reading.get("analysis") or ()
        if any(a.get("partofspeech") in ("V", "P", "D", "K", "J") for a in analyses):
            continue  # a verb, pronoun, adverb or conjunction reading: a sentence's first word, not a name
        lemmas = []
        for a in analyses:
            if a.get("partofspeech") == "H":
                lemma = str(a.get("lemma") or "").replace("=", "").replace("_", "")
                if lemma and lemma not in lemmas:
                    lemmas.append(lemma)
        if lemmas:
            out[word] = lemmas
    return out


def _decide(
    candidate: Candidate, document: Document, whole: str, masked: set[str], private_field: bool
) -> None:
    pattern = re.compile(
        re.escape(candidate.surname[:-1] if len(candidate.surname) > 4 else candidate.surname), re.IGNORECASE
    )
    spots = [m.start() for m in pattern.finditer(whole)]
    candidate.count = len(spots)
    first = spots[0] if spots else 0
    candidate.context = " ".join(whole[max(0, first - CONTEXT_CHARS) : first + CONTEXT_CHARS].split())
    near = " ".join(whole[max(0, s - CONTEXT_CHARS) : s + CONTEXT_CHARS] for s in spots[:10])
    mark = initials(candidate.person).replace(".", "").replace(" ", "").replace("-", "")
    if candidate.surname.lower() in (document.responsible or "").lower():
        candidate.role, candidate.reason = "official", _("vastutaja (asutuse ametnik)")
    elif mark in masked:
        candidate.role, candidate.reason = "private", _("register näitab sama isikut initsiaalidega")
    elif candidate.surname.lower() in (document.correspondent or "").lower() and not _organisation(
        document.correspondent
    ):
        candidate.role, candidate.reason = "private", _("adressaat on isik, mitte asutus")
    elif any(OFFICIAL_WORDS.search(whole[s : s + 60].split("\n")[0]) for s in spots[:10]):
        # "Peeter Kuusk, osakonna juhataja": a job title on the name's own line, after it.
        candidate.role, candidate.reason = "official", _("ametinimetus nime järel")
    elif OFFICIAL_WORDS.search(near) and not PRIVATE_WORDS.search(near):
        candidate.role, candidate.reason = "official", _("ametinimetus nime juures")
    elif PRIVATE_WORDS.search(near) or private_field:
        candidate.role, candidate.reason = "private", _("eraisikule viitavad sõnad nime juures")


_ORGANISATION = re.compile(
    r"\b(AS|OÜ|MTÜ|SA|amet|ministeerium|vald|valitsus|linn|kantselei|inspektsioon|keskus|kool|ülikool|haigla|selts|liit)\b",
    re.IGNORECASE,
)


def _organisation(text: str) -> bool:
    return bool(_ORGANISATION.search(text or ""))
