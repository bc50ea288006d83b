"""Every public route, found from the URL conf and the OpenAPI schema (so a new route is walked without
anyone remembering to add it), against a hostile register's documents: valid personal codes in every
spelling, markup, ``javascript:`` links, control characters and RTL overrides in every field.

Nothing may leak a code in any spelling, answer 500, or put the register's markup on a page unescaped;
a search for any of the codes finds nothing."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from tests.leaks.walker import read, walk
from tests.public.factories import index, make_document, make_file, make_registry

from dokreg.archive.models import Access, DocumentVersion, Matter, Relation
from dokreg.desk.models import RemovalRequest
from dokreg.privacy.personal_codes import check_digit, contains_personal_code

pytestmark = pytest.mark.django_db


def code(born: str) -> str:
    return born + str(check_digit(born))


CODES = [code("3800108571"), code("4920229123"), code("5030303004"), code("6111111111")]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# The spellings a register (or a hostile one) may use; each must be caught everywhere.
SPELLINGS = [
    CODES[0],
    f"{CODES[1][:7]} {CODES[1][7:]}",
    "\u200b".join(CODES[2]),
    CODES[3].translate(FULLWIDTH),
]
MARKUP = '<script>alert("dokreg")</script><img src=x onerror=alert(1)>'
HOSTILE = f"\u202e{MARKUP}\x1b[31m\x08"


def hostile(label: str, i: int) -> str:
    return f"{label} {SPELLINGS[i % len(SPELLINGS)]} {HOSTILE}"


@pytest.fixture
def archive():
    body = make_registry(slug="vaenulik", name=hostile("Vaenulik amet", 0))
    matter = Matter.objects.create(registry=body, root="6-6/66")
    docs = []
    for n, access in enumerate((Access.PUBLIC, Access.AK, Access.PUBLIC)):
        doc = make_document(
            body,
            reference=f"6-6/66-{n + 1}",
            matter=matter,
            url="javascript:alert(1)",
            registered=date(2024, 2, 29),
            access=access,
            access_text="AK" if access == Access.AK else "Avalik",
            title=hostile("Taotlus", n),
            correspondent=hostile("Mari Maasikas", n + 1),
            responsible=hostile("Jaan Tamm", n + 2),
            function=hostile("1 Juhtimine", n + 3),
            series=hostile("1-1 Kirjavahetus", n),
            case_file=hostile("Toimik", n + 1),
            sender_reference=hostile("S", n + 2),
            channel=hostile("e-post", n + 3),
            doc_type=hostile("Kiri", n),
            restriction_basis=hostile("AvTS § 35 lg 1 p 12", n) if access == Access.AK else "",
        )
        make_file(doc, name=f"avaldus {SPELLINGS[n]}.txt", kind="txt", text=hostile("Avalduse tekst", n + 1))
        DocumentVersion.objects.create(
            document=doc,
            kind="changed",
            seen_at=timezone.now(),
            changes={"title": [hostile("Vana", n + 2), doc.title]},
        )
        docs.append(doc)
    Relation.objects.create(
        document=docs[0],
        kind=hostile("alusdokument", 1),
        reference="6-6/66-3",
        title=hostile("Seos", 2),
        target=docs[2],
    )
    index(*docs)
    # Removal requests: one unconfirmed about a public document, one granted about a document since taken
    # down (its hostile title must stay off the tracking page); walked by token.
    gone = make_document(body, title=hostile("Maha võetud", 1), taken_down_at=timezone.now())
    requests = [
        RemovalRequest.objects.create(
            token=f"walker-token-{n}",
            document=doc,
            document_label=doc.registry.name,
            basis="gdpr_17",
            name=hostile("Mari", n),
            email="mari@example.ee",
            explanation=hostile("Selgitus", n),
            status=status,
            answer=hostile("Vastus", n) if status == "granted" else "",
            decided_at=timezone.now() if status == "granted" else None,
        )
        for n, (doc, status) in enumerate(((docs[0], "unconfirmed"), (gone, "granted")))
    ]
    return {"body": body, "matter": matter, "docs": docs, "requests": requests}


# Values for the URL conf's parameters, by name; a route with a parameter not named here fails the walk,
# so whoever adds a route extends this table.
def parameter_values(archive) -> dict[str, list[str]]:
    doc = archive["docs"][0]
    return {
        "pk": [str(doc.pk), str(archive["docs"][1].pk), str(archive["matter"].pk)],
        "slug": [archive["body"].slug],
        "year": ["2024"],
        "month": ["2"],
        "key": ["1-1"],
        "name": [f"{f.pk}/{f.name}" for f in doc.files.all()],
        "section": ["vaenulik-2024"],
        # Removal requests by token (dokreg.desk) and saved-search links (dokreg.alerts): a forged, used or
        # overlong token must be a plain 404 page.
        "token": [r.token for r in archive["requests"]] + ["no-such-token", "vale-voti", "x" * 300],
    }


def assert_nothing_leaks(url: str, status: int, content_type: str, body: str) -> None:
    assert status < 500, f"{url} answered {status}"
    for reading in (body, unquote(body), _json_unescaped(body)):
        assert not contains_personal_code(reading), f"{url} leaks a personal code"
    if "html" in content_type:
        assert "<script>alert" not in body and "<img src=x" not in body, f"{url} shows the register's markup"
        assert 'href="javascript:' not in body.lower(), f"{url} links to javascript:"
    if "atom" in content_type:
        # A feed reader renders an element of type="html" as HTML: its (XML-unescaped) text must hold no markup.
        for element in ElementTree.fromstring(body.encode()).iter():
            if element.get("type") == "html" and element.text:
                assert "<script" not in element.text and "<img" not in element.text, (
                    f"{url} feeds markup as HTML"
                )


def _json_unescaped(body: str) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return body


def api_parameter_values(archive) -> dict[str, str]:
    doc, matter, body = archive["docs"][0], archive["matter"], archive["body"]
    return {"doc_id": str(doc.pk), "matter_id": str(matter.pk), "slug": body.slug}


def test_every_public_route_and_api_endpoint(client, archive):
    walked = walk(
        client,
        values=parameter_values(archive),
        api_values=api_parameter_values(archive),
        extra=[
            "/otsi/?q=Taotlus",
            "/otsi/?q=Maasikas&sort=date",
            "/otsi/?q=Taotlus&sort=registry",
            "/otsi/?sort=oldest",
            # No words, listed by the index (ids from its fast field), then re-checked as card rows.
            "/otsi/?access=public&access=ak&access=on_request",
            "/otsi/eksport.csv?q=Taotlus&sep=semicolon",
            "/otsi/eksport.ndjson?q=Taotlus",
            "/otsi/atom/?q=Taotlus",
            "/api/v1/documents?q=Taotlus",
        ],
        check=assert_nothing_leaks,
    )
    assert len(walked) > 40  # the walk really went through the archive


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_search_for_any_code_finds_nothing(client, archive, spelling):
    page = client.get("/otsi/", {"q": spelling})
    assert page.status_code in (200, 400)
    assert not contains_personal_code(page.content.decode())
    api = client.get("/api/v1/documents", {"q": spelling})
    assert api.status_code == 400 or api.json()["total"] == 0


def test_search_windows_past_their_bounds_leak_nothing(client, archive, monkeypatch):
    """With the totals and facet bounds at one match, every search route reads windows of newest days:
    a date range's own, the facets' first and grown ones, the year facet's outside the range. Over
    hostile documents on many days (AK among them, and a withdrawn and a taken-down one the index has
    not dropped yet) nothing leaks, and neither of those two is shown."""
    from dokreg.search import services

    body = archive["body"]
    extra = [
        make_document(
            body,
            registered=date(2024, 1, 1 + n),
            access=Access.AK if n % 3 == 0 else Access.PUBLIC,
            title=hostile("Taotlus", n),
            correspondent=hostile("Mari Maasikas", n + 1),
            doc_type=hostile("Kiri", n),
            series=hostile("1-1 Kirjavahetus", n),
        )
        for n in range(20)
    ]
    withdrawn = make_document(
        body, registered=date(2024, 1, 25), title="Taotlus tagasivõetud", withdrawn_at=timezone.now()
    )
    taken_down = make_document(
        body, registered=date(2024, 1, 26), title="Taotlus mahavõetud", taken_down_at=timezone.now()
    )
    index(*archive["docs"], *extra, withdrawn, taken_down)  # an index a moment behind the database
    monkeypatch.setattr(services, "TOTAL_BOUND", 1)
    monkeypatch.setattr(services, "FACET_BOUND", 1)
    monkeypatch.setattr(services, "CACHED_RESULTS", 0)
    urls = [
        "/otsi/",
        "/otsi/?q=Taotlus",
        "/otsi/?q=Taotlus&sort=date",
        "/otsi/?date_from=2024-01-05&date_to=2024-01-15",
        "/otsi/?q=Taotlus&date_from=2024-01-01&date_to=2024-01-31&sort=date",
        "/otsi/?access=public&access=ak&date_to=2024-01-20",
        f"/otsi/?registry={body.slug}&date_from=2024-01-10",
        "/otsi/atom/?q=Taotlus&date_from=2024-01-01",
        "/otsi/eksport.ndjson?q=Taotlus&date_from=2024-01-01",
        "/api/v1/documents?q=Taotlus&date_from=2024-01-01",
    ]
    sampled = 0
    for url in urls:
        status, content_type, text = read(client, url)
        assert_nothing_leaks(url, status, content_type, text)
        assert "tagasivõetud" not in text and "mahavõetud" not in text, f"{url} shows a hidden document"
        sampled += "uusima tulemuse põhjal" in text
    assert sampled  # the facets really were counted over a window of newest matches
