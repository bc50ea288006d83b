"""Estonian by default, English on request; every page has the switch and the same accessible frame."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_registry

import dokreg
from dokreg.archive.models import Matter

pytestmark = pytest.mark.django_db

PO = Path(dokreg.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
CHOSEN = "dokreg.public.middleware.ChosenLanguageMiddleware"


def po_entries() -> list[tuple[str, str | None, list[str]]]:
    """(msgid, msgid_plural, msgstrs) of every entry but the header."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            match = re.match(r"^(msgid_plural|msgid|msgstr\[\d\]|msgstr) (\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries.append((fields["msgid"], fields.get("msgid_plural"), strs))
    return entries


@pytest.fixture
def document():
    body = make_registry(name="Keeleamet")
    matter = Matter.objects.create(registry=body, root="1-2/7")
    return make_document(body, matter=matter, reference="1-2/7-1", registered=date(2024, 2, 29), title="Kiri")


def field_labels(html: str) -> list[str]:
    return [th.text(strip=True) for th in HTMLParser(html).css("table.fields th")]


def test_document_page_is_estonian_by_default(client, document):
    html = client.get(f"/dokument/{document.pk}/").content.decode()

    assert '<html lang="et">' in html
    assert field_labels(html)[:3] == ["Dokumendiregister", "Viit", "Registreeritud"]


def test_language_switch_renders_the_document_page_in_english(client, document):
    url = f"/dokument/{document.pk}/"
    page = HTMLParser(client.get(url).content.decode())
    form = page.css_first("form.lang")
    fields = {i.attributes["name"]: i.attributes.get("value") for i in form.css("input[type=hidden]")}

    switched = client.post(form.attributes["action"], {**fields, "language": "en"})
    html = client.get(url).content.decode()

    assert form.attributes["action"] == "/i18n/setlang/"
    assert fields["next"] == url
    assert switched.status_code == 302 and switched["Location"] == url
    assert '<html lang="en">' in html
    assert field_labels(html) == [
        "Document register",
        "Reference",
        "Registered",
        "Synced",
        "Type",
        "Function",
        "Series",
        "File",
        "Access restriction",
        "Basis of the access restriction",
        "Correspondent",
        "Received/sent via",
        "Responsible",
        "Original",
    ]
    assert "Skip to content" in html
    assert "29.02.2024" in html  # dates keep the Estonian form the registers use


def test_every_estonian_message_has_an_english_translation():
    entries = po_entries()

    assert len(entries) > 200
    untranslated = [msgid for msgid, _, strs in entries if not all(strs)]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what a fresh install uses: it must not lag the .po."""
    with translation.override("en"):
        for msgid, plural, strs in po_entries():
            if plural:
                assert translation.ngettext(msgid, plural, 1) == strs[0]
                assert translation.ngettext(msgid, plural, 5) == strs[1]
            else:
                assert translation.gettext(msgid) == strs[0]


def test_browser_language_does_not_override_estonian(client, document, settings):
    settings.MIDDLEWARE = [CHOSEN if m.endswith("LocaleMiddleware") else m for m in settings.MIDDLEWARE]
    url = f"/dokument/{document.pk}/"

    by_browser = client.get(url, headers={"accept-language": "en-US,en;q=0.9"})
    client.cookies["django_language"] = "en"
    by_choice = client.get(url)
    client.cookies["django_language"] = "xx"
    unknown = client.get(url)

    assert '<html lang="et">' in by_browser.content.decode()
    assert "Cookie" in by_browser["Vary"] and "Accept-Language" not in by_browser["Vary"]
    assert '<html lang="en">' in by_choice.content.decode()
    assert by_choice["Content-Language"] == "en"
    assert '<html lang="et">' in unknown.content.decode()


# --- the frame every page shares -----------------------------------------------------------


def public_urls(document) -> list[str]:
    body = document.registry
    return [
        "/",
        "/otsi/",
        f"/dokument/{document.pk}/",
        f"/asutus/{body.slug}/",
        f"/asutus/{body.slug}/2024/",
        f"/asutus/{body.slug}/2024/2/",
        f"/asutus/{body.slug}/sarjad/",
        f"/asi/{document.matter_id}/",
        "/registrid/",
        "/teave/",
        "/olek/",
    ]


@pytest.mark.parametrize("lang", ["et", "en"])
def test_every_page_has_one_h1_landmarks_skip_link_and_the_switch(client, document, lang):
    client.cookies["django_language"] = lang
    for url in public_urls(document):
        response = client.get(url)
        assert response.status_code == 200, url
        page = HTMLParser(response.content.decode())
        assert len(page.css("h1")) == 1, url
        for landmark in ("header", "nav", "main#sisu", "footer"):
            assert page.css_first(landmark) is not None, (url, landmark)
        assert page.css_first("a.skip").attributes["href"] == "#sisu", url
        assert page.css_first("html").attributes["lang"] == lang, url
        switch = page.css_first("form.lang")
        assert switch.attributes["method"] == "post", url
        assert [o.attributes["value"] for o in switch.css("option")] == ["et", "en"], url
        assert_inputs_labelled(page, url)


def test_staff_status_detail_has_the_same_frame(client, document):
    client.force_login(get_user_model().objects.create_user("haldur", password="x", is_staff=True))

    page = HTMLParser(client.get(f"/olek/{document.registry.slug}/").content.decode())

    assert len(page.css("h1")) == 1
    assert page.css_first("main#sisu") is not None


def assert_inputs_labelled(page: HTMLParser, url: str) -> None:
    """Every visible form control has a <label for> (checkboxes may sit inside their label)."""
    labels = {label.attributes.get("for") for label in page.css("label")}
    for control in page.css("input, select, textarea"):
        kind = control.attributes.get("type")
        if kind in ("hidden", "submit"):
            continue
        wrapped = control.parent is not None and control.parent.tag == "label"
        assert wrapped or control.attributes.get("id") in labels, (url, control.html)
