"""Estonian unless the reader chose otherwise.

Django's ``LocaleMiddleware`` also follows the browser's Accept-Language, so a reader in Tallinn
with an English browser would land on English pages. The archive is Estonian by default: only the
language switch (the cookie set by ``/i18n/setlang/``) changes the language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` that reads the language cookie and nothing else (no Accept-Language)."""

    def process_request(self, request: HttpRequest) -> None:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # The page depends on the cookie only; Accept-Language in Vary would split caches for nothing.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def chosen_language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    known = {code for code, _ in settings.LANGUAGES}
    return chosen if chosen in known else settings.LANGUAGE_CODE
