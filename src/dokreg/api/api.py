"""The ``/api/v1/`` NinjaAPI: routers, per-IP limits, and errors in the one shape clients parse.

Every error is ``{"error": {"code": "...", "message": "..."}}`` with the codes of ``dokreg.errors``:
400 ``bad_input`` for parameters (including what ninja's own validation rejects), 400
``personal_code_query`` for a search for nothing but a personal code, 404 ``not_found``
for unknown or hidden ids alike, 429 ``rate_limited`` with ``Retry-After``, 503 for a search index
that cannot answer.
"""

from __future__ import annotations

import math

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import Throttled, ValidationError

from dokreg import __version__
from dokreg.api.routers import changes, documents, export, registries
from dokreg.errors import BadInput, DokregError
from dokreg.ratelimit import FixedWindowThrottle

api = NinjaAPI(
    title="dokreg open API",
    version=__version__,
    description=(
        "The open archive of Estonian public document registers. Only published documents appear: "
        "restricted (AK) documents show metadata without files; withdrawn and taken-down documents "
        "are unknown here (404), and appear in /changes only as tombstones. Personal codes are masked."
    ),
    urls_namespace="api-v1",
    throttle=[FixedWindowThrottle()],
    docs_url="/docs",
)

api.add_router("", documents.router)
api.add_router("", registries.router)
api.add_router("", changes.router)
api.add_router("", export.router)

STATUS = {BadInput.code: 400, documents.PersonalCodeQuery.code: 400, documents.ApiNotFound.code: 404}


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message}}, status=status)


@api.exception_handler(DokregError)
def _dokreg_error(request: HttpRequest, exc: DokregError) -> HttpResponse:
    # Anything else a DokregError can be here is the search index failing: try again later.
    return error_response(request, STATUS.get(exc.code, 503), exc.code, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path"))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(request, 400, BadInput.code, "; ".join(problems) or "invalid parameters")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, documents.ApiNotFound.code, "no such resource")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = max(1, math.ceil(exc.wait or 1))
    response = error_response(
        request, 429, "rate_limited", f"too many requests from this address; try again in {wait} s"
    )
    response["Retry-After"] = str(wait)
    return response
