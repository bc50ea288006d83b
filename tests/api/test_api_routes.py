"""Every API route with the five kinds of document a reader may meet, and what must never leak.

A public, an AK, a withdrawn, a taken-down and a listed-not-fetched document share one body and one
matter. Each hidden one's file text holds the secret word; the AK document's file name and text too.
The AK document's metadata may appear; its files never; the three hidden ones not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.public.factories import index, make_document, make_file, make_registry, make_signature

from dokreg.archive.models import Access, Document, DocumentVersion, FetchState, Matter, Relation
from dokreg.privacy.personal_codes import check_digit
from dokreg.registries.models import Registry

pytestmark = pytest.mark.django_db

SECRET = "salasõna12345"
AK_FILE = "ak-sisekiri-peidus.pdf"
HIDDEN_MARKERS = ("TAGASIVÕETUDMARK", "EEMALDATUDMARK", "LOETELUSMARK")
# A valid personal code (the check digit computed, not typed): it must never leave the API unmasked.
PERSONAL_CODE = "3900101000" + str(check_digit("3900101000"))


@dataclass
class Corpus:
    body: Registry
    matter: Matter
    public: Document
    ak: Document
    withdrawn: Document
    taken_down: Document
    listed: Document

    @property
    def hidden(self) -> list[Document]:
        return [self.withdrawn, self.taken_down, self.listed]


def five_documents() -> Corpus:
    """The five documents, their files, versions and index entries (the index as if it lagged)."""
    body = make_registry(slug="siseamet", name="Siseamet")
    matter = Matter.objects.create(registry=body, root="5-4/22")
    seen = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    common = {
        "matter": matter,
        "registered": date(2025, 2, 27),
        "first_seen_at": seen,
        "series": "5-4 Rahvusvaheline kirjavahetus (AV)",
    }
    public = make_document(
        body, title="Avalik märksõna PUBLIKMARK", reference="5-4/22-1", correspondent="K. P.", **common
    )
    ak = make_document(
        body,
        title="Asutusesisene märksõna AKMARK",
        reference="5-4/22-2",
        access=Access.AK,
        access_text="AK",
        restriction_basis="AvTS § 35 lg 1 p 12",
        **common,
    )
    withdrawn = make_document(
        body,
        title=f"Märksõna {HIDDEN_MARKERS[0]}",
        reference="5-4/22-3",
        withdrawn_at=timezone.now(),
        **common,
    )
    taken_down = make_document(
        body,
        title=f"Märksõna {HIDDEN_MARKERS[1]}",
        reference="5-4/22-4",
        taken_down_at=timezone.now(),
        takedown_reason="isikuandmed",
        **common,
    )
    listed = make_document(
        body,
        title=f"Märksõna {HIDDEN_MARKERS[2]}",
        reference="5-4/22-5",
        fetch_state=FetchState.LISTED,
        **common,
    )

    container = make_file(public, name="kiri.asice", kind="asice", text="")
    make_file(
        public,
        name="kiri.pdf",
        parent=container,
        text=f"Avalik tekst, isikukood {PERSONAL_CODE}.",
        pages=[{"number": 1, "text": f"Lehekülg {PERSONAL_CODE}"}],
    )
    make_signature(container, signer_name="MARI MAASIKAS", personal_code=PERSONAL_CODE)
    # The AK file is still marked downloaded, as with DOKREG_KEEP_RESTRICTED_FILES: the rule must hold anyway.
    make_file(ak, name=AK_FILE, text=f"AK sisu {SECRET}")
    for doc in (withdrawn, taken_down, listed):
        make_file(doc, name=f"peidus-{doc.pk}.pdf", text=f"Peidetud {SECRET}")

    Relation.objects.create(
        document=public,
        kind="vastusdokument",
        target=withdrawn,
        reference="5-4/22-3",
        title=f"Vastus {HIDDEN_MARKERS[0]}",
    )
    Relation.objects.create(
        document=public,
        kind="alusdokument",
        target=ak,
        reference="5-4/22-2",
        title="Asutusesisene märksõna AKMARK",
    )
    for doc in (public, ak, withdrawn, taken_down):
        DocumentVersion.objects.create(document=doc, kind=DocumentVersion.Kind.CREATED, seen_at=seen)
    DocumentVersion.objects.create(
        document=public,
        kind=DocumentVersion.Kind.CHANGED,
        seen_at=seen,
        changes={
            "title": ["Vana pealkiri", "Avalik märksõna PUBLIKMARK"],
            "correspondent": ["Kati Põder", "K. P."],
        },
    )
    DocumentVersion.objects.create(
        document=ak,
        kind=DocumentVersion.Kind.RESTRICTED,
        seen_at=seen,
        changes={"access": ["public", "ak"], "title": ["Varasem AKVANA", "Asutusesisene märksõna AKMARK"]},
    )
    DocumentVersion.objects.create(document=withdrawn, kind=DocumentVersion.Kind.WITHDRAWN, seen_at=seen)
    index(
        public,
        ak,
        withdrawn,
        taken_down,
        listed,
        text={public.pk: "Avalik tekst", withdrawn.pk: SECRET, taken_down.pk: SECRET, listed.pk: SECRET},
    )
    return Corpus(body, matter, public, ak, withdrawn, taken_down, listed)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DOKREG_API_RATE = "off"
    cache.clear()


@pytest.fixture
def corpus() -> Corpus:
    return five_documents()


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def assert_nothing_hidden(text: str) -> None:
    assert SECRET not in text
    assert AK_FILE not in text
    assert PERSONAL_CODE not in text
    for marker in HIDDEN_MARKERS:
        assert marker not in text


# --- /documents ----------------------------------------------------------------------------


def test_document_list_shows_public_and_ak_metadata_only(client, corpus):
    response = client.get("/api/v1/documents")

    assert response.status_code == 200
    data = response.json()
    assert [item["id"] for item in data["items"]] == sorted([corpus.public.pk, corpus.ak.pk], reverse=True)
    assert data["total"] == 2
    assert_nothing_hidden(body_of(response))


def test_document_search_drops_stale_index_hits_and_never_quotes_ak_text(client, corpus):
    found = client.get("/api/v1/documents", {"q": "märksõna"}).json()
    secret = client.get("/api/v1/documents", {"q": SECRET})

    assert {item["id"] for item in found["items"]} == {corpus.public.pk, corpus.ak.pk}
    ak_item = next(item for item in found["items"] if item["id"] == corpus.ak.pk)
    assert ak_item["snippet"] is None
    assert ak_item["title"] == "Asutusesisene märksõna AKMARK"
    assert ak_item["files_public"] is False
    assert secret.status_code == 200 and secret.json()["items"] == []
    assert_nothing_hidden(body_of(secret))


def test_document_item_fields(client, corpus):
    item = client.get("/api/v1/documents", {"access": "public"}).json()["items"][0]

    assert item == {
        "id": corpus.public.pk,
        "registry": "siseamet",
        "registry_name": "Siseamet",
        "reference": "5-4/22-1",
        "registered": "2025-02-27",
        "type": "Sissetulev kiri",
        "title": "Avalik märksõna PUBLIKMARK",
        "access": "public",
        "files_public": True,
        "url": f"http://testserver/dokument/{corpus.public.pk}/",
        "source_url": corpus.public.url,
        "snippet": None,
    }


def test_public_document_detail_has_masked_text_files_and_no_personal_code(client, corpus):
    response = client.get(f"/api/v1/documents/{corpus.public.pk}")

    assert response.status_code == 200
    data = response.json()
    assert [(f["name"], f["parent"] is None) for f in data["files"]] == [
        ("kiri.asice", True),
        ("kiri.pdf", False),
    ]
    pdf = data["files"][1]
    assert pdf["pages"] == [{"number": 1, "text": "Lehekülg [isikukood]"}]
    assert pdf["download_url"] == f"http://testserver/fail/{pdf['id']}/kiri.pdf"
    assert len(pdf["sha256"]) == 64
    assert data["files"][0]["signatures"][0]["signer_name"] == "MARI MAASIKAS"
    assert "personal_code" not in data["files"][0]["signatures"][0]
    assert data["correspondent"] == "K. P."
    assert_nothing_hidden(body_of(response))


def test_public_document_history_shows_values_except_names_of_people(client, corpus):
    history = client.get(f"/api/v1/documents/{corpus.public.pk}").json()["history"]

    assert [h["kind"] for h in history] == ["created", "changed"]
    assert history[1]["changes"] == [
        {"field": "title", "before": "Vana pealkiri", "after": "Avalik märksõna PUBLIKMARK"},
        {"field": "correspondent", "before": None, "after": None},
    ]


def test_relations_to_hidden_documents_keep_no_title_or_link(client, corpus):
    relations = client.get(f"/api/v1/documents/{corpus.public.pk}").json()["relations"]

    assert relations[0] == {
        "kind": "vastusdokument",
        "reference": "5-4/22-3",
        "title": "",
        "type": "",
        "document_id": None,
        "url": None,
    }
    assert relations[1]["document_id"] == corpus.ak.pk


def test_ak_document_detail_shows_metadata_without_files_or_history_values(client, corpus):
    response = client.get(f"/api/v1/documents/{corpus.ak.pk}")

    data = response.json()
    assert data["title"] == "Asutusesisene märksõna AKMARK"
    assert data["restriction_basis"] == "AvTS § 35 lg 1 p 12"
    assert data["files"] == []
    assert (data["file_count"], data["withheld_file_count"]) == (1, 1)
    assert data["history"][1]["changes"] == [  # in the document page's order
        {"field": "title", "before": None, "after": None},
        {"field": "access", "before": None, "after": None},
    ]
    assert "AKVANA" not in body_of(response)
    assert_nothing_hidden(body_of(response))


def test_matter_in_detail_lists_only_published_documents(client, corpus):
    matter = client.get(f"/api/v1/documents/{corpus.public.pk}").json()["matter"]

    assert matter["root"] == "5-4/22"
    assert [d["id"] for d in matter["documents"]] == [corpus.ak.pk]


@pytest.mark.parametrize("which", ["withdrawn", "taken_down", "listed"])
def test_hidden_document_detail_is_404_like_an_unknown_id(client, corpus, which):
    hidden = client.get(f"/api/v1/documents/{getattr(corpus, which).pk}")
    unknown = client.get("/api/v1/documents/987654")

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"
    assert_nothing_hidden(body_of(hidden))


# --- /registries and /matters --------------------------------------------------------------


def test_registries_count_only_published_documents(client, corpus):
    listed = client.get("/api/v1/registries").json()
    detail = client.get("/api/v1/registries/siseamet").json()

    row = next(r for r in listed if r["slug"] == "siseamet")
    assert row["documents"] == 2
    assert (detail["documents"], detail["ak"]) == (2, 1)
    assert detail["export_csv"] == "http://testserver/api/v1/export/siseamet.csv"
    assert detail["feed"] == "http://testserver/asutus/siseamet/atom/"
    assert client.get("/api/v1/registries/no-such-body").status_code == 404


def test_matter_route_lists_published_documents_and_hides_an_all_hidden_matter(client, corpus):
    response = client.get(f"/api/v1/matters/{corpus.matter.pk}")
    hidden_matter = Matter.objects.create(registry=corpus.body, root="9-9/1")
    Document.objects.filter(pk=corpus.withdrawn.pk).update(matter=hidden_matter)

    assert [d["id"] for d in response.json()["documents"]] == [corpus.public.pk, corpus.ak.pk]
    assert_nothing_hidden(body_of(response))
    assert client.get(f"/api/v1/matters/{hidden_matter.pk}").status_code == 404


# --- /changes ------------------------------------------------------------------------------


def test_changes_feed_gives_hidden_documents_as_bare_tombstones(client, corpus):
    response = client.get("/api/v1/changes")

    data = response.json()
    by_id = {item["id"]: item for item in data["items"]}
    assert by_id[corpus.public.pk]["document"]["title"] == "Avalik märksõna PUBLIKMARK"
    assert by_id[corpus.ak.pk]["document"]["files_public"] is False
    assert by_id[corpus.withdrawn.pk] == {"id": corpus.withdrawn.pk, "hidden": True}
    assert by_id[corpus.taken_down.pk] == {"id": corpus.taken_down.pk, "hidden": True}
    assert corpus.listed.pk not in by_id  # never published, never mentioned
    assert data["has_more"] is False
    assert_nothing_hidden(body_of(response))


def test_changes_feed_resumes_from_its_cursor_and_sees_a_later_takedown(client, corpus):
    first = client.get("/api/v1/changes").json()
    quiet = client.get("/api/v1/changes", {"cursor": first["next_cursor"]}).json()
    Document.objects.filter(pk=corpus.public.pk).update(taken_down_at=timezone.now())
    after = client.get("/api/v1/changes", {"cursor": quiet["next_cursor"]})

    assert quiet["items"] == []
    assert after.json()["items"] == [{"id": corpus.public.pk, "hidden": True}]
    assert "PUBLIKMARK" not in body_of(after)


def test_changes_feed_pages_with_a_small_limit_without_losing_entries(client, corpus):
    seen, cursor = [], ""
    for _ in range(20):
        data = client.get("/api/v1/changes", {"cursor": cursor, "limit": 2}).json()
        seen.extend(item["id"] for item in data["items"])
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break

    assert set(seen) == {corpus.public.pk, corpus.ak.pk, corpus.withdrawn.pk, corpus.taken_down.pk}


# --- /export -------------------------------------------------------------------------------


def test_exports_hold_public_and_ak_documents_without_file_text(client, corpus):
    ndjson = client.get("/api/v1/export/siseamet.ndjson", {"year": 2025})
    csv_response = client.get("/api/v1/export/siseamet.csv", {"year": 2025})

    rows = [json.loads(line) for line in body_of(ndjson).splitlines()]
    assert ndjson["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert sorted(r["reference"] for r in rows) == ["5-4/22-1", "5-4/22-2"]
    ak_row = next(r for r in rows if r["reference"] == "5-4/22-2")
    assert ak_row["files"] == []
    assert len(body_of(csv_response).splitlines()) == 3
    for response in (ndjson, csv_response):
        assert_nothing_hidden(body_of(response))


def test_document_search_suggests_a_spelling_and_finds_a_matter_by_its_root(client, corpus):
    typo = client.get("/api/v1/documents", {"q": "märksna"}).json()
    found = client.get("/api/v1/documents", {"q": "märksõna"}).json()
    matter = client.get("/api/v1/documents", {"q": "5-4/22"}).json()

    assert typo["total"] == 0 and typo["corrected"] == "märksõna"
    assert found["corrected"] is None
    assert {item["id"] for item in matter["items"]} == {corpus.public.pk, corpus.ak.pk}
