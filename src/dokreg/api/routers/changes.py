"""``/changes``: everything added or changed since a cursor, so others can mirror the archive.

Three event streams, each with its own monotonic position inside the one opaque cursor:
- versions: every change a sync saw (``DocumentVersion.id``: created, changed, restricted, withdrawn…);
- takedowns: an operator's takedown records no version, so ``(taken_down_at, id)`` of documents;
- extractions: text becoming available records no version, so ``(extracted_at, id)`` of public files.
An entry is the document's state *now*, not at the event: a published document comes whole, any
other (withdrawn, taken down, no longer fetched) as a tombstone with only its id and ``hidden``.
Applying entries in order therefore always converges on the archive as it is. The streams are
drained one after another, so their entries interleave only across pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from dokreg.api.items import document_item
from dokreg.api.pagination import cursor_decode, cursor_encode, state_int
from dokreg.api.schemas import ChangeList, ErrorOut
from dokreg.archive.models import Document, DocumentVersion
from dokreg.archive.selectors import publishable_documents, publishable_files
from dokreg.errors import BadInput

router = Router(tags=["changes"])

MAX_LIMIT = 500
CURSOR_KIND = "changes"


@router.get("/changes", response={200: ChangeList, 400: ErrorOut}, exclude_unset=True)
def changes(
    request: HttpRequest,
    cursor: str = Query("", description="next_cursor of the previous call; empty starts from the beginning"),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """Documents added, changed or hidden since ``cursor``; keep the returned ``next_cursor`` for next time."""
    state = cursor_decode(CURSOR_KIND, cursor) or {"v": 0, "t": None, "x": None}
    version_pos = state_int(state, "v")
    takedown_pos = _time_position(state.get("t"), "t")
    extract_pos = _time_position(state.get("x"), "x")

    events: list[int] = []
    version_pos, more_v = _drain_versions(version_pos, limit, events)
    takedown_pos, more_t = _drain_timed(_takedowns, takedown_pos, limit - len(events), events)
    extract_pos, more_x = _drain_timed(_extractions, extract_pos, limit - len(events), events)

    following = cursor_encode(CURSOR_KIND, {"v": version_pos, "t": takedown_pos, "x": extract_pos})
    return {
        "items": _entries(request, events),
        "next_cursor": following,
        "has_more": more_v or more_t or more_x,
    }


def _time_position(raw: Any, key: str) -> list | None:
    """A ``[iso datetime, id]`` position, checked; ``None`` is the start of the stream."""
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], str) and isinstance(raw[1], int)):
        raise BadInput(f"cursor: field {key!r} is not a position")
    try:
        moment = datetime.fromisoformat(raw[0])
    except ValueError as exc:
        raise BadInput(f"cursor: field {key!r} has no valid time") from exc
    if moment.tzinfo is None:
        raise BadInput(f"cursor: field {key!r} has a time without a zone")
    return [moment.isoformat(), raw[1]]


def _drain_versions(position: int, budget: int, events: list[int]) -> tuple[int, bool]:
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


def _takedowns() -> QuerySet:
    # Hidden documents by definition, so not through publishable_documents(): only their ids and
    # takedown times are read here, and they leave this module as tombstones.
    return Document.objects.filter(taken_down_at__isnull=False)


def _extractions() -> QuerySet:
    return publishable_files().filter(extracted_at__isnull=False)


# Each timed stream: its rows, the time field, and the field naming the document an event is about.
_STREAMS: dict[Callable[[], QuerySet], tuple[str, str]] = {
    _takedowns: ("taken_down_at", "pk"),
    _extractions: ("extracted_at", "document_id"),
}


def _drain_timed(
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


def _entries(request: HttpRequest, events: list[int]) -> list[dict[str, Any]]:
    """One entry per document (its latest event's place), as it is now: whole, or a tombstone."""
    last_place = {doc_id: i for i, doc_id in enumerate(events)}
    ordered = sorted(last_place, key=last_place.__getitem__)
    docs = publishable_documents().select_related("registry").in_bulk(ordered)
    entries = []
    for doc_id in ordered:
        doc = docs.get(doc_id)
        if doc is None:
            entries.append({"id": doc_id, "hidden": True})
        else:
            entries.append({"id": doc_id, "hidden": False, "document": document_item(request, doc)})
    return entries
