"""RMK (State Forest Management Centre): a JSON register walked by sequential document ids.

``GET {base}api/dokument/{id}`` answers ``{status, data, message}``; a missing id is a 200 with
``data: false``. There is no day listing, so the sync engine walks id ranges with ``fetch`` and reads
NotFoundAtSource as "no document with this id". Files come from ``{base}api/fail/{id}``, each with its
own access: a public document may carry restricted files and the other way round.

The record has no labels of its own, so every JSON field is kept in ``source_fields`` under an
Estonian label close to RMK's public view; ``parse`` is pure so stored captures can be re-parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

from dokreg.errors import BadInput, NotFoundAtSource, SourceChanged, Unsupported
from dokreg.registries.connectors.adr import parse_date
from dokreg.registries.connectors.base import Connector
from dokreg.registries.types import DayListing, FileRef, RawCapture, RegisterEntry, RelationRef, Validators

PARSER = "rmk/1"
# RMK's access codes in the words the archive's access_level() understands.
ACCESS_WORDS = {"PUBLIC": "Avalik", "RESTRICTED": "Asutusesiseseks kasutamiseks"}
# A file's own relation when it belongs to this document; any other relation names another document.
OWN_FILE = "Dokumendi fail"
# Keys every document record has had; without them the shape has changed under us.
REQUIRED_KEYS = ("id", "doc_headline", "doc_access")

_VALIDITY = re.compile(
    r"^(?P<basis>.*?)[;,]?\s*piirangu kehtivus:\s*(?P<begins>[\d.-]+)\s*-\s*(?P<ends>[\d.-]+)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?")

# JSON key → the label kept in source_fields (close to the words of RMK's public view).
LABELS = {
    "id": "ID",
    "doc_headline": "Pealkiri",
    "doc_reference": "Viit",
    "doc_proc_marker": "Viida sarjatähis",
    "doc_number": "Järjekorranumber",
    "doc_series_id": "Sarja ID",
    "ds_code": "Sarja tähis",
    "ds_name": "Sari",
    "doc_date": "Dokumendi kuupäev",
    "doc_trans_date": "Registreerimise kuupäev",
    "doc_trans_actor": "Osapool",
    "doc_type": "Dokumendi tüübi kood",
    "doc_type_friendly": "Dokumendi liik",
    "doc_kind": "Dokumendi alaliik",
    "doc_direction": "Suuna kood",
    "doc_direction_friendly": "Suund",
    "doc_access": "Juurdepääsu kood",
    "doc_access_friendly": "Juurdepääsupiirang",
    "doc_restrict_desc": "Juurdepääsupiirangu alus ja kehtivus",
    "doc_validity": "Kehtivuse kood",
    "doc_validity_friendly": "Kehtivus",
    "doc_status": "Olek",
    "doc_enactment_date": "Jõustumise kuupäev",
    "doc_delivery_mode": "Saabumis/saatmisviis",
    "doc_fulfilment_note": "Täitmise märge",
    "doc_signed_by": "Allkirjastaja",
    "doc_procurement_ref_number": "Riigihanke viitenumber",
    "doc_sender_post_code": "Saatja viit",
    "doc_partners_contract_number": "Partneri lepingu number",
    "doc_is_deleted": "Kustutatud",
    "created_at": "Loodud",
    "updated_at": "Muudetud",
    "unit_id": "Struktuuriüksuse ID",
    "unit_name": "Struktuuriüksus",
}
PROCEEDER_LABELS = {
    "wResponsibleUser": "Vastutaja",
    "wResponsibleUserId": "Vastutaja ID",
    "wfPrimaryResponsibleUser": "Esmane vastutaja",
    "wfPrimaryResponsibleUserId": "Esmase vastutaja ID",
    "wfResolutionGiver": "Resolutsiooni andja",
    "wfResolutionGiverId": "Resolutsiooni andja ID",
}
FILE_LABELS = {
    "file_name": "",
    "id": "ID",
    "file_headline": "pealkiri",
    "file_relation": "seos",
    "file_access": "juurdepääs",
    "file_restriction_description": "piirangu alus",
    "file_mime": "MIME",
}
# The expiration date is a reply deadline on letters and the end of validity on everything else.
DUE_LABEL, EXPIRY_LABEL = "Vastamise tähtaeg", "Kehtiv kuni"


class RmkConnector(Connector):
    family = "rmk"
    sequential_ids = True

    def list_day(self, day: date) -> DayListing:
        raise Unsupported("RMK lists by id: use dokreg sync --ids")

    def document_url(self, source_id: str) -> str:
        """The register's own page of the document (a view over the same JSON)."""
        return f"{self.base_url}dokument/{_checked_id(source_id)}"

    def api_url(self, source_id: str) -> str:
        return f"{self.base_url}api/dokument/{_checked_id(source_id)}"

    def file_url(self, file_id: str) -> str:
        return f"{self.base_url}api/fail/{_checked_id(file_id)}"

    def fetch(self, source_id: str, *, validators: Validators | None = None) -> RawCapture:
        raw = self._capture(self.api_url(source_id), str(source_id), validators)
        record(raw)  # a missing id (data: false) or a changed shape fails here, not later in parse
        return raw

    def parse(self, raw: RawCapture) -> RegisterEntry:
        return parse_document(raw, file_base=self.base_url + "api/fail/")

    def download(self, ref: FileRef) -> bytes:
        if not is_public(ref.access):
            raise Unsupported(
                f"{ref.url}: the register marks '{ref.name}' {ref.access}; only public files are fetched"
            )
        response = self._download_from_register(ref.url, ref.name)
        if "json" in response.headers.get("Content-Type", ""):
            # The API answers a refused or missing file with its JSON envelope instead of bytes.
            raise NotFoundAtSource(
                f"{ref.url}: the register answered JSON, not the file ({_message(response.content)})"
            )
        return response.content


