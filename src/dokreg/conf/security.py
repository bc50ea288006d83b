"""Production safety: the Content-Security-Policy header and dokreg's own deployment checks.

Django 5.2 has no CSP support of its own; one header set here keeps a register's markup, should any
escape escaping, from running script in a reader's browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import validate_host

# Swagger UI (the API docs page) sets inline styles from its bundle.
DOCS_POLICY_EXTRA = "; style-src 'self' 'unsafe-inline'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response.headers:
            if request.path.startswith("/api/v1/docs"):
                policy += DOCS_POLICY_EXTRA
            response.headers["Content-Security-Policy"] = policy
        return response


@dataclass(frozen=True)
class Finding:
    level: str  # "error" stops `dokreg serve`; "warning" is only reported
    code: str
    message: str


def deployment_findings() -> list[Finding]:
    """dokreg's own checks of an instance about to serve the public (Django's --deploy checks come beside)."""
    return [f for check in CHECKS for f in check()]


def _secret() -> list[Finding]:
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY and not settings.DEBUG:
        return [
            Finding(
                "error",
                "secret_key_default",
                "DOKREG_SECRET_KEY is not set: the built-in development key is public. Set a long random "
                "value (python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or DOKREG_DEBUG=1 "
                "for local development only.",
            )
        ]
    if len(settings.SECRET_KEY) < 32:
        return [Finding("error", "secret_key_short", "DOKREG_SECRET_KEY is shorter than 32 characters.")]
    return []


def _debug() -> list[Finding]:
    if settings.DEBUG:
        return [
            Finding("warning", "debug_on", "DOKREG_DEBUG=1: error pages show internals; never in public.")
        ]
    return []


def _hosts() -> list[Finding]:
    local = {"127.0.0.1", "localhost", "testserver", "[::1]"}
    if "*" in settings.ALLOWED_HOSTS:
        return [Finding("warning", "allowed_hosts_any", "DOKREG_ALLOWED_HOSTS contains '*'.")]
    if set(settings.ALLOWED_HOSTS) <= local:
        return [
            Finding(
                "warning",
                "allowed_hosts_local",
                "DOKREG_ALLOWED_HOSTS names only this machine; set the public host name(s).",
            )
        ]
    return []


def _public_address() -> list[Finding]:
    """DOKREG_PUBLIC_BASE_URL names the archive in mails and feeds, and workers build the sitemap pages
    ahead of crawlers for it: an address the server does not answer to misleads readers and crawlers."""
    url = urlsplit(settings.DOKREG_PUBLIC_BASE_URL)
    if url.scheme not in ("http", "https") or not url.hostname:
        return [
            Finding(
                "error",
                "public_base_url_invalid",
                f"DOKREG_PUBLIC_BASE_URL ({settings.DOKREG_PUBLIC_BASE_URL!r}) is not an http(s) address.",
            )
        ]
    if not validate_host(url.hostname, settings.ALLOWED_HOSTS):
        return [
            Finding(
                "warning",
                "public_base_url_host",
                f"DOKREG_PUBLIC_BASE_URL names {url.hostname}, which DOKREG_ALLOWED_HOSTS does not: links in "
                "mails and feeds, and the sitemap pages built ahead of crawlers, would name another address.",
            )
        ]
    if url.path not in ("", "/"):
        return [
            Finding(
                "warning",
                "public_base_url_path",
                "DOKREG_PUBLIC_BASE_URL has a path: sitemap pages are then built on crawlers' requests, "
                "not ahead of them.",
            )
        ]
    return []


def _data_dir() -> list[Finding]:
    for name, path in (
        ("DOKREG_DATA_DIR", settings.DATA_DIR),
        ("DOKREG_FILE_STORE", settings.FILE_STORE_DIR),
        ("DOKREG_INDEX_DIR", settings.INDEX_DIR),
    ):
        if name == "DOKREG_FILE_STORE" and getattr(settings, "FILE_STORE_URL", ""):
            continue  # files in an object store: _object_store checks it
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
            return [Finding("error", "data_dir_not_writable", f"{name} ({path}) is not writable.")]
    return []


def _database() -> list[Finding]:
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return [
            Finding("error", "database_unreachable", f"the database cannot be reached: {type(exc).__name__}")
        ]
    return []


def _object_store() -> list[Finding]:
    """With DOKREG_FILE_STORE=s3://…, the bucket answers with these credentials (a HEAD of a missing key)."""
    from dokreg.archive.storage import object_store
    from dokreg.errors import DokregError

    try:
        store = object_store()
        if store is not None:
            store.size(".dokreg-check")
    except DokregError as error:
        return [Finding("error", "file_store_unreachable", f"DOKREG_FILE_STORE: {error.message}")]
    return []


def _index() -> list[Finding]:
    from dokreg.search import search

    try:
        search("", limit=0)
    except Exception as exc:  # noqa: BLE001 - an empty or missing index is reported, not raised
        return [
            Finding(
                "warning",
                "index_unreadable",
                f"the search index at {settings.INDEX_DIR} cannot be read ({type(exc).__name__}); "
                "run `dokreg reindex`.",
            )
        ]
    return []


def _tools() -> list[Finding]:
    missing = [
        Finding(
            "warning", f"{tool}_missing", f"{tool} is not installed: {why} (scripts/install-system-deps.sh)."
        )
        for tool, why in (
            ("tesseract", "scans are stored without text"),
            ("soffice", "legacy .doc/.xls files are stored without text"),
        )
        if shutil.which(tool) is None
    ]
    return missing


CHECKS: tuple[Callable[[], list[Finding]], ...] = (
    _secret,
    _debug,
    _hosts,
    _public_address,
    _data_dir,
    _database,
    _object_store,
    _index,
    _tools,
)
