"""SearchFilters as Tantivy clauses, one per filter, so a facet can leave its own filter out.

Keyword filters compare whole values; the correspondent filter also matches the words of a party.

Facets are multi-select ("disjunctive"): the counts of a facet are taken with every filter except
that facet's own, so choosing "Kiri" still shows how many "Leping" there are, and ticking both
ORs them. The year facet's own filter is the date range (a year link sets it).
"""

from __future__ import annotations

from datetime import date

import tantivy

from dokreg.fields import index_keyword_filters
from dokreg.search import schema as s
from dokreg.search.analyser import MAX_TOKEN_CHARS, exact_form, fold, is_code, raw_tokens, word_parts
from dokreg.search.types import EXPIRED_AK, SearchFilters
from dokreg.search.writer import basis_key, keyword

Q = tantivy.Query
Occur = tantivy.Occur

# Facet name → the filter (a key of filter_clauses) it leaves out when counting.
FACET_FILTER = {
    "registry": "registries",
    "doc_type": "doc_types",
    "year": "dates",
    "access": "access",
    "series": "series",
}

# Filters that are "any of these keywords" on one raw field: the read layer's field table names them.
# The correspondent filter has its own clause (a party's words match too, ``_correspondents``).
_KEYWORD_FILTERS = tuple((attr, field) for attr, field in index_keyword_filters() if attr != "correspondents")


def filter_clauses(filters: SearchFilters, today: date) -> dict[str, tantivy.Query]:
    """One clause per filter that is set, keyed by the SearchFilters field name ("dates" for the range)."""
    clauses: dict[str, tantivy.Query] = {}
    for name, field_name in _KEYWORD_FILTERS:
        wanted = _keywords(getattr(filters, name))
        if wanted:
            clauses[name] = Q.term_set_query(s.SCHEMA, field_name, wanted)
    correspondents = _correspondents(filters.correspondents)
    if correspondents is not None:
        clauses["correspondents"] = correspondents
    bases = sorted({basis_key(v) for v in _texts(filters.restriction_bases)})
    if bases:
        clauses["restriction_bases"] = Q.term_set_query(s.SCHEMA, s.RESTRICTION, bases)
    if filters.date_from or filters.date_to:
        clauses["dates"] = _date_range(filters.date_from, filters.date_to)
    access = _access(filters.access, today)
    if access is not None:
        clauses["access"] = access
    if filters.has_files is not None:
        clauses["has_files"] = Q.term_query(s.SCHEMA, s.HAS_FILES, int(bool(filters.has_files)))
    return clauses


def keyword_shares(searcher: tantivy.Searcher, filters: SearchFilters, documents: int) -> dict[str, float]:
    """Each keyword filter that is set, and the access filter (keyed as in ``filter_clauses``): which
    share of a shard's ``documents`` hold one of its values, from the index's term counts."""
    wanted = [(name, field_name, _keywords(getattr(filters, name))) for name, field_name in _KEYWORD_FILTERS]
    access = _keywords(filters.access)
    if EXPIRED_AK not in access:  # "AK whose restriction has ended" is no term of its own
        wanted.append(("access", s.ACCESS, access))
    shares: dict[str, float] = {}
    for name, field_name, values in wanted:
        if values and documents:
            shares[name] = min(1.0, sum(searcher.doc_freq(field_name, value) for value in values) / documents)
    return shares


def keyword_share(shares: dict[str, float]) -> float:
    """At most which share of a shard matches the filters whose ``keyword_shares`` these are: the
    smallest (one body's list: that body's share); 1.0 without a keyword filter. It sizes the first
    window of newest days a list reads."""
    return min(shares.values(), default=1.0)


def with_filters(
    query: tantivy.Query, clauses: dict[str, tantivy.Query], *, without: str | None = None
) -> tantivy.Query:
    must = [query, *(clause for name, clause in clauses.items() if name != without)]
    if len(must) == 1:
        return query
    # Filters only narrow; wrapped in a constant score they add nothing to the BM25 ranking.
    return Q.boolean_query(
        [(Occur.Must, query)] + [(Occur.Must, Q.const_score_query(c, 0.0)) for c in must[1:]]
    )


def expired_ak(today: date) -> tantivy.Query:
    """AK documents whose restriction ended before or on ``today``."""
    ended = Q.range_query(s.SCHEMA, s.RESTRICTION_ENDS, tantivy.FieldType.Integer, 1, today.toordinal())
    return Q.boolean_query([(Occur.Must, Q.term_query(s.SCHEMA, s.ACCESS, "ak")), (Occur.Must, ended)])


def _access(values: tuple[str, ...], today: date) -> tantivy.Query | None:
    wanted = _keywords(values)
    if not wanted:
        return None
    plain = [v for v in wanted if v != EXPIRED_AK]
    options = [Q.term_set_query(s.SCHEMA, s.ACCESS, plain)] if plain else []
    if EXPIRED_AK in wanted:
        options.append(expired_ak(today))
    if len(options) == 1:
        return options[0]
    return Q.boolean_query([(Occur.Should, q) for q in options])


def _correspondents(values: object) -> tantivy.Query | None:
    """Each value matches the party as written, or a party holding all its words in order of any.

    People name a party as they know it: "Tallinna Vesi" must find "AS Tallinna Vesi". Words are
    matched in the party's lemma stream by their accent-folded surface, so case and diacritics do
    not matter ("tallinna vesi", "Voru" for "Võru"); codes (a registry code) by their exact token.
    """
    options = []
    for value in _texts(values):
        words = []
        for raw in raw_tokens(value):
            if is_code(raw):
                words.append(Q.term_query(s.SCHEMA, s.PARTY.exact, exact_form(raw), index_option="position"))
            else:
                words.extend(
                    Q.term_query(
                        s.SCHEMA, s.PARTY.lemma, fold(w.lower())[:MAX_TOKEN_CHARS], index_option="freq"
                    )
                    for w in word_parts(raw)
                )
        whole = Q.term_query(s.SCHEMA, s.CORRESPONDENT, keyword(value))
        if words:
            within = words[0] if len(words) == 1 else Q.boolean_query([(Occur.Must, w) for w in words])
            options.append(Q.boolean_query([(Occur.Should, whole), (Occur.Should, within)]))
        else:
            options.append(whole)
    if not options:
        return None
    return options[0] if len(options) == 1 else Q.boolean_query([(Occur.Should, q) for q in options])


def _date_range(date_from: date | None, date_to: date | None) -> tantivy.Query:
    # Day 0 stands for "no date", so any date bound leaves undated documents out.
    lower = max(1, date_from.toordinal()) if date_from else 1
    upper = date_to.toordinal() if date_to else date.max.toordinal()
    return Q.range_query(s.SCHEMA, s.REGISTERED, tantivy.FieldType.Integer, lower, upper)


def _texts(values: object) -> list[str]:
    return [v for v in values if isinstance(v, str) and v.strip()] if isinstance(values, tuple | list) else []


def _keywords(values: object) -> list[str]:
    return sorted({keyword(v) for v in _texts(values)})
