"""The only place output types are made from rows: every text value is masked on the way out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import models

from dokreg.archive.models import Document, Matter
from dokreg.fields import DOCUMENT_FIELDS, LISTED, PAGE_ROWS, Cell, Shown
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading.types import (
    BasisView,
    DocumentCard,
    DocumentDetail,
    FieldRow,
    ListedDocument,
    MatterRef,
    MatterView,
    RegistryRef,
)


def masked(value: Any) -> Any:
    """Personal codes masked in every string, however deep in dicts, lists and tuples."""
    if isinstance(value, str):
        return mask_personal_codes(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(masked(item) for item in value)
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def http_url(url: str) -> str:
    # A register could hand us ``javascript:`` as a link; only http(s) goes out as a URL.
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else ""


def registry_ref(registry: Any) -> RegistryRef:
    return RegistryRef(slug=registry.slug, name=mask_personal_codes(registry.name))


def card(doc: Document, *, bodies: dict[int, RegistryRef] | None = None) -> DocumentCard:
    """A publishable document as a list shows it; ``doc.registry`` should be selected with it."""
    return DocumentCard(**_card_values(_columns(doc), _body(doc, bodies)))


# The columns a card shows (``_card_values``), and its body's.
CARD_COLUMNS = (
    "id",
    "registry_id",
    "reference",
    "registered",
    "doc_type",
    "title",
    "access",
    "url",
    "first_seen_at",
    "last_changed_at",
)
_BODY_COLUMNS = ("registry__slug", "registry__name")


def cards(docs: Iterable[Document]) -> list[DocumentCard]:
    """Cards of ``docs``: a query (sliced or not) is read as plain rows of the columns a card shows.

    A list of 20 took a millisecond more as models: forty columns each, converted and built into a
    Document, for the ten a card shows."""
    bodies: dict[int, RegistryRef] = {}  # a list is mostly of one body: its name is masked once
    if isinstance(docs, models.QuerySet):
        return [
            DocumentCard(**_card_values(row, _row_body(row, bodies)))
            for row in docs.values(*CARD_COLUMNS, *_BODY_COLUMNS)
        ]
    return [card(d, bodies=bodies) for d in docs]


# Ids asked for in one statement: under SQLite's oldest limit of 999 bound values.
ID_BATCH = 900


def cards_by_id(docs: models.QuerySet[Document], ids: list[int]) -> dict[int, DocumentCard]:
    """The cards of ``docs`` whose id is among ``ids``, by id (read as rows, as ``cards``)."""
    found: dict[int, DocumentCard] = {}
    for start in range(0, len(ids), ID_BATCH):
        found.update((c.pk, c) for c in cards(docs.filter(pk__in=ids[start : start + ID_BATCH])))
    return found


def _body(doc: Document, bodies: dict[int, RegistryRef] | None) -> RegistryRef:
    if bodies is None:
        return registry_ref(doc.registry)
    if (body := bodies.get(doc.registry_id)) is None:
        body = bodies[doc.registry_id] = registry_ref(doc.registry)
    return body


def _columns(doc: Document) -> dict[str, Any]:
    return {name: getattr(doc, name) for name in CARD_COLUMNS}


def _row_body(row: dict[str, Any], bodies: dict[int, RegistryRef]) -> RegistryRef:
    if (body := bodies.get(row["registry_id"])) is None:
        name = mask_personal_codes(row["registry__name"])
        body = bodies[row["registry_id"]] = RegistryRef(slug=row["registry__slug"], name=name)
    return body


def _card_values(values: dict[str, Any], body: RegistryRef) -> dict[str, Any]:
    """A card's values from a document's CARD_COLUMNS (read off a model, or a row of them)."""
    return {
        "pk": values["id"],
        "registry": body,
        "reference": mask_personal_codes(values["reference"]),
        "registered": values["registered"],
        "doc_type": mask_personal_codes(values["doc_type"]),
        "title": mask_personal_codes(values["title"]),
        "access": values["access"],
        "source_url": mask_personal_codes(http_url(values["url"])),
        "first_seen_at": values["first_seen_at"],
        "last_changed_at": values["last_changed_at"],
    }


def listed(doc: Document, *, bodies: dict[int, RegistryRef] | None = None) -> ListedDocument:
    """A document as a result export lists it; ``doc.registry`` should be selected with it. Reads
    only ``reading.result_export.EXPORTED_FIELDS`` (the export loads no other column)."""
    values = {name: _plain_masked(getattr(doc, name)) for name in LISTED}
    if "url" in values:
        values["url"] = http_url(values["url"])
    return ListedDocument(pk=doc.pk, registry=_body(doc, bodies), values=values)


def field_values(doc: Document) -> dict[str, Any]:
    """Every column of the field table, masked (derived fields are the read layer's own business)."""
    return {f.name: _plain_masked(getattr(doc, f.name)) for f in DOCUMENT_FIELDS if not f.derived}


def _plain_masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_codes(value)
    return value


def _cell(name: str, cell: Cell) -> str:
    if (
        cell == Cell.TEXT
        and name in _COLUMNS
        and isinstance(Document._meta.get_field(name), models.DateField)
    ):
        return "date"  # a date, or a moment shown as its day (DateTimeField is a DateField)
    return str(cell)


_COLUMNS = {f.name for f in DOCUMENT_FIELDS if not f.derived}
# The document page's rows: (field, how its value is shown), once.
_PAGE = tuple((f, _cell(f.name, f.cell)) for f in PAGE_ROWS)


def page_rows(values: dict[str, Any]) -> tuple[FieldRow, ...]:
    """The document page's table of fields from a document's masked ``values``: every row the table
    shows, in its order; an ``IF_SET`` row only when the register gave a value."""
    return tuple(
        FieldRow(label=f.label, value=values.get(f.name), cell=cell)
        for f, cell in _PAGE
        if f.shown == Shown.ALWAYS or values.get(f.name)
    )


def detail(doc: Document) -> DocumentDetail:
    """The document page's and the API's whole document; ``registry`` and ``matter`` selected with it."""
    values = field_values(doc)
    values["url"] = http_url(values["url"])
    bases = tuple(
        BasisView(**masked({k: getattr(b, k) for k in ("text", "law", "section", "subsection", "point")}))
        for b in doc.bases.order_by("id")
    )
    card = _card_values(_columns(doc), _body(doc, None))
    access_label = mask_personal_codes(doc.access_text) or str(doc.get_access_display())
    # The page's body row shows the body's name (a link to it), its access row the register's own
    # words for the restriction when it gave them.
    shown = {**values, "registry": card["registry"].name, "access": access_label}
    return DocumentDetail(
        **card,
        values=values,
        rows=page_rows(shown),
        matter=matter_ref(doc.matter) if doc.matter_id else None,
        bases=bases,
        access_label=access_label,
    )


def matter_ref(matter: Matter) -> MatterRef:
    return MatterRef(pk=matter.pk, root=mask_personal_codes(matter.root))


def matter_view(matter: Matter) -> MatterView:
    return MatterView(
        pk=matter.pk, root=mask_personal_codes(matter.root), registry=registry_ref(matter.registry)
    )


def plain(value: Any) -> Any:
    """Dates as ISO text, for JSON exports."""
    return value.isoformat() if isinstance(value, date | datetime) else value
