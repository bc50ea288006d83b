"""One public boundary: a personal code stored anywhere in a document never reaches the public.

A valid code is put in every field a register sends (title, correspondent, responsible, series, case
file, file name, relation title, history values, AK basis …); every public page, feed, sitemap, API
answer and export is fetched and must show ``[isikukood]`` and never the code's digits.
"""

import json
import random
import re
from datetime import date
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from tests.privacy.spellings import hostile_text
from tests.public.factories import index, make_document, make_file, make_registry, make_signature

from dokreg.archive.models import Access, DocumentVersion, Matter, Relation
from dokreg.privacy.personal_codes import check_digit
from dokreg.public import boundary
from dokreg.public.boundary import mask_public_text, mask_stream

pytestmark = pytest.mark.django_db

BORN = "4920229123"  # a woman born 29 February 1992, serial 123
CODE = BORN + str(check_digit(BORN))
MASK = "[isikukood]"


@pytest.fixture
def archive():
    body = make_registry()
    matter = Matter.objects.create(registry=body, root="7-1/55")
    doc = make_document(
        body,
        reference="7-1/55-2",
        matter=matter,
        title=f"Taotlus {CODE} kohta",
        correspondent=f"Mari Maasikas {CODE}",
        responsible=f"Jaan Tamm ({CODE})",
        function=f"1 Juhtimine {CODE}",
        series=f"1-1 Kirjavahetus {CODE}",
        case_file=f"Toimik {CODE}",
        sender_reference=f"S-{CODE}",
        registered=date(2024, 2, 29),
    )
    target = make_document(body, reference="7-1/55-1", matter=matter, title="Pöördumine")
    Relation.objects.create(
        document=doc, kind="alusdokument", reference="7-1/55-1", title=f"Pöördumine {CODE}", target=target
    )
    DocumentVersion.objects.create(
        document=doc,
        kind="changed",
        seen_at=timezone.now(),
        changes={"title": [f"Vana {CODE}", doc.title], "correspondent": [f"Isik {CODE}", doc.correspondent]},
    )
    ak = make_document(
        body,
        reference="7-1/55-3",
        matter=matter,
        title=f"AK otsus {CODE}",
        access=Access.AK,
        access_text="AK",
        restriction_basis=f"AvTS § 35 lg 1 p 12 ({CODE})",
    )
    coded = make_file(doc, name=f"avaldus_{CODE}.pdf", text="Avaldus")
    in_text = make_file(doc, name="otsus.pdf", text=f"Otsus isikule isikukood {CODE}.")
    clean = make_file(doc, name="kaaskiri.pdf", text="Kaaskiri ilma isikuandmeteta.")
    index(doc, target, ak)
    return {
        "body": body,
        "doc": doc,
        "ak": ak,
        "matter": matter,
        "coded": coded,
        "in_text": in_text,
        "clean": clean,
    }


def _assert_masked(url: str, body: str) -> None:
    assert CODE not in body, f"{url} leaks the personal code"


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    body = content.decode()
    _assert_masked(url, body)
    return body


def test_every_public_page_masks_personal_codes(client, archive):
    body, doc, matter = archive["body"], archive["doc"], archive["matter"]
    document_page = _get(client, f"/dokument/{doc.pk}/")
    # Each field is there, masked: the page still says what the register sent.
    for shown in (
        f"Taotlus {MASK} kohta",
        f"Mari Maasikas {MASK}",
        f"Jaan Tamm ({MASK})",
        f"Toimik {MASK}",
        f"S-{MASK}",
        f"Pöördumine {MASK}",
        f"avaldus_{MASK}.pdf",
    ):
        assert shown in document_page, shown
    assert MASK in _get(client, f"/dokument/{archive['ak'].pk}/")
    tree = _get(client, f"/asutus/{body.slug}/sarjad/")
    assert MASK in tree
    series_links = re.findall(r'href="(/asutus/[^"]+/sari/[^"]+)"', tree)
    urls = [
        "/",
        "/otsi/?q=Taotlus",
        "/otsi/?q=Maasikas&sort=date",
        f"/asutus/{body.slug}/",
        f"/asutus/{body.slug}/2024/",
        f"/asutus/{body.slug}/2024/2/",
        f"/asi/{matter.pk}/",
        "/registrid/",
        "/teave/",
        "/otsi/atom/?q=Taotlus",
        f"/asutus/{body.slug}/atom/",
        f"/asi/{matter.pk}/atom/",
        *series_links,
    ]
    for url in urls:
        _get(client, url)
    results = _get(client, "/otsi/?q=Taotlus")
    assert f"Taotlus {MASK} kohta" in results
    sitemap_index = _get(client, "/sitemap.xml")
    for section in re.findall(r"<loc>[^<]*?(/sitemap-[^<]+\.xml)</loc>", sitemap_index):
        _get(client, section)


