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

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from dokreg.api.items import document_item
from dokreg.api.pagination import cursor_decode, cursor_encode, state_int
from dokreg.api.schemas import ChangeList, ErrorOut
from dokreg.errors import BadInput
from dokreg.reading.changes import drain_timed, drain_versions, extractions, published_cards, takedowns

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
    version_pos, more_v = drain_versions(version_pos, limit, events)
    takedown_pos, more_t = drain_timed(takedowns, takedown_pos, limit - len(events), events)
    extract_pos, more_x = drain_timed(extractions, extract_pos, limit - len(events), events)

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


def _entries(request: HttpRequest, events: list[int]) -> list[dict[str, Any]]:
    """One entry per document (its latest event's place), as it is now: whole, or a tombstone."""
    last_place = {doc_id: i for i, doc_id in enumerate(events)}
    ordered = sorted(last_place, key=last_place.__getitem__)
    docs = published_cards(ordered)
    entries = []
    for doc_id in ordered:
        doc = docs.get(doc_id)
        if doc is None:
            entries.append({"id": doc_id, "hidden": True})
        else:
            entries.append({"id": doc_id, "hidden": False, "document": document_item(request, doc)})
    return entries
