"""Writes to the archive: documents as registers describe them, and every change seen at the source.

``document_upsert`` is the one way a parsed register entry enters the archive. It is
idempotent: the same entry twice changes nothing and records no version.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from dokreg.archive import stats
from dokreg.archive.models import (
    Access,
    Capture,
    Document,
    DocumentVersion,
    FetchState,
    File,
    Matter,
    Relation,
    RestrictionBasis,
)
from dokreg.archive.references import reference_root
from dokreg.archive.restrictions import access_level, parse_bases
from dokreg.archive.storage import blob_delete_unused
from dokreg.archive.text import xml_safe_all
from dokreg.archive.versions import TRACKED_FIELDS
from dokreg.errors import DokregError
from dokreg.reading.rule import publishable_documents
from dokreg.registries.models import Registry
from dokreg.registries.types import FileRef, ListedEntry, RawCapture, RegisterEntry
from dokreg.transactions import retried_atomic


@dataclass
class UpsertOutcome:
    document: Document
    kind: str  # "new" | "changed" | "unchanged"
    changes: dict = field(default_factory=dict)


def _values(entry: RegisterEntry) -> dict:
    return {
        "reference": entry.reference,
        "registered": entry.registered,
        "doc_type": entry.doc_type,
        "title": entry.title,
        "function": entry.function,
        "series": entry.series,
        "case_file": entry.case_file,
        "access": access_level(entry.access),
        "access_text": entry.access,
        "restriction_basis": entry.restriction_basis,
        "restriction_change_basis": entry.restriction_change_basis,
        "restriction_begins": entry.restriction_begins,
        "restriction_ends": entry.restriction_ends,
        "sender_reference": entry.sender_reference,
        "correspondent": entry.correspondent,
        "channel": entry.channel,
        "responsible": entry.responsible,
        "due_date": entry.due_date,
        "sent_at": entry.sent_at,
    }


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _changed(document: Document, values: dict) -> dict:
    changes = {}
    for name in TRACKED_FIELDS:
        old, new = getattr(document, name), values[name]
        if isinstance(old, datetime) and isinstance(new, datetime):
            same = old == new
        else:
            same = (old or None) == (new or None)
        if not same:
            changes[name] = [_json(old), _json(new)]
    return changes


def _version_kind(changes: dict) -> str:
    if "access" in changes:
        old, new = changes["access"]
        if new != Access.PUBLIC and old == Access.PUBLIC:
            return DocumentVersion.Kind.RESTRICTED
        if new == Access.PUBLIC:
            return DocumentVersion.Kind.OPENED
    if set(changes) == {"files"}:
        return DocumentVersion.Kind.FILES
    return DocumentVersion.Kind.CHANGED


@retried_atomic
def document_listed(*, registry: Registry, listed: ListedEntry, seen_at: datetime) -> Document:
    """Make sure a listed document has a row before it is fetched, so a failed fetch never loses it."""
    listed = xml_safe_all(listed)
    document, created = Document.objects.get_or_create(
        registry=registry,
        source_id=listed.source_id,
        defaults={
            "reference": listed.reference,
            "registered": listed.registered,
            "title": listed.title,
            "doc_type": listed.doc_type,
            "correspondent": listed.party,
            "first_seen_at": seen_at,
        },
    )
    return document


LISTED_CHUNK = 500  # source ids per IN list: a day or page is far below SQLite's variable limit


@retried_atomic
def documents_listed(*, registry: Registry, listed: list[ListedEntry], seen_at: datetime) -> list[Document]:
    """``document_listed`` for a whole listed day or page, in one transaction and a few statements:
    the stored rows read at once, the missing ones inserted at once. Returns a row per entry, in order."""
    listed = [xml_safe_all(entry) for entry in listed]
    source_ids = list(dict.fromkeys(entry.source_id for entry in listed))
    stored = _stored_by_source_id(registry, source_ids)
    missing = {}
    for entry in listed:
        if entry.source_id not in stored and entry.source_id not in missing:
            missing[entry.source_id] = Document(
                registry=registry,
                source_id=entry.source_id,
                reference=entry.reference,
                registered=entry.registered,
                title=entry.title,
                doc_type=entry.doc_type,
                correspondent=entry.party,
                first_seen_at=seen_at,
            )
    if missing:
        # ignore_conflicts: another process listing the same day may have inserted a row meanwhile;
        # reading the rows back gives this call the stored row either way (and their ids).
        Document.objects.bulk_create(missing.values(), ignore_conflicts=True)
        stored.update(_stored_by_source_id(registry, list(missing)))
    return [stored[entry.source_id] for entry in listed]


def _stored_by_source_id(registry: Registry, source_ids: list[str]) -> dict[str, Document]:
    stored = {}
    for start in range(0, len(source_ids), LISTED_CHUNK):
        chunk = source_ids[start : start + LISTED_CHUNK]
        stored.update(
            (d.source_id, d) for d in Document.objects.filter(registry=registry, source_id__in=chunk)
        )
    return stored


@retried_atomic
def document_upsert(
    *,
    registry: Registry,
    entry: RegisterEntry,
    raw: RawCapture | None = None,
    seen_at: datetime | None = None,
) -> UpsertOutcome:
    seen_at = seen_at or timezone.now()
    entry = xml_safe_all(entry)  # every string of it: metadata, file names, relations, source fields
    entry = _redacted(registry, entry)
    values = _values(entry)
    document = (
        # FOR NO KEY UPDATE: another writer's row that merely points at this one (a relation, a file)
        # need not wait for this upsert to end.
        Document.objects.select_for_update(no_key=True)
        .filter(registry=registry, source_id=entry.source_id)
        .first()
    )
    created = document is None or document.fetch_state != FetchState.OK
    counted_before = stats.counted_as(document)
    if document is None:
        document = Document(registry=registry, source_id=entry.source_id, first_seen_at=seen_at)
    if not values["doc_type"] and document.doc_type:
        # Some registers (Riigikogu) name the type only in their result list: keep what the list said.
        values["doc_type"] = document.doc_type
    changes = {} if created else _changed(document, values)
    returned = document.withdrawn_at is not None

    for name, value in values.items():
        setattr(document, name, value)
    document.url = entry.url
    document.fetch_state = FetchState.OK
    document.source_fields = [list(pair) for pair in entry.source_fields]
    document.parser = entry.parser
    document.last_checked_at = seen_at
    document.withdrawn_at = None
    document.error_code = document.error_message = ""
    document.matter = _matter(registry, entry.reference)
    if created or changes or returned:
        document.last_changed_at = seen_at
        document.index_dirty = True
    document.save()

    # A document never stored whole has no files, bases or relations of its own yet (only this function
    # writes them, in the transaction that makes it OK): their reads are skipped, not their writes.
    file_changes = _files_sync(document, entry.files, fresh=created)
    if file_changes and not created:
        changes["files"] = file_changes
        document.index_dirty = True
        Document.objects.filter(pk=document.pk).update(index_dirty=True, last_changed_at=seen_at)
    if created or "restriction_basis" in changes:
        _bases_replace(document, entry.restriction_basis, fresh=created)
    _relations_replace(document, entry, created=created)
    links = _matter_from_relations(document)
    if raw is not None:
        _capture_store(registry, entry.source_id, raw, seen_at)

    if created:
        DocumentVersion.objects.create(document=document, kind=DocumentVersion.Kind.CREATED, seen_at=seen_at)
        kind = "new"
    elif changes or returned:
        if returned:
            _review(
                DocumentVersion.objects.create(
                    document=document, kind=DocumentVersion.Kind.RETURNED, seen_at=seen_at
                )
            )
        if changes:
            _review(
                DocumentVersion.objects.create(
                    document=document, kind=_version_kind(changes), seen_at=seen_at, changes=changes
                )
            )
        kind = "changed"
    else:
        kind = "unchanged"
    if document.access != Access.PUBLIC:
        files_withhold(document=document)
    if links:  # only relations to stored documents can copy a redacted title
        _redactions_reapply(document)
    # Last: every upsert of the body's month waits for this row until commit, so it is held briefly
    # and, taken after every other lock, it closes no cycle with another writer's.
    stats.body_month_move(counted_before, stats.counted_as(document))
    return UpsertOutcome(document=document, kind=kind, changes=changes)


def _redacted(registry: Registry, entry: RegisterEntry) -> RegisterEntry:
    """An operator replaced private persons' names in this document: the source's values come back
    on every re-visit and must be redacted before they are stored or compared."""
    from dokreg.review.redaction import entry_redact

    return entry_redact(registry_id=registry.pk, entry=entry)


def _redactions_reapply(document: Document) -> None:
    from dokreg.review.redaction import relations_reapply

    relations_reapply(document=document)


def _matter(registry: Registry, reference: str) -> Matter | None:
    root = reference_root(reference)
    if not root:
        return None
    # Read first (most roots exist); a new root is inserted without get_or_create's savepoint dance.
    matter = Matter.objects.filter(registry=registry, root=root).first()
    if matter is None:
        Matter.objects.bulk_create([Matter(registry=registry, root=root)], ignore_conflicts=True)
        matter = Matter.objects.get(registry=registry, root=root)
    return matter


def _file_key(name: str, source_file_id: str, ordinal: int) -> tuple:
    return (source_file_id or "", name, ordinal if not source_file_id else 0)


def _files_sync(document: Document, refs: tuple[FileRef, ...], *, fresh: bool = False) -> dict:
    """Bring the document's top-level files in line with the page; say what was added or removed."""
    if fresh and not refs:
        return {}
    existing = {_file_key(f.name, f.source_file_id, f.ordinal): f for f in document.files.filter(parent=None)}
    wanted = {_file_key(r.name, r.source_file_id, r.ordinal): r for r in refs}
    added = [wanted[k] for k in wanted.keys() - existing.keys()]
    removed = [existing[k] for k in existing.keys() - wanted.keys()]
    for file in removed:
        _file_delete(file)
    taken = {f.ordinal for f in existing.values()} - {f.ordinal for f in removed}
    for ref in sorted(added, key=lambda r: r.ordinal):
        ordinal = ref.ordinal if ref.ordinal not in taken else max(taken | {0}) + 1
        taken.add(ordinal)
        File.objects.create(
            document=document,
            ordinal=ordinal,
            name=ref.name,
            url=ref.url,
            source_file_id=ref.source_file_id,
            access=ref.access,
            relation=ref.relation,
        )
    for key, file in existing.items():
        ref = wanted.get(key)
        if ref and (file.url != ref.url or file.access != ref.access or file.ordinal != ref.ordinal):
            File.objects.filter(pk=file.pk).update(url=ref.url, access=ref.access)
    if not (added or removed):
        return {}
    return {"added": sorted(r.name for r in added), "removed": sorted(f.name for f in removed)}


