"""Redaction: a private person's name replaced by initials in everything the public sees of a document.

The stored public values are rewritten in place, in one transaction: metadata fields, restriction
bases, relation titles (this document's, and other documents' copies of its title), the history's
before/after values, file names, extracted text and pages, file metadata, signers' names. The index is
rebuilt for the document at once, so snippets, searches and exports follow; every public route reads
the same rows, so none needs to know about redactions. The replaced values are kept on the redaction
(staff only) for revert. The original bytes of a redacted document's files still hold the name, so
they are withheld from the public (``original_withheld``).

After the rewrite the redaction is verified: the document's public routes are rendered and its index
entry read; if any form of a name remains, the rewrite is rolled back and the redaction says what is
left. A re-visit that brings the source's unredacted values back has them redacted before they are
stored (``entry_redact``); a file extracted again is redacted when stored (``files_reapply``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from dokreg import fields
from dokreg.archive.models import Document, DocumentVersion, File, Relation, RestrictionBasis, Signature
from dokreg.archive.stats import body_months_touch
from dokreg.desk import audit
from dokreg.errors import BadInput, DokregError
from dokreg.fields import DocField
from dokreg.review.models import Redaction
from dokreg.review.names import Person, Replacer, persons_prepare

log = logging.getLogger(__name__)

# Document columns a redaction leaves as they are, whatever lists them: they address the document
# at the source (the sync finds it again by them; a name in the URL fails verification instead) or
# hold a code of a fixed set (the register's own words on access are ``access_text``, redacted).
DOCUMENT_KEEP = frozenset({"source_id", "url", "fetch_state", "access"})
# Document columns only staff see, left as they are while the field table does not list them: our
# parser's and error's codes, the fetch error's message, the operator's takedown reason. The last
# three are cleared or replaced later (a fetch that succeeds, a takedown undone), so a revert would
# put stale values back. Listed in the table, a column is public and is redacted like the rest.
DOCUMENT_STAFF_ONLY = frozenset({"parser", "error_code", "error_message", "takedown_reason"})


def document_columns(
    columns: Iterable[models.Field] | None = None, table: Iterable[DocField] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Document text and JSON columns a redaction rewrites: every one but the kept ones.

    Not a list by hand: every text field of the field table (``dokreg.fields``) is redacted, and so is
    any text column of the model the table does not list, so a field added to either cannot keep a
    name public. ``columns`` and ``table`` are the model's and the field table's unless a test says.
    """
    listed = {f.name for f in (fields.DOCUMENT_FIELDS if table is None else table) if not f.derived}
    text, json = [], []
    for column in Document._meta.concrete_fields if columns is None else columns:
        if column.name in DOCUMENT_KEEP or (column.name in DOCUMENT_STAFF_ONLY and column.name not in listed):
            continue
        if isinstance(column, (models.CharField, models.TextField)):
            text.append(column.name)
        elif isinstance(column, models.JSONField):
            json.append(column.name)
    return tuple(text), tuple(json)


DOCUMENT_FIELDS, DOCUMENT_JSON_FIELDS = document_columns()
FILE_FIELDS = ("name", "text")
FILE_JSON_FIELDS = ("pages", "metadata", "warnings")
SIGNATURE_FIELDS = ("signer_name", "role", "note")
RELATION_FIELDS = ("kind", "reference", "title", "doc_type")
# Fields of a register entry that address things at the source and must stay as the source wrote them,
# and the staff-only columns kept above (the parser's name) while the field table does not list them.
_ENTRY_KEEP = frozenset({"url", "source_id", "source_file_id", "target_source_id"}) | (
    DOCUMENT_STAFF_ONLY - {f.name for f in fields.DOCUMENT_FIELDS}
)


class RedactionIncomplete(DokregError):
    """Verification found a form of a redacted name still public; the redaction was rolled back."""

    code = "redaction_incomplete"