def test_api_and_http_exports_mask_personal_codes(client, archive):
    body, doc = archive["body"], archive["doc"]
    listing = _get(client, "/api/v1/documents?q=Taotlus")
    assert MASK in listing
    detail = _get(client, f"/api/v1/documents/{doc.pk}")
    assert f"Taotlus {MASK} kohta" in json.loads(detail)["title"]
    _get(client, f"/api/v1/documents/{archive['ak'].pk}")
    _get(client, f"/api/v1/registries/{body.slug}")
    _get(client, f"/api/v1/matters/{archive['matter'].pk}")
    _get(client, "/api/v1/changes")
    ndjson = _get(client, f"/api/v1/export/{body.slug}.ndjson")
    assert f"Taotlus {MASK} kohta" in ndjson and f"avaldus_{MASK}.pdf" in ndjson
    csv = _get(client, f"/api/v1/export/{body.slug}.csv")
    assert MASK in csv


def test_cli_export_masks_every_string(archive, tmp_path, capsys):
    from dokreg.cli import main

    out = tmp_path / "export.ndjson"
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--registry", archive["body"].slug, "--output", str(out)])
    assert exit_.value.code == 0
    text = out.read_text(encoding="utf-8")
    assert CODE not in text
    rows = [json.loads(line) for line in text.splitlines()]
    assert f"Taotlus {MASK} kohta" in [r["title"] for r in rows]
    assert f"AvTS § 35 lg 1 p 12 ({MASK})" in [r["restriction_basis"] for r in rows]
    exported = {f["sha256"] for r in rows for f in r["files"]}
    assert exported == {archive[k].blob_id for k in ("coded", "in_text", "clean")}