def _file_delete(file: File) -> None:
    shas = {f.blob_id for f in [file, *File.objects.filter(parent=file)] if f.blob_id}
    file.delete()
    for sha in shas:
        blob_delete_unused(sha)


def _bases_replace(document: Document, text: str, *, fresh: bool = False) -> None:
    if not fresh:
        document.bases.all().delete()
    RestrictionBasis.objects.bulk_create(
        RestrictionBasis(
            document=document,
            text=b.text,
            law=b.law,
            section=b.section,
            subsection=b.subsection,
            point=b.point,
        )
        for b in parse_bases(text)
    )


def _relations_replace(document: Document, entry: RegisterEntry, *, created: bool) -> None:
    if created:
        # Documents fetched earlier that point at this one can now link to it.
        Relation.objects.filter(
            document__registry_id=document.registry_id,
            target_source_id=document.source_id,
            target__isnull=True,
        ).update(target=document)
    stored = [] if created else list(document.relations.all())
    wanted = [(r.kind, r.target_source_id, r.reference, r.title, r.doc_type) for r in entry.relations]
    if [(r.kind, r.target_source_id, r.reference, r.title, r.doc_type) for r in stored] == wanted and all(
        r.target_id or not r.target_source_id for r in stored
    ):
        return
    if stored:
        document.relations.all().delete()
    if not entry.relations:
        return
    targets = dict(
        Document.objects.filter(
            registry_id=document.registry_id,
            source_id__in=[r.target_source_id for r in entry.relations if r.target_source_id],
        ).values_list("source_id", "pk")
    )
    Relation.objects.bulk_create(
        Relation(
            document=document,
            kind=r.kind,
            target_source_id=r.target_source_id,
            target_id=targets.get(r.target_source_id),
            reference=r.reference,
            title=r.title,
            doc_type=r.doc_type,
        )
        for r in entry.relations
    )


