"""Personal codes (isikukood): only valid codes are found, and masking leaves none of their digits."""

from __future__ import annotations

import random

import pytest
from tests.privacy.spellings import VALID, hostile_text

from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes, extract_tree
from dokreg.privacy.personal_codes import (
    MASK,
    _chain_spans,
    check_digit,
    could_hold_personal_code,
    find_personal_codes,
    is_personal_code,
    mask_personal_codes,
)


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert is_personal_code(code)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("37605030298", "wrong check digit"),
        ("37602300299", "30 February"),
        ("37613030299", "month 13"),
        ("77605030299", "century digit 7"),
        ("07605030299", "century digit 0"),
        ("3760503029", "10 digits"),
        ("376050302990", "12 digits"),
        ("3760503029a", "not digits"),
        ("３７６０５０３０２９９", "full-width digits"),
    ],
)
def test_invalid_codes(code, why):
    assert not is_personal_code(code), why


def test_leap_day_depends_on_the_century():
    # 29 Feb 2000 existed (5/6 = 2000s), 29 Feb 1900 did not (3/4 = 1900s).
    assert is_personal_code("50002290000"[:10] + str(check_digit("5000229000")))
    assert not is_personal_code("30002290000"[:10] + str(check_digit("3000229000")))


def test_check_digit_falls_back_to_the_second_weights_and_then_zero():
    assert check_digit("3760503006") == 4  # first weights give remainder 10
    assert check_digit("3760503092") == 0  # both weights give remainder 10
    assert is_personal_code("37605030920")


def test_find_only_valid_codes_on_digit_boundaries():
    text = (
        "Isikukood 37605030299, telefon 53412345, arve 376050302991, konto EE37605030299 "
        "vale 37605030298 ja (38001085718)."
    )
    assert find_personal_codes(text) == ["37605030299", "37605030299", "38001085718"]


def test_mask_replaces_codes_and_keeps_other_numbers():
    text = "Allkirjastaja 37605030299; registrikood 70000898; vale 37605030298."
    assert mask_personal_codes(text) == f"Allkirjastaja {MASK}; registrikood 70000898; vale 37605030298."


@pytest.mark.shared
def test_decision_pdf_codes_are_found_and_masked(fixtures_dir):
    """pii_ex/julg.pdf names a private person with a personal code (twice); privacy test only."""
    path = fixtures_dir / "pii_ex" / "julg.pdf"
    text = extract_bytes(path.read_bytes(), path.name, limits=Limits()).text
    codes = find_personal_codes(text)
    assert len(codes) == 2, "expected the person's code twice"
    assert len(set(codes)) == 1, "expected one distinct code"
    masked = mask_personal_codes(text)
    # Counts and booleans only, so a failure never prints a code.
    left_after_masking = len(find_personal_codes(masked))
    assert left_after_masking == 0
    assert masked.count(MASK) == 2
    survived = any(code in masked for code in codes)
    assert not survived, "a code survived masking"


@pytest.mark.shared
def test_old_bdoc_code_is_in_the_data_file_not_on_the_e_seal(fixtures_dir):
    """old_bdoc.bdoc: a language certificate naming a person with their code, e-sealed by an institution.

    Privacy test only. The seal's certificate belongs to the institution, so the signature carries no
    personal code; the person's code is in the PDF's text and must be found and masked there.
    """
    path = fixtures_dir / "old_bdoc.bdoc"
    node = extract_tree(path.read_bytes(), path.name, Limits())
    (signature,) = node.extraction.signatures
    assert signature.signer_name == "SA Innove: tunnistuse autentsuse kinnitus"
    assert signature.personal_code == ""
    (pdf,) = node.children
    codes = find_personal_codes(pdf.extraction.text)
    assert len(codes) == 1, "expected the certificate holder's code once"
    masked = mask_personal_codes(pdf.extraction.text)
    survived = codes[0] in masked
    assert not survived, "the code survived masking"
    left_after_masking = len(find_personal_codes(masked))
    assert left_after_masking == 0


