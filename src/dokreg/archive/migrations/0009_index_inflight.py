"""``index_inflight``: a document the indexer has read and not yet committed.

The column is added with ``ALTER TABLE … ADD COLUMN … DEFAULT false``: Django's own AddField of a
NOT NULL column copies the whole documents table on SQLite, minutes and gigabytes at a million.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0008_relation_unresolved_index"),
        ("registries", "0002_catalogue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="document",
                    name="index_inflight",
                    field=models.BooleanField(default=False),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'ALTER TABLE "archive_document" ADD COLUMN "index_inflight" boolean NOT NULL DEFAULT false',
                    reverse_sql='ALTER TABLE "archive_document" DROP COLUMN "index_inflight"',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("index_inflight", True)), fields=["id"], name="doc_index_inflight"
            ),
        ),
    ]
