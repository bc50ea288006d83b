"""E-mail messages (.eml, RFC 5322 / MIME) through the standard library's ``email`` package.

The letter's headers (Saatja, Saaja, Koopia, Kuupäev, Teema) go into metadata and on top of the
text, so a search for the sender or subject finds the letter; the body is the plain-text part when
there is one, else the HTML part made readable. Every attachment (inline images too) and every
forwarded message (as ``.eml``) becomes a child for the runner.

Estonian mail is often mislabelled: raw 8-bit headers in the Baltic code page, RFC 2047 words that
say iso-8859-1 but hold UTF-8 or Windows-1252, RFC 2231 file names without a charset. The standard
library then yields U+FFFD or mojibake ("PÃµlva"); the helpers at the end go back to the raw bytes
and try the encodings a Windows client in Estonia would have used. The Outlook .msg kind reuses them.
"""

from __future__ import annotations

import binascii
import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Iterator, Sequence
from typing import ClassVar
from urllib.parse import unquote_to_bytes

from lxml import etree
from lxml import html as lxml_html

from dokreg.errors import Broken, TooLarge
from dokreg.extract.kinds.base import EXTENSION, MAGIC_WEAK, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.types import ChildFile, Extraction
from dokreg.extract.zipguard import unique_name

POLICY = email.policy.default
# Headers that only mail has at the very start of a file; two of them make a message.
_MAIL_HEADERS = frozenset(
    {
        "received", "return-path", "from", "to", "cc", "subject", "date", "message-id",
        "mime-version", "delivered-to", "reply-to", "sender", "x-mailer", "in-reply-to",
    }
)  # fmt: skip
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_SIGNED_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_ENCRYPTED_TYPES = frozenset({"multipart/encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime"})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
# Raw bytes in a header: UTF-8 first (never decodes by accident), then the Baltic Windows code page
# (õ ä ö ü š ž), then latin-1, which decodes anything.
RAW_ENCODINGS = ("utf-8", "cp1257", "latin-1")
_C1 = re.compile("[\x80-\x9f]")
_PARAM = re.compile(
    r"""(?:^|;)\s*(?P<key>filename|name)(?:\*(?P<index>\d+))?(?P<star>\*)?\s*=\s*"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|[^;]*)""",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})
HEADER_LABELS = (
    ("from", "Saatja"),
    ("to", "Saaja"),
    ("cc", "Koopia"),
    ("date", "Kuupäev"),
    ("subject", "Teema"),
)


class EmlExtractor:
    kind: ClassVar[str] = "eml"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("message/rfc822",)
    extensions: ClassVar[tuple[str, ...]] = ("eml",)

    def sniff(self, head: bytes, name: str) -> int | None:
        # Below every magic number: plain text that merely starts with "From:" is rare, but a PDF
        # or ZIP is never mail whatever its first bytes look like.
        known = leading_headers(head) & _MAIL_HEADERS
        by_name = extension_of(name) in self.extensions
        if len(known) >= 2:
            return MAGIC_WEAK + (EXTENSION if by_name else 0)
        if known and by_name:
            return MAGIC_WEAK
        return EXTENSION if by_name else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        message = _parse(data, name)
        fields = message_fields(message)
        if not any(fields.values()):
            raise Broken(f"{name}: not an e-mail (no From, To, Subject or Date header)")
        parts = _Parts(name, limits)
        parts.collect(message)
        body = parts.body()
        text = "\n\n".join(t for t in (header_block(fields), body) if t)
        metadata = tuple((k, v) for k, v in fields.items() if v) + (
            ("attachments", str(len(parts.children))),
        )
        return Extraction(
            kind=self.kind,
            version=self.version,
            text=text,
            metadata=metadata,
            children=tuple(parts.children),
            warnings=tuple(parts.warnings),
        )


def leading_headers(head: bytes) -> set[str]:
    """Lower-case names of the header lines a file starts with (empty when it does not start so)."""
    names: set[str] = set()
    for line in head.lstrip(b"\xef\xbb\xbf \t\r\n").splitlines()[:200]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded continuation
        match = _HEADER_LINE.match(line)
        if match is None:
            break
        names.add(match.group(1).decode("ascii").lower())
    return names


def _parse(data: bytes, name: str) -> email.message.EmailMessage:
    try:
        message = email.message_from_bytes(data, policy=POLICY)
    except (email.errors.MessageError, ValueError, IndexError, LookupError) as e:
        raise Broken(f"{name}: not a readable e-mail ({type(e).__name__}: {e})") from e
    assert isinstance(message, email.message.EmailMessage)  # guaranteed by the policy
    return message


def message_fields(message: email.message.Message) -> dict[str, str]:
    """From, To, Cc, Date (ISO 8601 when it parses) and Subject, decoded as well as the bytes allow."""
    fields = {key: header_text(message, key) for key in ("from", "to", "cc", "date", "subject")}
    fields["date"] = iso_date(fields["date"])
    return fields


