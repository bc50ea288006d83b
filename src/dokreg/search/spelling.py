"""“Did you mean”: when a query finds nothing, Vabamorf's suggestions that the index knows.

Only a suggestion; the search itself is not re-run, so the user sees why nothing was found.
"""

from __future__ import annotations

import re

import tantivy

from dokreg.search import schema as s
from dokreg.search.analyser import Analyser, is_code, raw_tokens, word_parts
from dokreg.search.query import And, Field, Node, Not, Or, Words

# The fields whose terms say that a suggested word (in any of its forms) occurs in the archive at all.
_EVIDENCE = (s.TITLE.lemma, s.BODY.lemma, s.PARTY.lemma)
_EXACT = (s.TITLE.exact, s.BODY.exact, s.PARTY.exact)


def corrected(query: str, tree: Node | None, searcher: tantivy.Searcher, analyser: Analyser) -> str | None:
    """The query with misspelt words replaced by the suggestion most frequent in the index, or None."""
    words = [w for w in _plain_words(tree) if not is_code(w)]
    if not words:
        return None
    suggestions = analyser.lemmatiser.suggestions(words)
    fixed = query
    for word, candidates in suggestions.items():
        counted = {c: _frequency(searcher, analyser, c) for c in candidates}
        best = max(counted, key=counted.__getitem__, default=None)
        if best and counted[best][1] > 0:
            fixed = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", best, fixed, count=1)
    return fixed if fixed != query else None


def _frequency(searcher: tantivy.Searcher, analyser: Analyser, word: str) -> tuple[int, int]:
    """(documents with the word as written, documents with its best-known lemma).

    Several suggestions often share a lemma (ministeeriumel, ministeeriumile); the one that occurs
    as written wins, and an inflected suggestion that never occurs as written still counts by lemma.
    """
    exact, lemmas = analyser.query_forms(word)
    as_written = sum(searcher.doc_freq(f, exact) for f in _EXACT)
    by_lemma = max((sum(searcher.doc_freq(f, lemma) for f in _EVIDENCE) for lemma in lemmas), default=0)
    return as_written, by_lemma


def _plain_words(node: Node | None) -> list[str]:
    """Words of the positive, non-prefix clauses (phrases and negations are left as typed)."""
    if isinstance(node, Words) and not node.prefix:
        return [w for raw in raw_tokens(node.text) for w in word_parts(raw)]
    if isinstance(node, Field) and node.fields is not None:
        return _plain_words(node.node)
    if isinstance(node, And | Or):
        return [w for n in node.nodes if not isinstance(n, Not) for w in _plain_words(n)]
    return []
