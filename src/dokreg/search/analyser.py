"""The Estonian analyser: the same token stream for documents and for queries.

Tantivy's Python binding has no hook for a custom tokenizer, so analysis happens here and each
analysed field reaches Tantivy as tokens joined by spaces, indexed with the built-in "whitespace"
tokenizer. Every text becomes two streams:

- the *exact* stream: one lowercase surface token per word, diacritics kept (sõda ≠ soda), so
  phrases match surface forms in order and exact matches can be ranked first;
- the *lemma* stream: per word, its accent-folded form and every candidate Vabamorf lemma (also
  folded) — without disambiguation, so no reading of an ambiguous form is lost;
- the *part* stream: per compound word, its parts as Vabamorf splits it ("šokolaadi_tööstus"),
  each part's lemmas, accent-folded only. Estonian writes compounds as one word, so "šokolaad" must
  find "šokolaaditööstus"; a separate field lets such a match rank below a whole-word match.

Reference numbers (5.1-2/3233-1), dates (23.12.2025), §-citations (§ 35 → "§35") and initials
(K. P. → "k.p.") are kept whole. Estonian repeats its word forms, so lemmas are cached per form and
unknown forms are sent to Vabamorf in batches.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, compress, islice
from operator import itemgetter

# Tokens longer than this are cut: Tantivy limits term length, and nobody searches for them whole.
MAX_TOKEN_CHARS = 60
# Vabamorf is not asked about forms longer than this (they are junk: hashes, glued words).
MAX_ANALYSED_CHARS = 40
CACHE_SIZE = 200_000
ANALYSE_CHUNK = 2_000
# Compound parts shorter than this are not indexed: a two-letter part would match nearly everything.
MIN_PART_CHARS = 3
# Restoring diacritics tries every spelling of o/a/u/s/z up to this many; beyond, a spell-check.
MAX_RESTORE_CANDIDATES = 256
SUGGESTION_CACHE_SIZE = 10_000

_UPPER = "A-ZÕÄÖÜŠŽÅÉ"
_WORDCH = r"[^\W_]"
# One raw token: a §-citation, a run of initials, or word characters joined by . , / - (a reference,
# a date, a number, a hyphenated word). Sentence-final dots and commas are not part of a token.
# The lookahead on the first character skips the rare alternatives quickly (a third faster).
_RAW_TOKEN = re.compile(
    rf"(?=[§{_UPPER}])(?:§+\s*\d{_WORDCH}*|(?<!{_WORDCH})[{_UPPER}]\.(?:\s?[{_UPPER}]\.)*(?!{_WORDCH}))"
    rf"|{_WORDCH}+(?:[.,/\-]{_WORDCH}+)*"
)
_DIGIT = re.compile(r"\d")
_WORD_SPLIT = re.compile(r"[.,/]+")
_SPACES = re.compile(r"\s+")
# Vabamorf only knows Latin script; anything else is indexed by its surface and folded form.
_ANALYSABLE = re.compile(r"^[A-Za-zÀ-ɏ]+(?:-[A-Za-zÀ-ɏ]+)*$")

_FOLD = str.maketrans({"õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z"})


def fold(text: str) -> str:
    """Accent-fold lowercase text: õ→o, ä→a, ö→o, ü→u, š→s, ž→z, and other marks dropped."""
    if text.isascii():
        return text
    text = text.translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def raw_tokens(text: str) -> list[str]:
    """The raw tokens of ``text``, case kept (Vabamorf reads capitals as a hint of proper names)."""
    return _RAW_TOKEN.findall(_nfc(text))


def raw_token_spans(text: str) -> list[tuple[int, int, str]]:
    """Raw tokens with their character offsets, for snippets."""
    return [(m.start(), m.end(), m.group()) for m in _RAW_TOKEN.finditer(text)]


def raw_tokens_as_written(text: str) -> list[str]:
    """``raw_token_spans``'s tokens without their offsets: ``text`` is not normalised, so the offsets
    of ``raw_token_span`` stay true in it."""
    return _RAW_TOKEN.findall(text)


def raw_token_span(text: str, index: int) -> tuple[int, int]:
    """The offsets in ``text`` of its raw token number ``index`` (counted as ``raw_tokens_as_written``)."""
    return next(islice(_RAW_TOKEN.finditer(text), index, None)).span()


def _nfc(text: str) -> str:
    # "õ" typed as o + combining tilde must be one letter, or the word falls apart.
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def is_code(raw: str) -> bool:
    """A token kept whole and matched only by its surface: reference, date, number, § or initials."""
    return raw[0] == "§" or raw[-1] == "." or _DIGIT.search(raw) is not None


def exact_form(raw: str) -> str:
    """The surface token as indexed in the exact stream (several for "foo/bar" style joins)."""
    return " ".join(_exact_parts(raw))


def _exact_parts(raw: str) -> list[str]:
    if is_code(raw):
        return [_SPACES.sub("", raw.lower())[:MAX_TOKEN_CHARS]]
    return [w.lower()[:MAX_TOKEN_CHARS] for w in word_parts(raw)]


def word_parts(raw: str) -> list[str]:
    """The words of a non-code raw token: "foo/bar" is two words, "e-post" one."""
    return [w for w in _WORD_SPLIT.split(raw) if w]


@dataclass(frozen=True)
class Analysed:
    """One raw token analysed: its exact-stream tokens and its lemma-stream tokens."""

    exact: str
    lemma: str
    part: str = ""


@dataclass(frozen=True)
class QueryForms:
    """A query word as the index holds it: its exact token and its lemma-stream tokens.

    The part stream is searched with the folded lemma tokens: "kool" finds "koolitervishoid"."""

    exact: str
    lemmas: tuple[str, ...]

    @property
    def part_tokens(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fold(tok) for tok in self.lemmas))


@dataclass(frozen=True)
class Reading:
    """What Vabamorf says of one word form: its candidate lemmas and its compound parts (lowercase)."""

    lemmas: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()


_NOTHING = Reading()


class Lemmatiser:
    """Vabamorf behind an LRU cache of word forms; thread-safe (Vabamorf itself is not)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._cache: OrderedDict[str, Reading] = OrderedDict()
        self._known: OrderedDict[str, bool] = OrderedDict()
        self._suggested: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self._vm = None

    def lemmas(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Candidate lemmas (lowercase) of each word form, every reading kept."""
        return {word: reading.lemmas for word, reading in self.readings(words).items()}

    def readings(self, words: Iterable[str]) -> dict[str, Reading]:
        """Candidate lemmas and compound parts (lowercase) of each word form, every reading kept."""
        found: dict[str, Reading] = {}
        missing: list[str] = []
        with self._lock:
            for word in set(words):
                hit = self._cache.get(word)
                if hit is None:
                    missing.append(word)
                else:
                    self._cache.move_to_end(word)
                    found[word] = hit
            for start in range(0, len(missing), ANALYSE_CHUNK):
                chunk = missing[start : start + ANALYSE_CHUNK]
                for word, reading in zip(chunk, self._analyse(chunk), strict=True):
                    found[word] = reading
                    self._remember(word, reading)
        return found

    def known(self, words: list[str]) -> set[str]:
        """The words Vabamorf knows from its lexicon (no guessing), for restoring diacritics."""
        asked = [w for w in dict.fromkeys(words) if len(w) <= MAX_ANALYSED_CHARS and _ANALYSABLE.match(w)]
        with self._lock:
            missing = [w for w in asked if w not in self._known]
            if missing:
                try:
                    answers = self._morf().analyze(missing, disambiguate=False, guess=False, propername=False)
                    verdicts = [bool(a.get("analysis")) for a in answers]
                except Exception:  # noqa: BLE001 - restoring is a nicety; never fail a search for it
                    verdicts = [False] * len(missing)
                for word, verdict in zip(missing, verdicts, strict=True):
                    self._known[word] = verdict
                while len(self._known) > self._size:
                    self._known.popitem(last=False)
            return {w for w in asked if self._known.get(w)}

    def suggestions(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        """Vabamorf's spelling suggestions for the words it finds misspelt (none for the others).

        Cached: spell-checking a long unknown word takes Vabamorf tens of milliseconds, and a search
        may ask twice (restoring diacritics, then "did you mean").
        """
        asked = [w for w in dict.fromkeys(words) if len(w) <= MAX_ANALYSED_CHARS and _ANALYSABLE.match(w)]
        if not asked:
            return {}
        with self._lock:
            missing = [w for w in asked if w not in self._suggested]
            if missing:
                try:
                    checked = self._morf().spellcheck(missing, suggestions=True)
                except Exception:  # noqa: BLE001 - a suggestion is a nicety; never fail a search for it
                    return {}
                for c in checked:
                    wrong = not c.get("spelling", True)
                    self._suggested[c["text"]] = tuple(c.get("suggestions") or ()) if wrong else ()
                while len(self._suggested) > SUGGESTION_CACHE_SIZE:
                    self._suggested.popitem(last=False)
            found = {w: self._suggested.get(w, ()) for w in asked}
        return {w: found[w] for w in asked if found[w]}

    def call(self, fn):
        """``fn(vabamorf)`` under this lemmatiser's lock: other modules (name redaction) share the one
        Vabamorf instance, which is not thread-safe, through here."""
        with self._lock:
            return fn(self._morf())

    def _remember(self, word: str, reading: Reading) -> None:
        self._cache[word] = reading
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)

    def _analyse(self, words: list[str]) -> list[Reading]:
        asked = [w for w in words if len(w) <= MAX_ANALYSED_CHARS and _ANALYSABLE.match(w)]
        answers = dict(zip(asked, self._vabamorf(asked), strict=True)) if asked else {}
        return [answers.get(w, _NOTHING) for w in words]

    def _vabamorf(self, words: list[str]) -> list[Reading]:
        vm = self._morf()
        try:
            return [
                _reading_of(w) for w in vm.analyze(words, disambiguate=False, guess=True, propername=True)
            ]
        except Exception:  # noqa: BLE001 - a form Vabamorf chokes on must not sink the whole batch
            if len(words) == 1:
                return [_NOTHING]
            return [reading for w in words for reading in self._vabamorf([w])]

    def _morf(self):
        if self._vm is None:
            # Vabamorf directly: the estnltk Text pipeline fetches NLTK data at run time and fails offline.
            from estnltk.vabamorf.morf import Vabamorf

            self._vm = Vabamorf.instance()
        return self._vm


def _reading_of(word: dict) -> Reading:
    lemmas: list[str] = []
    parts: list[str] = []
    for reading in word.get("analysis") or ():
        lemma = _SPACES.sub("", str(reading.get("lemma") or "")).lower().replace("=", "").replace("_", "")
        if lemma and lemma not in lemmas:
            lemmas.append(lemma)
        root = _SPACES.sub("", str(reading.get("root") or "")).lower().replace("=", "")
        if "_" in root and lemma:
            for part in _compound_parts(root.split("_"), lemma):
                if part not in parts:
                    parts.append(part)
    return Reading(tuple(lemmas), tuple(parts))


def _compound_parts(root_tokens: list[str], lemma: str) -> list[str]:
    """The parts of a compound: the leading stems as written ("kooli", "tervis") and the last part
    in its lemma form, cut from the lemma ("hoid" of "koolitervishoid", "nõudma" of a verb)."""
    head = [tok for tok in root_tokens[:-1] if tok]
    joined = "".join(head)
    last = lemma[len(joined) :] if lemma.startswith(joined) else root_tokens[-1]
    return [p for p in (*head, last) if len(p) >= MIN_PART_CHARS]


def _open(chunk: str, tokens: list[str]) -> bool:
    """True when a raw token may run on past this chunk's end into the next one: "§" before
    " 35", or initials "K." before " P." (the only tokens ending in "." are initials)."""
    return chunk[-1] == "§" or bool(tokens) and tokens[-1][-1] == "." and chunk.endswith(tokens[-1])


class _ChunkTable:
    """Whitespace chunk → its exact, lemma and part streams, and the chunks that are ``_open``.

    Plain dicts, read with C-level ``itemgetter``; bounded by forgetting the older half when full (an
    LRU would cost a Python call per chunk read). Not thread-safe: the Analyser holds its lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.exact: dict[str, str] = {}
        self.lemma: dict[str, str] = {}
        self.part: dict[str, str] = {}
        self.open: set[str] = set()

    def add(self, rows: Iterable[tuple[str, str, str, str, bool]]) -> None:
        for chunk, exact, lemma, part, is_open in rows:
            self.exact[chunk] = exact
            self.lemma[chunk] = lemma
            self.part[chunk] = part
            if is_open:
                self.open.add(chunk)

    def trim(self) -> None:
        """Called between batches only, so a batch's chunks stay while it is read."""
        if len(self.exact) > self.size:
            for chunk in list(islice(self.exact, len(self.exact) - self.size // 2)):
                del self.exact[chunk], self.lemma[chunk], self.part[chunk]
                self.open.discard(chunk)

    def streams(self, chunks: list[str]) -> tuple[str, str, str]:
        """The streams of a text cut into ``chunks``: each stream's pieces read in one C call."""
        if len(chunks) < 2:
            return (
                (self.exact[chunks[0]], self.lemma[chunks[0]], self.part[chunks[0]])
                if chunks
                else ("", "", "")
            )
        read = itemgetter(*chunks)
        exact, lemma = read(self.exact), read(self.lemma)
        if "" in exact:  # chunks without a token ("–", "•") add nothing, not even a space
            kept = list(map(bool, exact))
            exact, lemma = compress(exact, kept), compress(lemma, kept)
        return " ".join(exact), " ".join(lemma), " ".join(filter(None, read(self.part)))


class Analyser:
    """Turns texts into exact and lemma streams, analysing unknown forms in one batch."""

    def __init__(self, lemmatiser: Lemmatiser | None = None, size: int = CACHE_SIZE) -> None:
        self.lemmatiser = lemmatiser or Lemmatiser(size)
        self._size = size
        # Raw token → its streams: most tokens of a batch were seen before, so this skips all work.
        self._cache: OrderedDict[str, Analysed] = OrderedDict()
        self._chunks = _ChunkTable(size)
        self._chunk_lock = threading.Lock()
        self._lock = threading.Lock()

    def analyse_raw(self, raws: Iterable[str]) -> dict[str, Analysed]:
        """Analyse distinct raw tokens; one Vabamorf batch for all forms not yet cached."""
        table: dict[str, Analysed] = {}
        missing: list[str] = []
        with self._lock:
            cache = self._cache
            for raw in set(raws):
                hit = cache.get(raw)
                if hit is None:
                    missing.append(raw)
                else:
                    cache.move_to_end(raw)
                    table[raw] = hit
        if missing:
            words = {w for raw in missing if not is_code(raw) for w in word_parts(raw)}
            readings = self.lemmatiser.readings(words)
            # The parts' own lemmas ("kooli" → "kool"): parts repeat far more than compounds, so cached too.
            parts = {p for r in readings.values() for p in r.parts}
            part_readings = self.lemmatiser.readings(parts) if parts else {}
            for part in parts:
                # "saneerimis" (of "saneerimisabi") is the compound form of "saneerimine", which
                # Vabamorf does not say of the part alone.
                if part.endswith("mis") and len(part) > 5:
                    had = part_readings.get(part, _NOTHING)
                    part_readings[part] = Reading((*had.lemmas, part[:-1] + "ne"), had.parts)
            fresh = {raw: _analysed(raw, readings, part_readings) for raw in missing}
            table.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return table

    def streams(self, texts: list[str]) -> list[tuple[str, str]]:
        """(exact, lemma) streams of each text, sharing one analysis batch."""
        return [(exact, lemma) for exact, lemma, _ in self.field_streams(texts)]

    def field_streams(self, texts: list[str]) -> list[tuple[str, str, str]]:
        """(exact, lemma, part) streams of each text, sharing one analysis batch.

        Read by whitespace chunks ("otsuse,", "5.1-2/3233-1"), each chunk's streams cached: a text
        repeats its chunks, and ``str.split`` plus dict lookups run in C where the token regex reads
        every character in Python's regex engine (most of the build time). No raw token crosses
        whitespace except a §-citation ("§ 35") and initials ("K. P."); a text with a chunk that
        may start one (``_open``) is read whole by the regex, as before. Both give the same streams.
        """
        # Short texts repeat across a batch (a type, a series, a correspondent): each is read once.
        unique = list(dict.fromkeys(texts))
        if len(unique) < len(texts):
            found = dict(zip(unique, self.field_streams(unique), strict=True))
            return list(map(found.__getitem__, texts))
        split = [_nfc(t).split() for t in texts]
        with self._chunk_lock:  # one caller at a time: trimming must not drop what another reads
            chunks = self._chunks
            chunks.trim()
            missing = set(chain.from_iterable(split)).difference(chunks.exact)
            if missing:
                self._chunk_streams(missing)
            whole = [i for i, cs in enumerate(split) if not chunks.open.isdisjoint(cs)]
            out = list(map(chunks.streams, split))
        if whole:
            for i, streams in zip(whole, self._token_streams([_nfc(texts[i]) for i in whole]), strict=True):
                out[i] = streams
        return out

    def _chunk_streams(self, missing: set[str]) -> None:
        tokens = {chunk: _RAW_TOKEN.findall(chunk) for chunk in missing}
        table = self.analyse_raw(set(chain.from_iterable(tokens.values())))
        self._chunks.add(
            (
                chunk,
                " ".join(table[t].exact for t in toks),
                " ".join(table[t].lemma for t in toks),
                " ".join(filter(None, (table[t].part for t in toks))),
                _open(chunk, toks),
            )
            for chunk, toks in tokens.items()
        )

    def _token_streams(self, texts: list[str]) -> list[tuple[str, str, str]]:
        """``field_streams`` token by token over the whole text (texts whose tokens may cross a space)."""
        tokenised = [raw_tokens(t) for t in texts]
        table = self.analyse_raw(set(chain.from_iterable(tokenised)))
        exact = {raw: a.exact for raw, a in table.items()}
        lemma = {raw: a.lemma for raw, a in table.items()}
        part = {raw: a.part for raw, a in table.items() if a.part}
        # map() over dict lookups keeps the per-token work in C: bodies have millions of tokens.
        return [
            (
                " ".join(map(exact.__getitem__, toks)),
                " ".join(map(lemma.__getitem__, toks)),
                # Most words are not compounds: part.get gives None for them, and filter drops it.
                " ".join(filter(None, map(part.get, toks))) if part else "",
            )
            for toks in tokenised
        ]

    def query_forms(self, word: str) -> tuple[str, tuple[str, ...]]:
        """A query word's exact token and its lemma-stream tokens (see ``query_analysis``)."""
        forms = self.query_analysis(word)
        return forms.exact, forms.lemmas

    def query_analysis(self, word: str) -> QueryForms:
        """A query word's exact token and lemma-stream tokens.

        Read as typed and capitalised: people type place and body names in lowercase; "tallinnas"
        alone is analysed as a common noun, so the capitalised reading adds the proper name's lemma.
        A word typed without diacritics that Vabamorf does not know ("teabenouded") is also read in
        every spelling with õ/ä/ö/ü/š/ž that Vabamorf knows ("teabenõuded"), before lemmatising: the
        folded surface alone finds only that one inflected form.
        """
        variants = {word, word[:1].upper() + word[1:], *self.restored(word)}
        table = self.analyse_raw(variants)
        lemma_tokens: list[str] = []
        for variant in sorted(variants):
            for tok in table[variant].lemma.split():
                if tok not in lemma_tokens:
                    lemma_tokens.append(tok)
        return QueryForms(table[word].exact, tuple(lemma_tokens))

    def restored(self, word: str) -> list[str]:
        """Spellings of ``word`` with diacritics restored that Vabamorf knows, when it knows ``word``
        itself not at all; [] otherwise.

        Every spelling is tried (teabenouded → teabenõuded; only õ/ä/ö/ü when š/ž would make too
        many). Words with too many even so take Vabamorf's spelling suggestions that differ from
        the word only by diacritics (slower: a spell-check).
        """
        lower = word.lower()
        if is_code(word) or not lower.isascii() or not _ANALYSABLE.match(lower):
            return []
        if not any(ch in _RESTORE for ch in lower) or self.lemmatiser.known([lower]):
            return []
        candidates = _diacritic_spellings(lower)
        if candidates:
            return sorted(self.lemmatiser.known(candidates[1:]))
        suggested = self.lemmatiser.suggestions([lower]).get(lower, ())
        return sorted({w.lower() for w in suggested if fold(w.lower()) == lower})


_RESTORE = {"o": "oõö", "a": "aä", "u": "uü", "s": "sš", "z": "zž"}
_RESTORE_VOWELS = {"o": "oõö", "a": "aä", "u": "uü"}


def _diacritic_spellings(word: str) -> list[str]:
    """Every spelling of an ASCII word with o/a/u/s/z read as õ/ö/ä/ü/š/ž; the word itself first.

    š and ž (loanwords only) are left out when they would take the count past
    MAX_RESTORE_CANDIDATES; [] when even the vowels alone would."""
    for table in (_RESTORE, _RESTORE_VOWELS):
        count = 1
        for ch in word:
            count *= len(table.get(ch, ch))
        if count <= MAX_RESTORE_CANDIDATES:
            out = [""]
            for ch in word:
                out = [head + alt for head in out for alt in table.get(ch, ch)]
            return out
    return []


def _analysed(raw: str, readings: dict[str, Reading], part_readings: dict[str, Reading]) -> Analysed:
    if is_code(raw):
        return Analysed(exact=exact_form(raw), lemma="")
    exact: list[str] = []
    lemma: list[str] = []
    part: list[str] = []
    for word in word_parts(raw):
        surface = word.lower()[:MAX_TOKEN_CHARS]
        exact.append(surface)
        forms = {fold(surface)}
        reading = readings.get(word, _NOTHING)
        for lem in reading.lemmas:
            forms.add(lem[:MAX_TOKEN_CHARS])
            forms.add(fold(lem)[:MAX_TOKEN_CHARS])
        if "-" in surface:  # "Harju-Madise" is also found by "madise"
            forms.update(fold(p) for p in surface.split("-") if p)
        lemma.extend(sorted(forms))
        if reading.parts:
            pieces = set()
            for p in reading.parts:
                pieces.add(fold(p))
                pieces.update(fold(lem) for lem in part_readings.get(p, _NOTHING).lemmas)
            part.extend(sorted(pieces))
    return Analysed(exact=" ".join(exact), lemma=" ".join(lemma), part=" ".join(part))


_default: Analyser | None = None
_default_lock = threading.Lock()


def default_analyser() -> Analyser:
    """The process-wide analyser, so the form cache is shared by the writer and searches."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Analyser()
        return _default
