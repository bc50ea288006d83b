"""The review queue: every access transition a re-visit sees becomes a row for an operator.

The archive follows the source at once (``document_upsert`` and ``document_withdrawn`` hide what the
source restricted or withdrew); the queue only makes the change visible and explainable.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dokreg.archive.models import Document, DocumentVersion
from dokreg.desk import audit
from dokreg.errors import BadInput
from dokreg.review.bases import is_personal_data
from dokreg.review.models import ReviewItem, Transition

_BY_KIND = {
    DocumentVersion.Kind.RESTRICTED: Transition.RESTRICTED,
    DocumentVersion.Kind.WITHDRAWN: Transition.WITHDRAWN,
    DocumentVersion.Kind.OPENED: Transition.OPENED,
    DocumentVersion.Kind.RETURNED: Transition.RETURNED,
}


def transition_of(version: DocumentVersion) -> str | None:
    """The transition a version records, or None for changes an operator need not review (a title, files)."""
    if version.kind in _BY_KIND:
        return _BY_KIND[version.kind]
    changes = version.changes if isinstance(version.changes, dict) else {}
    if "access" in changes:
        return Transition.ACCESS
    if "restriction_basis" in changes:
        return Transition.BASIS
    return None


def review_enqueue(*, version: DocumentVersion, document: Document) -> ReviewItem | None:
    """Queue ``version`` when it is a transition; idempotent per version."""
    transition = transition_of(version)
    if transition is None:
        return None
    changes = version.changes if isinstance(version.changes, dict) else {}
    access_before, access_after = _pair(changes, "access", document.access)
    basis_before, basis_after = _pair(changes, "restriction_basis", document.restriction_basis)
    if transition == Transition.WITHDRAWN:
        access_after = ""
    elif transition == Transition.RETURNED:
        access_before = ""
    item, _ = ReviewItem.objects.get_or_create(
        version=version,
        defaults={
            "document": document,
            "transition": transition,
            "access_before": access_before,
            "access_after": access_after,
            "basis_before": basis_before,
            "basis_after": basis_after,
            "personal_data": is_personal_data(basis_before) or is_personal_data(basis_after),
            "seen_at": version.seen_at,
        },
    )
    return item


def _pair(changes: dict, name: str, current: Any) -> tuple[str, str]:
    change = changes.get(name)
    if isinstance(change, list | tuple) and len(change) == 2:
        return str(change[0] or ""), str(change[1] or "")
    return str(current or ""), str(current or "")


def review_open():
    """The queue as the operator works it: open rows first, personal data first, newest first."""
    return ReviewItem.objects.filter(acknowledged_at__isnull=True).select_related("document")


@transaction.atomic
def review_acknowledge(*, item: ReviewItem, actor: Any, explanation: str) -> ReviewItem:
    """The operator has seen the change and says why it happened (or what was done about it)."""
    explanation = (explanation or "").strip()
    if not explanation:
        raise BadInput("review row: an acknowledgement needs an explanation")
    if item.acknowledged_at is not None:
        raise BadInput(f"review row {item.pk}: already acknowledged on {item.acknowledged_at:%Y-%m-%d}")
    item.acknowledged_at = timezone.now()
    item.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
    item.explanation = explanation
    item.save(update_fields=["acknowledged_at", "acknowledged_by", "explanation"])
    audit.record(
        actor,
        "review_acknowledge",
        item.document,
        f"{item.get_transition_display()}: {explanation}",
        review_item=item.pk,
        transition=item.transition,
        personal_data=item.personal_data,
        explanation=explanation,
    )
    return item
