"""E-mail configuration from one URL, the way DATABASE_URL configures the database.

``DOKREG_EMAIL_URL`` names where operator and reader mails go:

- ``console://`` (the default) prints each mail to the process's standard output;
- ``smtp://user:password@host:587`` sends with STARTTLS, ``smtps://…:465`` over TLS,
  ``smtp+plain://host:25`` without encryption (a relay on the same host or a test server);
- ``file:///var/lib/dokreg/mail`` writes each mail to a file in that folder;
- ``memory://`` keeps them in ``django.core.mail.outbox`` (tests).

User and password may be percent-encoded. ``DOKREG_EMAIL_FROM`` is the sender address.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+plain": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
_DEFAULT_PORTS = {"smtp": 587, "smtps": 465, "smtp+plain": 25}


class EmailUrlError(ValueError):
    """DOKREG_EMAIL_URL cannot be understood; the message names the part."""


def email_settings(url: str) -> dict:
    """The Django EMAIL_* settings for one DOKREG_EMAIL_URL."""
    parts = urlsplit(url.strip() or "console://")
    scheme = parts.scheme.lower()
    if scheme not in _BACKENDS:
        known = ", ".join(f"{s}://" for s in _BACKENDS)
        raise EmailUrlError(f"DOKREG_EMAIL_URL: unknown scheme {scheme!r} (use one of {known})")
    config: dict = {"EMAIL_BACKEND": _BACKENDS[scheme]}
    if scheme == "file":
        if not parts.path:
            raise EmailUrlError("DOKREG_EMAIL_URL: file:// needs a folder, e.g. file:///var/lib/dokreg/mail")
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    if scheme in _DEFAULT_PORTS:
        if not parts.hostname:
            raise EmailUrlError(
                f"DOKREG_EMAIL_URL: {scheme}:// needs a host, e.g. {scheme}://mail.example.org"
            )
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError as exc:
            raise EmailUrlError(f"DOKREG_EMAIL_URL: bad port ({exc})") from None
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port,
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "smtp",
            EMAIL_USE_SSL=scheme == "smtps",
            EMAIL_TIMEOUT=30,
        )
    return config
