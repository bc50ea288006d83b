"""Drop characters XML cannot carry from rows stored before input was cleaned (see archive.text).

Only changed rows are written; a changed document is marked for re-indexing so the index loses the
characters too. Reversing it restores nothing: the characters carried no meaning.
"""

from django.db import migrations

from dokreg.archive.text import xml_safe_all

BATCH = 500

FIELDS = {
    "Document": (
        "reference",
        "doc_type",
        "title",
        "function",
        "series",
        "case_file",
        "access_text",
        "restriction_basis",
        "restriction_change_basis",
        "sender_reference",
        "correspondent",
        "channel",
        "responsible",
        "source_fields",
        "takedown_reason",
        "error_message",
    ),
    "File": ("name", "access", "relation", "text", "pages", "metadata", "warnings", "error_message"),
    "Relation": ("kind", "reference", "title", "doc_type"),
    "DocumentVersion": ("changes",),
    "Signature": ("signer_name", "role", "issuer", "note"),
    "RestrictionBasis": ("text",),
    "Matter": ("root",),
}


def _clean_model(model, fields: tuple[str, ...]) -> set[int]:
    """Clean ``fields`` of every row of ``model``; the ids of the documents whose rows changed."""
    has_document = any(f.name == "document" for f in model._meta.fields)
    columns = ("pk", *fields, *(("document_id",) if has_document else ()))
    touched: set[int] = set()
    changed = []
    for row in model.objects.only(*columns).order_by("pk").iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(row, name)
            clean = xml_safe_all(value)
            if clean != value:
                setattr(row, name, clean)
                dirty = True
        if dirty:
            changed.append(row)
            touched.add(row.document_id if has_document else row.pk)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        model.objects.bulk_update(changed, fields)
    return touched if has_document or model._meta.model_name == "document" else set()


def clean(apps, schema_editor):
    documents: set[int] = set()
    for name, fields in FIELDS.items():
        documents |= _clean_model(apps.get_model("archive", name), fields)
    Document = apps.get_model("archive", "Document")
    ids = sorted(documents)
    for i in range(0, len(ids), BATCH):
        Document.objects.filter(pk__in=ids[i : i + BATCH]).update(index_dirty=True)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_capture_validators"),
    ]

    operations = [
        migrations.RunPython(clean, migrations.RunPython.noop),
    ]