def _matter_from_relations(document: Document) -> bool:
    """A document without a reference root joins the matter of a document its register relates it to.

    Returns whether the document has a relation to a stored document."""
    # One query for both directions; most documents have no relation and stop here.
    pairs = list(
        Relation.objects.filter(Q(document=document, target__isnull=False) | Q(target=document)).values_list(
            "document_id", "target_id"
        )
    )
    links = any(document_id == document.pk for document_id, _target in pairs)
    related_ids = {
        target_id if document_id == document.pk else document_id for document_id, target_id in pairs
    } - {document.pk}
    if not related_ids:
        return links
    # The related rows' matters read by primary key and decided here: a `matter IS NULL` filter in SQL
    # let SQLite walk every document without a matter (1.5 ms a call at 100k, growing with the archive).
    matters = sorted(
        Document.objects.filter(pk__in=related_ids, registry_id=document.registry_id).values_list(
            "pk", "matter_id"
        )
    )
    if document.matter_id is None:
        matter_id = next((m for _pk, m in matters if m), None)
        if matter_id:
            Document.objects.filter(pk=document.pk).update(matter_id=matter_id)
            document.matter_id = matter_id
    else:
        without = [pk for pk, m in matters if m is None]
        if without:
            Document.objects.filter(pk__in=without).update(matter_id=document.matter_id)
    return links


