"""Plain ZIP archives: every member becomes a child; the runner extracts (and recurses into) them.

The same guards as for signed containers (kinds/asice.py) run before anything is unpacked: member
count, declared sizes and expansion ratios, then the actual bytes are counted while unpacking.
Beyond that, a plain archive is more forgiving than a signed container: one password-protected or
damaged member is a warning and the others are still read; only an archive of nothing but
encrypted members is refused as Encrypted.

Member names: ZIPs without the UTF-8 flag carry the creator's code page, and Estonian Windows
writes the Baltic DOS page (cp775) or the Windows one (cp1257), while zipfile assumes cp437; the
reading with the most Estonian letters and the fewest box-drawing characters wins.
"""

from __future__ import annotations

import zipfile
from typing import ClassVar

from dokreg.errors import Broken, Encrypted
from dokreg.extract.kinds.base import MAGIC_WEAK, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.types import ChildFile, Extraction
from dokreg.extract.zipguard import (
    ZIP_MAGIC,
    Budget,
    check_declared,
    file_members,
    open_zip,
    read_member,
    safe_member_name,
    unique_name,
)

# Any ZIP is probably a plain archive, but DOCX, ODT, XLSX and ASiC-E are ZIPs too and score higher
# (MAGIC or MAGIC_WEAK); a plain archive stays below them even with a .zip name.
ZIP_GENERIC = MAGIC_WEAK - 20
ZIP_NAMED = MAGIC_WEAK - 10
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_FLAG_UTF8 = 0x800
_FLAG_ENCRYPTED = 0x1
_NAME_ENCODINGS = ("cp437", "cp775", "cp1257")
# Estonian letters by how often they occur: a reading full of "ä" and "õ" beats one of "Š" and "ž"
# (the same bytes read in the other Baltic code page).
_ESTONIAN = {**dict.fromkeys("õäöü", 3), **dict.fromkeys("ÕÄÖÜ", 2), **dict.fromkeys("šžŠŽ", 1)}


class ZipExtractor:
    kind: ClassVar[str] = "zip"
    version: ClassVar[int] = 1
    mime_types: ClassVar[tuple[str, ...]] = ("application/zip", "application/x-zip-compressed")
    extensions: ClassVar[tuple[str, ...]] = ("zip",)

    def sniff(self, head: bytes, name: str) -> int | None:
        if not head.startswith((ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
            return None
        return ZIP_NAMED if extension_of(name) in self.extensions else ZIP_GENERIC

    def extract(self, data: bytes, name: str, limits: Limits) -> Extraction:
        archive = _open(data, name)
        members = file_members(archive)
        check_declared(members, len(data), name, limits)
        budget = Budget(limits.max_expanded_bytes, name)
        children: list[ChildFile] = []
        warnings: list[str] = []
        used: set[str] = set()
        encrypted = 0
        for member in members:
            original = member_name(member)
            if member.flag_bits & _FLAG_ENCRYPTED:
                encrypted += 1
                warnings.append(f"{name}: member {original!r} is password-protected; not extracted")
                continue
            try:
                content = read_member(archive, member, original, name, budget)
            except (Broken, Encrypted) as e:  # one bad member must not hide the others
                warnings.append(e.message)
                continue
            children.append(ChildFile(name=_child_name(original, used, warnings), data=content))
        if members and encrypted == len(members):
            raise Encrypted(f"{name}: every member ({encrypted}) is password-protected")
        if not members:
            warnings.append(f"{name}: the archive is empty")
        return Extraction(
            kind=self.kind,
            version=self.version,
            text="\n".join(c.name for c in children),  # the listing, so a search finds the archive
            metadata=(("members", str(len(members))), ("encrypted_members", str(encrypted))),
            children=tuple(children),
            warnings=tuple(warnings),
        )


def _open(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return open_zip(data, name)
    except EOFError as e:  # a truncated central directory, which open_zip does not expect
        raise Broken(f"{name}: not a readable ZIP archive ({e})") from e


def member_name(member: zipfile.ZipInfo) -> str:
    """The member name as its creator meant it (see the module docstring)."""
    if member.flag_bits & _FLAG_UTF8:
        return member.filename
    try:
        raw = member.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile took it from a Unicode extra field: already right
        return member.filename
    if raw.isascii():
        return member.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    readings = [raw.decode(encoding, "replace") for encoding in _NAME_ENCODINGS]
    return max(readings, key=_estonian_score)  # max keeps the first of equal scores: cp437


def _estonian_score(text: str) -> int:
    score = 0
    for char in text:
        if char in _ESTONIAN:
            score += _ESTONIAN[char]
        elif not char.isascii() and not char.isalpha():
            score -= 1  # box drawing, maths, replacement characters: a wrong code page
    return score


def _child_name(original: str, used: set[str], warnings: list[str]) -> str:
    safe = safe_member_name(original)
    if safe != original:
        warnings.append(f"unsafe member name {original!r} kept as {safe!r}")
    child = unique_name(safe, used)
    if child != safe:
        warnings.append(f"duplicate member name {safe!r} kept apart as {child!r}")
    used.add(child)
    return child
