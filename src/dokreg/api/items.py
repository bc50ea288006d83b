"""Documents as the API shows them: one shape for lists, changes and matters, from the read layer's
output types (already masked: nothing here masks again; ``masked`` is for values a router adds itself)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dokreg.reading.build import http_url, masked
from dokreg.reading.types import DocumentCard

__all__ = ["absolute", "document_item", "http_url", "masked"]


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def document_item(request: HttpRequest, doc: DocumentCard, *, snippet: str | None = None) -> dict[str, Any]:
    """The summary of a publishable document (its texts came masked from the read layer)."""
    return {
        "id": doc.pk,
        "registry": doc.registry.slug,
        "registry_name": doc.registry.name,
        "reference": doc.reference,
        "registered": doc.registered,
        "type": doc.doc_type,
        "title": doc.title,
        "access": doc.access,
        "files_public": doc.files_public,
        "url": absolute(request, reverse("public:document", args=[doc.pk])),
        "source_url": doc.source_url,
        # A snippet may quote file text: only a public document's may be quoted.
        "snippet": (str(snippet) if snippet else None) if doc.files_public else None,
    }