@pytest.mark.shared
def test_signers_code_is_on_the_signature_info_and_masked(fixtures_dir):
    """A person's ID-card signature carries their code: read for the operator, masked for the public."""
    name = "8-22262 20.03.2024 Väljaminev kiri.asice"
    result = extract_bytes((fixtures_dir / "dir1" / name).read_bytes(), name, limits=Limits())
    (signature,) = result.signatures
    found = is_personal_code(signature.personal_code)
    assert found, "signer's code not read from the certificate"
    line = f"{signature.signer_name} ({signature.personal_code})"
    masked_as_expected = mask_personal_codes(line) == f"{signature.signer_name} ({MASK})"
    assert masked_as_expected, "the signer's code was not masked"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Isik 3800108 5718 kohal", "split by a space"),
        ("Isik 380 0108 5718 kohal", "split by two spaces"),
        ("Isik 3800108\u00a05718 kohal", "split by a no-break space"),
        ("Isik 3800\u200b108\u200d5718 kohal", "zero-width space and joiner"),
        ("Isik 38\ufeff001\u206008571\u20608 kohal", "BOM and word joiner"),
        ("Isik 380010\u202e85718 kohal", "right-to-left override inside"),
        ("Isik 3800108 \u200b5718 kohal", "a space and a zero-width space"),
        ("Isik ３８００１０８５７１８ kohal", "full-width digits"),
        ("Isik ٣٨٠٠١٠٨٥٧١٨ kohal", "Arabic-Indic digits"),
    ],
)
def test_variants_are_found_and_the_whole_span_masked(text, why):
    assert find_personal_codes(text) == ["38001085718"], why
    assert mask_personal_codes(text) == f"Isik {MASK} kohal", why


def test_a_code_reversed_behind_a_right_to_left_override_is_masked():
    text = "Isik \u202e81758010083 kohal"  # displayed as 38001085718
    assert find_personal_codes(text) == ["38001085718"]
    assert mask_personal_codes(text) == f"Isik \u202e{MASK} kohal"


@pytest.mark.parametrize(
    "text",
    [
        "telefon +372 5341 2345",
        "telefon 5341 2345 ja 5341\u200b2346",
        "registrikood 70000898 10137319",
        "vale 3800108 5719",  # wrong check digit
        "vale ３８００１０８５７１９",
        "arve 3800108 57181",  # a longer number
        "kaks tühikut 3800108  5718",
        "tabel 3800108\t5718",
        "viide 380-0108-5718/1",
        "\u202e 12345 \u200b",
    ],
)
def test_non_codes_stay_untouched(text):
    assert find_personal_codes(text) == []
    assert mask_personal_codes(text) == text


def test_a_code_next_to_other_numbers_is_cut_at_group_edges():
    text = "tel 5341 2345 38001085718 lk 12"
    assert mask_personal_codes(text) == f"tel 5341 2345 {MASK} lk 12"


def test_hostile_runs_of_format_characters_stay_fast():
    text = "1" + "\u200b" * 200_000 + " " + "\u200b" * 200_000 + "x"
    assert mask_personal_codes(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "viit 4-1/2863-1 \u202e81758010083\u202c",  # the override after a number, one space between
        "5 \u202e81758010083",
    ],
)
def test_an_override_inside_a_chain_of_digits_still_reverses_the_code_after_it(text):
    assert find_personal_codes(text) == ["38001085718"]
    assert find_personal_codes(mask_personal_codes(text)) == []


def test_the_quick_check_never_turns_away_a_code_the_full_scan_finds():
    rng = random.Random(20261207)
    texts = [hostile_text(rng) for _ in range(3000)]
    with_codes = [text for text in texts if list(_chain_spans(text))]
    assert len(with_codes) > 1000  # the check is put to the test, not given only clean texts
    for text in texts:
        full = list(_chain_spans(text))
        assert could_hold_personal_code(text.encode("utf-8", "surrogatepass")) or not full, ascii(text)
        assert find_personal_codes(text) == [code for _, _, code in full], ascii(text)


@pytest.mark.parametrize(
    "text",
    [
        "<url><loc>https://dokreg.ee/dokument/500000/</loc><lastmod>2024-03-01</lastmod></url>" * 50,
        "Sõja- ja rahuküsimused: käskkiri nr 1-2/2345 06.12.2026 kell 10:15, tel 5341 2345",
        "registrikood 70000898, 10137319",
        "",
    ],
)
def test_texts_without_a_long_enough_run_of_digits_are_turned_away(text):
    assert not could_hold_personal_code(text.encode())
