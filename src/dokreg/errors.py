"""One root exception with a stable code; each app subclasses it.

The code is stored on the row that failed (``error_code``) and returned by the API,
so operators and clients can group failures without parsing messages.
"""


class DokregError(Exception):
    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class SourceUnavailable(DokregError):
    """The register did not answer usefully (HTTP error, timeout, connection refused)."""

    code = "source_unavailable"


class SourcePaused(DokregError):
    """The register put a robot check in front of us; we stop and tell the operator."""

    code = "source_paused"


class RedirectRefused(SourceUnavailable):
    """The register redirected us off its own host or to an internal address; the hop is not followed."""

    code = "redirect_refused"


class SourceChanged(DokregError):
    """The page no longer has the markup the connector knows: a parse error, never a silent zero."""

    code = "source_changed"


class WrongContent(SourceChanged):
    """The register answered something other than what was asked for: an HTML page (a login wall, a
    challenge, an error page) instead of a file, or a binary instead of a list page. Never stored."""

    code = "wrong_content"


class NotModified(DokregError):
    """The source answered 304: the page is as we stored it (not an error; the re-visit is done)."""

    code = "not_modified"


class NotFoundAtSource(DokregError):
    code = "not_found"


class Unsupported(DokregError):
    code = "unsupported"


class Encrypted(DokregError):
    code = "encrypted"


class Broken(DokregError):
    code = "broken"


class TooLarge(DokregError):
    code = "too_large"


class TimedOut(DokregError):
    code = "timed_out"


class BadInput(DokregError):
    """A command-line or API argument that cannot be used."""

    code = "bad_input"
