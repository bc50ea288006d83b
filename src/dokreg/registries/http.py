"""The polite HTTP client every connector uses to talk to a register.

Registers are small public services run by ministries and courts, so politeness is ours to get right:
an honest User-Agent, one request at a time per host with a pause between them, bounded retries with
backoff that honour ``Retry-After``, and a hard stop when a robot check appears (we never try to get
around one; the operator decides what to do).

Sleeping, the clock and the jitter are injectable so tests run in milliseconds.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpcore
import httpx

from dokreg.errors import BadInput, RedirectRefused, SourcePaused, SourceUnavailable, TooLarge

# Retry-After can ask for hours; past this we would rather fail and let the next sync cycle try again.
MAX_RETRY_AFTER = 300.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))

# Redirects are followed by hand, one checked hop at a time (SSRF): a register must not steer us elsewhere.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Cloud metadata endpoints; link-local/private checks catch them too, named here so the intent is plain.
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
# A redirect to a login/challenge gate keeps where we wanted to go in the query: a robot check, not a withdrawal.
_CHALLENGE_RETURN_KEYS = frozenset({"returnurl", "return_url", "returnto", "redirect_uri"})
_CHALLENGE_PATH = re.compile(r"captcha|challenge|robot", re.IGNORECASE)

# Markers of a challenge. Real pages carry some of them too (Riigikogu's site-wide reCAPTCHA script for its
# feedback form), so they count only on a page without the family's own markup (``own_markup``).
_CHALLENGE_MARKUP = re.compile(
    r"g-recaptcha|google\.com/recaptcha|www\.recaptcha\.net|h-captcha|hcaptcha\.com|cf-challenge|cf_chl_|"
    r"cf-turnstile|challenges\.cloudflare\.com|checking your browser|are you a robot|not a robot|robot check|"
    r"toimub robotkontroll|verify you are human|ddos-guard|captcha-delivery\.com",
    re.IGNORECASE,
)
# Weaker words: a document title may say "captcha", so on a 200 page they are not enough.
_CHALLENGE_WORDS = re.compile(r"captcha|\brobot\b", re.IGNORECASE)
_CHALLENGE_STATUSES = frozenset({403, 429, 503})
# A page (not a file) larger than this is refused: no register page is near it, and a hostile one must not
# fill memory. Files have their own limit (DOKREG_MAX_DOWNLOAD_BYTES, via get_bytes).
DEFAULT_MAX_PAGE_BYTES = 50 * 1024 * 1024
# Only the start of an HTML page is inspected: challenge pages are short, documents can be large.
_SNIFF_BYTES = 256 * 1024


@functools.cache
def trusted_roots() -> ssl.SSLContext:
    """The default TLS context (certifi's roots, hostname and chain checks on), built once per process.

    Loading the CA bundle takes about 45 ms, and a worker makes a client for every task it runs: without
    this, a third of a queued sync's time went on reading the same certificates again."""
    return httpx.create_ssl_context()


class PoliteClient:
    """One ``httpx.Client`` (cookies kept: ADR keeps search state in a session) with per-host manners."""

    def __init__(
        self,
        user_agent: str,
        interval: float,
        timeout: float,
        retries: int,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        backoff: float = 1.0,
        max_retry_after: float = MAX_RETRY_AFTER,
        verify: ssl.SSLContext | bool = True,
        resolve: Callable[[str], list[str]] | None = None,
        max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
        turns: Callable[[str, float, float], float] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        # Kept so a connector can build a sibling client that trusts extra CAs (Riigikantselei).
        self.timeout = timeout
        self.verify = verify
        self.transport = transport
        self.user_agent = user_agent
        self.interval = max(0.0, interval)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_page_bytes = max_page_bytes
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._resolve = resolve or _resolve_host
        # Shared with other processes: (host, interval, Unix time now) -> seconds to wait for this start.
        self.turns = turns
        self._wall = wall
        # Origins (scheme, host, port) a redirect may lead to; the connector adds its register's base URL.
        self.allowed_origins: set[tuple[str, str, int]] = set()
        # A pattern every real page of the register's family matches; a challenge only counts without it.
        self.own_markup: re.Pattern[str] | None = None
        # Origins (scheme, host, port) outside the register that a checked hop may reach: every connection to
        # them resolves the name once more and refuses an internal address (DNS rebinding), see _CheckedBackend.
        self._public_only: set[tuple[str, int]] = set()
        if verify is True:
            verify_with: ssl.SSLContext | bool = trusted_roots()
        else:
            verify_with = verify
        if transport is None:
            transport = httpx.HTTPTransport(verify=verify_with)
            pool = getattr(transport, "_pool", None)
            if isinstance(pool, httpcore.ConnectionPool):
                pool._network_backend = _CheckedBackend(self)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            verify=verify_with,
        )
        self._hosts_lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}

    # --- public surface ------------------------------------------------------------------
    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, data=None, **kw) -> httpx.Response:
        return self.request("POST", url, data=data, **kw)

    def get_bytes(self, url: str, *, max_bytes: int, **kw) -> httpx.Response:
        """GET a file, refusing it (TooLarge) as soon as it grows past ``max_bytes``."""
        return self.request("GET", url, max_bytes=max_bytes, **kw)

    def allow_origin(self, base_url: str) -> None:
        """Let redirects stay on the register the operator added (its scheme, host and port)."""
        self.allowed_origins.add(_origin(base_url))

    def request(self, method: str, url: str, *, max_bytes: int | None = None, **kw) -> httpx.Response:
        """Send with per-host manners, following at most MAX_REDIRECTS checked hops; returns any response
        that is not worth retrying (2xx-4xx).

        Raises SourceUnavailable when retries run out, SourcePaused on a robot check, RedirectRefused
        when a redirect leaves the register or points at an internal address.
        """
        max_bytes = self.max_page_bytes if max_bytes is None else max_bytes
        allowed = self.allowed_origins or _own_origin(url)
        first = url
        for _hop in range(MAX_REDIRECTS + 1):
            host = urlsplit(url).netloc.lower()
            with self._host_lock(host):
                response = self._send_with_retries(method, url, host, max_bytes, kw)
            if response.status_code not in REDIRECT_STATUSES or "Location" not in response.headers:
                return response
            target = urljoin(url, response.headers["Location"])
            self._check_redirect(first, target, allowed)
            method, kw = _redirected_request(response.status_code, method, kw)
            url = target
        raise RedirectRefused(f"{first}: more than {MAX_REDIRECTS} redirects (last to {url})")

    def _check_redirect(self, url: str, target: str, allowed: set[tuple[str, str, int]]) -> None:
        """Refuse a hop off the register's origins, or to an internal address, before it is sent."""
        if _is_challenge_redirect(target):
            raise SourcePaused(
                f"{url}: the register redirected to a robot check ({target}); "
                "stopping this source until an operator looks at it"
            )
        try:
            origin = _origin(target)
        except ValueError as exc:
            raise RedirectRefused(f"{url}: redirect to an unusable address {target!r}") from exc
        if origin in allowed:
            return  # the register as the operator added it, loopback included (simulator, demo, tests)
        scheme, host, port = origin
        if (scheme, port) == ("https", 443) and any(h == host for _s, h, _p in allowed):
            # An http register moving to https on its own name: followed only if the name is public, and the
            # connection itself goes to an address checked the same way (the name may answer differently then).
            self._refuse_internal(url, target, host)
            self._public_only.add((host, port))
            return
        raise RedirectRefused(f"{url}: redirect to {target} leaves the register's own host")

    def _refuse_internal(self, url: str, target: str, host: str) -> None:
        try:
            addresses = self._resolve(host)
        except OSError as exc:
            raise RedirectRefused(f"{url}: redirect to {target}: host does not resolve ({exc})") from exc
        for address in addresses:
            if _is_internal(address):
                raise RedirectRefused(f"{url}: redirect to {target} resolves to internal address {address}")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------
    def _host_lock(self, host: str) -> threading.Lock:
        with self._hosts_lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _send_with_retries(
        self, method: str, url: str, host: str, max_bytes: int, kw: dict
    ) -> httpx.Response:
        reason = ""
        wait = 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(wait)
            self._wait_for_turn(host)
            try:
                response = self._send_once(method, url, max_bytes, kw)
            except httpx.TimeoutException as exc:
                reason, wait = f"timed out ({type(exc).__name__})", self._backoff_wait(attempt + 1)
                continue
            except httpx.TransportError as exc:
                reason = f"connection failed ({type(exc).__name__}: {exc})"
                wait = self._backoff_wait(attempt + 1)
                continue
            except httpx.InvalidURL as exc:
                raise BadInput(f"{url}: not a usable URL ({exc})") from exc
            except httpx.HTTPError as exc:  # redirect loops, undecodable bodies: retrying will not help
                raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
            finally:
                self._last_request[host] = self._clock()
            _raise_if_robot_check(url, response, self.own_markup)
            if response.status_code not in RETRY_STATUSES:
                return response
            reason = f"HTTP {response.status_code}"
            wait = self._retry_wait(attempt + 1, response)
        raise SourceUnavailable(f"{url}: {reason} after {self.retries + 1} attempts")

    def _send_once(self, method: str, url: str, max_bytes: int, kw: dict) -> httpx.Response:
        request = self._client.build_request(method, url, **kw)
        response = self._client.send(request, stream=True)
        try:
            _read_limited(url, response, max_bytes)
        finally:
            response.close()
        return response

    def _wait_for_turn(self, host: str) -> None:
        """This process's previous request to the host ended an interval ago, then the host's next
        start across every process sharing the database (``turns``) has come."""
        if not self.interval:
            return
        last = self._last_request.get(host)
        wait = 0.0 if last is None else last + self.interval - self._clock()
        if wait > 0:
            self._sleep(wait)
        if self.turns is not None:
            shared = self.turns(host, self.interval, self._wall())
            if shared > 0:
                self._sleep(shared)

    def _backoff_wait(self, attempt: int) -> float:
        # Exponential with jitter so many workers that failed together do not come back together.
        return self.backoff * (2 ** (attempt - 1)) + self.backoff * self._jitter()

    def _retry_wait(self, attempt: int, response: httpx.Response) -> float:
        """A server that says when to come back (Retry-After) is obeyed, up to a cap."""
        asked = retry_after_seconds(response.headers.get("Retry-After", ""))
        if asked is None:
            return self._backoff_wait(attempt)
        return min(asked, self.max_retry_after)


