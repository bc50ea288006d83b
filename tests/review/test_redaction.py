"""Redaction of a private person's name: no trace of it on any public route (the leak walker walks every
route and API path), in the index or in exports; the originals are withheld and the page says so;
revert brings it all back; a re-visit or a new extraction does not bring the name back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from tests.leaks.walker import walk
from tests.public.factories import make_document, make_file, make_registry, make_signature

from dokreg.archive.models import Document, DocumentVersion, File, Matter, Relation, Signature
from dokreg.archive.services import document_upsert
from dokreg.desk.audit import trail
from dokreg.desk.models import RemovalRequest
from dokreg.extract.types import Extraction, Page, SignatureInfo
from dokreg.pipeline.files import extraction_store
from dokreg.pipeline.indexing import index_documents
from dokreg.registries.types import FileRef, RegisterEntry
from dokreg.review import redaction as service
from dokreg.review.models import Redaction
from dokreg.review.names import Person, Replacer
from dokreg.search import search

pytestmark = pytest.mark.django_db

MARI = Person(given="Mari", surname="Maasikas")
LETTER = (
    "Lugupeetud Jaan Tamm!\n"
    "Mina, Mari Maasikas, palun vastust. Maasikamaa küla elanikuna tean, et maasikad on punased.\n"
    "Vastus saata Mari Maasikasele või lihtsalt Maasikale.\n"
    "MARI MAASIKAS"
)


@pytest.fixture
def operator():
    return get_user_model().objects.create_user("operaator", is_staff=True)


@pytest.fixture
def archive():
    body = make_registry(slug="testamet", name="Testamet")
    matter = Matter.objects.create(registry=body, root="7-1/12")
    doc = make_document(
        body,
        reference="7-1/12-1",
        matter=matter,
        registered=date(2024, 2, 29),
        title="Mari Maasikase avaldus",
        correspondent="Mari Maasikas",
        responsible="Jaan Tamm (nõunik)",
    )
    letter = make_file(doc, name="avaldus_mari_maasikas.txt", kind="txt", text=LETTER)
    File.objects.filter(pk=letter.pk).update(pages=[{"number": 1, "text": LETTER}])
    container = make_file(doc, name="avaldus.asice", kind="asice", text="")
    make_signature(container, signer_name="MARI MAASIKAS")
    DocumentVersion.objects.create(
        document=doc,
        kind="changed",
        seen_at=timezone.now(),
        changes={"title": ["Maasikas Mari avaldus", "Mari Maasikase avaldus"]},
    )
    reply = make_document(body, reference="7-1/12-2", matter=matter, title="Vastus pöördumisele")
    Relation.objects.create(document=reply, kind="vastus", reference="7-1/12-1", title=doc.title, target=doc)
    index_documents(doc_ids=[doc.pk, reply.pk])
    return {
        "body": body,
        "matter": matter,
        "doc": doc,
        "reply": reply,
        "letter": letter,
        "container": container,
    }


def walk_values(archive) -> tuple[dict, dict]:
    doc = archive["doc"]
    values = {
        "pk": [str(doc.pk), str(archive["reply"].pk), str(archive["matter"].pk)],
        "slug": [archive["body"].slug],
        "year": ["2024"],
        "month": ["2"],
        "key": ["1-1"],
        "name": [f"{f.pk}/{f.name}" for f in File.objects.filter(document=doc)],
        "section": ["testamet-2024"],
        # A removal request about the redacted document: its tracking page must not name the person either.
        "token": [
            RemovalRequest.objects.get_or_create(
                token="redaction-walk",
                defaults=dict(
                    document=doc,
                    document_label=doc.registry.name,
                    basis="gdpr_17",
                    name="Mari Maasikas",
                    email="mari@example.ee",
                    explanation="Palun eemaldage",
                    status="pending",
                ),
            )[0].token
        ],
    }
    return values, {
        "doc_id": str(doc.pk),
        "matter_id": str(archive["matter"].pk),
        "slug": archive["body"].slug,
    }


def public_text(client, archive) -> dict[str, str]:
    """Every public response about the archive, by URL."""
    seen: dict[str, str] = {}

    def keep(url, status, content_type, body):
        assert status < 500, f"{url} answered {status}"
        seen[url] = body

    values, api_values = walk_values(archive)
    # Queries for the name itself would echo it back in the search box: the index is checked apart.
    extra = ["/otsi/?q=avaldus", "/otsi/?q=vastust", "/otsi/atom/?q=avaldus", "/api/v1/documents?q=avaldus"]
    extra += ["/api/v1/export/testamet.ndjson", "/api/v1/export/testamet.csv"]
    walk(client, values=values, api_values=api_values, extra=extra, check=keep)
    return seen


def name_traces(seen: dict[str, str]) -> list[str]:
    """Every form of the name in the responses: capitalised or in capitals anywhere, and the full name in
    any case (file names in links lose their case). Lowercase "maasikad" (strawberries) is no trace."""
    replacer = Replacer(_probe())
    out = []
    for url, body in seen.items():
        for text in (body, unquote(body)):
            forms = replacer.find(text) + [
                f for f in replacer.find(text, any_case=True) if "mari" in f.lower()
            ]
            if forms:
                out.append(f"{url}: {sorted(set(forms))}")
    return out


def _probe():
    from dokreg.review.names import persons_prepare

    return tuple(persons_prepare([MARI]))


def test_redacted_document_has_no_trace_of_the_name_on_any_public_route(client, archive, operator):
    before = public_text(client, archive)
    assert name_traces(before), "the walk must see the name before the redaction, or it proves nothing"

    service.redaction_apply(
        document=archive["doc"], persons=[MARI], actor=operator, reason="eraisiku avaldus"
    )

    after = public_text(client, archive)
    assert len(after) > 30
    assert not name_traces(after)
    page = client.get(f"/dokument/{archive['doc'].pk}/").content.decode()
    assert "M. M. avaldus" in page and "M. M." in page
    # The official acting for the body and the longer word stay; so do the strawberries.
    assert "Jaan Tamm" in page and "Maasikamaa" in page and "maasikad on punased" in page
    assert "asendatud initsiaalidega" in page
    # The index has no trace either: searching any form finds nothing of the person.
    for query in ("Maasikas", "Maasikale", "Maasikasele", '"Mari Maasikas"'):
        snippets = {
            f"{query} #{h.doc_id}": h.snippet.replace("<mark>", "").replace("</mark>", "")
            for h in search(query).hits
        }
        assert not name_traces(snippets)
    assert not any(h.doc_id == archive["doc"].pk for h in search('"Mari Maasikas"').hits)
    # The other document's copy of the title is redacted too.
    assert Relation.objects.get(document=archive["reply"]).title == "M. M. avaldus"


def test_originals_are_withheld_and_the_page_says_so(client, archive, operator):
    letter = archive["letter"]
    assert client.get(f"/fail/{letter.pk}/{letter.name}").status_code == 200
    service.redaction_apply(document=archive["doc"], persons=[MARI], actor=operator)
    letter.refresh_from_db()
    response = client.get(f"/fail/{letter.pk}/{letter.name}")
    assert response.status_code == 403
    assert "initsiaalidega" in response.content.decode()
    page = client.get(f"/dokument/{archive['doc'].pk}/").content.decode()
    assert f'href="/fail/{letter.pk}/' not in page


def test_revert_brings_everything_back(client, archive, operator):
    doc = archive["doc"]
    redaction = service.redaction_apply(document=doc, persons=[MARI], actor=operator)
    assert redaction.before["document"][str(doc.pk)]["title"] == "Mari Maasikase avaldus"  # staff-only
    service.redaction_revert(redaction=redaction, actor=operator, reason="isik ise soovis")
    doc.refresh_from_db()
    assert doc.title == "Mari Maasikase avaldus" and doc.correspondent == "Mari Maasikas"
    letter = File.objects.get(pk=archive["letter"].pk)
    assert letter.name == "avaldus_mari_maasikas.txt" and letter.text == LETTER
    assert Signature.objects.get(file=archive["container"]).signer_name == "MARI MAASIKAS"
    assert DocumentVersion.objects.get(document=doc).changes["title"][0] == "Maasikas Mari avaldus"
    assert Relation.objects.get(document=archive["reply"]).title == "Mari Maasikase avaldus"
    assert client.get(f"/fail/{letter.pk}/{letter.name}").status_code == 200
    assert "Mari Maasikase avaldus" in client.get(f"/dokument/{doc.pk}/").content.decode()
    assert any(h.doc_id == doc.pk for h in search('"Mari Maasikas"').hits)
    actions = list(trail(doc).values_list("action", flat=True))
    assert actions == ["redact_revert", "redact"]


def test_two_persons_with_the_same_initials_are_numbered(archive, operator):
    doc = archive["doc"]
    File.objects.filter(pk=archive["letter"].pk).update(text=LETTER + "\nKoopia: Mihkel Mets, naaber.")
    service.redaction_apply(document=doc, persons=[MARI], actor=operator)
    service.redaction_apply(document=doc, persons=[Person("Mihkel", "Mets")], actor=operator)
    [active] = Redaction.objects.filter(document=doc, reverted_at=None)
    assert [p["label"] for p in active.persons] == ["M. M. (1)", "M. M. (2)"]
    text = File.objects.get(pk=archive["letter"].pk).text
    assert "Mina, M. M. (1), palun" in text and "Koopia: M. M. (2), naaber." in text
    doc.refresh_from_db()
    assert doc.title == "M. M. (1) avaldus"
    # Reverting the combined redaction brings both names back.
    service.redaction_revert(redaction=active, actor=operator)
    assert "Mihkel Mets" in File.objects.get(pk=archive["letter"].pk).text
    assert Document.objects.get(pk=doc.pk).title == "Mari Maasikase avaldus"


def test_verification_rolls_back_and_says_what_is_left(archive, operator, monkeypatch):
    doc = archive["doc"]
    # A field the rewrite forgets: the verification reads the page and finds the name there.
    monkeypatch.setattr(service, "DOCUMENT_FIELDS", tuple(f for f in service.DOCUMENT_FIELDS if f != "title"))
    with pytest.raises(service.RedactionIncomplete) as caught:
        service.redaction_apply(document=doc, persons=[MARI], actor=operator)
    assert "Maasikase" in caught.value.message and f"/dokument/{doc.pk}/" in caught.value.message
    doc.refresh_from_db()
    assert doc.correspondent == "Mari Maasikas"  # everything is back as it was
    assert File.objects.get(pk=archive["letter"].pk).text == LETTER
    [failed] = Redaction.objects.filter(document=doc)
    assert failed.reverted_at and failed.reverted_by == "verification" and failed.leftovers
    assert "redact_rolled_back" in trail(doc).values_list("action", flat=True)


def test_a_revisit_does_not_bring_the_name_back(operator):
    registry = make_registry(slug="adr-test")
    entry = RegisterEntry(
        source_id="77",
        url="http://127.0.0.1:1/x/dokument/77",
        reference="7-1/77-1",
        registered=date(2025, 1, 10),
        doc_type="Sissetulev kiri",
        title="Mari Maasikase avaldus",
        access="Avalik",
        correspondent="Mari Maasikas",
        files=(FileRef(ordinal=1, name="Mari_Maasikas_avaldus.pdf", url="http://127.0.0.1:1/x/fail/1"),),
        parser="adr/1",
    )
    doc = document_upsert(registry=registry, entry=entry).document
    file = doc.files.get()
    service.redaction_apply(document=doc, persons=[MARI], actor=operator, verify=False)
    versions = DocumentVersion.objects.filter(document=doc).count()

    again = document_upsert(registry=registry, entry=entry)
    assert again.kind == "unchanged"
    doc.refresh_from_db()
    assert doc.title == "M. M. avaldus" and doc.correspondent == "M. M."
    assert doc.files.get().pk == file.pk and doc.files.get().name == "M. M._avaldus.pdf"

    changed = document_upsert(
        registry=registry, entry=replace(entry, title="Mari Maasikase avaldus (täiendatud)")
    )
    doc.refresh_from_db()
    assert changed.kind == "changed" and doc.title == "M. M. avaldus (täiendatud)"
    assert DocumentVersion.objects.filter(document=doc).count() == versions + 1
    assert "Maasika" not in str(DocumentVersion.objects.filter(document=doc).last().changes)


def test_a_new_extraction_is_redacted_when_stored(archive, operator):
    doc, container = archive["doc"], archive["container"]
    service.redaction_apply(document=doc, persons=[MARI], actor=operator, verify=False)
    extraction_store(
        file=container,
        extraction=Extraction(
            kind="asice",
            version=1,
            text="Allkirjastanud Mari Maasikas",
            pages=(Page(number=1, text="Allkirjastanud Mari Maasikas"),),
            signatures=(SignatureInfo(signer_name="MAASIKAS,MARI"),),
        ),
    )
    container.refresh_from_db()
    assert container.text == "Allkirjastanud M. M." and container.pages[0]["text"] == "Allkirjastanud M. M."
    assert Signature.objects.get(file=container).signer_name == "M. M."
    # And revert restores the newly extracted values too.
    service.redaction_revert(redaction=Redaction.objects.get(document=doc, reverted_at=None), actor=operator)
    container.refresh_from_db()
    assert container.text == "Allkirjastanud Mari Maasikas"


def test_nothing_to_redact_without_a_person(archive, operator):
    from dokreg.errors import BadInput

    with pytest.raises(BadInput):
        service.redaction_apply(document=archive["doc"], persons=[], actor=operator)


def test_a_failed_addition_keeps_the_earlier_redaction(archive, operator, monkeypatch):
    doc = archive["doc"]
    first = service.redaction_apply(document=doc, persons=[MARI], actor=operator)
    monkeypatch.setattr(service, "redaction_verify", lambda redaction: ["/dokument/1/: Mets"])
    with pytest.raises(service.RedactionIncomplete, match="Mets"):
        service.redaction_apply(document=doc, persons=[Person("Mihkel", "Mets")], actor=operator)
    first.refresh_from_db()
    assert first.active and Redaction.objects.filter(document=doc, reverted_at=None).get() == first
    doc.refresh_from_db()
    assert doc.title == "M. M. avaldus"
    service.redaction_revert(redaction=first, actor=operator)
    doc.refresh_from_db()
    assert doc.title == "Mari Maasikase avaldus"


def test_verification_reads_pages_behind_the_tls_proxy(archive, operator, settings):
    """With DOKREG_HTTPS and DOKREG_SSL_REDIRECT on, the verification must still read the pages."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["dokreg.example.ee"]
    redaction = service.redaction_apply(document=archive["doc"], persons=[MARI], actor=operator)
    assert redaction.active and not redaction.leftovers


