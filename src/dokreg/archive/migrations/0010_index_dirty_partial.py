"""``index_dirty`` indexed only where set.

Django writes ``WHERE "index_dirty"`` for the flag, which neither SQLite nor PostgreSQL answers
from a whole-column index on it, so "is anything waiting for the index?" read every document (a
second at a million). The partial index holds the few waiting rows. The old index is dropped by
name rather than by altering the field: on SQLite that would copy the whole documents table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_index_inflight"),
        ("registries", "0002_catalogue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="document",
                    name="index_dirty",
                    field=models.BooleanField(default=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "archive_document_index_dirty_10506d7a"',
                    reverse_sql='CREATE INDEX "archive_document_index_dirty_10506d7a" '
                    'ON "archive_document" ("index_dirty")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("index_dirty", True)), fields=["id"], name="doc_index_dirty"
            ),
        ),
    ]