def test_originals_holding_a_personal_code_are_withheld(client, archive):
    doc = archive["doc"]
    for withheld in (archive["coded"], archive["in_text"]):
        response = client.get(f"/fail/{withheld.pk}/{withheld.name}")
        assert response.status_code == 403
        assert "isikuandmeid" in response.content.decode()
        assert CODE.encode() not in response.content
    clean = archive["clean"]
    response = client.get(f"/fail/{clean.pk}/kaaskiri.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Kaaskiri ilma isikuandmeteta."
    page = client.get(f"/dokument/{doc.pk}/").content.decode()
    assert f'href="/fail/{clean.pk}/kaaskiri.pdf"' in page
    assert f'href="/fail/{archive["in_text"].pk}/' not in page
    assert "Faili originaali ei avaldata, sest see sisaldab isikuandmeid" in page


def test_a_container_is_withheld_when_a_file_inside_holds_a_code(client):
    doc = make_document(make_registry(), title="Leping")
    container = make_file(doc, name="leping.asice", text="", kind="asice")
    make_file(doc, name="leping.pdf", text=f"Pool: {CODE}", parent=container)
    assert client.get(f"/fail/{container.pk}/leping.asice").status_code == 403


def test_staff_admin_is_not_masked(admin_client, archive):
    page = admin_client.get(f"/admin/archive/document/{archive['doc'].pk}/change/").content.decode()
    assert CODE in page


@pytest.mark.parametrize("size", [1, 2, 5, 7, 11, 13, 64])
def test_stream_masks_a_code_split_across_chunks(size):
    text = (
        f"algus {CODE}, teine {CODE}\n{CODE}"
        + "x" * 30
        + f' 1234567890123 <a href="?q=Toimik%20{CODE}">\\u00e4{CODE} lõpp {CODE}'
    )
    data = text.encode()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    out = b"".join(mask_stream(chunks)).decode()
    assert CODE not in out
    assert out.count(MASK) == 5 and "%20%5Bisikukood%5D" in out
    assert "1234567890123" in out and "lõpp" in out


def test_about_page_states_what_the_public_never_sees(client):
    estonian = client.get("/teave/").content.decode()
    assert "Avalikkus ei näe kunagi" in estonian and "[isikukood]" in estonian
    client.cookies["django_language"] = "en"
    english = client.get("/teave/").content.decode()
    assert "The public never sees" in english


def test_a_container_signed_with_a_personal_code_is_withheld_but_its_clean_files_are_served(client):
    doc = make_document(make_registry(), title="Leping")
    container = make_file(doc, name="leping.asice", text="", kind="asice")
    inner = make_file(doc, name="leping.pdf", text="Lepingu tekst", parent=container)
    make_signature(container, signer_name="MARI MAASIKAS", personal_code=CODE)
    assert client.get(f"/fail/{container.pk}/leping.asice").status_code == 403
    assert client.get(f"/fail/{inner.pk}/leping.pdf").status_code == 200
    page = client.get(f"/dokument/{doc.pk}/").content.decode()
    assert f'href="/fail/{inner.pk}/leping.pdf"' in page
    assert f'href="/fail/{container.pk}/' not in page
    assert "MARI MAASIKAS" in page and CODE not in page


def test_the_quick_check_lets_every_code_spelling_through_to_the_full_mask(rf, monkeypatch):
    """Links carry stored values percent-encoded (and JSON may escape): a code spelt so must still be
    masked when the quick check (no run of digits long enough) turns the usual page away unscanned,
    by ``mask_public_text`` and by the middleware, which checks the response's bytes as sent."""
    from django.http import HttpResponse

    rng = random.Random(7)
    pages = []
    for _ in range(1500):
        value = hostile_text(rng)
        pages.append(rng.choice([value, f'<a href="/otsi/?q={quote(value)}">x</a>', f"\\u00e4{value}"]))
    masked = [mask_public_text(page) for page in pages]
    request = rf.get("/otsi/")
    sent = [
        boundary.PersonalCodeBoundaryMiddleware(lambda r, page=page: HttpResponse(page))(
            request
        ).content.decode()
        for page in pages
    ]
    monkeypatch.setattr(boundary, "could_hold_personal_code", lambda data: True)
    assert masked == [mask_public_text(page) for page in pages]
    assert sent == masked
    assert sum(out != page for out, page in zip(masked, pages, strict=True)) > 500


def test_a_sha256_that_happens_to_hold_a_code_like_run_is_not_corrupted():
    sha = "ab" + CODE + "c" * 51
    assert len(sha) == 64
    text = f'{{"sha256": "{sha}", "title": "Taotlus {CODE}"}}'
    assert mask_public_text(text) == f'{{"sha256": "{sha}", "title": "Taotlus {MASK}"}}'
    for size in (3, 7, 16):
        data = text.encode()
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert b"".join(mask_stream(chunks)).decode() == mask_public_text(text)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=utf-8",
        "application/problem+json",
        "application/x-ndjson",
        "text/csv",
        "text/x-weird",
    ],
)
def test_the_middleware_masks_any_text_body(rf, content_type):
    from django.http import HttpResponse
    from django.urls import resolve

    from dokreg.public.boundary import PersonalCodeBoundaryMiddleware

    request = rf.get("/otsi/")
    middleware = PersonalCodeBoundaryMiddleware(
        lambda r: HttpResponse(f"Nimi {CODE}", content_type=content_type)
    )
    assert middleware(request).content.decode() == f"Nimi {MASK}"
    admin = rf.get("/admin/archive/document/")
    assert middleware(admin).content.decode() == f"Nimi {CODE}"
    # The staff status view shows what a register really sent; the public status page does not.
    staff_view = rf.get("/olek/varske/")
    staff_view.resolver_match = resolve("/olek/varske/")
    assert middleware(staff_view).content.decode() == f"Nimi {CODE}"
    public_status = rf.get("/olek/")
    public_status.resolver_match = resolve("/olek/")
    assert middleware(public_status).content.decode() == f"Nimi {MASK}"
