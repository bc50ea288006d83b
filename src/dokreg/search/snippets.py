"""Snippets: a ~200-character window of the stored text (or title) with the matched words marked.

Tantivy's SnippetGenerator re-tokenises stored text with the field's tokenizer and so cannot see
our lemma stream; the window is therefore found here, with the same tokens, folds and lemmas the
query used. Only the first part of a long text is scanned, to keep a results page fast.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from dokreg.search.analyser import (
    Analyser,
    exact_form,
    fold,
    is_code,
    raw_token_span,
    raw_token_spans,
    raw_tokens_as_written,
    word_parts,
)
from dokreg.search.query import Highlight

WIDTH = 200
LEAD = 60  # characters of context before the first match
SCAN_CHARS = 30_000
CHUNK_CHARS = 500
_SPACES = re.compile(r"\s+")
_NONE: frozenset[str] = frozenset()


class Snippets:
    """Snippets for one search; the matcher's decisions per token are shared by all its hits."""

    def __init__(self, highlight: Highlight, analyser: Analyser) -> None:
        self.matcher = _Matcher(highlight, analyser) if highlight else None

    def __call__(self, title: str, text: str) -> str:
        """HTML-escaped snippet with matches in <mark>…</mark>; the start of the text when nothing matches."""
        return self.locate(title, text)[0]

    def locate(self, title: str, text: str) -> tuple[str, int | None]:
        """The snippet and the offset in ``text`` of the first match it shows (None: title or no match)."""
        if self.matcher is not None:
            for in_text, source in ((True, text[:SCAN_CHARS]), (False, title)):
                first = self.matcher.first_hit(source)
                if first is not None:
                    start, end = _window(source, first)
                    snippet = _render(source, start, end, self.matcher.hits(source, start, end))
                    return snippet, first if in_text else None
        source = text or title
        return _render(source, *_window(source, 0), []), None


class _Matcher:
    """Decides which tokens a query matched: by surface, accent fold, prefix or Vabamorf lemma."""

    def __init__(self, highlight: Highlight, analyser: Analyser) -> None:
        self.h = highlight
        self.analyser = analyser
        self.folded = {fold(t) for t in highlight.surfaces} | {fold(t) for t in highlight.lemmas}
        self.fold_prefixes = tuple(fold(p) for p in highlight.prefixes)
        self.prefixes = tuple(highlight.prefixes)
        # Lemma matches need Vabamorf; only forms starting like a query lemma are worth asking about.
        self.heads = {t[:2] for t in self.folded}
        self.memo: dict[str, bool] = {}  # raw token → matched; words repeat, decisions are reused

    def first_hit(self, source: str) -> int | None:
        """Offset of the first matching token, scanning chunk by chunk so long texts stop early.

        A chunk's tokens are read without their offsets and looked up in C; only the chunk holding
        a match is read again for the offset (most chunks hold none: a third of a search's time was
        building offsets nobody read)."""
        start = 0
        while start < len(source):
            end = source.find(" ", start + CHUNK_CHARS)
            end = len(source) if end == -1 else end
            part = source[start:end]
            raws = raw_tokens_as_written(part)
            self._decide(raws)
            matched = list(map(self.memo.__getitem__, raws))
            if True in matched:
                return start + raw_token_span(part, matched.index(True))[0]
            start = end
        return None

    def hits(self, source: str, start: int, end: int) -> list[tuple[int, int]]:
        spans = raw_token_spans(source[start:end])
        self._decide([raw for _, _, raw in spans])
        return [(start + s, start + e) for s, e, raw in spans if self.memo[raw]]

    def _decide(self, raws: list[str]) -> None:
        """Note in ``memo`` whether each raw token not yet seen matched the query."""
        new = set(raws).difference(self.memo)
        if not new:
            return
        codes = {raw for raw in new if is_code(raw)}
        for raw in codes:
            token = exact_form(raw)
            self.memo[raw] = token in self.h.surfaces or token.startswith(self.prefixes)
        # Each word's lowercase and fold, made once: the head filter, the parts and the match read them.
        words = {raw: [(w, w.lower(), fold(w.lower())) for w in word_parts(raw)] for raw in new - codes}
        asked = {w for forms in words.values() for w, _, folded in forms if folded[:2] in self.heads}
        lemmas = self.analyser.lemmatiser.lemmas(asked) if self.h.lemmas and asked else {}
        parts = self._parts(words)
        for raw, forms in words.items():
            self.memo[raw] = self._hit(forms, lemmas) or bool(parts.get(raw, _NONE) & self.h.parts)

    def _parts(self, raws: Iterable[str]) -> dict[str, set[str]]:
        """Part-stream tokens of the raw tokens that hold a query part somewhere ("põhikooli" for "kool")."""
        if not self.h.parts:
            return {}
        holding = {raw for raw in raws if _holds_any(fold(raw.lower()), self.h.parts)}
        if not holding:
            return {}
        return {raw: set(a.part.split()) for raw, a in self.analyser.analyse_raw(holding).items()}

    def _hit(self, forms: list[tuple[str, str, str]], lemmas: dict[str, tuple[str, ...]]) -> bool:
        """Whether a word token matched: (word, lowercase, fold) of each of its words."""
        for word, surface, folded in forms:
            if surface in self.h.surfaces or folded in self.folded or folded.startswith(self.fold_prefixes):
                return True
            if any(lem in self.h.lemmas or fold(lem) in self.h.lemmas for lem in lemmas.get(word, ())):
                return True
        return False


def _holds_any(text: str, pieces: Iterable[str]) -> bool:
    return any(piece in text for piece in pieces)


def _render(source: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out: list[str] = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
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
