"""Sharing and citing: absolute URLs for canonical links, Open Graph tags and the citation line."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, name: str, *args: object) -> str:
    """The named route's full address on the host the reader asked (ALLOWED_HOSTS vouches for it)."""
    return context["request"].build_absolute_uri(reverse(name, args=args))


@register.simple_tag(takes_context=True)
def absolute(context: template.Context, path: str) -> str:
    return context["request"].build_absolute_uri(path)
