"""A personal code in a file's text never reaches a public page, a search snippet or the index."""

import pytest
from django.test import Client
from lxml import etree
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


SPLIT = f"{CODE[:7]} {CODE[7:]}"
INVISIBLE = f"{CODE[:4]}\u200b{CODE[4:]}"
FULL_WIDTH = CODE.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})


def test_the_index_holds_no_code_from_any_field():
    """Codes in metadata, file names and file text (in any spelling) are masked before indexing."""
    document = make_document(
        make_registry(),
        title=f"Maasikas {CODE} taotlus",
        correspondent=f"Mari Maasikas {SPLIT}",
        responsible=f"Jaan {INVISIBLE}",
        series=f"1-1 {FULL_WIDTH}",
        function=f"f {CODE}",
        case_file=f"t {CODE}",
        sender_reference=f"{CODE}/1",
    )
    make_file(document, name=f"avaldus {CODE}.pdf", text=f"Isikukood {SPLIT}. Teine kord {FULL_WIDTH}.")
    index_documents(doc_ids=[document.pk])
    assert [h.doc_id for h in search("Maasikas").hits] == [document.pk]  # indexed, findable
    client = Client()
    found = client.get("/otsi/", {"q": "Maasikas"}).content.decode()
    assert f'href="/dokument/{document.pk}/"' in found
    for query in (CODE, CODE[:7], CODE[7:], CODE[:4], CODE[4:], FULL_WIDTH):
        assert search(query).total == 0, "a code (or a part of it) is in the index"
        api = client.get("/api/v1/documents", {"q": query})
        assert api.status_code in (200, 400)
        assert api.status_code == 400 or api.json()["total"] == 0
        page = client.get("/otsi/", {"q": query})
        assert page.status_code == 200
        assert f'href="/dokument/{document.pk}/"' not in page.content.decode()


def _indexed_document_with_a_code():
    document = make_document(make_registry(), title=f"Maasikas {CODE} taotlus")
    index_documents(doc_ids=[document.pk])
    return document


@pytest.mark.parametrize("query", [CODE, SPLIT, INVISIBLE, FULL_WIDTH, f" {CODE} "])
def test_a_query_of_only_a_personal_code_searches_nothing(query):
    _indexed_document_with_a_code()
    result = search(query)
    assert result.personal_code_only and result.total == 0 and result.hits == ()
    assert CODE not in result.query
    client = Client()
    api = client.get("/api/v1/documents", {"q": query})
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "personal_code_query"
    assert CODE not in api.content.decode()
    page = client.get("/otsi/", {"q": query})
    assert page.status_code == 200
    assert "Isikukoodi järgi ei otsita" in page.content.decode()
    assert "Leitud 0 dokumenti" in page.content.decode()


def test_a_code_is_taken_out_of_a_query_and_the_other_words_are_searched():
    document = _indexed_document_with_a_code()
    result = search(f"Maasikas {SPLIT}")
    assert result.personal_code_removed and not result.personal_code_only
    assert [h.doc_id for h in result.hits] == [document.pk]
    api = Client().get("/api/v1/documents", {"q": f"Maasikas {CODE}"})
    assert api.status_code == 200 and [i["id"] for i in api.json()["items"]] == [document.pk]
    page = Client().get("/otsi/", {"q": f"Maasikas {CODE}"}).content.decode()
    assert "Isikukoodi järgi ei otsita" in page and f'href="/dokument/{document.pk}/"' in page


def test_an_ordinary_query_carries_no_personal_code_notice():
    _indexed_document_with_a_code()
    result = search("Maasikas 12345")
    assert not result.personal_code_removed
    assert "Isikukoodi järgi ei otsita" not in Client().get("/otsi/", {"q": "Maasikas"}).content.decode()


def test_the_search_feeds_title_never_shows_a_code_from_its_query():
    """The feed's links keep the reader's own query string; its title, shown by readers, is masked."""
    _indexed_document_with_a_code()
    response = Client().get("/otsi/atom/", {"q": f"Maasikas {SPLIT}"})
    assert response.status_code == 200
    title = etree.fromstring(response.content).findtext("{http://www.w3.org/2005/Atom}title")
    assert title == "Otsing: Maasikas [isikukood]"