CAPTURE_FIELDS = ["url", "status", "content_type", "body", "sha256", "fetched_at", "etag", "last_modified"]


def _capture_store(registry: Registry, source_id: str, raw: RawCapture, seen_at: datetime) -> None:
    # One INSERT … ON CONFLICT DO UPDATE instead of a read, then an insert or update.
    Capture.objects.bulk_create(
        [
            Capture(
                registry=registry,
                source_id=source_id,
                url=raw.url,
                status=raw.status,
                content_type=raw.content_type[:200],
                body=zlib.compress(raw.body, 6),
                sha256=hashlib.sha256(raw.body).hexdigest(),
                fetched_at=raw.fetched_at or seen_at,
                etag=raw.etag[:300],
                last_modified=raw.last_modified[:100],
            )
        ],
        update_conflicts=True,
        unique_fields=["registry", "source_id"],
        update_fields=CAPTURE_FIELDS,
    )


def capture_body(capture: Capture) -> bytes:
    return zlib.decompress(bytes(capture.body))


@transaction.atomic
def document_withdrawn(*, document: Document, seen_at: datetime | None = None) -> bool:
    """The source no longer shows the document: hide it everywhere, keep its metadata history."""
    seen_at = seen_at or timezone.now()
    if document.withdrawn_at is not None:
        Document.objects.filter(pk=document.pk).update(last_checked_at=seen_at)
        return False
    counted_before = stats.counted_as(document)
    document.withdrawn_at = seen_at
    document.last_checked_at = seen_at
    document.index_dirty = True
    document.save(update_fields=["withdrawn_at", "last_checked_at", "index_dirty"])
    stats.body_month_move(counted_before, stats.counted_as(document))
    _review(
        DocumentVersion.objects.create(
            document=document, kind=DocumentVersion.Kind.WITHDRAWN, seen_at=seen_at
        )
    )
    files_withhold(document=document)
    return True


def _review(version: DocumentVersion) -> None:
    """A transition seen at the source goes to the operator's review queue (the hiding is already done)."""
    from dokreg.review.queue import review_enqueue

    review_enqueue(version=version, document=version.document)


@transaction.atomic
def document_take_down(*, document: Document, reason: str, actor=None) -> None:
    """An operator's takedown: the document leaves every public route; the history stays."""
    from dokreg.desk import audit

    counted_before = stats.counted_as(document)
    document.taken_down_at = timezone.now()
    document.takedown_reason = reason
    document.index_dirty = True
    document.save(update_fields=["taken_down_at", "takedown_reason", "index_dirty"])
    stats.body_month_move(counted_before, stats.counted_as(document))
    files_withhold(document=document)
    audit.record(actor, "takedown", document, f"taken down: {reason}", reason=reason)


@transaction.atomic
def document_take_down_undo(*, document: Document, actor=None) -> None:
    """Back on the public routes; purged files are fetched again by the next sync or re-visit."""
    from dokreg.desk import audit

    audit.record(actor, "takedown_undo", document, "public again", reason=document.takedown_reason)
    counted_before = stats.counted_as(document)
    document.taken_down_at = None
    document.takedown_reason = ""
    document.index_dirty = True
    document.save(update_fields=["taken_down_at", "takedown_reason", "index_dirty"])
    stats.body_month_move(counted_before, stats.counted_as(document))
    if document.access == Access.PUBLIC:
        File.objects.filter(document=document, parent=None, download_state=File.Download.WITHHELD).update(
            download_state=File.Download.PENDING
        )


