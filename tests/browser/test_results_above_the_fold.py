"""After a facet click the results are what the reader sees, on a phone too; and the body page's
charts render in a real browser under the site's Content-Security-Policy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from tests.browser.test_public_pages import WORD, hit_titles, total_heading

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, archive) -> Iterator:
    context = browser.new_context(
        base_url=archive.url,
        locale="et-EE",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(archive.url), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def first_hit_in_view(page) -> bool:
    return page.evaluate(
        """() => { const hit = document.querySelector('ol.hits > li');
                   if (!hit) return false;
                   const box = hit.getBoundingClientRect();
                   return box.top >= 0 && box.top < window.innerHeight - 40; }"""
    )


@pytest.mark.parametrize("device", ["page", "phone"])
def test_after_a_facet_click_the_results_are_above_the_fold(request, archive, browser, device) -> None:
    # ``browser`` is asked for here so it starts before the test's database transaction does.
    page = request.getfixturevalue(device)
    page.goto(f"/otsi/?q={WORD}")
    facet = page.locator("nav.facets a", has_text=re.compile(r"\(AK\)")).first
    facet.scroll_into_view_if_needed()
    facet.click()
    expect(total_heading(page)).to_have_text("Leitud 1 dokument")
    assert len(hit_titles(page)) == 1
    assert first_hit_in_view(page), "the first result is not on the screen after the facet click"
    expect(total_heading(page)).to_be_in_viewport()
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_body_page_charts_draw_under_the_csp_without_script(phone, archive) -> None:
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    body = archive.registries[0]
    phone.goto(f"/asutus/{body.slug}/")
    chart = phone.locator("figure.chart svg").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and 0 < box["width"] <= PHONE["width"] and box["height"] > 50
    # The shapes are styled by the stylesheet's classes (an inline style would be blocked by the CSP;
    # an unstyled SVG line has no stroke at all).
    stroke = phone.evaluate("getComputedStyle(document.querySelector('figure.chart line.axis')).stroke")
    assert stroke == "rgb(74, 82, 92)"
    assert not [e for e in errors if "Content Security Policy" in e]
    phone.locator("details.chart-table summary").click()
    expect(phone.locator("details.chart-table table.months")).to_be_visible()
