"""The archive's upsert: every change at the source is a version; restrictions purge file bytes and text."""

from dataclasses import replace
from datetime import date

import pytest

from dokreg.archive.models import Access, Document, DocumentVersion, FetchState, File
from dokreg.archive.services import document_listed, document_upsert, document_withdrawn, documents_listed
from dokreg.archive.storage import blob_path, blob_put
from dokreg.registries.models import Registry
from dokreg.registries.types import FileRef, ListedEntry, RawCapture, RegisterEntry, RelationRef

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return Registry.objects.create(
        slug="t-som", name="Sotsiaalministeerium", family="adr", base_url="http://127.0.0.1:1/som/"
    )


def _entry(**changes) -> RegisterEntry:
    entry = RegisterEntry(
        source_id="18270648",
        url="http://127.0.0.1:1/som/dokument/18270648",
        reference="5.1-2/3233-1",
        registered=date(2025, 12, 23),
        doc_type="Sissetulev kiri",
        title="Pöördumine",
        access="Avalik",
        correspondent="Justiits- ja Digiministeerium",
        channel="DVK",
        files=(
            FileRef(
                ordinal=1,
                name="kiri.asice",
                url="http://127.0.0.1:1/som/fail/1/kiri.asice",
                source_file_id="1",
            ),
        ),
        parser="adr/1",
    )
    return replace(entry, **changes)


def test_first_upsert_creates_document_with_version_and_matter(registry):
    raw = RawCapture(url="u", status=200, body=b"<html>page</html>")
    outcome = document_upsert(registry=registry, entry=_entry(), raw=raw)
    doc = outcome.document
    assert outcome.kind == "new"
    assert doc.fetch_state == FetchState.OK and doc.access == Access.PUBLIC
    assert doc.matter.root == "5.1-2/3233"
    assert [v.kind for v in doc.versions.all()] == [DocumentVersion.Kind.CREATED]
    assert doc.files.get().name == "kiri.asice"


def test_same_entry_twice_changes_nothing(registry):
    document_upsert(registry=registry, entry=_entry())
    outcome = document_upsert(registry=registry, entry=_entry())
    assert outcome.kind == "unchanged"
    assert outcome.document.versions.count() == 1
    assert Document.objects.count() == 1 and File.objects.count() == 1


def test_metadata_edit_records_what_changed(registry):
    document_upsert(registry=registry, entry=_entry())
    outcome = document_upsert(registry=registry, entry=_entry(title="Pöördumine (parandatud)"))
    assert outcome.kind == "changed"
    version = outcome.document.versions.last()
    assert version.kind == DocumentVersion.Kind.CHANGED
    assert version.changes == {"title": ["Pöördumine", "Pöördumine (parandatud)"]}


def _stored_file_with_text(registry):
    doc = document_upsert(registry=registry, entry=_entry()).document
    file = doc.files.get()
    blob = blob_put(b"secret words")
    File.objects.filter(pk=file.pk).update(
        blob=blob, download_state=File.Download.OK, text="salajane", extract_state=File.Extract.OK
    )
    return file, blob


RESTRICTED = {"access": "AK", "restriction_basis": "AvTS § 35 lg 1 p 12", "files": ()}


def test_restriction_added_purges_file_bytes_and_text(registry, django_capture_on_commit_callbacks):
    file, blob = _stored_file_with_text(registry)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = document_upsert(registry=registry, entry=_entry(**RESTRICTED))
    assert outcome.document.access == Access.AK
    assert outcome.document.versions.last().kind == DocumentVersion.Kind.RESTRICTED
    assert not File.objects.filter(text="salajane").exists()
    assert not blob_path(blob.sha256).exists()
    [basis] = outcome.document.bases.all()
    assert (basis.law, basis.section, basis.subsection, basis.point) == ("AvTS", "35", "1", "12")


def test_a_restriction_update_that_fails_after_the_purge_keeps_the_files_bytes(registry, monkeypatch):
    """The purge deletes bytes only once its transaction commits: rolled back (an error, a deadlock),
    the file's rows point at bytes that are still there."""
    file, blob = _stored_file_with_text(registry)

    def fails(*_args):
        raise RuntimeError("the month's figures could not be written")

    monkeypatch.setattr("dokreg.archive.stats.body_month_move", fails)
    with pytest.raises(RuntimeError):
        document_upsert(registry=registry, entry=_entry(**RESTRICTED))
    file.refresh_from_db()
    assert file.blob_id == blob.sha256 and file.download_state == File.Download.OK
    assert blob_path(blob.sha256).read_bytes() == b"secret words"


def test_restriction_lifted_is_recorded(registry):
    document_upsert(registry=registry, entry=_entry(access="AK", files=()))
    outcome = document_upsert(registry=registry, entry=_entry())
    assert outcome.document.versions.last().kind == DocumentVersion.Kind.OPENED
    assert outcome.changes["files"] == {"added": ["kiri.asice"], "removed": []}


