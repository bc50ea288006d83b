"""The index writer's door: every text of a document is masked; a document without codes passes as is."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from dokreg.privacy.personal_codes import MASK, contains_personal_code
from dokreg.search.types import FileText, IndexDoc
from dokreg.search.writer import without_personal_codes

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")

CODE = "38001085718"
SPELLINGS = [CODE, "380 0108 5718", "3800\u200b1085718", "３８００１０８５７１８"]


def doc(**fields) -> IndexDoc:
    base = IndexDoc(
        doc_id=1,
        registry="som",
        registry_name="Sotsiaalministeerium",
        reference="1.1-2/3",
        title="Kiri",
        doc_type="Kiri",
        registered=date(2025, 12, 1),
        access="public",
        text="Telefon 5551 2345, kuupäev 12.03.2024, viit 5.1-2/3233-1.",
    )
    return dataclasses.replace(base, **fields)


@pytest.mark.parametrize("spelled", SPELLINGS)
@pytest.mark.parametrize("field", ["title", "correspondent", "responsible", "text", "file_names", "files"])
def test_a_code_in_any_field_is_masked(field, spelled):
    value = f"isik {spelled} tähtajaga"
    if field == "file_names":
        given = doc(file_names=("lisa.pdf", value))
    elif field == "files":
        given = doc(files=(FileText(name="lisa.pdf", pages=((1, "esimene"), (2, value))),))
    else:
        given = doc(**{field: value})
    masked = without_personal_codes(given)
    texts = [masked.title, masked.correspondent, masked.responsible, masked.text, *masked.file_names]
    texts += [text for f in masked.files for _, text in f.pages]
    assert not any(contains_personal_code(t) for t in texts)
    assert any(MASK in t for t in texts)


def test_a_document_without_codes_is_kept_as_it_is():
    given = doc(files=(FileText(name="lisa.pdf", pages=((1, "Registrikood 10000000 ja 12345678901."),)),))
    assert without_personal_codes(given) is given
