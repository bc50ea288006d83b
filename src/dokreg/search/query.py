"""The forgiving query parser: any string becomes a Tantivy query, never an error.

Grammar (loosely; anything it does not understand is read as words):
    words          all must match         "exact phrase"   surface forms in order
    a OR b         either (binds tighter than the implicit AND: "kiri vastus OR otsus")
    NOT a, -a      must not match
    prefix*        word beginning         (a OR b) c       grouping
    field:value    title: party: correspondent: reference: viit: type: series: text: (+ Estonian names)
    5.1-2/3233-1   a bare reference number also searches reference and sender reference

Query words are analysed like document words (surface, accent-folded, every Vabamorf lemma), so
"dokumentidele" finds "dokumendi" and "oigus" finds "õigus", while exact surface matches score higher.
The Tantivy query is built from Query objects, never from Tantivy's string syntax, so no input can
cause a syntax error. Unbalanced quotes and parentheses close at the end; lone operators are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import tantivy

from dokreg.search import schema as s
from dokreg.search.analyser import (
    MAX_TOKEN_CHARS,
    Analyser,
    exact_form,
    fold,
    is_code,
    raw_tokens,
    word_parts,
)
from dokreg.search.errors import QueryTooCostly

MAX_QUERY_CHARS = 1_000
MAX_ATOMS = 32
MAX_DEPTH = 16
# A prefix is a regex walk over every indexed term that starts with it, in every text field: "a*"
# touches a large share of the dictionary, "arve*" a sliver. One client OR-ing dozens of one-letter
# prefixes slowed every other reader tenfold (issue 9), so prefixes spend a budget by their length.
PREFIX_COST = {0: 0, 1: 8, 2: 3}  # longer stems cost 1
MAX_PREFIX_COST = 16

FIELD_NAMES: dict[str, tuple[s.TextField, ...] | None] = {
    "title": (s.TITLE,),
    "pealkiri": (s.TITLE,),
    "party": (s.PARTY,),
    "correspondent": (s.PARTY,),
    "osapool": (s.PARTY,),
    "saatja": (s.PARTY,),
    "type": (s.DOCTYPE,),
    "liik": (s.DOCTYPE,),
    "series": (s.SERIES,),
    "sari": (s.SERIES,),
    "text": (s.BODY,),
    "sisu": (s.BODY,),
    # None: the reference field only
    "reference": None,
    "viit": None,
    "ref": None,
}
ALL_FIELDS = s.TEXT_FIELDS

_UPPER = "A-ZÕÄÖÜŠŽ"
_SECTION_SPACE = re.compile(r"§+\s+(?=\d)")
_INITIAL_SPACE = re.compile(rf"(?<![^\W_])([{_UPPER}]\.)\s+(?=[{_UPPER}]\.)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORDISH = re.compile(r"[^\W_]")
_LEXEME = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')


# -- the syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Field:
    fields: tuple[s.TextField, ...] | None
    node: Node


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Words | Phrase | Field | Not | And | Or


# -- lexing and parsing ------------------------------------------------------------------------


def normalise(query: str) -> str:
    """Clean user input: NFC, no control characters, bounded length, "§ 35" and "K. P." joined."""
    query = unicodedata.normalize("NFC", str(query))[:MAX_QUERY_CHARS]
    query = _CONTROL.sub(" ", query)
    query = _SECTION_SPACE.sub("§", query)
    return _INITIAL_SPACE.sub(r"\1", query)


def lex(query: str) -> list[tuple[str, str]]:
    """(kind, text) lexemes: PHRASE, LPAREN, RPAREN, OR, NOT, FIELD, WORD, PREFIX."""
    out: list[tuple[str, str]] = []
    for lexeme in _LEXEME.findall(query):
        if lexeme.startswith('"'):
            if _WORDISH.search(lexeme):
                out.append(("PHRASE", lexeme.strip('"')))
        elif lexeme == "(":
            out.append(("LPAREN", lexeme))
        elif lexeme == ")":
            out.append(("RPAREN", lexeme))
        else:
            out.extend(_lex_chunk(lexeme))
    return out


def _lex_chunk(chunk: str) -> list[tuple[str, str]]:
    if chunk in ("OR", "VÕI", "|", "||"):
        return [("OR", chunk)]
    if chunk in ("AND", "JA", "&&", "+"):
        return []
    if chunk == "NOT":
        return [("NOT", chunk)]
    out: list[tuple[str, str]] = []
    while chunk[:1] in ("-", "+", "!") and len(chunk) > 1:
        if chunk[0] in "-!":
            out.append(("NOT", chunk[0]))
        chunk = chunk[1:]
    name, colon, value = chunk.partition(":")
    if colon and name.lower() in FIELD_NAMES:
        out.append(("FIELD", name.lower()))
        chunk = value
    if not _WORDISH.search(chunk):  # only symbols: nothing to search for, and no operand either
        return [lexeme for lexeme in out if lexeme[0] == "FIELD"]
    if chunk.endswith("*"):
        out.append(("PREFIX", chunk.rstrip("*")))
    else:
        out.append(("WORD", chunk))
    return out


class _Parser:
    """Recursive descent; OR binds tighter than the implicit AND, as in web search engines:
    ``kiri vastus OR otsus`` is kiri AND (vastus OR otsus)."""

    def __init__(self, lexemes: list[tuple[str, str]]) -> None:
        self.lexemes = lexemes
        self.pos = 0
        self.atoms = 0
        self.prefix_cost = 0

    def parse(self) -> Node | None:
        nodes = []
        while self.pos < len(self.lexemes):
            node = self.sequence(0)
            if node is not None:
                nodes.append(node)
            if self.peek() == "RPAREN":  # a stray ")" at the top level
                self.pos += 1
        return _and(nodes)

    def peek(self) -> str | None:
        return self.lexemes[self.pos][0] if self.pos < len(self.lexemes) else None

    def sequence(self, depth: int) -> Node | None:
        """Clauses that must all match, up to a ")" or the end."""
        nodes = []
        while self.peek() not in (None, "RPAREN"):
            if self.peek() == "OR":  # a lone or leading OR
                self.pos += 1
                continue
            node = self.alternatives(depth)
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def alternatives(self, depth: int) -> Node | None:
        found = [self.unary(depth)]
        while self.peek() == "OR":
            self.pos += 1
            if self.peek() not in (None, "RPAREN", "OR"):
                found.append(self.unary(depth))
        present = tuple(node for node in found if node is not None)
        if len(present) <= 1:
            return present[0] if present else None
        return Or(present)

    def unary(self, depth: int) -> Node | None:
        """NOTs and field names before an atom; counted in a loop, so "------a" cannot recurse deep."""
        negations = 0
        fields: tuple[s.TextField, ...] | None | bool = False
        while self.peek() in ("NOT", "FIELD"):
            kind, text = self.lexemes[self.pos]
            self.pos += 1
            if kind == "NOT":
                negations += 1
            elif fields is False:  # the first field name wins: "title:type:x" searches the title
                fields = FIELD_NAMES[text]
        if self.peek() in (None, "OR", "RPAREN"):
            return None
        node = self.atom(depth)
        if node is None:
            return None
        if fields is not False:
            node = Field(fields, node)
        return Not(node) if negations % 2 else node

    def atom(self, depth: int) -> Node | None:
        kind, text = self.lexemes[self.pos]
        self.pos += 1
        if kind == "LPAREN":
            if depth >= MAX_DEPTH:  # deeper groups are read flat
                return None
            inner = self.sequence(depth + 1)
            if self.peek() == "RPAREN":
                self.pos += 1
            return inner
        self.atoms += 1
        if self.atoms > MAX_ATOMS:
            return None
        if kind == "PHRASE":
            return Phrase(text)
        if kind == "PREFIX":
            self.prefix_cost += PREFIX_COST.get(len(text), 1)
            if self.prefix_cost > MAX_PREFIX_COST:
                raise QueryTooCostly(
                    "the search has too many word beginnings (*): use longer beginnings or fewer of them "
                    f"(at most {MAX_PREFIX_COST // PREFIX_COST[1]} of one letter, "
                    f"{MAX_PREFIX_COST // PREFIX_COST[2]} of two, {MAX_PREFIX_COST} longer)"
                )
        return Words(text, prefix=kind == "PREFIX")


def _and(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def parse(query: str) -> Node | None:
    """The syntax tree of a query; None when nothing searchable is left (match everything)."""
    return _Parser(lex(normalise(query))).parse()


# -- building the Tantivy query ----------------------------------------------------------------


@dataclass
class Highlight:
    """What a snippet marks: surface tokens, lemma-stream tokens, compound parts (folded) and
    prefixes of positive clauses."""

    surfaces: set[str] = field(default_factory=set)
    lemmas: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.surfaces or self.lemmas or self.prefixes)


@dataclass(frozen=True)
class Built:
    query: tantivy.Query
    positive: bool  # False: nothing to rank by (empty or only NOT), so sort newest first
    highlight: Highlight


Q = tantivy.Query
Occur = tantivy.Occur


class Builder:
    """Turns a syntax tree into a Tantivy query; ``lemmas=False`` matches surface forms only."""

    def __init__(self, analyser: Analyser, *, lemmas: bool = True) -> None:
        self.analyser = analyser
        self.lemmas = lemmas
        self.highlight = Highlight()

    def build(self, node: Node | None) -> Built:
        if node is None:
            return Built(Q.all_query(), False, self.highlight)
        query = self.node(node, ALL_FIELDS, negated=False)
        if query is None:
            return Built(Q.all_query(), False, self.highlight)
        return Built(query, _is_positive(node), self.highlight)

    def node(self, node: Node, fields: tuple[s.TextField, ...] | None, negated: bool) -> tantivy.Query | None:
        if isinstance(node, Words):
            return self.words(node, fields, negated)
        if isinstance(node, Phrase):
            return self.phrase(node.text, fields, negated)
        if isinstance(node, Field):
            return self.node(node.node, node.fields, negated)
        if isinstance(node, Not):
            inner = self.node(node.node, fields, not negated)
            return None if inner is None else _not(inner)
        if isinstance(node, And):
            return self.conjunction(node.nodes, fields, negated)
        return _should([self.node(n, fields, negated) for n in node.nodes])

    def conjunction(self, nodes, fields, negated: bool) -> tantivy.Query | None:
        must, must_not = [], []
        for n in nodes:
            if isinstance(n, Not):
                inner = self.node(n.node, fields, not negated)
                if inner is not None:
                    must_not.append(inner)
            else:
                q = self.node(n, fields, negated)
                if q is not None:
                    must.append(q)
        if not must and not must_not:
            return None
        if not must:
            must = [Q.all_query()]
        if len(must) == 1 and not must_not:
            return must[0]
        return Q.boolean_query([(Occur.Must, q) for q in must] + [(Occur.MustNot, q) for q in must_not])

    def words(self, node: Words, fields, negated: bool) -> tantivy.Query | None:
        raws = raw_tokens(node.text)
        clauses = []
        for i, raw in enumerate(raws):
            last = i == len(raws) - 1
            if is_code(raw):
                clauses.append(self.code(exact_form(raw), fields, node.prefix and last, negated))
            else:
                parts = word_parts(raw)
                for j, part in enumerate(parts):
                    prefix = node.prefix and last and j == len(parts) - 1
                    clauses.append(self.word(part, fields, prefix, negated))
        return _must([c for c in clauses if c is not None])

    def word(self, word: str, fields, prefix: bool, negated: bool) -> tantivy.Query | None:
        if prefix:
            return self.prefix(word.lower()[:MAX_TOKEN_CHARS], fields, negated)
        forms = self.analyser.query_analysis(word)
        exact, lemmas = forms.exact, forms.lemmas
        if not negated:
            self.highlight.surfaces.add(exact)
            self.highlight.lemmas.update(lemmas)
            if self.lemmas:
                self.highlight.parts.update(forms.part_tokens)
        if fields is None:  # reference: a word is looked for in the reference field as it is
            return _ref_term(exact)
        clauses = []
        for f in fields:
            clauses.append(Q.boost_query(_term(f.exact, exact), f.exact_boost))
            if self.lemmas and lemmas:
                lemma_q = Q.disjunction_max_query([_term(f.lemma, lem, "freq") for lem in lemmas])
                clauses.append(Q.boost_query(lemma_q, f.lemma_boost))
            if self.lemmas and lemmas and f.has_parts:
                # A part of a compound ("kool" in "koolitervishoid"), below the word itself.
                part_q = Q.disjunction_max_query([_term(f.part, tok, "freq") for tok in forms.part_tokens])
                clauses.append(Q.boost_query(part_q, f.part_boost))
        return _should(clauses)

    def code(self, token: str, fields, prefix: bool, negated: bool) -> tantivy.Query | None:
        """A reference, date, number, §-citation or initials: matched whole, by surface only."""
        if not negated:
            (self.highlight.prefixes if prefix else self.highlight.surfaces).add(token)
        # A bare code also looks in the references; "title:2025" looks in the title only.
        with_ref = fields is None or fields is ALL_FIELDS
        if prefix:
            pattern = _regex_prefix(token)
            ref = Q.boost_query(Q.regex_query(s.SCHEMA, s.REF, pattern), s.REF_BOOST) if with_ref else None
            other = [
                Q.boost_query(Q.regex_query(s.SCHEMA, f.exact, pattern), f.exact_boost) for f in fields or ()
            ]
        else:
            ref = _ref_term(token) if with_ref else None
            other = [Q.boost_query(_term(f.exact, token), f.exact_boost) for f in fields or ()]
        return _should([ref, *other])

    def prefix(self, stem: str, fields, negated: bool) -> tantivy.Query | None:
        if not stem:
            return None
        if not negated:
            self.highlight.prefixes.add(stem)
        if fields is None:
            return Q.regex_query(s.SCHEMA, s.REF, _regex_prefix(stem))
        clauses = []
        for f in fields:
            clauses.append(
                Q.boost_query(Q.regex_query(s.SCHEMA, f.exact, _regex_prefix(stem)), f.exact_boost)
            )
            if self.lemmas:
                folded = _regex_prefix(fold(stem))
                clauses.append(Q.boost_query(Q.regex_query(s.SCHEMA, f.lemma, folded), f.lemma_boost))
        return _should(clauses)

    def phrase(self, text: str, fields, negated: bool) -> tantivy.Query | None:
        tokens = [tok for raw in raw_tokens(text) for tok in exact_form(raw).split()]
        if not tokens:
            return None
        if not negated:
            self.highlight.surfaces.update(tokens)
        if fields is None:
            return _ref_term("".join(text.split()).lower()[:MAX_TOKEN_CHARS])
        if len(tokens) == 1:
            clauses = [Q.boost_query(_term(f.exact, tokens[0]), f.exact_boost) for f in fields]
            if is_code(tokens[0]) and fields is ALL_FIELDS:
                clauses.append(_ref_term(tokens[0]))
            return _should(clauses)
        return _should(
            [Q.boost_query(Q.phrase_query(s.SCHEMA, f.exact, tokens), f.exact_boost) for f in fields]
        )


def _is_positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, Field):
        return _is_positive(node.node)
    if isinstance(node, And | Or):
        return any(_is_positive(n) for n in node.nodes)
    return True


def _term(field_name: str, value: str, index_option: str = "position") -> tantivy.Query:
    return Q.term_query(s.SCHEMA, field_name, value, index_option=index_option)


def _ref_term(token: str) -> tantivy.Query:
    return Q.boost_query(_term(s.REF, token, "basic"), s.REF_BOOST)


def _regex_prefix(stem: str) -> str:
    # Escape ASCII punctuation only: Tantivy's regex rejects escapes of other characters (e.g. "\§").
    return "".join("\\" + ch if ch.isascii() and not ch.isalnum() else ch for ch in stem) + ".*"


def _not(query: tantivy.Query) -> tantivy.Query:
    return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, query)])


def _must(queries: list[tantivy.Query]) -> tantivy.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else Q.boolean_query([(Occur.Must, q) for q in queries])


def _should(queries: list[tantivy.Query | None]) -> tantivy.Query | None:
    present = [q for q in queries if q is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else Q.boolean_query([(Occur.Should, q) for q in present])


def build(query: str, analyser: Analyser, *, lemmas: bool = True) -> Built:
    """Parse and build; any string gives a query."""
    return Builder(analyser, lemmas=lemmas).build(parse(query))