def files_withhold(*, document: Document) -> int:
    """Purge what the public may no longer get: file bytes and extracted text of a restricted document.

    With ``DOKREG_KEEP_RESTRICTED_FILES`` the operator keeps the bytes and text privately instead;
    public routes hide them either way through the publication rule.
    """
    if getattr(settings, "DOKREG_KEEP_RESTRICTED_FILES", False):
        return 0
    files = list(File.objects.filter(document=document).exclude(download_state=File.Download.WITHHELD))
    if not files:
        return 0
    shas = {f.blob_id for f in files if f.blob_id}
    File.objects.filter(document=document, parent__isnull=False).delete()
    File.objects.filter(document=document).update(
        download_state=File.Download.WITHHELD,
        blob=None,
        text="",
        pages=[],
        extract_state=File.Extract.PENDING,
        extractor="",
        extractor_version=None,
    )
    for sha in shas:
        blob_delete_unused(sha)
    return len(files)


def document_fetch_failed(*, document: Document, error: Exception) -> None:
    code = error.code if isinstance(error, DokregError) else "internal"
    message = error.message if isinstance(error, DokregError) else f"{type(error).__name__}: {error}"
    updates = {
        "error_code": code,
        "error_message": message[:4000],
        "attempts": F("attempts") + 1,
        "last_checked_at": timezone.now(),
    }
    if document.fetch_state != FetchState.OK:
        updates["fetch_state"] = FetchState.FAILED
    Document.objects.filter(pk=document.pk).update(**updates)


def registry_counts_refresh(*, registry: Registry) -> None:
    """Denormalise per-body counts so public pages never count the documents table per request."""
    docs = publishable_documents().filter(registry=registry)
    registry.document_count = docs.count()
    registry.newest_registered = docs.aggregate(m=Max("registered"))["m"]
    registry.save(update_fields=["document_count", "newest_registered"])


def document_checked(*, document: Document) -> None:
    """The source answered "not modified": only when it was last asked changes."""
    Document.objects.filter(pk=document.pk).update(last_checked_at=timezone.now())


def documents_index_taken(*, doc_ids: list[int]) -> list[int]:
    """The indexer is about to read these documents: they are no longer dirty but in flight until its
    commit. Called before the read, so any write after it marks the document dirty again and the
    indexer takes it once more, instead of marking it clean with what it read before the write.
    A document a sync is writing right now (its row locked) is left dirty: taken next time. Returns
    the ids taken."""
    with transaction.atomic():
        taken = _unlocked(doc_ids)
        Document.objects.filter(pk__in=taken).update(index_dirty=False, index_inflight=True)
    return taken


def documents_indexed(*, doc_ids: list[int]) -> None:
    """The index has committed these documents as they were read (or has dropped them). One a sync
    is writing right now stays in flight: the next run takes it again."""
    with transaction.atomic():
        Document.objects.filter(pk__in=_unlocked(doc_ids)).update(index_inflight=False)


def _unlocked(doc_ids: list[int]) -> list[int]:
    """The ids whose rows no other transaction holds, now locked by ours (PostgreSQL; SQLite has one
    writer and ignores it). The indexer's flag updates never wait for a sync's transaction, so the
    two can never deadlock over rows they lock in different orders (several workers on PostgreSQL).
    Must run inside a transaction."""
    return list(
        Document.objects.filter(pk__in=doc_ids)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )


def documents_index_resume(documents: QuerySet[Document] | None = None) -> int:
    """Documents read by an indexer that stopped before its commit wait for the index again. Only
    the holder of the index writer may call this: no other indexer can have them in flight.
    ``documents``: those its writer writes (one shard's), default all."""
    among = Document.objects.all() if documents is None else documents
    return among.filter(index_inflight=True).update(index_dirty=True, index_inflight=False)


def documents_index_all_dirty() -> int:
    """Every document waits for the index again (`dokreg reindex`)."""
    return Document.objects.update(index_dirty=True, index_inflight=False)
