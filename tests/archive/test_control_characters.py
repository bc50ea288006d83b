"""Control characters a register or a file hands us are never stored, and never break a feed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client
from lxml import etree
from tests.archive.test_services import _entry
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import File
from dokreg.archive.services import document_upsert
from dokreg.archive.text import xml_safe, xml_safe_all
from dokreg.extract.types import ChildFile, Extraction, Page, SignatureInfo
from dokreg.pipeline.files import extraction_store
from dokreg.pipeline.indexing import index_documents
from dokreg.registries.types import FileRef, RelationRef

pytestmark = pytest.mark.django_db

DIRTY = "Taotlus\x1b[31m\x08 vastus\x00\x7f\ufffe\ud800\x0c lõpp"
CLEAN = "Taotlus[31m vastus lõpp"


def test_xml_safe_drops_only_what_xml_cannot_carry():
    assert xml_safe(DIRTY) == CLEAN
    kept = "rida\tveerg\r\nõ ü € \U0001f600 \u200b \x85"
    assert xml_safe(kept) == kept
    assert xml_safe_all({"a\x00": ("b\x01", ["c\x02", 3, b"\x00"])}) == {"a": ("b", ["c", 3, b"\x00"])}


def test_register_metadata_is_stored_without_control_characters():
    registry = make_registry()
    entry = replace(
        _entry(),
        title=DIRTY,
        correspondent=f"Mari\x00 {DIRTY}",
        source_fields=(("Pealkiri\x1b", DIRTY),),
        files=(FileRef(ordinal=1, name="kiri\x08.pdf", url="http://127.0.0.1:1/f/1", source_file_id="1"),),
        relations=(RelationRef(kind="Vastus\x1b", reference="1-2/3", title=DIRTY),),
    )
    document = document_upsert(registry=registry, entry=entry).document
    document.refresh_from_db()
    assert document.title == CLEAN
    assert document.correspondent == f"Mari {CLEAN}"
    assert document.source_fields == [["Pealkiri", CLEAN]]
    assert document.files.get().name == "kiri.pdf"
    relation = document.relations.get()
    assert (relation.kind, relation.title) == ("Vastus", CLEAN)
    changed = document_upsert(registry=registry, entry=replace(entry, title=f"Uus\x1b {DIRTY}"))
    version = changed.document.versions.order_by("-id").first()
    assert "\x1b" not in str(version.changes) and "\x00" not in str(version.changes)


def test_extracted_text_is_stored_without_control_characters():
    document = make_document(make_registry())
    file = make_file(document, name="pakk.asice", data=b"PK")
    extraction = Extraction(
        kind="pdf",
        version=1,
        text=DIRTY,
        pages=(Page(number=1, text=DIRTY),),
        metadata=(("Title\x00", DIRTY),),
        children=(ChildFile(name="lisa\x1b.pdf", data=b"\x00\x1b bytes stay"),),
        signatures=(SignatureInfo(signer_name="MARI\x08 MAASIKAS"),),
        warnings=(DIRTY,),
    )
    extraction_store(file=file, extraction=extraction)
    file.refresh_from_db()
    assert file.text == CLEAN
    assert file.pages == [{"number": 1, "text": CLEAN}]
    assert file.metadata == [["Title", CLEAN]] and file.warnings == [CLEAN]
    assert file.signatures.get().signer_name == "MARI MAASIKAS"
    assert File.objects.get(parent=file).name == "lisa.pdf"


ATOM = "{http://www.w3.org/2005/Atom}"


def stored_before_cleaning(text: str) -> str:
    """What an old row could hold: no database stores a lone surrogate, and PostgreSQL refuses NUL too."""
    from django.db import connection

    text = text.replace("\ud800", "")
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


def test_feeds_answer_for_a_document_stored_with_control_characters_before_cleaning():
    """An old row, written before input was cleaned, still makes a well-formed feed."""
    registry = make_registry()
    old = stored_before_cleaning(DIRTY)
    document = make_document(registry, title=f"Maasikas {old}", doc_type="Kiri\x1b")
    index_documents(doc_ids=[document.pk])
    client = Client()
    for url in ("/otsi/atom/?q=Maasikas", f"/asutus/{registry.slug}/atom/", "/otsi/atom/?q=Maasikas&x=\x1b"):
        response = client.get(url)
        assert response.status_code == 200, url
        feed = etree.fromstring(response.content)
        titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
        assert titles == [f"Maasikas {CLEAN}"], url
    response = client.get(f"/asutus/{registry.slug}/atom/", {"sari": "1-1\x1b Kirjad"})
    assert response.status_code == 200


def test_the_migration_cleans_rows_stored_before_and_marks_them_for_reindexing():
    import importlib

    from django.apps import apps

    from dokreg.archive.models import Document, DocumentVersion, Relation

    migration = importlib.import_module("dokreg.archive.migrations.0006_clean_control_characters")
    old = stored_before_cleaning(DIRTY)
    document = make_document(make_registry(), title=old, source_fields=[["Pealkiri", old]])
    untouched = make_document(make_registry(), title="Puhas pealkiri")
    Document.objects.filter(pk__in=[document.pk, untouched.pk]).update(index_dirty=False)
    file = make_file(document, name="kiri\x1b.pdf", text=old, pages=[{"number": 1, "text": old}])
    Relation.objects.create(document=document, kind="Vastus", title=old)
    DocumentVersion.objects.create(
        document=document,
        kind=DocumentVersion.Kind.CHANGED,
        seen_at=document.first_seen_at,
        changes={"title": [old, "uus"]},
    )
    migration.clean(apps, None)
    document.refresh_from_db()
    file.refresh_from_db()
    assert document.title == CLEAN and document.source_fields == [["Pealkiri", CLEAN]]
    assert (file.name, file.text, file.pages) == ("kiri.pdf", CLEAN, [{"number": 1, "text": CLEAN}])
    assert document.relations.get().title == CLEAN
    assert document.versions.get(kind=DocumentVersion.Kind.CHANGED).changes == {"title": [CLEAN, "uus"]}
    assert document.index_dirty
    untouched.refresh_from_db()
    assert not untouched.index_dirty and untouched.title == "Puhas pealkiri"
