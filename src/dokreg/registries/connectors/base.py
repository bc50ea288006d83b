"""The one small interface every platform family's connector implements.

A connector turns a register's pages into the plain values of ``registries.types`` and knows nothing
of the database. ``parse`` is pure (no network) so ``dokreg reprocess`` can re-run an improved parser
over every stored capture without touching the sources again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import ClassVar

from dokreg.registries.http import PoliteClient
from dokreg.registries.types import DayListing, FileRef, RawCapture, RegisterEntry


class Connector(ABC):
    family: ClassVar[str]
    # True for registers walked by id (RMK, Tallinn): sync calls fetch(id) over id ranges, not list_day.
    sequential_ids: ClassVar[bool] = False

    def __init__(self, base_url: str, client: PoliteClient) -> None:
        # Relative links and endpoints are joined onto the base, so it must end with a slash.
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.client = client

    @abstractmethod
    def list_day(self, day: date) -> DayListing:
        """Every entry the register lists for one registration day, with honest completeness."""

    @abstractmethod
    def fetch(self, source_id: str) -> RawCapture:
        """The document's page as the source sent it; NotFoundAtSource when it is gone."""

    @abstractmethod
    def parse(self, raw: RawCapture) -> RegisterEntry:
        """Pure: a stored capture → an entry. Never touches the network."""

    @abstractmethod
    def download(self, ref: FileRef) -> bytes:
        """A listed file's bytes, refusing files over the size limit (TooLarge)."""

    @abstractmethod
    def document_url(self, source_id: str) -> str:
        """The public address of a document on its register (the "original" link)."""

    def site_name(self) -> str:
        """The body's name as the register's own page gives it; "" when unknown."""
        return ""