def header_text(message: email.message.Message, key: str) -> str:
    raw = next((v for k, v in message.raw_items() if k.lower() == key), None)
    if raw is None:
        return ""
    try:
        decoded = str(message[key])
    except Exception:  # noqa: BLE001 - the stdlib header parser has raised IndexError/AttributeError on hostile headers
        decoded = "\ufffd"  # take the raw path below
    return repair_header(decoded, raw)


def iso_date(value: str) -> str:
    try:
        return email.utils.parsedate_to_datetime(value).isoformat() if value else ""
    except (TypeError, ValueError, IndexError):
        return value


class _Parts:
    """Walks the MIME tree without recursion, sorting parts into body text and children."""

    def __init__(self, name: str, limits: Limits):
        self.name = name
        self.limits = limits
        self.plain: list[str] = []
        self.html: list[str] = []
        self.children: list[ChildFile] = []
        self.warnings: list[str] = []
        self._used: set[str] = set()
        self._bytes = 0

    def collect(self, message: email.message.Message) -> None:
        for part in _leaves(message):
            content_type = part.get_content_type()
            if content_type in _MESSAGE_TYPES:
                self._forwarded(part)
            elif content_type in _ENCRYPTED_TYPES and "signed" not in (part.get_param("smime-type") or ""):
                self.warnings.append(f"{self.name}: an encrypted part ({content_type}) cannot be read")
                self._attach(part, content_type)
            elif content_type in _SIGNED_TYPES:
                self.warnings.append(
                    f"{self.name}: signed ({content_type}); the mail signature is not checked"
                )
                self._attach(part, content_type)
            elif _is_body(part, content_type):
                target = self.plain if content_type == "text/plain" else self.html
                target.append(_part_text(part))
            else:
                self._attach(part, content_type)

    def body(self) -> str:
        if any(t.strip() for t in self.plain):
            return tidy("\n\n".join(self.plain))
        return "\n\n".join(html_to_text(h) for h in self.html if h.strip())

    def _forwarded(self, part: email.message.Message) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, email.message.Message):
            self.warnings.append(f"{self.name}: an attached message is empty")
            return
        subject = header_text(inner, "subject")
        fallback = f"{safe_filename(subject)[:100] or 'kiri'}.eml"
        self._add(part_filename(part) or fallback, _message_bytes(inner))

    def _attach(self, part: email.message.Message, content_type: str) -> None:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""
        name = part_filename(part) or _invented_name(part, content_type, len(self.children) + 1)
        self._add(name, data)

    def _add(self, name: str, data: bytes) -> None:
        if len(self.children) >= self.limits.max_children:
            raise TooLarge(
                f"{self.name}: more than {self.limits.max_children} attachments (the children limit)"
            )
        self._bytes += len(data)
        if self._bytes > self.limits.max_expanded_bytes:
            raise TooLarge(f"{self.name}: attachments exceed {self.limits.max_expanded_bytes} bytes")
        safe = safe_filename(name) or "lisa"
        if safe != name:
            self.warnings.append(f"{self.name}: attachment name {name!r} kept as {safe!r}")
        child_name = unique_name(safe, self._used)
        self._used.add(child_name)
        self.children.append(ChildFile(name=child_name, data=data))


def _leaves(message: email.message.Message) -> Iterator[email.message.Message]:
    """Every non-multipart part in document order; attached messages are leaves, not descended into."""
    stack = [message]
    while stack:
        part = stack.pop()
        content_type = part.get_content_type()
        payload = part.get_payload()
        if content_type.startswith("multipart/") and isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, email.message.Message)]))
        else:
            yield part


def _is_body(part: email.message.Message, content_type: str) -> bool:
    if content_type not in ("text/plain", "text/html"):
        return False
    disposition = part.get_content_disposition()
    return disposition != "attachment" and part_filename(part) is None


