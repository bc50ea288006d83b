"""The one result shape every extractor returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Page:
    number: int
    text: str


@dataclass(frozen=True)
class SignatureInfo:
    """A signature found in a signed container.

    ``personal_code`` is for the operator only: public code never reads it.
    ``value_valid`` is the offline check of the signature value against the signer's certificate;
    ``digests_valid`` says whether every signed data file still hashes to the signed digest.
    ``None`` means it could not be checked (and ``note`` says why).
    """

    signer_name: str
    personal_code: str = ""
    role: str = ""
    country: str = ""
    issuer: str = ""
    signed_at: datetime | None = None
    profile: str = ""
    value_valid: bool | None = None
    digests_valid: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class ChildFile:
    """A file found inside another one (container data file, attachment, archive member)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Extraction:
    kind: str
    version: int
    text: str = ""
    pages: tuple[Page, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    children: tuple[ChildFile, ...] = ()
    signatures: tuple[SignatureInfo, ...] = ()
    warnings: tuple[str, ...] = ()
