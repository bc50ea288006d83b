"""The RMK register (JSON API over sequential ids), served from one body of a corpus.

Paths, under ``/{slug}/`` (so the connector's base URL is ``server.url + "/{slug}/"``):

- ``api/dokument/{id}`` — ``{status, data, message}``; a missing id is a 200 with ``data: false``,
  the way the real API answers;
- ``api/fail/{id}`` — a file's bytes; a file that is not public answers with the JSON envelope;
- ``dokument/{id}`` — the human page (a shell over the JSON, as RMK's own web view is).

The record's keys and value formats follow recordings of the real API: dd.mm.yyyy dates except the
ISO enactment date, codes beside "friendly" words, a tab before the direction word, the restriction
basis with its validity period in one text, and files with their own access and relation. A
document's running numbers become sequential ids with a gap now and then (`SequentialIds`).
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import quote

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import PUBLIC, Corpus, SimDocument, SimFile, add_years
from dokreg.simulator.files import CONTENT_TYPES, FileMaker
from dokreg.simulator.sequential import SequentialSite
from dokreg.simulator.web import Request, Response

FIRST_ID = 410_000
JSON_TYPE = "application/json; charset=utf-8"
RELATED_FILE = "Ühise numbri seos"
OWN_FILE = "Dokumendi fail"
TYPE_CODES = {
    "in": "LETTER",
    "out": "LETTER",
    "request": "LETTER",
    "contract": "CONTRACT",
    "order": "DIRECTIVE",
}
DIRECTIONS = {
    "in": ("INCOMING", "\tSissetulev"),
    "request": ("INCOMING", "\tSissetulev"),
    "out": ("OUTGOING", "Väljaminev"),
}
FULFILMENT = {"in": "registreeritud", "request": "registreeritud", "out": "välja saadetud"}

_ROUTE = re.compile(r"^/(?P<slug>[a-z0-9_-]+)/(?P<rest>.*)$")


@dataclass(frozen=True)
class ServedFile:
    """A file as the record lists it: its own access, headline and relation to this document."""

    sim_file: SimFile
    owner: SimDocument
    relation: str
    public: bool


class RmkSite(SequentialSite):
    def __init__(
        self, corpus: Corpus, slug: str = "rmk", files: FileMaker | None = None, first_id: int = FIRST_ID
    ):
        super().__init__(corpus, slug, files, first_id)

    def handle(self, request: Request) -> Response:
        match = _ROUTE.match(request.path)
        if request.method not in ("GET", "HEAD") or not match or match["slug"] != self.slug:
            return _json(404, {"status": False, "data": False, "message": "Not found"}, "other")
        parts = match["rest"].strip("/").split("/")
        number = int(parts[-1]) if parts[-1].isascii() and parts[-1].isdigit() else None
        if parts[:-1] == ["api", "dokument"] and number is not None:
            return self._record(number)
        if parts[:-1] == ["api", "fail"] and number is not None:
            return self._file(number)
        if parts[:-1] == ["dokument"] and number is not None:
            return self._page(number)
        return _json(404, {"status": False, "data": False, "message": "Not found"}, "other")

    # -- what a document looks like -------------------------------------------------------------

    def served_files(self, doc: SimDocument) -> list[ServedFile]:
        """The document's own files, then the first file of each related document sharing its number."""
        served = [
            ServedFile(f, doc, OWN_FILE, doc.is_public and not file_restricted(doc, f)) for f in doc.files
        ]
        for _, other in self.corpus.related(self.slug, doc.id):
            if other.files:
                first = other.files[0]
                served.append(
                    ServedFile(
                        first, other, RELATED_FILE, other.is_public and not file_restricted(other, first)
                    )
                )
        return served

    def record(self, doc: SimDocument) -> dict:
        kind = self.kind(doc)
        letter = kind in ("in", "out", "request")
        marker, _, number = doc.reference.partition("/")
        direction, direction_word = DIRECTIONS.get(kind, (None, ""))
        expires = doc.due_date if letter else add_years(doc.registered, 1)
        name = doc.responsible.split(" (", 1)[0]
        return {
            "id": self.ids.public_id(doc.id),
            "doc_type": TYPE_CODES.get(kind, "LETTER"),
            "doc_series_id": str(zlib.crc32(doc.series.encode()) % 90 + 1),
            "doc_number": number if letter else doc.reference.rsplit("/", 1)[-1],
            "doc_proc_marker": marker if letter else doc.series.split(" ", 1)[0],
            "doc_trans_date": _d(doc.registered),
            "doc_trans_actor": doc.correspondent or None,
            "doc_kind": doc.doc_type.lower(),
            "doc_access": "PUBLIC" if doc.is_public else "RESTRICTED",
            "unit_id": str(zlib.crc32(_unit(doc).encode()) % 200),
            "doc_headline": doc.title,
            "doc_validity": None if letter else "VALID",
            "doc_enactment_date": None if letter else doc.registered.isoformat(),
            "doc_delivery_mode": doc.channel or None,
            "doc_fulfilment_note": FULFILMENT.get(kind),
            "doc_expiration_date": _d(expires) or None,
            "doc_signed_by": name if kind in ("out", "contract", "order") else "",
            "doc_date": _d(doc.registered) if letter else None,
            "doc_procurement_ref_number": None,
            "doc_sender_post_code": doc.sender_reference if letter else None,
            "doc_direction": direction,
            "doc_partners_contract_number": None if letter else "",
            "doc_restrict_desc": _restriction(doc) or None,
            "doc_is_deleted": None,
            "created_at": None,
            "updated_at": None,
            # Letters carry the older two-part number; everything else the newer single reference.
            "doc_reference": None if letter else doc.reference,
            "doc_status": "kehtiv",
            "doc_proceeder": {
                "wResponsibleUserId": str(zlib.crc32(doc.responsible.encode()) % 5000),
                "wResponsibleUser": doc.responsible,
                "wfPrimaryResponsibleUserId": 0,
                "wfPrimaryResponsibleUser": "",
                "wfResolutionGiverId": None,
                "wfResolutionGiver": "",
            },
            "unit_name": _unit(doc),
            "ds_name": doc.series.split(" ", 1)[1] if " " in doc.series else "",
            "ds_code": doc.series.split(" ", 1)[0],
            "doc_direction_friendly": direction_word,
            "doc_type_friendly": doc.doc_type,
            "doc_access_friendly": "Avalik" if doc.is_public else "Asutusesiseseks kasutamiseks",
            "doc_validity_friendly": None if letter else "Kehtiv",
            "failid": [_file_record(item) for item in self.served_files(doc)],
        }

    # -- responses ------------------------------------------------------------------------------

    def _record(self, public_id: int) -> Response:
        try:
            doc = self.document(public_id)
        except NotFoundAtSource:
            return _json(200, {"status": True, "data": False, "message": "Dokumenti ei leitud!"}, "document")
        return _json(200, {"status": True, "data": self.record(doc), "message": "Andmed laetud"}, "document")

    def _file(self, file_id: int) -> Response:
        try:
            doc, sim_file = self.corpus.file(self.slug, file_id)
        except NotFoundAtSource:
            doc = sim_file = None
        if doc is None or sim_file is None or file_restricted(doc, sim_file):
            return _json(404, {"status": False, "data": False, "message": "Faili ei leitud!"}, "file")
        body, content_type = self.files.content(doc, sim_file)
        disposition = f"attachment; filename*=UTF-8''{quote(sim_file.name)}"
        return Response(200, body, content_type, (("Content-Disposition", disposition),), kind="file")

    def _page(self, public_id: int) -> Response:
        try:
            title = self.document(public_id).title
        except NotFoundAtSource:
            title = "Dokumenti ei leitud!"
        page = (
            f'<!DOCTYPE html><html lang="et"><head><meta charset="utf-8"/><title>{escape(self.body.name)}'
            f' dokumendiregister</title></head><body><div id="app" data-document="{public_id}">'
            f"<h1>{escape(title)}</h1></div></body></html>"
        )
        return Response(200, page.encode("utf-8"), kind="page")