# --- pure parsing --------------------------------------------------------------------------
def record(raw: RawCapture) -> dict:
    """The document record of a capture; NotFoundAtSource for ``data: false``, SourceChanged for other shapes."""
    try:
        envelope = json.loads(raw.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceChanged(f"{raw.url}: not a JSON answer ({error})") from None
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise SourceChanged(f"{raw.url}: JSON without the {{status, data, message}} envelope")
    data = envelope["data"]
    if data is False or data is None:
        message = envelope.get("message") or "no data"
        raise NotFoundAtSource(f"{raw.url}: no document with this id ({message})")
    if not isinstance(data, dict):
        raise SourceChanged(f"{raw.url}: 'data' is a {type(data).__name__}, not a document record")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise SourceChanged(f"{raw.url}: the record lacks {', '.join(missing)}")
    if _flag(data.get("doc_is_deleted")):
        raise NotFoundAtSource(f"{raw.url}: the register marks the document deleted")
    return data


def parse_document(raw: RawCapture, *, file_base: str = "") -> RegisterEntry:
    """A stored API capture → RegisterEntry. Pure; unknown keys are kept, never fatal."""
    data = record(raw)
    source_id = raw.source_id or _text(data.get("id"))
    file_base = file_base or _file_base(raw.url)
    letter = _text(data.get("doc_type")).upper() == "LETTER"
    fields, unknown = _source_fields(data, letter)
    basis, begins, ends = split_restriction(_text(data.get("doc_restrict_desc")))
    files = tuple(_file_refs(data, raw.url, file_base))
    return RegisterEntry(
        source_id=source_id,
        url=_document_url(raw.url, source_id),
        reference=reference(data),
        registered=parse_any_date(_text(data.get("doc_trans_date")))
        or parse_any_date(_text(data.get("doc_date"))),
        doc_type=_text(data.get("doc_type_friendly")) or _text(data.get("doc_type")),
        title=_text(data.get("doc_headline")),
        series=" ".join(
            p
            for p in (
                _text(data.get("ds_code")) or _text(data.get("doc_proc_marker")),
                _text(data.get("ds_name")),
            )
            if p
        ),
        access=access_words(_text(data.get("doc_access_friendly")), _text(data.get("doc_access"))),
        restriction_basis=basis,
        restriction_begins=begins,
        restriction_ends=ends,
        sender_reference=_text(data.get("doc_sender_post_code"))
        or _text(data.get("doc_partners_contract_number")),
        correspondent=_text(data.get("doc_trans_actor")),
        channel=_text(data.get("doc_delivery_mode")),
        responsible=_responsible(data),
        due_date=parse_any_date(_text(data.get("doc_expiration_date"))) if letter else None,
        files=files,
        relations=tuple(_relations(data)),
        source_fields=tuple(fields),
        unknown_labels=tuple(unknown),
        parser=PARSER,
        extra={"api_url": raw.url},
    )


def reference(data: dict) -> str:
    """The newer single reference field when present, else series marker / running number."""
    whole = _text(data.get("doc_reference"))
    if whole:
        return whole
    marker, number = _text(data.get("doc_proc_marker")), _text(data.get("doc_number"))
    return f"{marker}/{number}" if marker and number else marker or number


def split_restriction(text: str) -> tuple[str, date | None, date | None]:
    """ "AvTS § 35 lg 1 p 12 …; piirangu kehtivus: 27.12.2025-27.12.2100" → (basis, begins, ends)."""
    match = _VALIDITY.match(text)
    if match is None:
        return text, None, None
    return match["basis"].strip(), parse_any_date(match["begins"]), parse_any_date(match["ends"])


def access_words(friendly: str, code: str) -> str:
    """RMK's own wording when it sends one, else its code in words the archive understands."""
    return friendly or ACCESS_WORDS.get(code.upper(), code)


def file_access(code: str) -> str:
    """A file's access in the archive's words; anything not plainly public is withheld."""
    return "Avalik" if code.strip().upper() == "PUBLIC" else "AK"


def is_public(access: str) -> bool:
    text = access.strip().casefold()
    return text.startswith(("avalik", "public")) and "teabenõude" not in text


def parse_any_date(text: str) -> date | None:
    """dd.mm.yyyy (most fields) or yyyy-mm-dd (the enactment date); None when neither."""
    if match := _ISO_DATE.fullmatch(text.strip()):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return parse_date(text)


def _source_fields(data: dict, letter: bool) -> tuple[list[tuple[str, str]], list[str]]:
    fields: list[tuple[str, str]] = []
    unknown: list[str] = []
    for key, value in data.items():
        if key == "failid":
            continue
        if key == "doc_proceeder":
            fields += _proceeder_fields(value)
            continue
        if key == "doc_expiration_date":
            label = DUE_LABEL if letter else EXPIRY_LABEL
        else:
            label = LABELS.get(key, key)
            if key not in LABELS:
                unknown.append(key)
        if text := _text(value):
            fields.append((label, text))
    for ordinal, item in enumerate(_files(data), start=1):
        for key, value in item.items():
            suffix = FILE_LABELS.get(key, key)
            if text := _text(value):
                fields.append((f"Fail {ordinal} {suffix}".rstrip(), text))
    return fields, unknown


def _proceeder_fields(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return [("Menetlejad", text)] if (text := _text(value)) else []
    return [
        (PROCEEDER_LABELS.get(key, key), text)
        for key, item in value.items()
        if (text := _text(item)) and text != "0"  # RMK writes 0 for "no such person"
    ]


def _responsible(data: dict) -> str:
    proceeder = data.get("doc_proceeder")
    if isinstance(proceeder, dict):
        for key in ("wResponsibleUser", "wfPrimaryResponsibleUser"):
            if name := _text(proceeder.get(key)):
                return name
    # Contracts carry no handler: the unit that concluded it is the best "responsible" there is.
    return _text(data.get("unit_name"))


def _files(data: dict) -> list[dict]:
    files = data.get("failid")
    if files is None or files is False:
        return []
    if not isinstance(files, list) or not all(isinstance(item, dict) for item in files):
        raise SourceChanged(f"RMK document {data.get('id')}: 'failid' is not a list of file records")
    return files


def _file_refs(data: dict, url: str, file_base: str) -> Iterator[FileRef]:
    for ordinal, item in enumerate(_files(data), start=1):
        file_id = _text(item.get("id"))
        if not file_id.isdigit():
            raise SourceChanged(f"{url}: file {ordinal} has no numeric id")
        yield FileRef(
            ordinal=ordinal,
            name=_text(item.get("file_name")) or f"fail-{file_id}",
            url=file_base + file_id,
            source_file_id=file_id,
            access=file_access(_text(item.get("file_access"))),
            relation=_text(item.get("file_relation")),
        )


def _relations(data: dict) -> Iterator[RelationRef]:
    """A file listed under another relation ("Ühise numbri seos", …) comes from a related document."""
    seen: set[tuple[str, str]] = set()
    for item in _files(data):
        kind, title = _text(item.get("file_relation")), _text(item.get("file_headline"))
        if not kind or kind == OWN_FILE or (kind, title) in seen:
            continue
        seen.add((kind, title))
        yield RelationRef(kind=kind, title=title)


def _text(value: object) -> str:
    """A JSON scalar as display text: whitespace trimmed (RMK sends "\\tSissetulev"), null as ""."""
    if value is None or value is False:
        return ""
    if value is True:
        return "jah"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split())


def _flag(value: object) -> bool:
    return value is True or _text(value).casefold() in {"1", "true", "jah"}


def _checked_id(source_id: str) -> str:
    text = str(source_id).strip()
    if not text.isdigit():
        raise BadInput(f"RMK ids are numbers, got {source_id!r}")
    return text


def _file_base(api_url: str) -> str:
    head, _, _ = api_url.partition("api/dokument/")
    return head + "api/fail/"


def _document_url(api_url: str, source_id: str) -> str:
    head, found, _ = api_url.partition("api/dokument/")
    return f"{head}dokument/{source_id}" if found else api_url


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body.decode("utf-8")).get("message") or "no message")
    except (UnicodeDecodeError, ValueError, AttributeError):
        return "unreadable"
