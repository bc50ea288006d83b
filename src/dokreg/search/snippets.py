"""Snippets: a ~200-character window of the stored text (or title) with the matched words marked.

Tantivy's SnippetGenerator re-tokenises stored text with the field's tokenizer and so cannot see
our lemma stream; the window is therefore found here, with the same tokens, folds and lemmas the
query used. Only the first part of a long text is scanned, to keep a results page fast.
"""

from __future__ import annotations

import html
import re

from dokreg.search.analyser import Analyser, exact_form, fold, is_code, raw_token_spans, word_parts
from dokreg.search.query import Highlight

WIDTH = 200
LEAD = 60  # characters of context before the first match
SCAN_CHARS = 30_000
_SPACES = re.compile(r"\s+")


def snippet(title: str, text: str, highlight: Highlight, analyser: Analyser) -> str:
    """HTML-escaped snippet with matches in <mark>…</mark>; the start of the text when nothing matches."""
    matcher = _Matcher(highlight, analyser)
    for source in (text[:SCAN_CHARS], title):
        spans = matcher.matches(source) if highlight else []
        if spans:
            return _render(source, spans)
    return _render(text or title, [])


class _Matcher:
    def __init__(self, highlight: Highlight, analyser: Analyser) -> None:
        self.h = highlight
        self.analyser = analyser
        self.folded = {fold(t) for t in highlight.surfaces} | {fold(t) for t in highlight.lemmas}
        self.fold_prefixes = tuple(fold(p) for p in highlight.prefixes)
        # Lemma matches need Vabamorf; only forms starting like a query lemma are worth asking about.
        self.heads = {t[:2] for t in self.folded}

    def matches(self, source: str) -> list[tuple[int, int]]:
        spans = raw_token_spans(source)
        words = {
            w
            for _, _, raw in spans
            if not is_code(raw)
            for w in word_parts(raw)
            if fold(w.lower())[:2] in self.heads
        }
        lemmas = self.analyser.lemmatiser.lemmas(words) if self.h.lemmas else {}
        return [(start, end) for start, end, raw in spans if self._hit(raw, lemmas)]

    def _hit(self, raw: str, lemmas: dict[str, tuple[str, ...]]) -> bool:
        if is_code(raw):
            token = exact_form(raw)
            return token in self.h.surfaces or token.startswith(tuple(self.h.prefixes))
        for word in word_parts(raw):
            surface = word.lower()
            folded = fold(surface)
            if surface in self.h.surfaces or folded in self.folded or folded.startswith(self.fold_prefixes):
                return True
            if any(lem in self.h.lemmas or fold(lem) in self.h.lemmas for lem in lemmas.get(word, ())):
                return True
        return False


def _render(source: str, spans: list[tuple[int, int]]) -> str:
    start, end = _window(source, spans[0][0] if spans else 0)
    out: list[str] = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(source[pos:s]))
        out.append(f"<mark>{html.escape(source[s:e])}</mark>")
        pos = e
    out.append(html.escape(source[pos:end]))
    if end < len(source):
        out.append("…")
    return _SPACES.sub(" ", "".join(out)).strip()


def _window(source: str, first: int) -> tuple[int, int]:
    """A window around ``first`` cut at spaces, so no word is halved."""
    start = max(0, first - LEAD)
    if start > 0:
        space = source.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(source), start + WIDTH)
    if end < len(source):
        space = source.rfind(" ", max(first + 1, start), end)
        end = space if space > first else end
    return start, end
