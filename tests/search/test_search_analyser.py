"""The Estonian analyser: whole tokens for references and citations, folds, and Vabamorf lemmas."""

from __future__ import annotations

import pytest

from dokreg.search.analyser import (
    Analyser,
    Lemmatiser,
    fold,
    raw_token_span,
    raw_token_spans,
    raw_tokens,
    raw_tokens_as_written,
)


def test_meaningful_tokens_are_kept_whole():
    text = "Vastus nr 5.1-2/3233-1 ja 3.1-7/25/21672-2 (2-1/2801) 23.12.2025, AvTS § 35 lg 1; K. P. Tamm 2025. aastal"
    exact, _ = Analyser().streams([text])[0]
    assert exact.split() == [
        "vastus",
        "nr",
        "5.1-2/3233-1",
        "ja",
        "3.1-7/25/21672-2",
        "2-1/2801",
        "23.12.2025",
        "avts",
        "§35",
        "lg",
        "1",
        "k.p.",
        "tamm",
        "2025",
        "aastal",
    ]


def test_words_joined_by_slashes_are_split_but_hyphenated_words_kept():
    assert raw_tokens("dokumendid/kirjad e-post") == ["dokumendid/kirjad", "e-post"]
    exact, lemma = Analyser().streams(["dokumendid/kirjad Harju-Madise"])[0]
    assert exact.split() == ["dokumendid", "kirjad", "harju-madise"]
    assert "madise" in lemma.split()


def test_fold_removes_estonian_diacritics():
    assert fold("õigus äri öö ülikool šokolaad žürii") == "oigus ari oo ulikool sokolaad zurii"
    assert fold("café") == "cafe"


@pytest.mark.parametrize(
    ("form", "lemma"),
    [
        ("dokumentidele", "dokument"),
        ("dokumendi", "dokument"),
        ("ministeeriumile", "ministeerium"),
        ("teabenõude", "teabenõue"),
        ("pöördumisele", "pöördumine"),
        ("karistusseadustikule", "karistusseadustik"),
    ],
)
def test_lemma_stream_holds_every_candidate_lemma_and_its_fold(form, lemma):
    _, stream = Analyser().streams([form])[0]
    assert lemma in stream.split()
    assert fold(lemma) in stream.split()


def test_exact_stream_keeps_diacritics_lemma_stream_adds_folds():
    exact, lemma = Analyser().streams(["Sõda"])[0]
    assert exact == "sõda"
    assert set(lemma.split()) == {"sõda", "soda"}


def test_forms_are_cached_and_the_cache_is_bounded():
    lemmatiser = Lemmatiser(size=3)
    first = lemmatiser.lemmas(["dokumendi", "kirjale", "vastusega"])
    assert first["dokumendi"] == ("dokument",)
    lemmatiser.lemmas(["otsusele"])
    assert len(lemmatiser._cache) == 3
    assert "otsusele" in lemmatiser._cache


def test_junk_forms_are_not_sent_to_vabamorf_and_keep_their_surface():
    junk = "x" * 80
    exact, lemma = Analyser().streams([f"{junk} 漢字 ⚠"])[0]
    assert exact.split() == ["x" * 60, "漢字"]
    assert lemma.split() == ["x" * 60, "漢字"]


def test_query_forms_read_lowercase_names_as_proper_names_too():
    exact, lemmas = Analyser().query_forms("tallinnas")
    assert exact == "tallinnas"
    assert "tallinn" in lemmas


# Texts whose raw tokens cross whitespace ("§ 35", "K. P."), hold chunks without a token, codes
# (an empty lemma), compounds, other scripts and unnormalised letters.
AWKWARD_TEXTS = [
    "AvTS § 35 lg 1 p 2 alusel; vt ka §§ 4–6 ja §\u00a07",
    "Allkirjastas K. P. Tamm, koostas J.Kask ja M. Mets.",
    "– • (…) 12.03.2024 nr 5.1-2/3233-1, e-post: info@example.ee",
    "Koolitervishoiu teenuse kättesaadavus Harju-Madise vallas",
    "o\u0303unapuu ja u\u0308hine 漢字 x" + "y" * 70,
    "lõpeb tähega §",
    "",
    "   ",
]


def test_chunked_streams_equal_the_token_by_token_streams():
    # field_streams reads whitespace chunks through a cache; it must index exactly what reading the
    # whole text token by token indexes, the first time and from a warm cache.
    texts = AWKWARD_TEXTS + [" ".join(AWKWARD_TEXTS[:4])]
    expected = Analyser()._token_streams(texts)
    analyser = Analyser()
    assert analyser.field_streams(texts) == expected
    assert analyser.field_streams(list(reversed(texts))) == list(reversed(expected))


def test_a_batch_repeating_its_texts_gives_each_its_own_streams():
    # Repeated texts of a batch are analysed once; every place still gets its text's streams, in order.
    texts = [t for pair in zip(AWKWARD_TEXTS, reversed(AWKWARD_TEXTS), strict=True) for t in pair] * 3
    expected = Analyser()._token_streams(texts)
    assert Analyser().field_streams(texts) == expected


def test_tokens_read_without_offsets_are_those_with_offsets_and_find_them_again():
    # Snippets read a chunk's tokens without offsets and ask for the offset of the matched one only:
    # both must count the same tokens of the same unnormalised text, or a snippet would shift.
    for text in AWKWARD_TEXTS:
        spans = raw_token_spans(text)
        assert raw_tokens_as_written(text) == [raw for _, _, raw in spans]
        assert [raw_token_span(text, i) for i in range(len(spans))] == [(s, e) for s, e, _ in spans]


def test_chunk_cache_is_bounded():
    analyser = Analyser(size=50)
    words = [f"sõna{i}" for i in range(200)]
    for start in range(0, 200, 20):
        analyser.field_streams([" ".join(words[start : start + 20])])
    assert len(analyser._chunks.exact) <= 50 + 20
    assert analyser.field_streams(["sõna3 sõna199"]) == Analyser()._token_streams(["sõna3 sõna199"])
