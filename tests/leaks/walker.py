"""The route walker: every public route of the URL conf and every GET path of the OpenAPI schema (so a
new route is walked without anyone remembering to add it), and the links each page shows, one step.

Used by the leak tests (personal codes, markup) and the redaction tests (no trace of a redacted name):
each passes its own archive's parameter values and its own check of every response.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import URLPattern, URLResolver, get_resolver

Check = Callable[[str, int, str, str], None]


def walk(
    client,
    *,
    values: dict[str, list[str]],
    api_values: dict[str, str],
    extra: list[str] = (),
    check: Check,
) -> set[str]:
    """Read every route (and the links on each HTML page) and ``check(url, status, content_type, body)``
    each response; returns the paths walked."""
    return walk_urls(client, public_routes(values) + api_routes(client, api_values) + list(extra), check)


def walk_urls(client, urls: list[str], check: Check) -> set[str]:
    """Read each of ``urls`` and the archive links on its HTML pages, one step; returns the paths walked."""
    walked: set[str] = set()
    for url in urls:
        status, content_type, body = read(client, url)
        check(url, status, content_type, body)
        walked.add(url.split("?")[0])
        # Follow the page's own links one step (series, facet and filter links carry stored values).
        if "html" in content_type:
            for link in set(re.findall(r'href="(/(?:otsi|asutus|asi|dokument)[^"]*)"', body)):
                link = link.replace("&amp;", "&")
                if link not in walked:
                    walked.add(link)
                    check(link, *read(client, link))
    return walked


def public_routes(values: dict[str, list[str]]) -> list[str]:
    """Every route of the URL conf outside admin/, api/, i18n/, static/, filled with ``values``."""
    urls: list[str] = []
    for route in _routes(get_resolver().url_patterns, ""):
        if route.startswith(("admin/", "api/", "i18n/", "static/")):
            continue  # the operator's, the API (walked from its schema below), the language switch
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        unknown = [n for n in names if n not in values]
        assert not unknown, f"the walker has no value for {unknown} in route {route!r}: add one"
        urls += _fill(route, names, values)
    return urls


def _routes(patterns, prefix: str):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _fill(route: str, names: list[str], values: dict[str, list[str]]) -> list[str]:
    urls = [route.lstrip("^").rstrip("$")]
    for name in names:
        urls = [re.sub(rf"<(?:\w+:)?{name}>", v, u, count=1) for u in urls for v in values[name]]
    if "fail/" in route:  # /fail/<pk>/<name>: "name" carries its pk
        urls = [u.split("/", 1)[0] + "/" + u.split("/", 2)[-1] for u in urls]
    return ["/" + u for u in urls]


def api_routes(client, fill: dict[str, str]) -> list[str]:
    """Every GET path of the OpenAPI schema, filled with ``fill``."""
    schema = client.get("/api/v1/openapi.json").json()
    urls = []
    for path, methods in schema["paths"].items():
        if "get" not in methods:
            continue
        names = re.findall(r"{(\w+)}", path)
        unknown = [n for n in names if n not in fill]
        assert not unknown, f"the walker has no value for {unknown} in API path {path!r}: add one"
        for name in names:
            path = path.replace("{" + name + "}", fill[name])
        urls.append(path)
    return urls


def read(client, url: str) -> tuple[int, str, str]:
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.get("Content-Type", ""), content.decode("utf-8", errors="replace")
