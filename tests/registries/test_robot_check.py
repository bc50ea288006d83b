"""A robot check is recognised by structure: a challenge on a page without the family's own markup.

Real register pages load reCAPTCHA for their feedback forms (Riigikogu) and say "robots" in their meta
tags (ADR); none of that may pause a register. A real challenge must.
"""

from __future__ import annotations

import httpx
import pytest

from dokreg.errors import SourcePaused
from dokreg.registries.connectors import CONNECTORS
from dokreg.registries.http import PoliteClient
from dokreg.simulator.faults import ROBOT_CHECK_PAGE

UA = "dokreg-test/1 (+https://example.org/contact)"
BASE = "https://register.example/"

# Which family recorded each fixture page, by file-name prefix.
FAMILY_OF_PREFIX = {
    "riigikogu_": "riigikogu",
    "rk_": "riigikantselei",
    "rmk_": "rmk",
    "som_": "adr",
    "doc_page": "adr",
    "tallinn_": "tallinn",
}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xml": "text/xml", ".json": "application/json"}

CHALLENGES = {
    "turnstile": '<html><head><title>Just a moment...</title><script src="https://challenges.cloudflare.com/'
    'turnstile/v0/api.js"></script></head><body><div class="cf-turnstile" data-sitekey="0x4"></div></body></html>',
    "recaptcha": '<html><head><script src="https://www.google.com/recaptcha/api.js"></script></head>'
    '<body><form><div class="g-recaptcha" data-sitekey="x"></div></form></body></html>',
    "hcaptcha": '<html><head><script src="https://js.hcaptcha.com/1/api.js"></script></head>'
    '<body><div class="h-captcha" data-sitekey="x"></div></body></html>',
    "robotkontroll": "<html><body><h1>Palun oodake, toimub robotkontroll</h1></body></html>",
    "simulator": ROBOT_CHECK_PAGE.decode(),
}


def _connector(family: str, body: bytes, content_type: str, calls: list[str]):
    def handler(request):
        calls.append(str(request.url))
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    client = PoliteClient(UA, 0, 5.0, 0, transport=httpx.MockTransport(handler))
    return CONNECTORS[family](BASE, client)


def _recorded_pages(fixtures_dir):
    pages = sorted(p for p in fixtures_dir.iterdir() if p.suffix in CONTENT_TYPES)
    assert len(pages) >= 25  # the recorded set is all here, not silently empty
    return pages


def _family(name: str) -> str:
    families = [family for prefix, family in FAMILY_OF_PREFIX.items() if name.startswith(prefix)]
    assert families, f"{name}: a recorded page of an unknown family; add it to FAMILY_OF_PREFIX"
    return families[0]


def test_no_recorded_real_page_of_any_family_is_taken_for_a_robot_check(fixtures_dir):
    checked = set()
    for page in _recorded_pages(fixtures_dir):
        family = _family(page.name)
        connector = _connector(family, page.read_bytes(), CONTENT_TYPES[page.suffix], [])
        response = connector.client.get(BASE + page.name)  # SourcePaused would fail the test
        assert response.status_code == 200
        checked.add(family)
    assert checked == set(FAMILY_OF_PREFIX.values())


def test_a_riigikogu_list_page_with_no_rows_and_the_site_recaptcha_is_not_a_robot_check(fixtures_dir):
    # The day past the last: the same page with its result table emptied still carries the site's
    # reCAPTCHA script (feedback form). It is an empty day, not a challenge.
    html = (fixtures_dir / "riigikogu_list_2026-05-14_page1.html").read_text()
    assert "recaptcha" in html.lower()
    start, end = html.index("<tbody"), html.index("</tbody>")
    empty = (html[:start] + "<tbody></tbody>" + html[end + len("</tbody>") :]).encode()
    connector = _connector("riigikogu", empty, "text/html", [])
    assert connector.client.get(BASE + "empty-day").status_code == 200


@pytest.mark.parametrize("family", sorted(set(FAMILY_OF_PREFIX.values())))
@pytest.mark.parametrize("challenge", sorted(CHALLENGES))
def test_a_challenge_page_pauses_every_family(family, challenge):
    calls: list[str] = []
    connector = _connector(family, CHALLENGES[challenge].encode(), "text/html", calls)
    with pytest.raises(SourcePaused) as caught:
        connector.client.get(BASE + "dokument/1")
    assert caught.value.code == "source_paused"
    assert calls == [BASE + "dokument/1"]  # asked once: we never retry into a challenge