def replacer_of(redaction: Redaction) -> Replacer:
    return Replacer(tuple(redaction.persons))


def active_redaction(document_id: int) -> Redaction | None:
    return Redaction.objects.filter(document_id=document_id, reverted_at__isnull=True).first()


def document_redacted(document_id: int) -> bool:
    """Whether the public gets no original bytes of this document's files (a name in them was redacted)."""
    return Redaction.objects.filter(document_id=document_id, reverted_at__isnull=True).exists()


# --- apply and revert --------------------------------------------------------------------------


def _changed(document_id: int) -> None:
    """The document's stored texts changed: the index and the body's kept aggregates take it anew."""
    Document.objects.filter(pk=document_id).update(index_dirty=True)
    body_months_touch(document_id=document_id)


def redaction_apply(
    *, document: Document, persons: list[Person], actor: Any, reason: str = "", verify: bool = True
) -> Redaction:
    """Replace the persons' names by initials everywhere the public sees ``document``.

    Persons already redacted in the document are kept (the active redaction is replaced by one over
    all of them, so equal initials are numbered over all). Raises BadInput for no person and
    RedactionIncomplete when verification finds a form left (nothing stays changed then).
    """
    if not persons:
        raise BadInput(f"document {document.pk}: name at least one person to redact")
    # Forms are made before the write lock is taken: Vabamorf may take seconds on its first call.
    previous = active_redaction(document.pk)
    known = [Person(given=p["given"], surname=p["surname"]) for p in (previous.persons if previous else [])]
    wanted = known + [p for p in persons if (p.given, p.surname) not in {(k.given, k.surname) for k in known}]
    prepared = persons_prepare(wanted)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if getattr(active_redaction(document.pk), "pk", None) != getattr(previous, "pk", None):
            raise BadInput(f"document {document.pk}: its redaction changed meanwhile; try again")
        if previous is not None:
            _restore(document, previous.before)
            previous.reverted_at, previous.reverted_by = timezone.now(), _actor_name(actor)
            previous.save(update_fields=["reverted_at", "reverted_by"])
            document.refresh_from_db()  # the restored values, not the redacted ones held in memory
        redaction = Redaction(
            document=document,
            persons=prepared,
            reason=reason,
            created_by=_actor_name(actor),
        )
        redaction.before = _rewrite(document, replacer_of(redaction), {})
        redaction.save()
        _changed(document.pk)
        labels = ", ".join(p["label"] for p in redaction.persons)
        audit.record(
            actor,
            "redact",
            document,
            f"names replaced by {labels}" + (f": {reason}" if reason else ""),
            redaction=redaction.pk,
            labels=[p["label"] for p in redaction.persons],
            replaced=previous.pk if previous else None,
        )
    _reindex(document.pk)
    if not verify:
        return redaction
    left = redaction_verify(redaction)
    if left:
        _roll_back(redaction, left, actor, previous)
        raise RedactionIncomplete(
            f"document {document.pk}: the redaction was rolled back; still public, or not verifiable: "
            + "; ".join(left[:20])
        )
    return redaction


def redaction_revert(*, redaction: Redaction, actor: Any, reason: str = "") -> Redaction:
    """Put back every value the redaction replaced; the files' originals are public again."""
    redaction = _revert(redaction, actor, reason)
    _reindex(redaction.document_id)
    return redaction


@transaction.atomic
def _revert(redaction: Redaction, actor: Any, reason: str) -> Redaction:
    redaction = Redaction.objects.select_for_update().get(pk=redaction.pk)
    if redaction.reverted_at is not None:
        raise BadInput(f"redaction {redaction.pk}: already reverted")
    _restore(redaction.document, redaction.before)
    redaction.reverted_at, redaction.reverted_by = timezone.now(), _actor_name(actor)
    redaction.save(update_fields=["reverted_at", "reverted_by"])
    _changed(redaction.document_id)
    audit.record(
        actor,
        "redact_revert",
        redaction.document,
        "names shown again" + (f": {reason}" if reason else ""),
        redaction=redaction.pk,
        labels=[p["label"] for p in redaction.persons],
    )
    return redaction


