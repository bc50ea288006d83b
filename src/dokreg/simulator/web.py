"""The request and response values passed between the HTTP server and a simulated platform.

A platform family (ADR today; RMK, Riigikantselei, … later) is a plain object with
``handle(request) -> Response``; the server owns sockets, counting and the fault hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Protocol
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # decoded path without the query string
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def cookie(self, name: str) -> str:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:  # a broken Cookie header is the client's problem: treat it as absent
            return ""
        morsel = jar.get(name)
        return morsel.value if morsel else ""

    def form(self) -> dict[str, list[str]]:
        """The form-encoded body; undecodable bytes are replaced rather than failing the request."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html;charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = "other"  # what was asked for: form, search, page, document, file, other — for request counts


class Site(Protocol):
    def handle(self, request: Request) -> Response: ...


class FaultHook(Protocol):
    """Consulted before every request; returning a response replaces the normal answer (faults come later)."""

    def intercept(self, request: Request) -> Response | None: ...
