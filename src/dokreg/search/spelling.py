"""“Did you mean”: when a query finds nothing or little, the nearest words the index knows.

Candidates for a word are Vabamorf's spelling suggestions and every word one edit away (a letter
left out, added, changed or two swapped: "lepng" → "leping") that the index holds as a lemma or
word. The one found in most documents wins, and only when it is found in more documents than the
word as typed, so a rare but real word is not "corrected". Only a suggestion; the search itself is
not re-run, so the user sees why little was found.
"""

from __future__ import annotations

import re

import tantivy

from dokreg.search import schema as s
from dokreg.search.analyser import Analyser, fold, is_code, raw_tokens, word_parts
from dokreg.search.query import And, Field, Node, Not, Or, Words

# A query with at most this many hits gets a suggestion too (one stray letter rarely finds nothing).
FEW_HITS = 3
# Words shorter than this have too many neighbours one edit away to guess from.
MIN_WORD_CHARS = 4
MAX_WORD_CHARS = 30
# A word one edit away is offered only when several documents hold it: a word of a single document
# (a name in one letter, a document the index has not yet dropped) is no guess at what was meant.
MIN_EDIT_DOCS = 2
MAX_DOUBTFUL_WORDS = 6
MAX_EDITED_WORDS = 3  # each costs ~7 × 1,000 term look-ups (about 5 ms)
# The fields whose terms say that a word (in any of its forms) occurs in the archive at all.
# The document type counts: a register's "Leping" may be in no title but the type ("lepng" → "leping").
_EVIDENCE = (s.TITLE.lemma, s.BODY.lemma, s.PARTY.lemma, s.DOCTYPE.lemma)
_PARTS = (s.TITLE.part, s.BODY.part, s.PARTY.part)
_EXACT = (s.TITLE.exact, s.BODY.exact, s.PARTY.exact, s.DOCTYPE.exact)
_ALPHABET = "abcdefghijklmnopqrstuvwxyzõäöüšž"


def corrected(
    query: str, tree: Node | None, searcher: tantivy.Searcher, analyser: Analyser, total: int = 0
) -> str | None:
    """The query with doubtful words replaced by the best-known nearby word, or None.

    A word is doubtful when the index holds it (as written, as a lemma or compound part) in no more
    than ``max(total, FEW_HITS)`` documents.
    """
    words = [w for w in _plain_words(tree) if not is_code(w) and w.isalpha()]
    if not words:
        return None
    floor = max(total, FEW_HITS) if total else 0
    doubtful = {w: known for w in dict.fromkeys(words) if (known := _known(searcher, analyser, w)) <= floor}
    if not doubtful:
        return None
    # A query of many unknown words is pasted text or noise, not typos: only the first few are
    # looked at, so it cannot make every search pay for dozens of spell-checks (issue 9).
    doubtful = dict(list(doubtful.items())[:MAX_DOUBTFUL_WORDS])
    suggestions = analyser.lemmatiser.suggestions(list(doubtful))
    fixed = query
    for i, (word, known) in enumerate(doubtful.items()):
        best = _best(searcher, analyser, word, suggestions.get(word, ()), known, edits=i < MAX_EDITED_WORDS)
        if best:
            fixed = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", best, fixed, count=1)
    return fixed if fixed != query else None


def _best(
    searcher: tantivy.Searcher,
    analyser: Analyser,
    word: str,
    suggested: tuple[str, ...],
    known: int,
    *,
    edits: bool = True,
) -> str | None:
    """The candidate most often found as written, then by lemma, if it beats ``known``.

    Vabamorf's suggestions are inflected words; words one edit away come from the index's own
    lemma, folded-word and compound-part terms, so a word the dictionary lacks is found too.
    """
    candidates = list(dict.fromkeys(suggested))
    if edits and MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS:
        lower = word.lower()
        for candidate in sorted(_one_edit(lower)):
            found = max(searcher.doc_freq(f, candidate) for f in (*_EVIDENCE, *_PARTS))
            if found >= MIN_EDIT_DOCS and candidate not in candidates:
                candidates.append(candidate)
    scored = {c: (*_frequency(searcher, analyser, c), -rank) for rank, c in enumerate(candidates)}
    if not scored:
        return None
    best = max(scored, key=scored.__getitem__)
    if max(scored[best][:2]) <= known:
        return None
    return best if word[:1].islower() else best[:1].upper() + best[1:]


def _known(searcher: tantivy.Searcher, analyser: Analyser, word: str) -> int:
    """In how many documents (at most, per field) the word occurs as written, by lemma or as a part."""
    forms = analyser.query_analysis(word)
    counts = [searcher.doc_freq(f, forms.exact) for f in _EXACT]
    counts += [searcher.doc_freq(f, lemma) for f in _EVIDENCE for lemma in forms.lemmas]
    counts += [searcher.doc_freq(f, tok) for f in _PARTS for tok in forms.part_tokens]
    return max(counts, default=0)


def _frequency(searcher: tantivy.Searcher, analyser: Analyser, word: str) -> tuple[int, int]:
    """(documents with the word as written, documents with its best-known lemma or as a part).

    Several suggestions often share a lemma (ministeeriumel, ministeeriumile); the one that occurs
    as written wins, and an inflected suggestion that never occurs as written still counts by lemma.
    """
    forms = analyser.query_analysis(word)
    as_written = sum(searcher.doc_freq(f, forms.exact) for f in _EXACT)
    by_lemma = max((sum(searcher.doc_freq(f, lemma) for f in _EVIDENCE) for lemma in forms.lemmas), default=0)
    as_part = max((sum(searcher.doc_freq(f, tok) for f in _PARTS) for tok in forms.part_tokens), default=0)
    return as_written, max(by_lemma, as_part)


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in _ALPHABET)
    out.update(a + c + b for a, b in splits for c in _ALPHABET)
    out.discard(word)
    out.discard(fold(word))
    return {w for w in out if len(w) >= MIN_WORD_CHARS - 1}


def _plain_words(node: Node | None) -> list[str]:
    """Words of the positive, non-prefix clauses (phrases and negations are left as typed)."""
    if isinstance(node, Words) and not node.prefix:
        return [w for raw in raw_tokens(node.text) for w in word_parts(raw)]
    if isinstance(node, Field) and node.fields is not None:
        return _plain_words(node.node)
    if isinstance(node, And | Or):
        return [w for n in node.nodes if not isinstance(n, Not) for w in _plain_words(n)]
    return []