def test_same_named_files_stay_apart(registry):
    files = (
        FileRef(ordinal=1, name="lisa.pdf", url="http://x/1", source_file_id="1"),
        FileRef(ordinal=2, name="lisa.pdf", url="http://x/2", source_file_id="2"),
    )
    doc = document_upsert(registry=registry, entry=_entry(files=files)).document
    assert list(doc.files.values_list("name", "url")) == [
        ("lisa.pdf", "http://x/1"),
        ("lisa.pdf", "http://x/2"),
    ]
    assert document_upsert(registry=registry, entry=_entry(files=files)).kind == "unchanged"


def test_withdrawn_document_keeps_history(registry):
    doc = document_upsert(registry=registry, entry=_entry()).document
    assert document_withdrawn(document=doc) is True
    assert document_withdrawn(document=doc) is False  # idempotent
    doc.refresh_from_db()
    assert doc.withdrawn_at is not None
    assert [v.kind for v in doc.versions.all()] == ["created", "withdrawn"]
    returned = document_upsert(registry=registry, entry=_entry())
    assert returned.document.withdrawn_at is None
    assert returned.document.versions.last().kind == DocumentVersion.Kind.RETURNED


def test_listed_then_fetched_is_one_document(registry):
    listed = ListedEntry(
        source_id="18270648", reference="5.1-2/3233-1", registered=date(2025, 12, 23), title="Pöördumine"
    )
    doc = document_listed(registry=registry, listed=listed, seen_at=_entry().registered and _now())
    assert doc.fetch_state == FetchState.LISTED
    outcome = document_upsert(registry=registry, entry=_entry())
    assert outcome.kind == "new" and outcome.document.pk == doc.pk
    assert Document.objects.count() == 1


def test_relations_link_both_ways(registry):
    base = _entry(source_id="1", reference="2-1/2801", title="Teabenõue", files=())
    answer = _entry(
        source_id="2",
        reference="2-1/2801",
        title="Vastus",
        files=(),
        relations=(RelationRef(kind="alusdokument", target_source_id="1", reference="2-1/2801"),),
    )
    document_upsert(registry=registry, entry=answer)  # the answer first: its target is not stored yet
    first = document_upsert(registry=registry, entry=base).document
    relation = Document.objects.get(source_id="2").relations.get()
    assert relation.kind == "alusdokument" and relation.target_id == first.pk
    assert first.matter_id == relation.document.matter_id


def _now():
    from django.utils import timezone

    return timezone.now()


def test_type_named_only_in_the_list_survives_a_fetch(registry):
    listed = ListedEntry(source_id="18270648", doc_type="Eelnõu")
    document_listed(registry=registry, listed=listed, seen_at=_now())
    outcome = document_upsert(registry=registry, entry=_entry(doc_type=""))
    assert outcome.document.doc_type == "Eelnõu"
    again = document_upsert(registry=registry, entry=_entry(doc_type=""))
    assert again.kind == "unchanged" and again.document.doc_type == "Eelnõu"


def test_documents_without_a_reference_root_join_the_matter_their_register_relates_them_to(registry):
    letter = document_upsert(
        registry=registry, entry=_entry(source_id="1", reference="2-1/2801-1", files=())
    ).document
    directive = _entry(
        source_id="2",
        reference="95",
        title="Käskkiri",
        files=(),
        relations=(RelationRef(kind="seotud dokument", target_source_id="1"),),
    )
    outcome = document_upsert(registry=registry, entry=directive)
    assert outcome.document.matter_id == letter.matter_id is not None


def test_a_listed_day_stores_each_document_once_and_keeps_what_was_fetched(registry):
    fetched = document_upsert(registry=registry, entry=_entry(source_id="1", files=())).document
    day = [
        ListedEntry(source_id="1", title="Loendis teine pealkiri"),
        ListedEntry(source_id="2", reference="5.1-2/9", title="Uus\x00 kiri", party="Asutus"),
        ListedEntry(source_id="2", title="Sama kaks korda (tükid kattuvad)"),
        ListedEntry(source_id="3"),
    ]
    rows = documents_listed(registry=registry, listed=day, seen_at=_now())
    assert [r.source_id for r in rows] == ["1", "2", "2", "3"]
    assert rows[0].pk == fetched.pk and rows[0].fetch_state == FetchState.OK
    assert rows[0].title == "Pöördumine"  # a fetched document is not overwritten by the listing
    new = Document.objects.get(source_id="2")
    assert (new.fetch_state, new.title, new.correspondent) == (FetchState.LISTED, "Uus kiri", "Asutus")
    assert rows[1].pk == rows[2].pk == new.pk
    again = documents_listed(registry=registry, listed=day, seen_at=_now())
    assert [r.pk for r in again] == [r.pk for r in rows]
    assert Document.objects.count() == 3
