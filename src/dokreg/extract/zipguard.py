"""Reading ZIPs from strangers: the checks every ZIP-based kind (ASiC-E, DOCX, XLSX, ODT, ZIP) shares.

Before anything is unpacked, the central directory's declared sizes, expansion ratios and member
count are checked against the limits; while unpacking, the bytes actually produced are counted too
(declared sizes can lie). Member names are labels only (nothing is written to disk), but absolute
paths, ``..`` and duplicates are neutralised so no later stage trips over them.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from dokreg.errors import Broken, Encrypted, TooLarge
from dokreg.extract.limits import Limits

ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1024 * 1024
# Small members compress absurdly well (a page of spaces); the ratio guard matters only for big ones.
_RATIO_FLOOR = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise Broken(f"{name}: not a readable ZIP container ({e})") from e


def file_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [m for m in archive.infolist() if not m.is_dir()]


def check_declared(members: list[zipfile.ZipInfo], packed: int, name: str, limits: Limits) -> None:
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


def open_checked(data: bytes, name: str, limits: Limits) -> zipfile.ZipFile:
    """The ZIP opened and its central directory checked against the limits."""
    archive = open_zip(data, name)
    check_declared(file_members(archive), len(data), name, limits)
    return archive


class Budget:
    """Counts bytes actually unpacked, whatever the headers declared."""

    def __init__(self, limit: int, name: str):
        self.left = limit
        self.name = name

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TooLarge(f"{self.name}: unpacked content exceeds the limit (headers understated the sizes)")


def read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, member_name: str, name: str, budget: Budget
) -> bytes:
    """One member's bytes, counted against the budget and its own declared size."""
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


def read_named(archive: zipfile.ZipFile, member_name: str, name: str, limits: Limits) -> bytes | None:
    """The member called ``member_name`` (None when absent), read under a fresh budget."""
    try:
        member = archive.getinfo(member_name)
    except KeyError:
        return None
    return read_member(archive, member, member_name, name, Budget(limits.max_expanded_bytes, name))


def decoded_name(member: zipfile.ZipInfo) -> str:
    """The member name as its creator wrote it: ZIPs without the UTF-8 flag often still hold UTF-8."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def safe_member_name(name: str) -> str:
    """A relative name without drive, root, '.' or '..' parts, so no consumer can be led outside."""
    path = _DRIVE.sub("", name.replace("\\", "/"))
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "unnamed"


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name (2).ext`` and so on when it is already taken."""
    if name not in used:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        stem, ext = name, ""
    n = 2
    while (candidate := f"{stem} ({n}){'.' + ext if ext else ''}") in used:
        n += 1
    return candidate
