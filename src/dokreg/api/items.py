"""Documents as the API shows them: one shape for lists, changes and matters, always masked."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dokreg.archive.models import Access, Document
from dokreg.privacy.personal_codes import mask_personal_codes


def masked(value: Any) -> Any:
    """Personal codes masked in every string, however deep: all text we serve goes through here."""
    if isinstance(value, str):
        return mask_personal_codes(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def http_url(url: str) -> str:
    # A register could hand us ``javascript:`` as a link; only http(s) goes out as a URL.
    return url if url.lower().startswith(("http://", "https://")) else ""


def document_item(request: HttpRequest, doc: Document, *, snippet: str | None = None) -> dict[str, Any]:
    """The summary of a publishable document; ``doc.registry`` should be selected with it."""
    files_public = doc.access == Access.PUBLIC
    return masked(
        {
            "id": doc.pk,
            "registry": doc.registry.slug,
            "registry_name": doc.registry.name,
            "reference": doc.reference,
            "registered": doc.registered,
            "type": doc.doc_type,
            "title": doc.title,
            "access": doc.access,
            "files_public": files_public,
            "url": absolute(request, reverse("public:document", args=[doc.pk])),
            "source_url": http_url(doc.url),
            # A snippet may quote file text: only a public document's may be quoted.
            "snippet": (str(snippet) if snippet else None) if files_public else None,
        }
    )
