"""Reading the HTML families' pages (ADR, Tallinn, Riigikogu): a capture's text in the charset it
declares, and a node's visible text as one line."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from dokreg.errors import SourceChanged
from dokreg.registries.types import RawCapture

_SPACE = re.compile(r"\s+")


def page_text(raw: RawCapture) -> str:
    """The capture's body in the charset its Content-Type names (UTF-8 when none or unknown);
    undecodable bytes become U+FFFD rather than failing the page."""
    charset = "utf-8"
    if match := re.search(r"charset=([\w.-]+)", raw.content_type or "", re.IGNORECASE):
        charset = match.group(1)
    try:
        return raw.body.decode(charset, errors="replace")
    except LookupError:  # a charset name Python does not know
        return raw.body.decode("utf-8", errors="replace")


def complete_page(text: str, url: str) -> str:
    """``text`` when the page arrived whole; SourceChanged when it ends before ``</html>``.

    A page cut short in transfer still parses, with its later rows (title, type, files) silently
    missing: stored, it would blank fields that the register never blanked."""
    if "</html>" not in text[-4096:].lower():
        raise SourceChanged(f"{url}: the page ends before </html> (cut short in transfer)")
    return text


def node_text(node: LexborNode | None) -> str:
    """Visible text with runs of whitespace (newlines, indentation) collapsed to one space."""
    if node is None:
        return ""
    return _SPACE.sub(" ", node.text(deep=True, separator=" ")).strip()
