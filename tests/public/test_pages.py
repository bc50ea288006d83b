"""The public pages as a reader meets them: what is shown, in which order, and what never is."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.public.factories import index, make_document, make_file, make_registry, make_signature

from dokreg.archive.models import Access, Document, DocumentVersion, FetchState, Matter, Relation
from dokreg.registries.models import Registry

pytestmark = pytest.mark.django_db

SEED_LABELS = [
    "Dokumendiregister",
    "Viit",
    "Registreeritud",
    "Sünkroonitud",
    "Liik",
    "Funktsioon",
    "Sari",
    "Toimik",
    "Juurdepääsupiirang",
    "Juurdepääsupiirangu alus",
    "Adressaat",
    "Saabumis/saatmisviis",
    "Vastutaja",
    "Originaal",
]


def field_rows(html: str) -> list[tuple[str, str]]:
    table = HTMLParser(html).css_first("table.fields")
    return [
        (tr.css_first("th").text(strip=True), tr.css_first("td").text(strip=True)) for tr in table.css("tr")
    ]


def seed_document(**fields):
    """The seed page's document (Siseministeerium 5-4/22-1), as the catalogue's real body."""
    body = Registry.objects.get(slug="sisemin")
    values = {
        "reference": "5-4/22-1",
        "registered": date(2024, 2, 29),
        "first_seen_at": timezone.make_aware(datetime(2024, 3, 25, 9, 30)),
        "doc_type": "Sissetulev kiri",
        "title": "Global Alliance to Counter Migrant Smuggling",
        "function": "5 EL otsustusprotsess ja rahvusvaheline koostöö",
        "series": "5-4 Rahvusvaheliste suhete ja välislepingute alane kirjavahetus (AV)",
        "case_file": "5-4/2024",
        "access": Access.PUBLIC,
        "access_text": "Avalik",
        "correspondent": "HOME GLOBAL ALLIANCE",
        "channel": "e-post",
        "responsible": "Katarina Budrik (kantsleri juhtimisala, Euroopa Liidu ja välissuhete osakond)",
        "url": "https://adr.siseministeerium.ee/sisemin/dokument/1234567",
    }
    return make_document(body, **{**values, **fields})


def hidden_documents(body):
    """One document for each way a document stops being public."""
    return [
        make_document(body, title="Tagasi võetud", withdrawn_at=timezone.now()),
        make_document(body, title="Eemaldatud", taken_down_at=timezone.now(), takedown_reason="isikuandmed"),
        make_document(body, title="Ainult loetelus", fetch_state=FetchState.LISTED),
    ]


# --- the document page ---------------------------------------------------------------------


def test_document_page_rows_follow_the_seed_page_order_and_values(client):
    doc = seed_document()

    response = client.get(f"/dokument/{doc.pk}/")

    assert response.status_code == 200
    rows = field_rows(response.content.decode())
    assert [label for label, _ in rows] == SEED_LABELS
    assert rows[:10] == [
        ("Dokumendiregister", "Siseministeerium"),
        ("Viit", "5-4/22-1"),
        ("Registreeritud", "29.02.2024"),
        ("Sünkroonitud", "25.03.2024"),
        ("Liik", "Sissetulev kiri"),
        ("Funktsioon", "5 EL otsustusprotsess ja rahvusvaheline koostöö"),
        ("Sari", "5-4 Rahvusvaheliste suhete ja välislepingute alane kirjavahetus (AV)"),
        ("Toimik", "5-4/2024"),
        ("Juurdepääsupiirang", "Avalik"),
        ("Juurdepääsupiirangu alus", ""),
    ]
    assert rows[-1] == ("Originaal", "Ava uues aknas")
    page = HTMLParser(response.content.decode())
    original = page.css_first("table.fields tr:last-child a")
    assert original.attributes == {
        "href": "https://adr.siseministeerium.ee/sisemin/dokument/1234567",
        "target": "_blank",
        "rel": "noopener",
    }
    assert page.css_first("table.fields a").attributes["href"] == "/asutus/sisemin/"


def test_channel_row_shows_the_channel_not_the_addressee(client):
    doc = seed_document()

    rows = dict(field_rows(client.get(f"/dokument/{doc.pk}/").content.decode()))

    assert rows["Adressaat"] == "HOME GLOBAL ALLIANCE"
    assert rows["Saabumis/saatmisviis"] == "e-post"


def test_restriction_and_correspondence_rows_sit_between_the_seed_rows(client):
    doc = seed_document(
        access=Access.AK,
        access_text="AK",
        restriction_basis="AvTS § 35 lg 1 p 12",
        restriction_begins=date(2024, 2, 29),
        restriction_ends=date(2029, 2, 28),
        sender_reference="HOME/2024/123",
        due_date=date(2024, 3, 30),
        sent_at=timezone.make_aware(datetime(2024, 3, 5, 12, 0)),
    )

    rows = field_rows(client.get(f"/dokument/{doc.pk}/").content.decode())

    assert [label for label, _ in rows] == [
        *SEED_LABELS[:10],
        "Juurdepääsupiirangu algus",
        "Juurdepääsupiirangu lõpp",
        "Saatja/saaja viit",
        "Adressaat",
        "Saabumis/saatmisviis",
        "Vastutaja",
        "Lahendamise tähtaeg",
        "Välja saatmise kuupäev",
        "Originaal",
    ]
    values = dict(rows)
    assert values["Juurdepääsupiirangu alus"] == "AvTS § 35 lg 1 p 12"
    assert values["Juurdepääsupiirangu lõpp"] == "28.02.2029"
    assert values["Välja saatmise kuupäev"] == "05.03.2024"


def test_public_document_shows_files_nested_with_text_and_download_links(client):
    doc = seed_document()
    container = make_file(doc, name="5-4_22-1 29.02.2024 Sissetulev kiri.asice", kind="asice")
    letter = make_file(doc, name="Letter.pdf", parent=container, text="Dear Minister,")
    make_file(doc, name="Annex.pdf", parent=container, extract_state="pending")

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    page = HTMLParser(html)
    outer = page.css("section[aria-labelledby=failid] > ul.files > li.file")
    assert len(outer) == 1
    assert outer[0].css_first("a").text() == "5-4_22-1 29.02.2024 Sissetulev kiri.asice"
    nested = [li.css_first("a").text() for li in outer[0].css_first("ul.files").iter() if li.tag == "li"]
    assert nested == ["Letter.pdf", "Annex.pdf"]
    assert f'href="/fail/{letter.pk}/Letter.pdf"' in html
    assert "Dear Minister," in page.css_first("details.text pre").text()
    assert "teksti ei ole veel eraldatud" in html


def test_signatures_show_signer_and_checks_but_never_the_personal_code(client):
    doc = seed_document()
    container = make_file(doc, name="kiri.asice", kind="asice")
    make_signature(container, signer_name="KATARINA BUDRIK", personal_code="48709120001", profile="LT")

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    assert "KATARINA BUDRIK" in html
    assert "28.02.2024 14:03:12" in html  # signed 12:03:12 UTC, shown in Tallinn time
    assert "allkirja väärtus kontrollitud" in html
    assert "andmefailide räsid kehtivad" in html
    assert "48709120001" not in html


def test_ak_document_shows_metadata_and_only_the_number_of_files(client):
    body = make_registry()
    doc = make_document(
        body,
        title="Isikut puudutav kiri",
        access=Access.AK,
        access_text="AK",
        restriction_basis="AvTS § 35 lg 1 p 12",
    )
    secret = make_file(doc, name="Mari Maasikas terviseõiend.pdf", text="diagnoos: salajane")
    make_file(doc, name="lisa.pdf", text="teine")

    response = client.get(f"/dokument/{doc.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Isikut puudutav kiri" in html
    assert dict(field_rows(html))["Juurdepääsupiirangu alus"] == "AvTS § 35 lg 1 p 12"
    assert "AvTS" in HTMLParser(html).css_first("section[aria-labelledby=failid] p.notice").text()
    assert "Dokumendil on 2 faili." in html
    assert "Mari Maasikas" not in html
    assert "salajane" not in html
    assert "/fail/" not in html
    assert client.get(f"/fail/{secret.pk}/x.pdf").status_code == 404


@pytest.mark.parametrize("kind", ["withdrawn", "taken down", "listed, not fetched"])
def test_hidden_documents_are_404(client, kind):
    body = make_registry()
    hidden = dict(
        zip(["withdrawn", "taken down", "listed, not fetched"], hidden_documents(body), strict=True)
    )

    assert client.get(f"/dokument/{hidden[kind].pk}/").status_code == 404


def test_relations_same_matter_and_history(client):
    body = make_registry()
    matter = Matter.objects.create(registry=body, root="7-1/55")
    doc = make_document(body, reference="7-1/55-2", matter=matter, title="Vastus")
    first = make_document(
        body, reference="7-1/55-1", matter=matter, title="Pöördumine", registered=date(2024, 1, 5)
    )
    gone = make_document(
        body, reference="7-1/55-3", matter=matter, title="Salastatud jätk", withdrawn_at=timezone.now()
    )
    Relation.objects.create(
        document=doc, kind="alusdokument", reference="7-1/55-1", title="Pöördumine", target=first
    )
    Relation.objects.create(
        document=doc, kind="järgdokument", reference="7-1/55-3", title="Salastatud jätk", target=gone
    )
    DocumentVersion.objects.create(
        document=doc,
        kind="changed",
        seen_at=timezone.now(),
        changes={"title": ["Vastu", "Vastus"], "correspondent": ["Mari Maasikas", "M. M."]},
    )

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    page = HTMLParser(html)
    relations = [
        [td.text(strip=True) for td in tr.css("td")]
        for tr in page.css("section[aria-labelledby=seosed] tbody tr")
    ]
    assert relations == [["alusdokument", "", "7-1/55-1", "Pöördumine"], ["järgdokument", "", "7-1/55-3", ""]]
    assert f'href="/dokument/{first.pk}/"' in html
    assert f'href="/dokument/{gone.pk}/"' not in html
    assert "Salastatud jätk" not in html
    assert [a.text() for a in page.css("section[aria-labelledby=sama-asi] a")] == ["Pöördumine"]
    history = page.css_first("section[aria-labelledby=ajalugu] tbody").text()
    assert "andmed muutusid" in history
    assert "Pealkiri: Vastu → Vastus" in history
    # A name the register later masked is not republished from our history: only the field is named.
    assert "Adressaat" in history and "Mari Maasikas" not in html


def test_history_of_a_restricted_document_names_fields_without_values(client):
    body = make_registry()
    doc = make_document(body, access=Access.AK, title="Piiratud")
    DocumentVersion.objects.create(
        document=doc,
        kind="restricted",
        seen_at=timezone.now(),
        changes={"access": ["public", "ak"], "title": ["Mari Maasika avaldus", "Piiratud"]},
    )

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    history = HTMLParser(html).css_first("section[aria-labelledby=ajalugu] tbody").text()
    assert "juurdepääsu piirati" in history
    assert [li.text() for li in HTMLParser(html).css("ul.changes li")] == ["Pealkiri", "Juurdepääsupiirang"]
    assert "Mari Maasika" not in html


def test_on_request_document_says_how_to_get_the_files(client):
    doc = make_document(
        make_registry(), access=Access.ON_REQUEST, access_text="Avalik, väljastatakse teabenõude korras"
    )
    make_file(doc, name="leping.pdf", text="lepingu tekst")

    html = client.get(f"/dokument/{doc.pk}/").content.decode()

    assert "teabenõudega" in HTMLParser(html).css_first("section[aria-labelledby=failid] p.notice").text()
    assert "leping.pdf" not in html and "lepingu tekst" not in html


# --- file download -------------------------------------------------------------------------


def test_public_file_downloads_with_its_name_type_and_nosniff(client):
    doc = seed_document()
    data = b"%PDF-1.7\n...letter..."
    file = make_file(doc, name="Kiri ministrile ülevaade.pdf", data=data)

    response = client.get(f"/fail/{file.pk}/Kiri ministrile ülevaade.pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''Kiri%20ministrile%20%C3%BClevaade.pdf"


def test_html_files_are_downloaded_never_shown_inline(client):
    doc = seed_document()
    file = make_file(doc, name="leht.html", data=b"<script>alert(1)</script>")

    response = client.get(f"/fail/{file.pk}/leht.html")

    assert response["Content-Disposition"] == 'attachment; filename="leht.html"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_files_the_public_may_not_have_are_404(client):
    body = make_registry()
    public = make_document(body)
    withheld_file = make_file(public, name="ak-lisa.pdf", access="AK")
    not_downloaded = make_file(public, name="ootel.pdf", download_state="pending")
    on_request = make_file(make_document(body, access=Access.ON_REQUEST), name="tn.pdf")
    taken_down = make_file(make_document(body, taken_down_at=timezone.now()), name="eemaldatud.pdf")

    for file in (withheld_file, not_downloaded, on_request, taken_down):
        assert client.get(f"/fail/{file.pk}/{file.name}").status_code == 404, file.name


def test_a_file_whose_bytes_are_missing_from_the_store_is_404(client, settings):
    doc = seed_document()
    file = make_file(doc, name="kadunud.pdf", data=b"gone")
    sha = file.blob_id
    (settings.FILE_STORE_DIR / sha[:2] / sha[2:4] / sha).unlink()

    assert client.get(f"/fail/{file.pk}/kadunud.pdf").status_code == 404


# --- home, body and list pages -------------------------------------------------------------


def test_home_lists_the_20_newest_publishable_documents_and_body_freshness(client):
    body = make_registry(name="Testamet", document_count=1234, newest_registered=date(2024, 3, 1))
    for i in range(25):
        make_document(body, reference=f"1-1/{i}", registered=date(2024, 1, 1) + timedelta(days=i))
    hidden_documents(body)

    html = client.get("/").content.decode()

    page = HTMLParser(html)
    refs = [td.text() for td in page.css("table.docs td.ref")]
    assert refs == [f"1-1/{i}" for i in range(24, 4, -1)]
    fresh = {
        tr.css_first("td a").text(): [td.text(strip=True) for td in tr.css("td")[1:]]
        for tr in page.css("table.fresh tbody tr")
    }
    assert fresh["Testamet"] == ["1234", "01.03.2024", "—"]
    not_covered = Registry.objects.filter(state=Registry.State.NOT_COVERED).first()
    assert not_covered.name not in fresh  # listed on /registrid/, not among the synced bodies
    assert page.css_first("main form.search label[for=id_q]").text() == "Otsingusõnad"


def test_body_page_counts_months_and_pages(client):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    two_months_ago = (this_month - timedelta(days=40)).replace(day=1)
    body = make_registry(name="Kuuamet")
    make_document(body, registered=this_month)
    make_document(body, registered=this_month, access=Access.AK)
    make_document(body, registered=two_months_ago + timedelta(days=3))
    make_document(body, registered=this_month.replace(year=this_month.year - 1) - timedelta(days=1))
    for _ in range(21):
        make_document(body, registered=date(2020, 1, 1))
    hidden_documents(body)

    response = client.get(f"/asutus/{body.slug}/")

    page = HTMLParser(response.content.decode())
    months = [[c.text(strip=True) for c in tr.css("th, td")] for tr in page.css("table.months tbody tr")]
    assert len(months) == 12
    assert [m[1:] for m in months[:3]] == [["2", "1"], ["0", "0"], ["1", "0"]]
    assert sum(int(m[1]) for m in months) == 3
    facts = {
        tr.css_first("th").text(): tr.css_first("td").text(strip=True) for tr in page.css("table.fields tr")
    }
    assert facts["Dokumente arhiivis"] == "25"
    assert facts["Neist asutusesiseseks kasutamiseks (AK)"] == "1 (4,0 %)"
    assert len(page.css("table.docs tbody tr")) == 20
    second = HTMLParser(client.get(f"/asutus/{body.slug}/?page=2").content.decode())
    assert len(second.css("table.docs tbody tr")) == 5
    assert "Tagasi võetud" not in response.content.decode()


def test_registers_page_lists_covered_and_not_yet_covered(client):
    html = client.get("/registrid/").content.decode()

    page = HTMLParser(html)
    covered = [a.text() for a in page.css("section[aria-labelledby=kaetud] tbody a")]
    assert "Siseministeerium" in covered
    not_covered = page.css("section[aria-labelledby=katmata] li")
    assert not_covered and all("ei ole veel kaetud" in li.text() for li in not_covered)
    other = Registry.objects.filter(state=Registry.State.NOT_COVERED).first()
    body_page = client.get(f"/asutus/{other.slug}/").content.decode()
    assert "ei ole veel kaetud" in body_page


def test_about_page_names_privacy_and_the_takedown_contact(client, settings):
    settings.DOKREG_CONTACT_URL = "https://example.test/eemaldamine"

    html = client.get("/teave/").content.decode()

    assert "ei näita isikukoode" in html
    assert 'href="https://example.test/eemaldamine"' in html


# --- results without words (newest first, from the database) -------------------------------


def test_results_page_goes_past_100_results(client):
    body = make_registry()
    for i in range(130):
        make_document(body, reference=f"2-1/{i:03d}", registered=date(2023, 1, 1) + timedelta(days=i))

    html = client.get(f"/otsi/?registry={body.slug}&sort=date&page=6").content.decode()

    page = HTMLParser(html)
    assert page.css_first("section[aria-labelledby=tulemused] h2").text() == "Leitud 130 dokumenti"
    assert page.css_first("ol.hits").attributes["start"] == "101"
    refs = [span.text() for span in page.css("ol.hits span.ref")]
    assert refs == [f"2-1/{i:03d}" for i in range(29, 9, -1)]  # rows 101–120, newest first
    assert [a.text() for a in page.css("nav.pager a")][-2:] == ["7", "Järgmine ›"]
    last = HTMLParser(client.get(f"/otsi/?registry={body.slug}&page=7").content.decode())
    assert [span.text() for span in last.css("ol.hits span.ref")] == [
        f"2-1/{i:03d}" for i in range(9, -1, -1)
    ]


@pytest.mark.parametrize("indexed", [False, True], ids=["from the database", "from the index"])
def test_results_without_words_filter_and_hide_what_is_not_public(client, indexed):
    # Filters the database cannot walk in order (two bodies, a type, access) are read from the
    # index once it holds every document; before that, from the database. Both read the same.
    body = make_registry()
    other = make_registry()
    make_document(body, reference="A-1", registered=date(2024, 5, 2), doc_type="Leping")
    make_document(body, reference="A-2", registered=date(2024, 5, 3), access=Access.AK)
    make_document(body, reference="A-3", registered=date(2024, 6, 1))
    # Not on A-1's day: the two ways order documents of one day differently (the database by id,
    # newest first; the index in the order it took them in).
    make_document(other, reference="B-1", registered=date(2024, 5, 1))
    hidden = hidden_documents(body)
    if indexed:  # a lagging index still holds the hidden ones: the page must not show them
        index(*Document.objects.all())
        Document.objects.update(index_dirty=False)
        from dokreg.search import search

        assert {d.pk for d in hidden} <= {h.doc_id for h in search("", limit=50).hits}

    def refs(query: str) -> list[str]:
        return [
            s.text() for s in HTMLParser(client.get("/otsi/?" + query).content.decode()).css("ol.hits .ref")
        ]

    assert refs(f"registry={body.slug}") == ["A-3", "A-2", "A-1"]
    assert refs(f"registry={body.slug}&registry={other.slug}&date_to=2024-05-31") == ["A-2", "A-1", "B-1"]
    assert refs(f"registry={body.slug}&date_from=02.05.2024&date_to=02.05.2024") == ["A-1"]
    assert refs(f"registry={body.slug}&access=ak") == ["A-2"]
    assert refs(f"registry={body.slug}&type=Leping") == ["A-1"]
    assert refs(f"registry={body.slug}&registry={other.slug}&type=Leping") == ["A-1"]


def test_one_bodys_list_without_words_is_counted_by_the_index_and_walked_by_the_database(client):
    # The database walks one body newest first down an index, but counting it read up to 10,001 rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = make_registry()
    docs = [make_document(body, registered=date(2024, 5, d)) for d in range(1, 6)]
    index(*docs)
    Document.objects.update(index_dirty=False)
    with CaptureQueriesContext(connection) as queries:
        listed = HTMLParser(client.get(f"/otsi/?registry={body.slug}").content.decode()).css("ol.hits .ref")
    assert [s.text() for s in listed] == [d.reference for d in reversed(docs)]
    assert not [q for q in queries if "COUNT(" in q["sql"] and "archive_document" in q["sql"]]

    new = make_document(body, registered=date(2024, 6, 1))  # synced, not indexed yet: counted too
    page = HTMLParser(client.get(f"/otsi/?registry={body.slug}").content.decode())
    assert page.css_first("ol.hits .ref").text() == new.reference and len(page.css("ol.hits .ref")) == 6


def test_a_filtered_list_without_words_shows_a_document_the_index_does_not_hold_yet(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body, other = make_registry(), make_registry()
    docs = [
        make_document(b, doc_type="Leping", registered=date(2024, 5, d))
        for b in (body, other)
        for d in (1, 2)
    ]
    index(*docs)
    Document.objects.update(index_dirty=False)
    both = f"/otsi/?registry={body.slug}&registry={other.slug}&type=Leping"
    with CaptureQueriesContext(connection) as queries:
        listed = HTMLParser(client.get(both).content.decode()).css("ol.hits .ref")
    assert len(listed) == 4
    # Read from the index: no sort of the two bodies' documents in the database.
    assert not [
        q for q in queries if "ORDER BY" in q["sql"] and '"archive_document"."registered" DESC' in q["sql"]
    ]

    new = make_document(
        body, reference="UUS-1", doc_type="Leping", registered=date(2024, 6, 1)
    )  # just synced
    refs = [s.text() for s in HTMLParser(client.get(both).content.decode()).css("ol.hits .ref")]
    assert refs[0] == new.reference and len(refs) == 5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "Lehekülje number peab olema positiivne täisarv."),
        ("page=0", "Lehekülje number peab olema positiivne täisarv."),
        ("page=-3", "Lehekülje number peab olema positiivne täisarv."),
        ("date_from=31.02.2024", "Registreeritud alates"),
        ("date_to=eile", "Registreeritud kuni"),
        ("date_from=2024-05-02&date_to=2024-05-01", "Alguskuupäev on hilisem kui lõppkuupäev."),
        ("registry=no-such-body", "Asutus"),
        ("access=secret", "Juurdepääs"),
        ("sort=random", "Järjestus"),
    ],
)
def test_bad_parameters_get_a_message_not_an_error(client, query, message):
    response = client.get("/otsi/?" + query)

    assert response.status_code == 400
    errors = HTMLParser(response.content.decode()).css_first("div.errors").text()
    assert message in errors


def test_a_page_past_the_end_says_so(client):
    body = make_registry()
    make_document(body)

    response = client.get(f"/otsi/?registry={body.slug}&page=9")

    assert response.status_code == 404
    assert "tulemusi on 1 lehekülge" in response.content.decode()


def test_body_page_with_a_bad_page_number_explains(client):
    body = make_registry()

    response = client.get(f"/asutus/{body.slug}/?page=x")

    assert response.status_code == 400
    assert "Lehekülje number peab olema positiivne täisarv." in response.content.decode()


# --- results with words (through the search index, re-checked against the database) --------


@pytest.fixture
def search_index():
    pytest.importorskip("dokreg.search", reason="dokreg.search is not importable yet")
    return index


def hit_refs(html: str) -> list[str]:
    return [span.text() for span in HTMLParser(html).css("ol.hits span.ref")]


def test_results_with_words_show_total_snippet_and_page_past_100(client, search_index):
    body = make_registry()
    docs = [
        make_document(
            body,
            reference=f"3-1/{i:03d}",
            title=f"Eelarve muudatus {i}",
            registered=date(2023, 1, 1) + timedelta(days=i),
        )
        for i in range(130)
    ]
    search_index(*docs, text={docs[0].pk: "Riigi eelarve seaduse eelnõu kooskõlastamine."})

    first = client.get("/otsi/?q=eelarve").content.decode()
    page6 = client.get("/otsi/?q=eelarve&sort=date&page=6").content.decode()

    assert (
        HTMLParser(first).css_first("section[aria-labelledby=tulemused] h2").text() == "Leitud 130 dokumenti"
    )
    assert HTMLParser(page6).css_first("ol.hits").attributes["start"] == "101"
    assert hit_refs(page6) == [f"3-1/{i:03d}" for i in range(29, 9, -1)]
    snippet = HTMLParser(client.get("/otsi/?q=eelnõu").content.decode()).css_first("p.snippet")
    assert snippet.css_first("mark").text() == "eelnõu"


def test_results_drop_hits_the_database_no_longer_publishes(client, search_index):
    body = make_registry()
    kept = make_document(body, reference="K-1", title="Hankeleping koristusteenusele")
    gone = make_document(body, reference="K-2", title="Hankeleping valveteenusele")
    down = make_document(body, reference="K-3", title="Hankeleping toitlustusele")
    search_index(kept, gone, down)
    gone.withdrawn_at = timezone.now()
    gone.save()
    down.taken_down_at = timezone.now()
    down.save()

    html = client.get("/otsi/?q=hankeleping").content.decode()

    assert hit_refs(html) == ["K-1"]
    assert "valveteenusele" not in html and "toitlustusele" not in html


def test_results_show_no_snippet_for_a_document_restricted_after_indexing(client, search_index):
    body = make_registry()
    doc = make_document(body, reference="R-1", title="Avaldus")
    search_index(doc, text={doc.pk: "Avaldaja terviseandmed: krooniline haigus."})
    doc.access = Access.AK
    doc.save()

    html = client.get("/otsi/?q=terviseandmed").content.decode()

    assert hit_refs(html) == ["R-1"]  # metadata of an AK document stays public
    assert "haigus" not in html
    assert HTMLParser(html).css_first("p.snippet") is None


def test_results_pass_filters_to_the_index(client, search_index):
    body, other = make_registry(), make_registry()
    a = make_document(body, reference="F-1", title="Arvamus eelnõule", registered=date(2024, 3, 1))
    b = make_document(
        body, reference="F-2", title="Arvamus eelnõule", registered=date(2024, 4, 1), access=Access.AK
    )
    c = make_document(other, reference="F-3", title="Arvamus eelnõule", registered=date(2024, 3, 1))
    search_index(a, b, c)

    assert hit_refs(client.get(f"/otsi/?q=arvamus&registry={body.slug}&sort=date").content.decode()) == [
        "F-2",
        "F-1",
    ]
    assert hit_refs(client.get(f"/otsi/?q=arvamus&registry={body.slug}&access=public").content.decode()) == [
        "F-1"
    ]
    assert hit_refs(client.get("/otsi/?q=arvamus&date_from=15.03.2024").content.decode()) == ["F-2"]


def test_a_broken_index_gives_a_message_not_an_error(client, search_index, monkeypatch):
    from dokreg.search import IndexBroken

    def broken(*args, **kwargs):
        raise IndexBroken("search index: cannot open")

    monkeypatch.setattr("dokreg.search.search", broken)

    response = client.get("/otsi/?q=eelarve")

    assert response.status_code == 503
    assert "Otsing ei ole praegu kättesaadav" in response.content.decode()


def test_a_page_deeper_than_the_index_answers_is_explained(client, search_index):
    response = client.get("/otsi/?q=eelarve&page=9000")

    assert response.status_code == 400
    assert "kitsendage otsingut" in response.content.decode()


def test_correspondent_filter_matches_words_within_the_party_with_and_without_words(client):
    body = make_registry(slug="vesi")
    water = make_document(body, reference="V-1", title="Veeleping", correspondent="AS Tallinna Vesi")
    make_document(body, reference="V-2", title="Veeleping", correspondent="Tallinna Veevärk")
    make_document(body, reference="V-3", title="Veeleping", correspondent="Tartu Vesi")
    index(*body.documents.all())

    def refs(query: str) -> list[str]:
        return [
            s.text() for s in HTMLParser(client.get("/otsi/?" + query).content.decode()).css("ol.hits .ref")
        ]

    # Without words the database lists; with words the index searches: both read the filter alike.
    assert refs("correspondent=Tallinna+Vesi") == [water.reference]
    assert refs("q=veeleping&correspondent=tallinna+vesi") == [water.reference]
    assert refs("correspondent=AS+Tallinna+Vesi") == [water.reference]
    assert sorted(refs("correspondent=Vesi")) == ["V-1", "V-3"]
