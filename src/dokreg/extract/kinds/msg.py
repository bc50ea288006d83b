"""Outlook messages (.msg, OLE2 compound files) through extract-msg.

The same shape as an .eml: sender, recipients, date and subject in metadata and on top of the text,
the plain body (or the HTML one made readable), attachments and embedded messages as children.
Registers publish these when a clerk saves a letter straight from Outlook.

An .msg shares its OLE2 magic with legacy Word and Excel files; only the MAPI property streams
(``__substg1.0_…``) make it a message, and their names sit in the first directory sector, inside
the head the runner sniffs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, ClassVar

import extract_msg
from extract_msg.enums import AttachmentType, ErrorBehavior
from extract_msg.exceptions import ExMsgBaseException

from dokreg.errors import Broken, TooLarge
from dokreg.extract.kinds.base import MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.kinds.eml import fix_mislabelled, header_block, html_to_text, safe_filename, tidy
from dokreg.extract.limits import Limits
from dokreg.extract.types import ChildFile, Extraction
from dokreg.extract.zipguard import unique_name

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MSG_STREAM = "__substg1.0_".encode("utf-16-le")
# One above plain magic: a file with MAPI streams is a message even if a Word reader also claims it.
MSG_STREAMS = MAGIC + 1
# Broken or unknown attachments become objects we can report instead of aborting the whole message.
_TOLERANT = (
    ErrorBehavior.ATTACH_NOT_IMPLEMENTED | ErrorBehavior.ATTACH_BROKEN | ErrorBehavior.CUSTOM_ATTACH_TOLERANT
)
# extract-msg logs every oddity of every file at WARNING; our warnings list says what matters.
logging.getLogger("extract_msg").setLevel(logging.ERROR)


class MsgExtractor:
    kind: ClassVar[str] = "msg"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-outlook",)
    extensions: ClassVar[tuple[str, ...]] = ("msg",)

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head.startswith(OLE2_MAGIC):
            return None
        if _MSG_STREAM in head:
            return MSG_STREAMS
        return MAGIC_WEAK if extension_of(name) in self.extensions else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        message = _open(data, name)
        try:
            return self._read(message, name, limits)
        finally:
            message.close()

    def _read(self, message: Any, name: str, limits: Limits) -> Extraction:
        warnings = _security_warnings(message, name)
        fields = {
            "from": _text(message, "sender"),
            "to": _text(message, "to"),
            "cc": _text(message, "cc"),
            "date": _date(message),
            "subject": _text(message, "subject"),
        }
        body = _body(message)
        if not body:
            warnings.append(f"{name}: no plain-text or HTML body")
        children = _attachments(message, name, limits, warnings)
        return Extraction(
            kind=self.kind,
            version=self.version,
            text="\n\n".join(t for t in (header_block(fields), body) if t),
            metadata=(
                *((k, v) for k, v in fields.items() if v),
                ("message_class", _text(message, "classType")),
                ("attachments", str(len(children))),
            ),
            children=tuple(children),
            warnings=tuple(warnings),
        )


def _open(data: bytes, name: str) -> Any:
    if not data.startswith(OLE2_MAGIC):
        raise Broken(f"{name}: not an Outlook message (no OLE2 header)")
    try:
        return extract_msg.openMsg(data, strict=False, errorBehavior=_TOLERANT)
    except (ExMsgBaseException, OSError, ValueError, KeyError, IndexError, TypeError, AssertionError) as e:
        # olefile and extract-msg report a truncated or foreign compound file in many ways
        raise Broken(f"{name}: not a readable Outlook message ({type(e).__name__}: {e})") from e


def _get(message: Any, attribute: str) -> Any:
    """One property; a damaged stream reads as absent rather than failing the whole message."""
    try:
        return getattr(message, attribute, None)
    except Exception:  # noqa: BLE001 - property getters decode raw streams and fail in many ways
        return None


def _text(message: Any, attribute: str) -> str:
    value = _get(message, attribute)
    if not isinstance(value, str):
        return ""
    text = " ".join(value.replace("\x00", "").split()).replace(" <None>", "")  # extract-msg's empty address
    return fix_mislabelled(text)


def _date(message: Any) -> str:
    value = _get(message, "date")
    # extract-msg gives the machine's local time; UTC keeps the value the same on every worker
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else ""


def _body(message: Any) -> str:
    plain = _get(message, "body")
    if isinstance(plain, str) and plain.replace("\x00", "").strip():
        return tidy(plain.replace("\x00", ""))
    html = _get(message, "htmlBody")
    if isinstance(html, bytes | str) and html:
        return html_to_text(html)
    return ""


def _security_warnings(message: Any, name: str) -> list[str]:
    message_class = _text(message, "classType").lower()
    if "smime" not in message_class and "signed" not in type(message).__name__.lower():
        return []
    if "multipartsigned" in message_class or "signed" in type(message).__name__.lower():
        return [f"{name}: signed (S/MIME); the mail signature is not checked"]
    return [f"{name}: encrypted (S/MIME, {_text(message, 'classType')}); only the headers are readable"]


def _attachments(message: Any, name: str, limits: Limits, warnings: list[str]) -> list[ChildFile]:
    children: list[ChildFile] = []
    used: set[str] = set()
    total = 0
    for number, attachment in enumerate(_get(message, "attachments") or (), start=1):
        child = _attachment(attachment, number, name, warnings)
        if child is None:
            continue
        if len(children) >= limits.max_children:
            raise TooLarge(f"{name}: more than {limits.max_children} attachments (the children limit)")
        total += len(child.data)
        if total > limits.max_expanded_bytes:
            raise TooLarge(f"{name}: attachments exceed {limits.max_expanded_bytes} bytes")
        child_name = unique_name(child.name, used)
        used.add(child_name)
        children.append(ChildFile(name=child_name, data=child.data))
    return children


def _attachment(attachment: Any, number: int, name: str, warnings: list[str]) -> ChildFile | None:
    kind = _get(attachment, "type")
    label = _attachment_name(attachment) or f"lisa-{number}"
    if kind == AttachmentType.MSG:
        embedded = _get(attachment, "data")
        try:
            data = embedded.exportBytes()
        except Exception as e:  # noqa: BLE001 - re-writing a damaged embedded compound file
            warnings.append(f"{name}: embedded message {label!r} could not be copied out ({e})")
            return None
        if not _attachment_name(attachment):
            label = safe_filename(_text(embedded, "subject"))[:100] or "kiri"
        if not label.lower().endswith(".msg"):
            label += ".msg"  # so the runner's sniffing and a downloader both see what it is
        return ChildFile(name=label, data=data)
    data = _get(attachment, "data")
    if isinstance(data, bytes):
        return ChildFile(name=label, data=data)
    reason = "a web link, not a file" if kind == AttachmentType.WEB else "damaged or of an unknown kind"
    warnings.append(f"{name}: attachment {label!r} is {reason}; not extracted")
    return None


def _attachment_name(attachment: Any) -> str:
    for attribute in ("longFilename", "shortFilename", "displayName"):
        value = _text(attachment, attribute)
        if safe_filename(value):
            return safe_filename(value)
    return ""
