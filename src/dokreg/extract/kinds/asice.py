"""Signed containers: ASiC-E (.asice/.sce), its Estonian forerunner BDOC (.bdoc) and ASiC-S.

A container is a ZIP: a ``mimetype`` entry first, the signed data files, and META-INF/ with
``signatures*.xml`` (XAdES). Data files become children for the runner; signatures become
SignatureInfo with our own offline check (see dokreg.extract.signatures).

The ZIP comes from outside: dokreg.extract.zipguard checks declared and actual sizes before and
while unpacking, and neutralises unsafe or duplicate member names (reported here as warnings).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import ClassVar

from dokreg.extract.kinds.base import MAGIC, MAGIC_WEAK, extension_of
from dokreg.extract.limits import Limits
from dokreg.extract.signatures import SignatureFileError, read_signatures
from dokreg.extract.types import ChildFile, Extraction, SignatureInfo
from dokreg.extract.zipguard import (
    ZIP_MAGIC,
    Budget,
    check_declared,
    decoded_name,
    file_members,
    open_zip,
    read_member,
    safe_member_name,
    unique_name,
)

ASIC_E = "application/vnd.etsi.asic-e+zip"
ASIC_S = "application/vnd.etsi.asic-s+zip"
_SIGNATURE_FILE = re.compile(r"META-INF/[^/]*signatures[^/]*\.xml", re.IGNORECASE)


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
        archive = open_zip(data, name)
        members = file_members(archive)
        check_declared(members, len(data), name, limits)
        warnings: list[str] = []
        mimetype = ""
        data_files: dict[str, list[bytes]] = defaultdict(list)
        signature_files: list[tuple[str, bytes]] = []
        budget = Budget(limits.max_expanded_bytes, name)
        for member in members:
            member_name = decoded_name(member)
            content = read_member(archive, member, member_name, name, budget)
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
            child_name = unique_name(safe, used)
            used.add(child_name)
            children.append(ChildFile(name=child_name, data=content))
    return children
