"""The catalogue of bodies as the public sees it: ``RegistryView`` values, never the rows."""

from __future__ import annotations

from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading.build import http_url
from dokreg.reading.types import RegistryView
from dokreg.registries.models import Registry


def registry_view(r: Registry) -> RegistryView:
    return RegistryView(
        pk=r.pk,
        slug=r.slug,
        name=mask_personal_codes(r.name),
        family=r.family,
        family_label=str(r.get_family_display()),
        base_url=http_url(r.base_url),
        state=r.state,
        state_reason=mask_personal_codes(r.state_reason),
        covered=r.covered,
        document_count=r.document_count,
        newest_registered=r.newest_registered,
        last_sync_finished_at=r.last_sync_finished_at,
        last_success_at=r.last_success_at,
        last_error_at=r.last_error_at,
    )


def body(slug: str) -> RegistryView | None:
    r = Registry.objects.filter(slug=slug).first()
    return registry_view(r) if r else None


def covered_registries() -> list[RegistryView]:
    """Bodies with their freshness, from the denormalised fields (no counting per request)."""
    return [
        registry_view(r) for r in Registry.objects.exclude(state=Registry.State.NOT_COVERED).order_by("name")
    ]


def all_registries() -> list[RegistryView]:
    return [registry_view(r) for r in Registry.objects.order_by("name")]


def registry_choices() -> list[tuple[str, str]]:
    rows = Registry.objects.exclude(state=Registry.State.NOT_COVERED).values_list("slug", "name")
    return [(slug, mask_personal_codes(name)) for slug, name in rows]
