"""``/health/``: for load balancers and monitoring. Says whether this web process can serve, and nothing
about the archive's contents (it is public, so it names failures by kind only)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "index": _index()}
    # Without the database nothing can be served; without the index only search is down.
    status = 503 if checks["database"] != "ok" else 200
    return JsonResponse({"status": "ok" if status == 200 else "unavailable", "checks": checks}, status=status)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return type(exc).__name__
    return "ok"


def _index() -> str:
    try:
        from dokreg.search import search

        search("", limit=0)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return "ok"