def _roll_back(redaction: Redaction, left: list[str], actor: Any, previous: Redaction | None) -> None:
    with transaction.atomic():
        _restore(redaction.document, redaction.before)
        Redaction.objects.filter(pk=redaction.pk).update(
            reverted_at=timezone.now(), reverted_by="verification", leftovers=left
        )
        if previous is not None:
            # Adding a person failed: the persons redacted before stay redacted.
            document = Document.objects.get(pk=redaction.document_id)
            previous.before = _rewrite(document, replacer_of(previous), {})
            previous.reverted_at, previous.reverted_by = None, ""
            previous.save(update_fields=["before", "reverted_at", "reverted_by"])
        _changed(redaction.document_id)
        audit.record(
            actor,
            "redact_rolled_back",
            redaction.document,
            "redaction rolled back: forms still public: " + "; ".join(left[:20]),
            redaction=redaction.pk,
            leftovers=left,
        )
    _reindex(redaction.document_id)


def _actor_name(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()[:150]
    return str(actor or "system")[:150]


def _reindex(document_id: int) -> None:
    from dokreg.pipeline.indexing import index_documents_now

    index_documents_now(doc_ids=[document_id])


# --- the rewrite -------------------------------------------------------------------------------


def _rewrite(document: Document, replacer: Replacer, before: dict) -> dict:
    """Replace the names in every stored public value of ``document``; record what each replaced
    value was in ``before`` (a value already recorded keeps its first, original reading)."""
    changed = _row_changes(document, DOCUMENT_FIELDS, replacer, json_fields=DOCUMENT_JSON_FIELDS)
    _store("document", document, changed, before)
    for name, (_old, new) in changed.items():
        setattr(document, name, new)

    for basis in RestrictionBasis.objects.filter(document=document):
        _store("bases", basis, _row_changes(basis, ("text",), replacer), before)

    # This document's relations, and other documents' copies of this document's title.
    relations = Relation.objects.filter(document=document) | Relation.objects.filter(target=document)
    for relation in relations.distinct():
        _store("relations", relation, _row_changes(relation, RELATION_FIELDS, replacer), before)

    for version in DocumentVersion.objects.filter(document=document):
        _store("versions", version, _row_changes(version, (), replacer, json_fields=("changes",)), before)

    files_rewrite(document_id=document.pk, replacer=replacer, before=before)
    return before


def files_rewrite(*, document_id: int, replacer: Replacer, before: dict) -> dict:
    for file in File.objects.filter(document_id=document_id):
        changed = _row_changes(file, ("text",), replacer, json_fields=FILE_JSON_FIELDS)
        # A file name loses its case often ("avaldus_mari_maasikas.pdf"): any case matches there.
        name = replacer.text(replacer.text(file.name), any_case=True)
        if name != file.name:
            changed["name"] = (file.name, name)
        _store("files", file, changed, before)
    for signature in Signature.objects.filter(file__document_id=document_id):
        _store("signatures", signature, _row_changes(signature, SIGNATURE_FIELDS, replacer), before)
    return before


def _row_changes(
    row: Any, fields: tuple[str, ...], replacer: Replacer, *, json_fields: tuple[str, ...] = ()
) -> dict[str, tuple[Any, Any]]:
    """(old, new) of each of ``row``'s text ``fields`` and JSON ``json_fields`` the replacer changes."""
    changed = {}
    for names, replace in ((fields, replacer.text), (json_fields, replacer.json)):
        for name in names:
            old = getattr(row, name)
            new = replace(old)
            if new != old:
                changed[name] = (old, new)
    return changed


def _store(table: str, row: Any, changed: dict[str, tuple[Any, Any]], before: dict) -> None:
    """Write the changed values of ``row`` and record its old ones under ``table`` in ``before`` (a
    value already recorded keeps its first, original reading)."""
    if not changed:
        return
    for name, (old, _new) in changed.items():
        before.setdefault(table, {}).setdefault(str(row.pk), {}).setdefault(name, old)
    type(row).objects.filter(pk=row.pk).update(**{name: new for name, (_old, new) in changed.items()})


_MODELS = {
    "document": Document,
    "bases": RestrictionBasis,
    "relations": Relation,
    "versions": DocumentVersion,
    "files": File,
    "signatures": Signature,
}


def _restore(document: Document, before: dict) -> None:
    """Write the recorded values back; rows gone since (files extracted again) are skipped."""
    for table, rows in (before or {}).items():
        model = _MODELS.get(table)
        if model is None:
            continue
        for pk, values in rows.items():
            model.objects.filter(pk=int(pk)).update(**values)


# --- keeping it applied ------------------------------------------------------------------------


def entry_redact(*, registry_id: int, entry: Any) -> Any:
    """A re-visit's register entry with the active redaction applied, so the source's unredacted
    values are never stored again (and are not mistaken for a change at the source)."""
    # One indexed query per re-visit, no ordering: almost every document has no redaction.
    persons = list(
        Redaction.objects.filter(
            document__registry_id=registry_id, document__source_id=entry.source_id, reverted_at__isnull=True
        )
        .order_by()
        .values_list("persons", flat=True)[:1]
    )
    if not persons:
        return entry
    return _walk(entry, Replacer(tuple(persons[0])))


def _walk(value: Any, replacer: Replacer, field: str = "") -> Any:
    if isinstance(value, str):
        if field in _ENTRY_KEEP:
            return value
        value = replacer.text(value)
        return replacer.text(value, any_case=True) if field == "name" else value
    if isinstance(value, tuple):
        return tuple(_walk(v, replacer, field) for v in value)
    if isinstance(value, list):
        return [_walk(v, replacer, field) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), replacer, f.name)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def document_reapply(*, document_id: int) -> bool:
    """Apply the active redaction again to whatever was stored since (new files, texts, relations)."""
    redaction = active_redaction(document_id)
    if redaction is None:
        return False
    with transaction.atomic():
        document = Document.objects.get(pk=document_id)
        before = _rewrite(document, replacer_of(redaction), redaction.before)
        Redaction.objects.filter(pk=redaction.pk).update(before=before)
        _changed(document_id)
    return True


