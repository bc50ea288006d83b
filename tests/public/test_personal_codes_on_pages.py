"""A personal code in a file's text never reaches a public page, a search snippet or the index."""

import pytest
from django.test import Client
from tests.public.factories import make_document, make_file, make_registry

from dokreg.pipeline.indexing import index_documents
from dokreg.privacy.personal_codes import check_digit
from dokreg.search import search

pytestmark = pytest.mark.django_db

BORN = "3850101022"  # a man born 1 January 1985, serial 022
CODE = BORN + str(check_digit(BORN))


def test_file_text_and_snippets_mask_personal_codes():
    document = make_document(make_registry(), title="Otsus")
    make_file(document, text=f"Otsus isikule Mari Maasikas, isikukood {CODE}, elukoht Tartu.")
    page = Client().get(f"/dokument/{document.pk}/").content.decode()
    assert "Mari Maasikas" in page and CODE not in page
    index_documents(doc_ids=[document.pk])
    result = search("Maasikas")
    assert [h.doc_id for h in result.hits] == [document.pk]
    assert CODE not in result.hits[0].snippet
    assert search(CODE).total == 0