class _CheckedBackend(httpcore.NetworkBackend):
    """Opens the client's connections. To an origin a redirect led off the register, it resolves the name
    itself, refuses if any address is internal, and connects to exactly the addresses it checked: a name
    that resolved to a public address for the hop check cannot rebind to 127.0.0.1 for the connection."""

    def __init__(self, client: PoliteClient) -> None:
        self._client = client
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        name = host.lower().rstrip(".")
        if (name, port) not in self._client._public_only:
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = list(dict.fromkeys(self._client._resolve(name)))
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from exc
        internal = [a for a in addresses if _is_internal(a)]
        if internal or not addresses:
            raise RedirectRefused(
                f"{host}:{port}: the name resolved to internal address {(internal or ['none'])[0]} when connecting; "
                "refused (it resolved to a public one when the redirect was checked)"
            )
        error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next address, as socket.create_connection does
                error = exc
        raise error  # type: ignore[misc]

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)  # .port raises ValueError on junk
    return scheme, parts.hostname.lower().rstrip("."), port


def _own_origin(url: str) -> set[tuple[str, str, int]]:
    """A bare client (no register configured) treats the requested URL's own origin as the register."""
    try:
        return {_origin(url)}
    except ValueError:
        return set()  # an unusable URL: sending it reports BadInput; no redirect is allowed