def test_every_document_text_column_is_redacted_or_kept_on_purpose():
    """No Document column that can hold words slips by: each is rewritten or on a commented keep-list."""
    from django.db import models

    from dokreg import fields

    words = [
        c.name
        for c in Document._meta.concrete_fields
        if isinstance(c, (models.CharField, models.TextField, models.JSONField))
    ]
    redacted = set(service.DOCUMENT_FIELDS) | set(service.DOCUMENT_JSON_FIELDS)
    kept = service.DOCUMENT_KEEP | service.DOCUMENT_STAFF_ONLY
    assert [c for c in words if c not in redacted and c not in kept] == []
    assert sorted(kept - set(words)) == [], "a kept name that is no Document text column: a stale entry"
    # Every text the public reads of a document, as the field table lists it, is redacted; only the
    # source's addresses and the access code are not (the register's words on access are).
    public = {f.name for f in fields.DOCUMENT_FIELDS if not f.derived and f.name in words}
    assert sorted(public - redacted) == ["access", "source_id", "url"]
    assert {"title", "correspondent", "responsible", "access_text", "source_fields"} <= redacted


def test_a_column_added_to_the_model_or_the_table_is_redacted():
    """Not a list by hand: a new text column is redacted though nobody named it to the redaction, and a
    staff-only column becomes redacted once the field table makes it public."""
    from django.db import models

    from dokreg.fields import DOCUMENT_FIELDS, DocField

    applicant = models.TextField(blank=True)
    applicant.set_attributes_from_name("applicant")
    columns = [*Document._meta.concrete_fields, applicant]
    text, json = service.document_columns(columns=columns, table=DOCUMENT_FIELDS)
    assert "applicant" in text and "parser" not in text and "source_fields" in json

    listed = (*DOCUMENT_FIELDS, DocField("parser", "Parser"), DocField("takedown_reason", "Põhjus"))
    text, _json = service.document_columns(columns=columns, table=listed)
    assert {"parser", "takedown_reason"} <= set(text) and "error_message" not in text
    # The source's addresses stay as the source wrote them, listed or not.
    assert not {"source_id", "url"} & set(text)
