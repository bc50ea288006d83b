"""Signed containers: ASiC-E (.asice/.sce), its Estonian forerunner BDOC (.bdoc) and ASiC-S.

A container is a ZIP: a ``mimetype`` entry first, the signed data files, and META-INF/ with
``signatures*.xml`` (XAdES). Data files become children for the runner; signatures become
SignatureInfo with our own offline check (see dokreg.extract.signatures).

The ZIP comes from outside, so before anything is unpacked the declared sizes, expansion ratios and
member count are checked, and while unpacking the actual bytes are counted (declared sizes can lie).
Member names are only labels here (nothing is written to disk), but absolute paths, ``..`` and
duplicates are reported and neutralised so no later stage trips over them.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import defaultdict
from typing import ClassVar

from dokreg.errors import Broken, Encrypted, TooLarge
from dokreg.extract.kinds.base import MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.signatures import SignatureFileError, read_signatures
from dokreg.extract.types import ChildFile, Extraction, SignatureInfo

ASIC_E = "application/vnd.etsi.asic-e+zip"
ASIC_S = "application/vnd.etsi.asic-s+zip"
ZIP_MAGIC = b"PK\x03\x04"
_SIGNATURE_FILE = re.compile(r"META-INF/[^/]*signatures[^/]*\.xml", re.IGNORECASE)
_CHUNK = 1024 * 1024
# Small members compress absurdly well (a page of spaces); the ratio guard matters only for big ones.
_RATIO_FLOOR = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class AsiceExtractor:
    kind: ClassVar[str] = "asice"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = (ASIC_E, ASIC_S)
    extensions: ClassVar[tuple[str, ...]] = ("asice", "sce", "bdoc", "asics", "scs")

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head.startswith(ZIP_MAGIC):
            return None
        if ASIC_E.encode() in head or ASIC_S.encode() in head:
            return MAGIC
        return MAGIC_WEAK if extension_of(name) in self.extensions else None

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        archive = _open(data, name)
        members = [m for m in archive.infolist() if not m.is_dir()]
        _check_declared(members, len(data), name, limits)
        warnings: list[str] = []
        mimetype = ""
        data_files: dict[str, list[bytes]] = defaultdict(list)
        signature_files: list[tuple[str, bytes]] = []
        budget = _Budget(limits.max_expanded_bytes, name)
        for member in members:
            member_name = _member_name(member)
            content = _read_member(archive, member, member_name, name, budget)
            if member_name == "mimetype":
                mimetype = content.decode("utf-8", "replace").strip().lstrip("\ufeff")
            elif _SIGNATURE_FILE.fullmatch(member_name):
                signature_files.append((member_name, content))
            elif not member_name.startswith("META-INF/"):
                data_files[member_name].append(content)
        warnings.extend(_container_warnings(name, mimetype, signature_files, data_files))
        signatures = _signatures(signature_files, data_files, warnings)
        children = _children(data_files, warnings)
        return Extraction(
            kind=self.kind,
            version=self.version,
            metadata=(
                ("mimetype", mimetype),
                ("data_files", str(len(children))),
                ("signatures", str(len(signatures))),
            ),
            children=tuple(children),
            signatures=tuple(signatures),
            warnings=tuple(warnings),
        )


def _open(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise Broken(f"{name}: not a readable ZIP container ({e})") from e


def _check_declared(members: list[zipfile.ZipInfo], packed: int, name: str, limits: Limits) -> None:
    """Refuse before unpacking when the central directory already promises too much."""
    if len(members) > limits.max_children:
        raise TooLarge(f"{name}: {len(members)} members, more than the limit of {limits.max_children}")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_expanded_bytes:
        raise TooLarge(
            f"{name}: members would unpack to {declared} bytes, more than the limit of {limits.max_expanded_bytes}"
        )
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise TooLarge(
                f"{name}: member {m.filename!r} expands {m.file_size // max(m.compress_size, 1)}-fold "
                f"(limit {limits.max_ratio:g}): a zip bomb"
            )
    if declared > _RATIO_FLOOR and declared > limits.max_ratio * max(packed, 1):
        raise TooLarge(
            f"{name}: expands {declared // max(packed, 1)}-fold overall (limit {limits.max_ratio:g})"
        )


class _Budget:
    """Counts bytes actually unpacked, whatever the headers declared."""

    def __init__(self, limit: int, name: str):
        self.left = limit
        self.name = name

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TooLarge(f"{self.name}: unpacked content exceeds the limit (headers understated the sizes)")


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, member_name: str, name: str, budget: _Budget
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                budget.spend(len(chunk))
                if size > member.file_size:
                    raise TooLarge(f"{name}: member {member_name!r} unpacks to more than its declared size")
                chunks.append(chunk)
    except RuntimeError as e:  # zipfile's "File is encrypted, password required"
        raise Encrypted(f"{name}: member {member_name!r} is password-protected") from e
    except NotImplementedError as e:
        raise Broken(f"{name}: member {member_name!r} uses an unsupported compression ({e})") from e
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise Broken(f"{name}: member {member_name!r} is damaged ({e})") from e
    return b"".join(chunks)


def _member_name(member: zipfile.ZipInfo) -> str:
    """The member name as its creator wrote it: ZIPs without the UTF-8 flag often still hold UTF-8."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def _container_warnings(
    name: str,
    mimetype: str,
    signature_files: list[tuple[str, bytes]],
    data_files: dict[str, list[bytes]],
) -> list[str]:
    warnings = []
    if not mimetype:
        warnings.append(f"{name}: no mimetype entry")
    elif mimetype not in (ASIC_E, ASIC_S):
        warnings.append(f"{name}: unexpected mimetype {mimetype!r}")
    if not signature_files:
        warnings.append(f"{name}: no signatures (META-INF/signatures*.xml missing)")
    if not data_files:
        warnings.append(f"{name}: no data files")
    return warnings


def _signatures(
    signature_files: list[tuple[str, bytes]], data_files: dict[str, list[bytes]], warnings: list[str]
) -> list[SignatureInfo]:
    found: list[SignatureInfo] = []
    for file_name, xml in signature_files:
        try:
            signatures, problems = read_signatures(xml, data_files)
        except SignatureFileError as e:
            warnings.append(f"{file_name}: {e}")
            continue
        found.extend(signatures)
        warnings.extend(f"{file_name}: {p}" for p in problems)
    return found


def _children(data_files: dict[str, list[bytes]], warnings: list[str]) -> list[ChildFile]:
    children: list[ChildFile] = []
    used: set[str] = set()
    for original, contents in data_files.items():
        safe = safe_member_name(original)
        if safe != original:
            warnings.append(f"unsafe member name {original!r} kept as {safe!r}")
        if len(contents) > 1:
            warnings.append(f"{len(contents)} data files named {original!r}: kept apart")
        for content in contents:
            child_name = _unique(safe, used)
            used.add(child_name)
            children.append(ChildFile(name=child_name, data=content))
    return children


def safe_member_name(name: str) -> str:
    """A relative name without drive, root, '.' or '..' parts, so no consumer can be led outside."""
    path = _DRIVE.sub("", name.replace("\\", "/"))
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "unnamed"


def _unique(name: str, used: set[str]) -> str:
    if name not in used:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        stem, ext = name, ""
    n = 2
    while (candidate := f"{stem} ({n}){'.' + ext if ext else ''}") in used:
        n += 1
    return candidate
