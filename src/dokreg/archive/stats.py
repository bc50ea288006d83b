"""Per-body monthly counts of publishable documents (``BodyMonth``), kept on write.

Why: a body page at a million documents must not count a body's 200,000 rows per request.
Every write that can change whether a document is counted, its body, its month or its AK
state reads the document's place before (``counted_as``) and after, and ``body_month_move``
shifts one unit between the two rows in the same transaction. ``body_months_rebuild``
recomputes everything from the documents (after bulk loads, or to repair). A move out of a row
changes the body's stamp, under which pages keep their aggregates (``reading.kept``): once it is
committed, the body's figures are computed again ahead of readers (``reading.figures.warm_soon``).
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from dokreg.archive.models import Access, BodyMonth, Document, FetchState
from dokreg.registries.models import Registry

# Undated documents are counted under this month, which no year or month page shows.
UNDATED = date(1, 1, 1)

Counted = tuple[int, date, bool]  # (registry id, month, AK)


def counted_as(document: Document | None) -> Counted | None:
    """Where ``document`` counts in BodyMonth as it is in memory now; None when not publishable."""
    if (
        document is None
        or document.fetch_state != FetchState.OK
        or document.withdrawn_at is not None
        or document.taken_down_at is not None
    ):
        return None
    registered = document.registered
    month = registered.replace(day=1) if registered else UNDATED
    return (document.registry_id, month, document.access == Access.AK)


def body_month_move(before: Counted | None, after: Counted | None) -> None:
    """Move one document's unit from ``before`` to ``after`` (either may be None)."""
    if before == after:
        return
    if before is not None:
        _add(before, -1)
        _stamp_changed(before[0])
    if after is not None:
        _add(after, +1)


def _stamp_changed(registry_id: int) -> None:
    from dokreg.reading.figures import warm_soon

    transaction.on_commit(lambda: warm_soon(registry_id))


def _add(key: Counted, n: int) -> None:
    # One statement (every new document passes here): insert the month's row or add to it, atomically.
    # SQLite (3.24+) and PostgreSQL both speak this ON CONFLICT form.
    registry_id, month, ak = key
    table = connection.ops.quote_name(BodyMonth._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (registry_id, month, documents, ak, changes, removed) "
            "VALUES (%s, %s, %s, %s, 1, %s) "
            "ON CONFLICT (registry_id, month) DO UPDATE SET documents = "
            f"{table}.documents + excluded.documents, ak = {table}.ak + excluded.ak, "
            f"changes = {table}.changes + 1, removed = {table}.removed + excluded.removed",
            [registry_id, month, n, n if ak else 0, 1 if n < 0 else 0],
        )


def body_months_touch(*, document_id: int) -> None:
    """Something of this document shown in its body's kept aggregates changed without moving a count
    (an operator's redaction): they start afresh at once, as after a takedown."""
    registry_id = Document.objects.filter(pk=document_id).values_list("registry_id", flat=True).first()
    if registry_id is not None:
        BodyMonth.objects.filter(registry_id=registry_id).update(removed=F("removed") + 1)
        _stamp_changed(registry_id)


@transaction.atomic
def body_months_rebuild(*, registry: Registry | None = None) -> int:
    """Recompute BodyMonth from the documents (one body, or all); returns the rows written."""
    from dokreg.archive.selectors import PUBLISHABLE

    docs = Document.objects.filter(PUBLISHABLE)
    rows = BodyMonth.objects.all()
    if registry is not None:
        docs, rows = docs.filter(registry=registry), rows.filter(registry=registry)
    rows.delete()
    counted = (
        docs.annotate(month=TruncMonth("registered"))
        .values("registry_id", "month")
        .annotate(n=Count("id"), ak=Count("id", filter=Q(access=Access.AK)))
    )
    made = [
        BodyMonth(registry_id=r["registry_id"], month=_month(r["month"]), documents=r["n"], ak=r["ak"])
        for r in counted
    ]
    BodyMonth.objects.bulk_create(made, batch_size=1_000)
    for registry_id in {row.registry_id for row in made}:
        _stamp_changed(registry_id)
    return len(made)


def _month(value) -> date:
    if value is None:
        return UNDATED
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)
