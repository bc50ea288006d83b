"""Record an operator act in the audit trail. Every service that hides, redacts, reverts, takes down or
decides calls `record` in the same transaction as the act, so an act without its entry cannot exist."""

from __future__ import annotations

from typing import Any

from dokreg.desk.models import AuditEntry


def record(actor: Any, action: str, target: Any, summary: str, **detail: Any) -> AuditEntry:
    """Store one entry. `actor` is a user, a name (``"system"``, ``"cli:takedown"``) or None;
    `target` is a model instance or a ``(type, id)`` pair."""
    if hasattr(target, "_meta"):
        target_type, target_id = target._meta.label_lower, str(target.pk)
    else:
        target_type, target_id = str(target[0]), str(target[1])
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = actor.get_username() if user else str(actor or "system")
    return AuditEntry.objects.create(
        actor=user,
        actor_name=name[:150],
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary,
        detail=detail,
    )


def trail(target: Any):
    """Every entry about one target, newest first."""
    if hasattr(target, "_meta"):
        return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return AuditEntry.objects.filter(target_type=str(target[0]), target_id=str(target[1]))