def _part_text(part: email.message.Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or ""
    text = decode_labelled(data, charset)
    return text if text.isascii() else fix_mislabelled(text)


def _message_bytes(inner: email.message.Message) -> bytes:
    """The forwarded message as bytes; compat32 writes raw 8-bit headers back unchanged."""
    for policy in (email.policy.compat32, POLICY):
        try:
            return inner.as_bytes(policy=policy)
        except Exception:  # noqa: BLE001, S112 - a generator bug on a hostile part: try the other policy
            continue
    return b""


def part_filename(part: email.message.Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - the stdlib parameter parser has raised on hostile headers
        name = None
    if name and not looks_garbled(name):
        return name.strip() or None
    raw = [v for k, v in part.raw_items() if k.lower() in ("content-disposition", "content-type")]
    repaired = filename_from_raw(raw)
    if repaired:
        return repaired.strip() or None
    return fix_mislabelled(name).strip() or None if name else None


def _invented_name(part: email.message.Message, content_type: str, number: int) -> str:
    content_id = (part.get("content-id") or "").strip("<> ")
    stem = safe_filename(content_id.split("@", 1)[0]) or f"lisa-{number}"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return stem + extension


def safe_filename(name: str) -> str:
    """The last path component only, without control characters: attachments name files, not paths."""
    base = re.sub(r"[\x00-\x1f\x7f]", "", name.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return "" if base in (".", "..") else base


# --- headers ---------------------------------------------------------------------------------------


def repair_header(decoded: str, raw: str | None) -> str:
    """The best reading of one header: the standard library's, unless it lost or garbled letters."""
    text = decoded
    if "\ufffd" in text and raw is not None:
        text = decode_raw_header(raw)
    return fix_mislabelled(" ".join(text.split()))


def decode_raw_header(raw: str) -> str:
    """Decode a raw header value (8-bit bytes kept as surrogates) with RFC 2047 words in any charset."""
    text = bytes_to_text(raw.encode("ascii", "surrogateescape"))
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    if "=?" not in text:
        return text
    try:
        words = email.header.decode_header(text)
    except (email.errors.HeaderParseError, ValueError, binascii.Error):
        return text
    return "".join(_decode_word(chunk, charset) for chunk, charset in words)


def _decode_word(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset is None:  # the text between encoded words, kept by decode_header as raw-unicode-escape
        return chunk.decode("raw-unicode-escape", "replace")
    return decode_labelled(chunk, charset)


def decode_labelled(data: bytes, charset: str) -> str:
    """Bytes that claim ``charset``: trust a claim that decodes, except latin-1 claims hiding UTF-8."""
    label = charset.strip().lower()
    try:  # valid UTF-8 beyond ASCII is never an accident, whatever the label says
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(label or "ascii")
    except (LookupError, UnicodeDecodeError):
        return bytes_to_text(data)


def bytes_to_text(data: bytes) -> str:
    for encoding in RAW_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # unreachable: latin-1 decodes every byte


def fix_mislabelled(text: str) -> str:
    """Undo the two common mislabellings: UTF-8 read as latin-1 ("Ãµ" → "õ"), and Windows-1252
    read as latin-1 (C1 control characters where š and ž were)."""
    if text.isascii():
        return text
    for encoding in ("latin-1", "cp1252"):
        try:
            repaired = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text:
            return repaired
    if _C1.search(text):
        try:
            return text.encode("latin-1").decode("cp1252")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return _C1.sub("", text)
    return text


def looks_garbled(text: str) -> bool:
    return "\ufffd" in text or bool(_C1.search(text)) or fix_mislabelled(text) != text


def filename_from_raw(raw_values: Sequence[str]) -> str | None:
    """A file name read from raw Content-Disposition / Content-Type values (filename first, then
    name), with RFC 2231 continuations and charsets and RFC 2047 words decoded by hand."""
    for wanted in ("filename", "name"):
        for raw in raw_values:
            name = _param(re.sub(r"\r?\n[ \t]+", " ", raw), wanted)
            if name:
                return name
    return None


def _param(raw: str, wanted: str) -> str | None:
    pieces: list[tuple[int, bool, str]] = []
    for match in _PARAM.finditer(raw):
        if match["key"].lower() != wanted:
            continue
        value = match["value"].strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pieces.append((int(match["index"] or 0), bool(match["star"]), value))
    if not pieces:
        return None
    pieces.sort(key=lambda p: p[0])
    if not any(star for _, star, _ in pieces):
        return fix_mislabelled(decode_raw_header("".join(v for _, _, v in pieces))) or None
    return _rfc2231(pieces) or None


def _rfc2231(pieces: list[tuple[int, bool, str]]) -> str:
    charset = ""
    data = b""
    for position, (_, star, value) in enumerate(pieces):
        if position == 0 and star and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        raw = value.encode("ascii", "surrogateescape")
        data += unquote_to_bytes(raw) if star else raw
    return fix_mislabelled(decode_labelled(data, charset))


def header_block(fields: dict[str, str]) -> str:
    """The Estonian-labelled lines above the body: who wrote to whom, when, about what."""
    lines = [f"{label}: {fields[key]}" for key, label in HEADER_LABELS if fields.get(key)]
    return "\n".join(lines)


# --- HTML bodies ------------------------------------------------------------------------------------


def html_to_text(markup: str | bytes) -> str:
    """Readable text from an HTML body: scripts and styles dropped, blocks on their own lines."""
    if isinstance(markup, bytes):
        markup = bytes_to_text(markup)
    if not markup.strip():
        return ""
    try:
        root = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return markup
    out: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _SKIPPED_TAGS:
            if event == "end" and element.tail:
                out.append(element.tail)
            continue
        if _inside_skipped(element):
            continue
        if event == "start":
            if tag in _BLOCK_TAGS:
                out.append("\n")
            if element.text and isinstance(element.tag, str):
                out.append(element.text)
        else:
            if tag in _BLOCK_TAGS:
                out.append("\n")
            if element.tail:
                out.append(element.tail)
    return tidy("".join(out))


def _inside_skipped(element: etree._Element) -> bool:
    return any(isinstance(a.tag, str) and a.tag.lower() in _SKIPPED_TAGS for a in element.iterancestors())


def tidy(text: str) -> str:
    """Non-breaking spaces to spaces, trailing blanks cut, runs of blank lines shortened to one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
