"""The public output boundary: no personal code (isikukood) leaves a public or API response unmasked.

Pages, the API, feeds, sitemaps and exports each mask what they build, but a template or a new field
can forget. This middleware is the last line: every text body the public routes send passes through
``mask_personal_codes``. Masking here is cheap (one regex pass over an already rendered body) and does
not depend on every template and selector being right.

Not masked: the operator's admin (/admin/) and the staff-only status detail, where the operator must
see what a register really sent; and the original file bytes on /fail/, which are served as they are
or, when they hold a personal code, not at all (``selectors.original_withheld``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote, unquote, unquote_to_bytes

from django.http import HttpRequest, HttpResponse

from dokreg.privacy.personal_codes import (
    MASK,
    contains_personal_code,
    could_hold_personal_code,
    is_personal_code,
    mask_personal_codes,
)

TEXT_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/csv",
        "text/xml",
        "application/json",
        "application/x-ndjson",
        "application/atom+xml",
        "application/rss+xml",
        "application/xml",
    }
)
# Routes whose responses are not the public's text: the operator's views and original file bytes.
UNMASKED_ROUTES = frozenset({"public:status_detail", "public:file"})
UNMASKED_PREFIXES = ("/admin/",)
# A streamed body is masked up to the last character no code can span; a run of code-like
# characters longer than this is flushed anyway (nothing that long is a single code).
MAX_CARRY = 4096
# A code right after an escape that ends in a digit (``%20`` in a link's query, ``\u00e4`` in ASCII
# JSON) looks like part of a longer number to ``mask_personal_codes``; these are masked first.
_ESCAPED_CODE = re.compile(r"(%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})([0-9]{11})(?![0-9])")
_QUOTED_MASK = "%5Bisikukood%5D"


# A SHA-256 (a file's content address in the API and exports) is a hash, not personal data; an
# 11-digit run inside one can pass the code check by chance, and masking it would corrupt the address.
_SHA256 = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{64}(?![0-9A-Za-z])")


def mask_public_text(text: str) -> str:
    """``text`` as the public may see it: every personal code masked, also inside URLs and escapes."""
    if not _could_hold_code(text.encode("utf-8", "surrogatepass")):
        return text  # the usual case: the scans below read a megabyte in 60-100 ms
    parts, start = [], 0
    for sha in _SHA256.finditer(text):
        parts += [_mask_plain(text[start : sha.start()]), sha.group()]
        start = sha.end()
    parts.append(_mask_plain(text[start:]))
    return "".join(parts)


def _could_hold_code(data: bytes) -> bool:
    """``could_hold_personal_code`` of UTF-8 ``data`` percent-decoded first, so a code spelt with
    escapes ("%33%38…", "%20") still reads as one."""
    return could_hold_personal_code(unquote_to_bytes(data) if b"%" in data else data)


def _mask_plain(text: str) -> str:
    if "%" in text:
        text = _PERCENT_RUN.sub(_mask_percent_run, text)
    return mask_personal_codes(_ESCAPED_CODE.sub(_mask_escaped, text))


# A percent-encoded value in a link (a filter or series link carries stored values): a code in it may be
# spelt with encoded spaces, zero-width characters or full-width digits, none of which the plain pass sees.
# The lookbehind starts a run only at its first character, so the scan stays linear.
_PERCENT_RUN = re.compile(r"(?<![^\s\"'<>&=?#])[^\s\"'<>&=?#]*%[0-9A-Fa-f]{2}[^\s\"'<>&=?#]*")


def _mask_percent_run(match: re.Match) -> str:
    run = match.group()
    decoded = unquote(run)
    if not contains_personal_code(decoded):
        return run
    return quote(mask_personal_codes(decoded), safe="/:,;@!$()*+")


def _mask_escaped(match: re.Match) -> str:
    escape, digits = match.groups()
    if not is_personal_code(digits):
        return match.group()
    return escape + (_QUOTED_MASK if escape.startswith("%") else MASK)


class PersonalCodeBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _masked_route(request) or not _is_text(response):
            return response
        if "Content-Disposition" in response:
            response["Content-Disposition"] = mask_public_text(response["Content-Disposition"])
        if response.streaming:
            response.streaming_content = mask_stream(response.streaming_content)
            return response
        charset = _known_charset(response.charset)
        if charset == "utf-8" and not _could_hold_code(response.content):
            return response  # checked as sent: no decoding into text and encoding back
        body = response.content.decode(charset, errors="surrogateescape")
        masked = mask_public_text(body)
        if masked != body:
            response.content = masked.encode(charset, errors="surrogateescape")
            if "Content-Length" in response:
                response["Content-Length"] = str(len(response.content))
        return response


def _known_charset(charset: str | None) -> str:
    try:
        return codecs.lookup(charset or "utf-8").name
    except LookupError:
        return "utf-8"


def _masked_route(request: HttpRequest) -> bool:
    if request.path_info.startswith(UNMASKED_PREFIXES):
        return False
    match = getattr(request, "resolver_match", None)
    return match is None or match.view_name not in UNMASKED_ROUTES


def _is_text(response: HttpResponse) -> bool:
    """Any text a reader or client parses: text/*, JSON and XML in all their +json/+xml forms."""
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return (
        content_type in TEXT_TYPES
        or content_type.startswith("text/")
        or content_type.endswith(("+json", "+xml", "json"))
    )


def mask_stream(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    """UTF-8 chunks with personal codes masked, also a code split across two chunks.

    Each chunk is masked up to its last "hard" character (one no code or code variant can contain:
    not a digit, space or separator); the rest is carried into the next chunk.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    carry = ""
    for chunk in chunks:
        text = carry + (decoder.decode(chunk) if isinstance(chunk, bytes) else chunk)
        cut = _last_hard(text)
        if cut < 0 and len(text) < MAX_CARRY:
            carry = text
            continue
        cut = len(text) if cut < 0 else cut + 1
        carry = text[cut:]
        if cut:
            yield mask_public_text(text[:cut]).encode("utf-8", errors="surrogateescape")
    rest = carry + decoder.decode(b"", final=True)
    if rest:
        yield mask_public_text(rest).encode("utf-8", errors="surrogateescape")


def _last_hard(text: str) -> int:
    """Index of the last character a code cannot span, not inside an escape (``%20``, ``\\u00e4``)."""
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        # Hex letters too, so a SHA-256 is never split and stays recognisable as one.
        if c.isdigit() or c.isspace() or c in "-./_:,abcdefABCDEF":
            continue
        if "%" in text[max(0, i - 5) : i + 1] or "\\" in text[max(0, i - 5) : i + 1]:
            continue
        return i
    return -1
