"""Writes to the registry catalogue."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dokreg.errors import BadInput
from dokreg.registries.catalogue import CATALOGUE, CatalogueEntry
from dokreg.registries.models import Registry

FAMILIES = {choice for choice, _ in Registry.Family.choices}


def registry_save(
    *, slug: str, family: str, base_url: str, name: str = "", name_certain: bool = True
) -> Registry:
    """Add a register or update one (an operator pointing a register at a mirror or a test server)."""
    if family not in FAMILIES:
        raise BadInput(f"unknown family {family!r}: use one of {', '.join(sorted(FAMILIES))}")
    if not base_url.startswith(("http://", "https://")):
        raise BadInput(f"base URL {base_url!r} must start with http:// or https://")
    if family != "other" and not base_url.endswith("/"):
        base_url += "/"
    state = Registry.State.NOT_COVERED if family == "other" else Registry.State.ACTIVE
    registry, created = Registry.objects.get_or_create(
        slug=slug,
        defaults={
            "family": family,
            "base_url": base_url,
            "name": name or slug,
            "name_certain": bool(name) and name_certain,
            "state": state,
        },
    )
    if not created:
        registry.family = family
        registry.base_url = base_url
        if name:
            registry.name, registry.name_certain = name, name_certain
        if registry.state == Registry.State.NOT_COVERED and state == Registry.State.ACTIVE:
            registry.state = state
        registry.save()
    return registry


@transaction.atomic
def catalogue_load(*, entries: tuple[CatalogueEntry, ...] = CATALOGUE) -> int:
    """Load the built-in catalogue; existing rows keep what operators or syncs changed."""
    added = 0
    for entry in entries:
        _, created = Registry.objects.get_or_create(
            slug=entry.slug,
            defaults={
                "family": entry.family,
                "base_url": entry.base_url,
                "name": entry.name or entry.slug,
                "name_certain": bool(entry.name),
                "state": Registry.State.ACTIVE if entry.covered else Registry.State.NOT_COVERED,
            },
        )
        added += created
    return added


def registry_name_refresh(*, registry: Registry, seen_name: str) -> None:
    """Replace a placeholder name with the one the register's own page shows."""
    seen_name = seen_name.strip()
    if seen_name and not registry.name_certain and registry.name != seen_name:
        registry.name = seen_name
        registry.name_certain = True
        registry.save(update_fields=["name", "name_certain"])


def registry_sync_started(*, registry: Registry) -> None:
    registry.last_sync_started_at = timezone.now()
    registry.save(update_fields=["last_sync_started_at"])


def registry_sync_finished(*, registry: Registry, success: bool) -> None:
    """A run ended; only a run with nothing paused, failed or incomplete counts as a success."""
    registry.last_sync_finished_at = timezone.now()
    fields = ["last_sync_finished_at"]
    if success:
        registry.last_success_at = registry.last_sync_finished_at
        fields.append("last_success_at")
    registry.save(update_fields=fields)


def registry_pause(*, registry: Registry, reason: str) -> None:
    """A robot check or a similar refusal: the register is asked nothing until an operator resumes it."""
    registry.state = Registry.State.PAUSED
    registry.state_reason = reason
    registry.last_error, registry.last_error_at = reason, timezone.now()
    registry.save(update_fields=["state", "state_reason", "last_error", "last_error_at"])


def registry_error_record(*, registry: Registry, message: str) -> None:
    registry.last_error, registry.last_error_at = message[:2000], timezone.now()
    registry.save(update_fields=["last_error", "last_error_at"])
