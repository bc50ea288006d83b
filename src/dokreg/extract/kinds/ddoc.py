"""Legacy DigiDoc containers (.ddoc, DIGIDOC-XML 1.x and SK-XML): one XML file with base64 data
files and XML-DSig signatures, the Estonian format before BDOC (2002–2014); registers still publish
thousands of them.

Data files become children; signatures become SignatureInfo with the signer from the X509
certificate. The offline check covers what can be checked reliably: each data file's digest, which
DDOC defines over the canonical (C14N) ``<DataFile>`` element itself, base64 text included. The
signature value is not checked: DigiDoc's canonicalisation of SignedInfo and SignedProperties has
version-specific quirks, and a check that fails on valid containers would be worse than none. The
note on every signature says so.

The XML comes from strangers: DDOC never has a DTD, so any DOCTYPE or ENTITY is refused before
parsing (no entity expansion, no network); large data files need libxml2's huge-tree mode, which is
safe once entities are out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import ClassVar

from lxml import etree

from dokreg.errors import Broken, TooLarge
from dokreg.extract.kinds.base import EXTENSION, MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.kinds.eml import safe_filename
from dokreg.extract.limits import Limits
from dokreg.extract.signatures import signer_of
from dokreg.extract.types import ChildFile, Extraction, SignatureInfo
from dokreg.extract.zipguard import unique_name

DS = "http://www.w3.org/2000/09/xmldsig#"
NOTE = "signature value, certificate chain and OCSP not checked (DDOC canonicalisation quirks; no network)"
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_blank_text=False
)
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


class DdocExtractor:
    kind: ClassVar[str] = "ddoc"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-ddoc", "application/vnd.etsi.digidoc+xml")
    extensions: ClassVar[tuple[str, ...]] = ("ddoc",)

    def sniff(self, head: bytes, name: str) -> int | None:
        if b"<SignedDoc" in head[:2048]:
            return MAGIC
        by_name = extension_of(name) in self.extensions
        if by_name and b"<?xml" in head[:64]:
            return MAGIC_WEAK
        return EXTENSION if by_name else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        root = _parse(data, name)
        warnings: list[str] = []
        data_files = _data_files(root, name, limits, warnings)
        signatures = [_signature(s, data_files, warnings) for s in root if s.tag == f"{{{DS}}}Signature"]
        if not signatures:
            warnings.append(f"{name}: no signatures")
        children = _children(data_files, warnings)
        return Extraction(
            kind=self.kind,
            version=self.version,
            metadata=(
                ("format", f"{root.get('format', '')} {root.get('version', '')}".strip()),
                ("data_files", str(len(children))),
                ("signatures", str(len(signatures))),
            ),
            children=tuple(children),
            signatures=tuple(signatures),
            warnings=tuple(warnings),
        )


class _DataFile:
    def __init__(self, element: etree._Element, file_name: str, content: bytes | None):
        self.element = element
        self.id = element.get("Id", "")
        self.file_name = file_name
        self.content = content  # None when DETACHED or HASHCODE: the file is not in the container


def _parse(data: bytes, name: str) -> etree._Element:
    if any(marker in data[:65536] for marker in _FORBIDDEN):
        raise Broken(f"{name}: XML with a DTD or entity declarations; refused (DDOC has none)")
    try:
        root = etree.fromstring(data.lstrip(b"\xef\xbb\xbf \t\r\n"), _PARSER)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise Broken(f"{name}: not well-formed XML ({e})") from e
    if _local(root.tag) != "SignedDoc":
        raise Broken(f"{name}: not a DigiDoc container (root element {_local(root.tag)!r})")
    return root


def _data_files(root: etree._Element, name: str, limits: Limits, warnings: list[str]) -> list[_DataFile]:
    found: list[_DataFile] = []
    total = 0
    for element in root:
        if _local(element.tag) != "DataFile":
            continue
        if len(found) >= limits.max_children:
            raise TooLarge(f"{name}: more than {limits.max_children} data files")
        file_name = element.get("Filename") or element.get("Id") or "andmefail"
        content = _content(element, file_name, name, warnings)
        total += len(content or b"")
        if total > limits.max_expanded_bytes:
            raise TooLarge(f"{name}: data files exceed {limits.max_expanded_bytes} bytes")
        found.append(_DataFile(element, file_name, content))
    return found


def _content(element: etree._Element, file_name: str, name: str, warnings: list[str]) -> bytes | None:
    content_type = (element.get("ContentType") or "EMBEDDED_BASE64").upper()
    text = element.text or ""
    if content_type == "EMBEDDED_BASE64":
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            warnings.append(f"{name}: data file {file_name!r} is not valid base64; not extracted")
            return None
    if content_type == "EMBEDDED":  # SK-XML and early DIGIDOC-XML: the file's own (XML or text) content
        return (text + "".join(etree.tostring(child, encoding="unicode") for child in element)).encode()
    warnings.append(
        f"{name}: data file {file_name!r} is {content_type} (its content is not in the container)"
    )
    return None


def _signature(signature: etree._Element, data_files: list[_DataFile], warnings: list[str]) -> SignatureInfo:
    who = signer_of(signature)
    digests_valid, problems = _check_digests(signature, data_files)
    label = who.name or "unknown signer"
    warnings.extend(f"signature of {label}: {p}" for p in problems)
    return SignatureInfo(
        signer_name=who.name or "(no signer certificate)",
        personal_code=who.personal_code,
        role=", ".join(_texts(signature, ".//{*}ClaimedRole")),
        country=who.country,
        issuer=who.issuer,
        signed_at=_signing_time(signature),
        profile="DDOC",
        value_valid=None,
        digests_valid=digests_valid,
        note="; ".join([*problems, NOTE]),
    )


def _check_digests(signature: etree._Element, data_files: list[_DataFile]) -> tuple[bool | None, list[str]]:
    """DDOC rule: the digest of each DataFile is taken over its canonical XML element."""
    by_id = {f.id: f for f in data_files}
    problems: list[str] = []
    covered: set[str] = set()
    for ref in signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference"):
        target = by_id.get(ref.get("URI", "").lstrip("#"))
        if target is None:
            continue  # SignedProperties and the like
        covered.add(target.id)
        if not _digest_matches(ref, target.element):
            problems.append(
                f"data file {target.file_name!r} does not match its signed digest (changed after signing)"
            )
    problems.extend(f"does not cover data file {f.file_name!r}" for f in data_files if f.id not in covered)
    if not covered:
        return (None if not data_files else False), [*problems, "refers to no data file"]
    return not problems, problems


def _digest_matches(ref: etree._Element, element: etree._Element) -> bool:
    method = ref.find(f"{{{DS}}}DigestMethod")
    algorithm = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    expected = "".join((ref.findtext(f"{{{DS}}}DigestValue") or "").split())
    if algorithm is None or not expected:
        return False
    canonical = etree.tostring(element, method="c14n")
    try:
        return hashlib.new(algorithm, canonical).digest() == base64.b64decode(expected)
    except (ValueError, binascii.Error):
        return False


def _signing_time(signature: etree._Element) -> datetime | None:
    text = (signature.findtext(".//{*}SigningTime") or "").strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _children(data_files: list[_DataFile], warnings: list[str]) -> list[ChildFile]:
    children: list[ChildFile] = []
    used: set[str] = set()
    for data_file in data_files:
        if data_file.content is None:
            continue
        safe = safe_filename(data_file.file_name) or "andmefail"
        if safe != data_file.file_name:
            warnings.append(f"unsafe data file name {data_file.file_name!r} kept as {safe!r}")
        child_name = unique_name(safe, used)
        if child_name != safe:
            warnings.append(f"data files named {safe!r} kept apart as {child_name!r}")
        used.add(child_name)
        children.append(ChildFile(name=child_name, data=data_file.content))
    return children


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in element.findall(path) if (e.text or "").strip()]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
