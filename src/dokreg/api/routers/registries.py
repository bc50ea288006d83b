"""``/registries`` (bodies with counts and freshness) and ``/matters/{id}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from dokreg.api.items import absolute, document_item, masked
from dokreg.api.routers.documents import ApiNotFound
from dokreg.api.schemas import ErrorOut, MatterOut, RegistryDetail, RegistryOut
from dokreg.reading import body as body_stats
from dokreg.reading import browse, registries
from dokreg.reading import documents as selectors
from dokreg.reading.types import RegistryView

router = Router(tags=["registries"])

MATTER_LIMIT = 500


def _registry(request: HttpRequest, body: RegistryView, documents: int) -> dict[str, Any]:
    return masked(
        {
            "slug": body.slug,
            "name": body.name,
            "family": body.family,
            "state": body.state,
            "covered": body.covered,
            "source_url": body.base_url,
            "url": absolute(request, reverse("public:registry", args=[body.slug])),
            # Counted through the publication rule, not the denormalised total (which counts hidden ones).
            "documents": documents,
            "newest_registered": body.newest_registered,
            "last_sync_finished_at": body.last_sync_finished_at,
            "last_success_at": body.last_success_at,
            "last_error_at": body.last_error_at,
        }
    )


@router.get("/registries", response=list[RegistryOut])
def registries_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every body in the catalogue, with its published document count and when it was last synced."""
    counts = selectors.published_counts()
    return [_registry(request, body, counts.get(body.pk, 0)) for body in registries.all_registries()]


@router.get("/registries/{slug}", response={200: RegistryDetail, 404: ErrorOut})
def registry_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    body = registries.body(slug)
    if body is None:
        raise ApiNotFound(f"registry {slug!r}: no such body in the catalogue")
    stats = body_stats.registry_stats(body)
    out = _registry(request, body, stats.documents)
    out.update(
        {
            "ak": stats.ak,
            "months": [{"month": m.month, "documents": m.documents, "ak": m.ak} for m in stats.months],
            "export_ndjson": absolute(request, reverse("api-v1:export_ndjson", args=[slug])),
            "export_csv": absolute(request, reverse("api-v1:export_csv", args=[slug])),
            "feed": absolute(request, reverse("feeds:registry", args=[slug])),
        }
    )
    return out


@router.get("/matters/{int:matter_id}", response={200: MatterOut, 404: ErrorOut})
def matter_detail(request: HttpRequest, matter_id: int) -> dict[str, Any]:
    """The published documents sharing one reference root; a matter with none published is unknown."""
    found = browse.matter_documents(matter_id, limit=MATTER_LIMIT)
    if found is None:
        raise ApiNotFound(f"matter {matter_id}: no such matter with published documents")
    matter, docs = found
    return {
        "id": matter.pk,
        "registry": matter.registry.slug,
        "root": matter.root,
        "documents": [document_item(request, d) for d in docs],
    }
