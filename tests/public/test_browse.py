"""Browsing a body by date and classification, matter pages, correspondence across registers and the
body page's statistics: what a reader sees, and that hidden documents never appear or count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import make_document, make_registry

from dokreg.archive.models import Access, FetchState, Matter, Relation, RestrictionBasis
from dokreg.reading.body import weighted_median
from dokreg.reading.browse import natural_key, series_key

pytestmark = pytest.mark.django_db

SERIES = "5-4 Rahvusvaheliste suhete ja välislepingute alane kirjavahetus (AV)"
FUNCTION = "5 EL otsustusprotsess ja rahvusvaheline koostöö"


def hidden(body, **fields):
    """One document for each way a document stops being public, all with the given fields."""
    return [
        make_document(body, title="Tagasi võetud", withdrawn_at=timezone.now(), **fields),
        make_document(body, title="Eemaldatud", taken_down_at=timezone.now(), takedown_reason="x", **fields),
        make_document(body, title="Ainult loetelus", fetch_state=FetchState.LISTED, **fields),
    ]


HIDDEN_TITLES = ("Tagasi võetud", "Eemaldatud", "Ainult loetelus")


def assert_nothing_hidden(html: str) -> None:
    for title in HIDDEN_TITLES:
        assert title not in html


def table(page: HTMLParser, selector: str) -> list[list[str]]:
    return [[c.text(strip=True) for c in tr.css("th, td")] for tr in page.css(f"{selector} tbody tr")]


# --- by date -------------------------------------------------------------------------------


@pytest.fixture
def dated_body():
    body = make_registry(name="Aastaamet")
    make_document(body, registered=date(2023, 3, 1), title="Märtsi avalik")
    make_document(body, registered=date(2023, 3, 2), title="Märtsi AK", access=Access.AK)
    make_document(body, registered=date(2023, 3, 31), title="Märtsi teabenõude", access=Access.ON_REQUEST)
    make_document(body, registered=date(2023, 11, 15), title="Novembri")
    make_document(body, registered=date(2024, 1, 10), title="Järgmise aasta")
    hidden(body, registered=date(2023, 3, 15))
    return body


def test_body_page_lists_years_with_counts_of_publishable_documents(client, dated_body):
    page = HTMLParser(client.get(f"/asutus/{dated_body.slug}/").content.decode())

    years = [(a.text(), a.attributes["href"]) for a in page.css("ul.years a")]
    counts = [s.text() for s in page.css("ul.years .count")]
    assert years == [
        ("2024", f"/asutus/{dated_body.slug}/2024/"),
        ("2023", f"/asutus/{dated_body.slug}/2023/"),
    ]
    assert counts == ["(1)", "(4)"]


def test_year_page_counts_every_month_without_hidden_documents(client, dated_body):
    response = client.get(f"/asutus/{dated_body.slug}/2023/")

    assert response.status_code == 200
    page = HTMLParser(response.content.decode())
    months = table(page, "table.months")
    assert len(months) == 12
    assert months[2] == ["märts 2023", "3", "1"]
    assert months[10] == ["november 2023", "1", "0"]
    assert sum(int(m[1]) for m in months) == 4
    links = [a.attributes["href"] for a in page.css("table.months a")]
    assert links == [f"/asutus/{dated_body.slug}/2023/3/", f"/asutus/{dated_body.slug}/2023/11/"]
    assert page.css_first("h1").text() == "Aastaamet: dokumendid aastal 2023"


def test_month_page_lists_the_month_in_registration_order(client, dated_body):
    response = client.get(f"/asutus/{dated_body.slug}/2023/3/")

    html = response.content.decode()
    page = HTMLParser(html)
    titles = [a.text() for a in page.css("table.docs tbody a")]
    assert titles == ["Märtsi avalik", "Märtsi AK", "Märtsi teabenõude"]
    assert [b.text() for b in page.css("table.docs .badge")] == ["Avalik", "AK", "Teabenõude korras"]
    assert "3 dokumenti, registreerimise järjekorras" in html
    assert_nothing_hidden(html)


def test_month_page_pages_by_twenty(client):
    body = make_registry()
    for day in range(1, 26):
        make_document(body, registered=date(2022, 5, day), reference=f"1-1/{day}")

    first = HTMLParser(client.get(f"/asutus/{body.slug}/2022/5/").content.decode())
    second = client.get(f"/asutus/{body.slug}/2022/5/?page=2")
    beyond = client.get(f"/asutus/{body.slug}/2022/5/?page=3")

    assert [td.text() for td in first.css("table.docs td.ref")][:2] == ["1-1/1", "1-1/2"]
    assert len(first.css("table.docs tbody tr")) == 20
    assert [td.text() for td in HTMLParser(second.content.decode()).css("table.docs td.ref")] == [
        f"1-1/{d}" for d in range(21, 26)
    ]
    assert beyond.status_code == 404


@pytest.mark.parametrize("path", ["1899/", "2023/13/", "2023/0/", "abc/"])
def test_impossible_dates_are_not_found(client, dated_body, path):
    assert client.get(f"/asutus/{dated_body.slug}/{path}").status_code == 404


def test_date_pages_of_an_uncovered_or_unknown_body_are_not_found(client):
    body = make_registry(state="not_covered")

    assert client.get(f"/asutus/{body.slug}/2023/").status_code == 404
    assert client.get("/asutus/no-such-body/2023/3/").status_code == 404


# --- by classification ---------------------------------------------------------------------


@pytest.fixture
def classified_body():
    body = make_registry(name="Sarjaamet")
    for _ in range(2):
        make_document(body, function=FUNCTION, series=SERIES, case_file="5-4/2024", title="Kiri 2024")
    make_document(
        body, function=FUNCTION, series=SERIES, case_file="5-4/2023", access=Access.AK, title="AK 2023"
    )
    make_document(body, function=FUNCTION, series="5-10 Lepingud", case_file="5-10/2024", title="Leping")
    make_document(body, function="1 Juhtimine", series="1-2 Käskkirjad", case_file="", title="Käskkiri")
    make_document(body, function="", series="", title="Liigituseta")
    hidden(body, function=FUNCTION, series=SERIES, case_file="5-4/2024")
    hidden(body, function="9 Salajane", series="9-1 Ainult peidetud", case_file="9-1/2024")
    return body


def test_series_tree_nests_function_series_and_file_with_counts(client, classified_body):
    response = client.get(f"/asutus/{classified_body.slug}/sarjad/")

    html = response.content.decode()
    page = HTMLParser(html)
    functions = [h.text(strip=True) for h in page.css("section.function h2")]
    assert functions == ["1 Juhtimine(1)", f"{FUNCTION}(4)"]
    second = page.css("section.function")[1]
    series = [(a.text(), a.attributes["href"]) for a in second.css("ul.tree > li > a")]
    assert series == [
        (SERIES, f"/asutus/{classified_body.slug}/sari/5-4/"),
        ("5-10 Lepingud", f"/asutus/{classified_body.slug}/sari/5-10/"),
    ]
    files = [li.text(strip=True) for li in second.css("ul.tree > li:first-child ul li")]
    assert files == ["5-4/2023(1)", "5-4/2024(2)"]
    assert "9 Salajane" not in html and "9-1 Ainult peidetud" not in html


def test_series_page_lists_its_documents_and_files(client, classified_body):
    response = client.get(f"/asutus/{classified_body.slug}/sari/5-4/")

    html = response.content.decode()
    page = HTMLParser(html)
    assert page.css_first("h1").text() == SERIES
    assert sorted(a.text() for a in page.css("table.docs tbody a")) == ["AK 2023", "Kiri 2024", "Kiri 2024"]
    assert [li.text(strip=True) for li in page.css("#toimikud ~ ul li")][1:] == ["5-4/2023(1)", "5-4/2024(2)"]
    assert "Leping" not in html  # 5-10 is another series, though its code starts with "5-"
    assert_nothing_hidden(html)


def test_series_page_filters_one_file(client, classified_body):
    response = client.get(f"/asutus/{classified_body.slug}/sari/5-4/", {"toimik": "5-4/2023"})

    page = HTMLParser(response.content.decode())
    assert [a.text() for a in page.css("table.docs tbody a")] == ["AK 2023"]
    assert "Toimiku 5-4/2023 dokumendid" in page.css_first("#dokumendid").text()


def test_series_with_only_hidden_documents_is_not_found(client, classified_body):
    assert client.get(f"/asutus/{classified_body.slug}/sari/9-1/").status_code == 404
    assert client.get(f"/asutus/{classified_body.slug}/sari/77/").status_code == 404


def test_series_key_with_a_slash_round_trips(client):
    body = make_registry()
    make_document(body, function="3 Kohtuasjad", series="3/1 Menetlused", title="Menetlus")

    tree = HTMLParser(client.get(f"/asutus/{body.slug}/sarjad/").content.decode())
    href = tree.css_first("ul.tree a").attributes["href"]

    assert href == f"/asutus/{body.slug}/sari/3/1/"
    assert "Menetlus" in client.get(href).content.decode()


def test_series_keys_and_natural_order():
    assert series_key(SERIES) == "5-4"
    assert series_key(" 1-2 ") == "1-2"
    assert sorted(["10-1", "2-1", "2-10", "2-2"], key=natural_key) == ["2-1", "2-2", "2-10", "10-1"]


# --- a matter ------------------------------------------------------------------------------


@pytest.fixture
def matter_docs():
    body = make_registry(name="Asjaamet")
    matter = Matter.objects.create(registry=body, root="7-1/55")
    first = make_document(
        body, matter=matter, reference="7-1/55-1", registered=date(2024, 1, 5), title="Pöördumine"
    )
    answer = make_document(
        body,
        matter=matter,
        reference="7-1/55-2",
        registered=date(2024, 1, 20),
        title="Vastus",
        access=Access.AK,
    )
    gone = make_document(
        body, matter=matter, reference="7-1/55-3", registered=date(2024, 2, 1), title="Tagasi võetud",
        withdrawn_at=timezone.now(),
    )  # fmt: skip
    make_document(
        body, matter=matter, reference="7-1/55-4", title="Ainult loetelus", fetch_state=FetchState.LISTED
    )
    Relation.objects.create(document=answer, kind="vastus dokumendile", target=first, reference="7-1/55-1")
    Relation.objects.create(
        document=answer, kind="järgdokument", target=gone, reference="7-1/55-3", title="Salajane"
    )
    return matter, first, answer


def test_matter_page_lists_publishable_documents_in_order_with_relations(client, matter_docs):
    matter, first, answer = matter_docs

    response = client.get(f"/asi/{matter.pk}/")

    html = response.content.decode()
    page = HTMLParser(html)
    assert response.status_code == 200
    assert page.css_first("h1").text() == "Asi 7-1/55"
    assert [a.text() for a in page.css("ol.matter h2 a")] == ["Pöördumine", "Vastus"]
    relations = [li.text(strip=True) for li in page.css("ol.matter ul.relations li")]
    assert relations == ["vastus dokumendile:7-1/55-1", "järgdokument:7-1/55-3"]
    assert f'href="/dokument/{first.pk}/"' in html
    assert "Salajane" not in html
    assert_nothing_hidden(html)


def test_document_page_links_its_matter(client, matter_docs):
    matter, first, _ = matter_docs

    page = HTMLParser(client.get(f"/dokument/{first.pk}/").content.decode())

    links = [a.attributes["href"] for a in page.css("a") if a.attributes.get("href") == f"/asi/{matter.pk}/"]
    assert len(links) == 2  # the crumb and the link under the matter's documents


def test_matter_of_only_hidden_documents_is_not_found(client):
    body = make_registry()
    matter = Matter.objects.create(registry=body, root="9-9/9")
    make_document(body, matter=matter, taken_down_at=timezone.now())

    assert client.get(f"/asi/{matter.pk}/").status_code == 404
    assert client.get("/asi/999999/").status_code == 404


# --- the same correspondence in other registers --------------------------------------------


def test_document_page_shows_the_same_letter_in_other_registers(client):
    ministry, board, third = make_registry(name="Ministeerium"), make_registry(name="Amet"), make_registry()
    out = make_document(ministry, reference="1-6/3316-1", sender_reference="7.2-1/24/5", title="Väljaminev")
    received = make_document(board, reference="7.2-1/24/5", title="Ameti päring", registered=date(2024, 1, 2))
    reply = make_document(
        third, reference="3/99", sender_reference="1-6/3316-1", title="Vastus ministeeriumile"
    )
    make_document(board, reference="9/1", sender_reference="1-6/3316-1", title="Ainult loetelus",
                  fetch_state=FetchState.LISTED)  # fmt: skip
    make_document(board, reference="7.2-1/24/5", title="Eemaldatud", taken_down_at=timezone.now())
    make_document(ministry, reference="5/5", sender_reference="1-6/3316-1", title="Sama registri kiri")

    html = client.get(f"/dokument/{out.pk}/").content.decode()

    page = HTMLParser(html)
    section = page.css_first("section[aria-labelledby=kirjavahetus]")
    rows = [[c.text(strip=True) for c in tr.css("td")] for tr in section.css("tbody tr")]
    assert [r[:2] for r in rows] == [["Amet", "7.2-1/24/5"], [third.name, "3/99"]]
    hrefs = {a.attributes["href"] for a in section.css("a")}
    assert {f"/dokument/{received.pk}/", f"/dokument/{reply.pk}/"} <= hrefs
    assert "Sama registri kiri" not in section.text()
    assert_nothing_hidden(html)


def test_bare_numbers_do_not_tie_letters_together(client):
    a, b = make_registry(), make_registry()
    doc = make_document(a, reference="1", sender_reference="-")
    make_document(b, reference="-", sender_reference="1")

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    assert "kirjavahetus" not in html


# --- the body page's statistics ------------------------------------------------------------


def test_body_page_lists_restriction_bases_of_publishable_documents(client):
    body = make_registry()

    def restricted(*bases, **fields):
        doc = make_document(body, access=Access.AK, **fields)
        for law, section, subsection, point, text in bases:
            RestrictionBasis.objects.create(
                document=doc, law=law, section=section, subsection=subsection, point=point, text=text
            )

    p12 = ("AvTS", "35", "1", "12", "AvTS § 35 lg 1 p 12")
    restricted(p12)
    restricted(p12, ("AvTS", "35", "1", "2", "p 2"))
    restricted(p12)
    restricted(("", "", "", "", "Ärisaladus lepingu järgi"))
    restricted(("KrMS", "214", "", "", "KrMS § 214"), withdrawn_at=timezone.now())

    page = HTMLParser(client.get(f"/asutus/{body.slug}/").content.decode())

    assert table(page, "table.bases") == [
        ["AvTS § 35 lg 1 p 12", "3"],
        ["AvTS § 35 lg 1 p 2", "1"],
        ["Ärisaladus lepingu järgi", "1"],
    ]


def test_body_page_shows_median_days_to_first_sight_over_the_last_year(client):
    body = make_registry()
    today = timezone.localdate()

    def seen_after(days, registered=today - timedelta(days=30), **fields):
        seen = timezone.make_aware(datetime.combine(registered + timedelta(days=days), datetime.min.time()))
        make_document(body, registered=registered, first_seen_at=seen.replace(hour=12), **fields)

    for days in (1, 1, 2, 5):
        seen_after(days)
    seen_after(400, registered=today - timedelta(days=500))  # older than twelve months
    seen_after(90, withdrawn_at=timezone.now())  # hidden

    page = HTMLParser(client.get(f"/asutus/{body.slug}/").content.decode())
    facts = {
        tr.css_first("th").text(): tr.css_first("td").text(strip=True) for tr in page.css("table.fields tr")
    }

    assert facts["Registreerimisest arhiivi jõudmiseni (mediaan, viimased 12 kuud)"] == "1,5 päeva"


def test_weighted_median():
    assert weighted_median([]) is None
    assert weighted_median([(3, 1)]) == 3
    assert weighted_median([(1, 2), (2, 1), (5, 1)]) == 1.5
    assert weighted_median([(0, 1), (4, 3), (9, 1)]) == 4
