"""The removal-request form, the code page and the tracking page in a real browser: a reader asks to
have a document removed, confirms with the code that arrived at a real SMTP server on loopback, and
follows the request to the operator's decision; axe-core finds no serious problem on any of the pages
(the form with its errors too)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache

from dokreg.archive.models import Access, Document
from dokreg.archive.selectors import publishable_documents
from dokreg.desk import services
from dokreg.desk.models import RemovalRequest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[test]'").Axe

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The live server writes here (the request, its confirmation): the test holds no transaction open
# that would lock it out, so the rows are committed and flushed afterwards (this module has one test).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def serious_violations(page: Page, name: str) -> list[str]:
    violations = Axe().run(page).response["violations"]
    for v in violations:
        print(f"axe {name}: {v['impact']} {v['id']} ({len(v['nodes'])}×) – {v['help']}")
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def a_public_document() -> Document:
    return publishable_documents().filter(access=Access.PUBLIC).order_by("pk").first()


def test_request_confirm_and_track_to_the_decision(page: Page, archive, smtp_server) -> None:
    doc = a_public_document()
    page.goto(f"/dokument/{doc.pk}/")
    page.get_by_role("link", name="Esita eemaldamise taotlus").click()
    expect(page).to_have_url(re.compile(rf"/dokument/{doc.pk}/taotlus/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Eemaldamise või vastuväite taotlus")
    problems = {"form": serious_violations(page, "form")}

    # Sent empty: the fields say what is missing, and nothing is stored or mailed.
    page.get_by_role("button", name="Saada taotlus").click()
    expect(page.get_by_role("alert")).to_contain_text("Taotlust ei saanud vastu võtta")
    problems["form with errors"] = serious_violations(page, "form with errors")
    assert RemovalRequest.objects.count() == 0 and smtp_server == []

    page.get_by_label("Nimi").fill("Mari Maasikas")
    page.get_by_label("E-post").fill("mari@example.ee")
    page.get_by_label("Vastuväide isikuandmete töötlemisele (IKÜM art 21)").check()
    page.get_by_label("Selgitus").fill("Minu nimi ja aadress on kirjas.")
    page.get_by_role("button", name="Saada taotlus").click()
    expect(page).to_have_url(re.compile(r"/taotlus/[\w-]{32,}/kinnita/$"))
    problems["confirm"] = serious_violations(page, "confirm")

    (mail,) = smtp_server
    code = re.search(r"\b(\d{6})\b", mail.get_content()).group(1)
    page.get_by_label("Kinnituskood").fill(code)
    page.get_by_role("button", name="Kinnita", exact=True).click()
    expect(page).to_have_url(re.compile(r"/taotlus/[\w-]{32,}/$"))
    expect(page.locator("#olek")).to_have_text("Olek: menetluses")
    expect(page.get_by_text("Vastuse tähtaeg")).to_be_visible()
    problems["tracking"] = serious_violations(page, "tracking")

    removal = RemovalRequest.objects.get()
    assert removal.status == "pending" and removal.token in page.url
    services.removal_request_decide(
        removal=removal,
        status="refused",
        answer="Dokument on avalik teave; nimi on ametiisikul.",
        actor="test",
    )
    services.removal_request_answer_send(removal=RemovalRequest.objects.get())
    page.reload()
    expect(page.locator("#olek")).to_have_text("Olek: rahuldamata")
    expect(page.get_by_text("nimi on ametiisikul")).to_be_visible()
    expect(page.get_by_text("Vastus saadetud e-postiga")).to_be_visible()
    # Only staff see who asked and why.
    expect(page.get_by_text("Mari Maasikas")).to_have_count(0)
    problems["tracking decided"] = serious_violations(page, "tracking decided")
    assert len(smtp_server) == 2

    assert {k: v for k, v in problems.items() if v} == {}