def file_restricted(doc: SimDocument, sim_file: SimFile) -> bool:
    """Every file of a restricted document, and some annexes of public ones, are restricted on their own."""
    if doc.access != PUBLIC:
        return True
    return sim_file.file_id != doc.files[0].file_id and sim_file.file_id % 3 == 0


def _file_record(item: ServedFile) -> dict:
    restriction = (
        ""
        if item.public
        else (_restriction(item.owner) or "AvTS § 35 lg 1 p 12 Eraelu puutumatust kahjustav teave")
    )
    return {
        "id": item.sim_file.file_id,
        "file_headline": item.owner.title
        if item.relation != OWN_FILE
        else item.sim_file.name.rsplit(".", 1)[0],
        "file_name": item.sim_file.name,
        "file_mime": CONTENT_TYPES.get(item.sim_file.kind, "application/x-unknown"),
        "file_relation": item.relation,
        "file_access": "PUBLIC" if item.public else "RESTRICTED",
        "file_restriction_description": restriction,
    }


def _restriction(doc: SimDocument) -> str:
    if not doc.restriction_basis:
        return ""
    if doc.restriction_begins and doc.restriction_ends:
        return f"{doc.restriction_basis}; piirangu kehtivus: {_d(doc.restriction_begins)}-{_d(doc.restriction_ends)}"
    return doc.restriction_basis


def _unit(doc: SimDocument) -> str:
    inside = doc.responsible.partition(" (")[2].rstrip(")")
    return inside.rsplit(", ", 1)[-1] if inside else ""


def _d(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def _json(status: int, payload: dict, kind: str) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), JSON_TYPE, kind=kind)
