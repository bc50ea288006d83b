"""The body page's SVG charts and linked statistics rows, and the national overview of bodies."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Access, RestrictionBasis

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    today = timezone.localdate()
    this_month = today.replace(day=1)
    body = make_registry(slug="joonis-amet", name="Joonisamet")
    for n in range(3):
        make_document(body, registered=this_month, doc_type="Leping", reference=f"P-{n}")
    ak = make_document(
        body,
        registered=this_month,
        access=Access.AK,
        doc_type="Sissetulev kiri",
        reference="AK-1",
        title="Salajane",
    )
    RestrictionBasis.objects.create(
        document=ak, text="AvTS § 35 lg 1 p 12", law="AvTS", section="35", subsection="1", point="12"
    )
    gone = make_document(body, registered=this_month, withdrawn_at=timezone.now(), doc_type="Peidetud liik")
    RestrictionBasis.objects.create(
        document=gone, text="AvTS § 35 lg 1 p 3", law="AvTS", section="35", subsection="1", point="3"
    )
    make_document(body, registered=this_month, taken_down_at=timezone.now(), doc_type="Peidetud liik")
    return body


def page(client, body) -> HTMLParser:
    response = client.get(f"/asutus/{body.slug}/")
    assert response.status_code == 200
    return HTMLParser(response.text)


def test_charts_are_svg_without_script_or_inline_style_and_say_their_values(client, body):
    html = page(client, body)
    charts = html.css("figure.chart svg")
    assert len(charts) == 2
    volume, share = charts
    assert volume.attributes["role"] == "img"
    for svg in charts:
        assert not svg.css("script") and not svg.css("[style]") and not svg.css("style")
        assert not any(a.startswith("on") for n in svg.css("*") for a in n.attributes)
    this_month = timezone.localdate().replace(day=1)
    titles = [t.text() for t in volume.css("g > title")]
    assert len(titles) == 12 and "4 dokumenti, neist AK 1" in titles[-1]  # newest month on the right
    # The current month's bar: public part and AK part, the AK part a quarter of the whole.
    bar = volume.css("g")[-1]
    heights = {r.attributes["class"]: float(r.attributes["height"]) for r in bar.css("rect")}
    assert heights["bar-ak"] == pytest.approx(heights["bar"] / 3, rel=0.01)
    assert (
        bar.parent.tag == "a"
        and bar.parent.attributes["href"] == f"/asutus/{body.slug}/{this_month.year}/{this_month.month}/"
    )
    assert "AK 25" in share.css("g > title")[-1].text()
    # Numbers in attributes are plain (no locale comma), or the browser drops the shape.
    assert all("," not in r.attributes["y"] for r in volume.css("rect"))


def test_the_table_behind_the_chart_is_in_a_details_toggle(client, body):
    details = page(client, body).css_first("details.chart-table")
    assert details is not None and details.css_first("summary")
    assert len(details.css("table.months tbody tr")) == 12


def test_statistics_rows_link_to_the_filtered_search_of_what_is_public(client, body):
    html = page(client, body)
    types = {a.text(): a.attributes["href"] for a in html.css("table.types a")}
    assert set(types) == {"Leping", "Sissetulev kiri"}  # the withdrawn and taken-down types are not counted
    assert types["Leping"] == "/otsi/?registry=joonis-amet&type=Leping"
    bases = {a.text(): a.attributes["href"] for a in html.css("table.bases a")}
    assert list(bases) == ["AvTS § 35 lg 1 p 12"]  # the withdrawn document's basis is not there
    listed = client.get(bases["AvTS § 35 lg 1 p 12"]).text
    assert "AK-1" in listed
    assert len(HTMLParser(client.get(types["Leping"]).text).css("ol.hits > li")) == 3


def test_national_overview_compares_bodies(client, body):
    quick = make_registry(slug="kiire-amet", name="Kiire amet", newest_registered=timezone.localdate())
    today = timezone.localdate()
    seen = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    for n in range(2):
        make_document(quick, registered=today - timedelta(days=1), first_seen_at=seen, reference=f"K-{n}")
    make_registry(slug="katmata", name="Katmata amet", state="not_covered")
    response = client.get("/ulevaade/", {"sort": "documents"})
    assert response.status_code == 200
    html = HTMLParser(response.text)
    rows = [[c.text(strip=True) for c in tr.css("th, td")] for tr in html.css("table.overview tbody tr")]
    # Most documents first (the catalogue's other bodies have none yet); an uncovered body is left out.
    assert [r[0] for r in rows[:2]] == ["Joonisamet", "Kiire amet"]
    assert "Katmata amet" not in [r[0] for r in rows]
    assert rows[0][1] == "4" and rows[0][2] == "25,0 %"
    assert rows[1][1] == "2" and rows[1][2] == "0,0 %" and rows[1][3] == "1"
    assert client.get("/ulevaade/", {"sort": "lag"}).status_code == 200
    assert client.get("/ulevaade/", {"sort": "<x>"}).status_code == 400


def test_overview_counts_in_two_queries_whatever_the_bodies(client, body, django_assert_max_num_queries):
    for n in range(5):
        other = make_registry(slug=f"muu-{n}")
        make_document(other, registered=date.today())
    with django_assert_max_num_queries(9):  # 7, and storing the kept figures in the database
        client.get("/ulevaade/")
    with django_assert_max_num_queries(4):  # the grouped figures come from the cache the second time
        client.get("/ulevaade/")


def test_the_overview_counts_at_once_and_does_not_group_the_archive_for_each_new_document(client, body):
    # At a million documents the figures took 3 s, and their key held the newest document's id, so a
    # running sync made nearly every request compute them again.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dokreg.archive.services import document_take_down

    def documents_shown() -> str:
        html = HTMLParser(client.get("/ulevaade/", {"sort": "name"}).text)
        return [
            [c.text(strip=True) for c in tr.css("th, td")]
            for tr in html.css("table.overview tbody tr")
            if "Joonisamet" in tr.text()
        ][0][1]

    assert documents_shown() == "4"
    new = make_document(body, registered=date.today())
    with CaptureQueriesContext(connection) as queries:
        assert documents_shown() == "5"  # counted at once
    assert not [q["sql"] for q in queries if "archive_document" in q["sql"] and "GROUP BY" in q["sql"]]
    document_take_down(document=new, reason="isikuandmed")
    assert documents_shown() == "4"


def test_the_figures_are_drawn_once_and_again_when_what_they_show_changes(client, body, monkeypatch):
    # Drawing them was a fifth of the body page: two charts, sixty month labels, two tables.
    from dokreg.public import body_figures

    monkeypatch.setattr(body_figures, "_drawn", type(body_figures._drawn)())  # none from earlier tests
    drawn = []
    real = body_figures.month_charts
    monkeypatch.setattr(body_figures, "month_charts", lambda *a: (drawn.append(1), real(*a))[1])
    url = f"/asutus/{body.slug}/"
    first = client.get(url).content.decode()
    assert client.get(url).content.decode().count("Leping") == first.count("Leping")
    assert len(drawn) == 1

    month = timezone.localdate().replace(day=1)
    make_document(body, registered=month, doc_type="Leping")  # a new document this month: new counts
    counted = HTMLParser(client.get(url).text).css_first("table.months tbody td.num").text()
    assert counted == "5" and len(drawn) == 2

    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert len(drawn) == 3
    assert f"{month:%B %Y}" in english  # the month table in English, not the Estonian drawing
