"""The change streams behind the API's ``/changes``: positions of versions, takedowns and extractions.

Only ids, positions and times leave here, and the documents themselves as output types through
``published_cards`` (a document no longer published is absent, and the API gives a tombstone).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Q, QuerySet

from dokreg.archive.models import Document, DocumentVersion
from dokreg.reading import build
from dokreg.reading.rule import publishable_documents, publishable_files
from dokreg.reading.types import DocumentCard


def published_cards(ids: list[int]) -> dict[int, DocumentCard]:
    """The published documents among ``ids``, by id."""
    return build.cards_by_id(publishable_documents(), ids)


def drain_versions(position: int, budget: int, events: list[int]) -> tuple[int, bool]:
    if budget <= 0:
        return position, DocumentVersion.objects.filter(pk__gt=position).exists()
    rows = list(
        DocumentVersion.objects.filter(pk__gt=position)
        .order_by("pk")
        .values_list("pk", "document_id")[: budget + 1]
    )
    for pk, document_id in rows[:budget]:
        events.append(document_id)
        position = pk
    return position, len(rows) > budget


def takedowns() -> QuerySet:
    # Hidden documents by definition, so not through publishable_documents(): only their ids and
    # takedown times are read here, and they leave this module as tombstones.
    return Document.objects.filter(taken_down_at__isnull=False)


def extractions() -> QuerySet:
    return publishable_files().filter(extracted_at__isnull=False)


# Each timed stream: its rows, the time field, and the field naming the document an event is about.
_STREAMS: dict[Callable[[], QuerySet], tuple[str, str]] = {
    takedowns: ("taken_down_at", "pk"),
    extractions: ("extracted_at", "document_id"),
}


def drain_timed(
    source: Callable[[], QuerySet], position: list | None, budget: int, events: list[int]
) -> tuple[list | None, bool]:
    field, document_field = _STREAMS[source]
    qs = source()
    if position is not None:
        moment = datetime.fromisoformat(position[0])
        qs = qs.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": position[1]}))
    qs = qs.order_by(field, "pk")
    if budget <= 0:
        return position, qs.exists()
    rows = list(qs.values(*dict.fromkeys((field, "pk", document_field)))[: budget + 1])
    for row in rows[:budget]:
        events.append(row[document_field])
        position = [row[field].isoformat(), row["pk"]]
    return position, len(rows) > budget