def _resolve_host(host: str) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, None)]


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip in _METADATA_ADDRESSES or not ip.is_global or ip.is_multicast


def _is_challenge_redirect(target: str) -> bool:
    parts = urlsplit(target)
    keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(keys & _CHALLENGE_RETURN_KEYS) or bool(_CHALLENGE_PATH.search(parts.path))


def _redirected_request(status: int, method: str, kw: dict) -> tuple[str, dict]:
    """What browsers (and httpx) send next: 303, and 301/302 after a POST, become a body-less GET."""
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        return "GET", {k: v for k, v in kw.items() if k not in ("data", "content", "files", "json")}
    return method, kw


def _read_limited(url: str, response: httpx.Response, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url}: {declared} bytes declared, limit is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{url}: more than {max_bytes} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what read() would have set; lets .content/.text work


def retry_after_seconds(value: str, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if unusable."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _raise_if_robot_check(url: str, response: httpx.Response, own_markup: re.Pattern[str] | None) -> None:
    content_type = response.headers.get("Content-Type", "")
    if "html" not in content_type and "text" not in content_type and content_type:
        return
    head = response.content[:_SNIFF_BYTES].decode("utf-8", errors="replace")
    if own_markup is not None and own_markup.search(head):
        return  # the family's own page: its scripts may mention reCAPTCHA, but it is not a challenge
    strong = _CHALLENGE_MARKUP.search(head)
    weak = response.status_code in _CHALLENGE_STATUSES and _CHALLENGE_WORDS.search(head)
    if strong or weak:
        found = (strong or weak).group(0)
        raise SourcePaused(
            f"{url}: the register answered with a robot check (HTTP {response.status_code}, "
            f"'{found}'); stopping this source until an operator looks at it"
        )


def client_from_settings(**kw) -> PoliteClient:
    """A client configured from Django settings (DOKREG_USER_AGENT, DOKREG_REQUEST_*), taking its turns
    at each host with every other process on the database."""
    from django.conf import settings

    from dokreg.registries.turns import host_turn_take

    kw.setdefault("turns", host_turn_take)
    return PoliteClient(
        user_agent=getattr(settings, "DOKREG_USER_AGENT", "dokreg (open archive of public registers)"),
        interval=float(getattr(settings, "DOKREG_REQUEST_INTERVAL", 1.0)),
        timeout=float(getattr(settings, "DOKREG_REQUEST_TIMEOUT", 30.0)),
        retries=int(getattr(settings, "DOKREG_REQUEST_RETRIES", 4)),
        max_page_bytes=int(getattr(settings, "DOKREG_MAX_PAGE_BYTES", DEFAULT_MAX_PAGE_BYTES)),
        **{"backoff": float(getattr(settings, "DOKREG_REQUEST_BACKOFF", 1.0)), **kw},
    )
