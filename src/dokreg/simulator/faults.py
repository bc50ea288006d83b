"""Faults a real register shows, injected into the simulator deterministically.

A `Faults` object is the simulator's fault hook (``SimulatorServer(corpus, faults=Faults(...))``): the
server asks it about every request before the site answers. Each fault has its own knob, all off by
default, so a test turns on exactly what it is about::

    faults = Faults(seed=3, error_500=0.05, timeout=0.02, truncated=0.01,
                    burst_429_every=400, burst_429_length=2, markup_change={"1234"})

- ``error_500``: that share of requests answers HTTP 500.
- ``timeout``: that share is held ``timeout_seconds`` (longer than the client's timeout), then answered.
- ``truncated``: that share of HTML pages is cut in the middle of a table. ``truncate_mode="cut"`` promises
  the whole length and drops the connection (what a crashed front end does); ``"short"`` sends the cut page
  as if it were whole (what a proxy that swallows an application error does).
- ``burst_429_every`` / ``burst_429_length``: every N-th request starts a burst of K answers of 429 with
  ``Retry-After: retry_after``, whatever is asked for (a rate limiter in front of the whole site).
- ``robot_check_after``: after N requests every answer is a captcha page (the source must pause).
- ``markup_change``: these document ids answer a page whose metadata table has a new class, as after a
  redesign (the connector must raise SourceChanged, never store blank fields).

The random faults (500, timeout, truncation) are *transient per request*: whether a request is hit depends
only on the seed, the request (method, path, query, body) and how many times that same request was made
before, never on timing or thread order, and only its first ``max_faults_per_request`` attempts can be hit.
A retry therefore gets through, so an archive synced through faults can end complete. The markup change
and the robot check are persistent, as on a real site.

``scope`` limits a hook to paths under a prefix (one body: ``"/som/"``); hooks compose with ``|``:
``Faults(scope="/som/", robot_check_after=50) | Faults(error_500=0.05)`` asks the first, then the second.
``injected`` counts the faults served, ``seen`` the requests in scope.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from dokreg.errors import BadInput
from dokreg.simulator.web import FaultHook, Request, Response, Site

TRUNCATE_MODES = ("cut", "short")
# A captcha wall as front ends put it up: the reCAPTCHA widget is what the polite client recognises.
ROBOT_CHECK_PAGE = (
    b'<!DOCTYPE html><html lang="et"><head><meta charset="utf-8"/><title>Turvakontroll</title>'
    b'<script src="https://www.google.com/recaptcha/api.js" async defer></script></head><body>'
    b"<h1>Palun kinnitage, et te ei ole robot</h1>"
    b'<form method="post"><div class="g-recaptcha" data-sitekey="6LdSIMULATEDxxxxxxxxxxxxxxxxxxxxxxxxxx">'
    b'</div><input type="submit" value="Edasi"/></form></body></html>'
)
ERROR_PAGE = b"<html><head><title>500</title></head><body><h1>HTTP Status 500 - Internal Server Error</h1></body></html>"
RATE_LIMIT_PAGE = b"<html><head><title>429</title></head><body><h1>Too Many Requests</h1></body></html>"


class Faults:
    def __init__(
        self,
        *,
        seed: int = 0,
        error_500: float = 0.0,
        timeout: float = 0.0,
        timeout_seconds: float = 1.0,
        truncated: float = 0.0,
        truncate_mode: str = "cut",
        burst_429_every: int = 0,
        burst_429_length: int = 3,
        retry_after: str = "1",
        robot_check_after: int | None = None,
        markup_change: Iterable[str | int] = (),
        max_faults_per_request: int = 1,
        scope: str = "/",
    ) -> None:
        _check(error_500, timeout, truncated, truncate_mode, burst_429_every, burst_429_length)
        self.seed = seed
        self.error_500, self.timeout, self.truncated = error_500, timeout, truncated
        self.timeout_seconds = timeout_seconds
        self.truncate_mode = truncate_mode
        self.burst_429_every, self.burst_429_length = burst_429_every, burst_429_length
        self.retry_after = retry_after
        self.robot_check_after = robot_check_after
        self.markup_change = frozenset(str(doc_id) for doc_id in markup_change)
        self.max_faults_per_request = max_faults_per_request
        self.scope = scope
        self.site: Site | None = None
        self.injected: Counter[str] = Counter()
        self.seen = 0
        self._attempts: Counter[tuple] = Counter()
        self._burst_left = 0
        self._lock = threading.Lock()

    def bind(self, site: Site) -> None:
        """The site whose answers are delayed, cut or changed; the server calls this when given the hook."""
        self.site = site

    def __or__(self, other: FaultHook) -> FaultChain:
        return FaultChain(self, other)

    def intercept(self, request: Request) -> Response | None:
        if not request.path.startswith(self.scope):
            return None
        fault, attempt = self._decide(request)
        if fault == "robot_check":
            return Response(200, ROBOT_CHECK_PAGE, kind="robot_check")
        if fault == "burst_429":
            return Response(
                429, RATE_LIMIT_PAGE, headers=(("Retry-After", self.retry_after),), kind="rate_limited"
            )
        if fault == "error_500":
            return Response(500, ERROR_PAGE, kind="error")
        if fault == "timeout":
            time.sleep(self.timeout_seconds)  # the client has given up by now; the answer goes nowhere
            return self._changed(request, self._answer(request))
        answer = self._changed(request, self._answer(request))
        if fault == "truncated" and "html" in answer.content_type and answer.status == 200:
            return self._cut(answer)
        return answer  # a file or an error page is not cut: only pages with tables are

    # --- deciding ----------------------------------------------------------------------------
    def _decide(self, request: Request) -> tuple[str, int]:
        """Which fault this request gets ("" for none); counted here so the counts match what is served."""
        key = (request.method, request.path, request.query, request.body)
        with self._lock:
            self.seen += 1
            attempt = self._attempts[key]
            self._attempts[key] += 1
            fault = self._sticky_fault() or self._random_fault(key, attempt)
            if fault and fault != "truncated":  # counted when cut: only HTML pages are
                self.injected[fault] += 1
        return fault, attempt

    def _sticky_fault(self) -> str:
        if self.robot_check_after is not None and self.seen > self.robot_check_after:
            return "robot_check"
        if self.burst_429_every and self.seen % self.burst_429_every == 0:
            self._burst_left = self.burst_429_length
        if self._burst_left:
            self._burst_left -= 1
            return "burst_429"
        return ""

    def _random_fault(self, key: tuple, attempt: int) -> str:
        if attempt >= self.max_faults_per_request:
            return ""
        draw = _uniform(self.seed, key, attempt)
        for fault, rate in (
            ("error_500", self.error_500),
            ("timeout", self.timeout),
            ("truncated", self.truncated),
        ):
            if draw < rate:
                return fault
            draw -= rate
        return ""

    # --- answering ---------------------------------------------------------------------------
    def _answer(self, request: Request) -> Response:
        if self.site is None:
            raise BadInput(
                "Faults: no site bound; pass the hook to SimulatorServer(faults=...) or call bind()"
            )
        return self.site.handle(request)

    def _changed(self, request: Request, answer: Response) -> Response:
        """A redesigned document page: the metadata tables lose the class the connector looks for."""
        doc_id = request.path.rstrip("/").rsplit("/", 1)[-1]
        if answer.kind != "document" or "/dokument/" not in request.path or doc_id not in self.markup_change:
            return answer
        with self._lock:
            self.injected["markup_change"] += 1
        body = answer.body.replace(b'<table class="form">', b'<table class="metadata grid">')
        return replace(answer, body=body, kind="markup_change")

    def _cut(self, answer: Response) -> Response:
        with self._lock:
            self.injected["truncated"] += 1
        body = answer.body[: _mid_table(answer.body)]
        if self.truncate_mode == "short":
            return replace(answer, body=body, kind="truncated")
        # The server sends a declared Content-Length as given and closes the connection after the body.
        headers = (*answer.headers, ("Content-Length", str(len(answer.body))))
        return replace(answer, body=body, headers=headers, kind="truncated")


class FaultChain:
    """Several hooks in turn; the first that answers wins."""

    def __init__(self, *hooks: FaultHook) -> None:
        self.hooks = hooks

    def bind(self, site: Site) -> None:
        for hook in self.hooks:
            if bind := getattr(hook, "bind", None):
                bind(site)

    def __or__(self, other: FaultHook) -> FaultChain:
        return FaultChain(*self.hooks, other)

    def intercept(self, request: Request) -> Response | None:
        for hook in self.hooks:
            if (answer := hook.intercept(request)) is not None:
                return answer
        return None


def _uniform(seed: int, key: tuple, attempt: int) -> float:
    """A number in [0, 1) fixed by the seed, the request and the attempt: the same run faults the same way."""
    digest = hashlib.blake2b(repr((seed, key, attempt)).encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _mid_table(body: bytes) -> int:
    """Where to cut: halfway through the first table of the content (a page without one: halfway)."""
    start = body.find(b"<table", max(0, body.find(b'id="content"')))
    end = body.find(b"</table>", start) if start >= 0 else -1
    if start < 0 or end < 0:
        return len(body) // 2
    return start + (end - start) // 2


def _check(
    error_500: float, timeout: float, truncated: float, mode: str, burst_every: int, burst_length: int
) -> None:
    problems = []
    if min(error_500, timeout, truncated) < 0 or error_500 + timeout + truncated > 1:
        problems.append("rates are shares between 0 and 1 that add up to at most 1")
    if mode not in TRUNCATE_MODES:
        problems.append(f"truncate_mode must be one of {', '.join(TRUNCATE_MODES)}")
    if burst_every < 0 or burst_length < 0:
        problems.append("burst sizes cannot be negative")
    if problems:
        raise BadInput(f"simulator faults: {'; '.join(problems)}")