def files_reapply(*, document_id: int) -> None:
    """After an extraction: the new text, pages and signers' names of a redacted document's files."""
    redaction = active_redaction(document_id)
    if redaction is None:
        return
    before = files_rewrite(document_id=document_id, replacer=replacer_of(redaction), before=redaction.before)
    Redaction.objects.filter(pk=redaction.pk).update(before=before)


def relations_reapply(*, document: Document) -> None:
    """This document's relation titles copy redacted documents' titles: redact them again after an upsert."""
    # One query: the active redactions of the documents this one relates to (usually none).
    targets = Relation.objects.filter(document=document, target__isnull=False).values("target_id")
    redactions = Redaction.objects.filter(document_id__in=targets, reverted_at__isnull=True).order_by()
    for redaction in redactions:
        replacer = replacer_of(redaction)
        before = redaction.before
        for relation in Relation.objects.filter(document=document, target_id=redaction.document_id):
            changed = _row_changes(relation, RELATION_FIELDS, replacer)
            for name, (old, _new) in changed.items():
                before.setdefault("relations", {}).setdefault(str(relation.pk), {}).setdefault(name, old)
            if changed:
                Relation.objects.filter(pk=relation.pk).update(**{k: v[1] for k, v in changed.items()})
        Redaction.objects.filter(pk=redaction.pk).update(before=before)


def redaction_verify(redaction: Redaction) -> list[str]:
    from dokreg.review.verify import leftovers

    return leftovers(redaction)
