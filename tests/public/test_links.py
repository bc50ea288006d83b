"""Row links made without a reverse() each are the addresses reverse() gives, under any prefix."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from dokreg.public.links import link


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize("prefix", ["/", "/arhiiv/", "/a b/"])
@pytest.mark.parametrize("language", ["et", "en"])
def test_row_links_equal_reverse(script_prefix, prefix, language):
    script_prefix(prefix)
    with translation.override(language):
        for name, value in [
            ("public:document", 0),
            ("public:document", 42),
            ("public:document", 987654321),  # the stand-in itself
            ("public:document", 10**12),
            ("public:registry", "som"),
            ("public:registry", "test-body_7"),
            ("public:series_tree", "jm"),
        ]:
            assert link(name, value) == reverse(name, args=[value])
        assert link("public:results") == reverse("public:results")
        for args in [("som", 2024, 3), ("som", 987654321, 987654322), ("a-1", 0, 12)]:
            assert link("public:month", *args) == reverse("public:month", args=list(args))
        assert link("public:year", "som", 2025) == reverse("public:year", args=["som", 2025])
        assert link("public:document", 5) == f"{prefix}dokument/5/".replace(" ", "%20")


@pytest.mark.parametrize("value", ["tõnu", "a b", "x/../y", "<script>"])
def test_an_argument_the_fast_way_cannot_take_goes_through_reverse(value):
    # reverse() refuses what the slug converter does not accept; so must the link.
    with pytest.raises(NoReverseMatch):
        link("public:registry", value)
    with pytest.raises(NoReverseMatch):
        link("public:document", -1)
    with pytest.raises(NoReverseMatch):
        link("public:document", True)  # not an id, though Python counts it as 1
    with pytest.raises(NoReverseMatch):
        link("public:month", value, 2024, 3)
    with pytest.raises(NoReverseMatch):
        link("public:document", 1, 2)  # one argument too many


@pytest.mark.django_db
def test_result_rows_link_to_their_document_and_body(client):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser
    from tests.public.factories import index, make_document, make_registry

    body = make_registry()
    docs = [make_document(body) for _ in range(3)]
    index()
    html = HTMLParser(client.get("/otsi/").content.decode())
    hits = html.css("ol.hits li")
    assert {hit.css_first("h3 a").attributes["href"] for hit in hits} == {f"/dokument/{d.pk}/" for d in docs}
    assert {a.attributes["href"] for hit in hits for a in hit.css("p.meta a")} == {f"/asutus/{body.slug}/"}
