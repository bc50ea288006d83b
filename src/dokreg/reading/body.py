"""What the body page says about a register: its published documents with counts per month, the
restriction bases it uses and how long its documents take to appear in it.

All read only publishable documents, and all aggregate in the database (or read the body's
BodyMonth rows, kept on write) so a body with a hundred thousand documents costs a few hundred
grouped rows, not a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from dokreg.archive.models import BodyMonth, RestrictionBasis
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading import build
from dokreg.reading.browse import natural_key
from dokreg.reading.paging import PER_PAGE, Pager
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import DocumentCard, RegistryView

BASES_SHOWN = 30
LAG_WINDOW_DAYS = 365


@dataclass(frozen=True)
class BasisRow:
    label: str
    documents: int


def restriction_bases(registry: RegistryView, *, limit: int = BASES_SHOWN) -> list[BasisRow]:
    """The legal bases of the body's restrictions, most used first, as ``AvTS § 35 lg 1 p 12``.

    Bases the parser could not normalise are grouped by their own text, so nothing is dropped.
    """
    rows = (
        RestrictionBasis.objects.filter(document__in=publishable_documents().filter(registry_id=registry.pk))
        .annotate(
            raw=Case(When(law="", then=F("text")), default=Value(""), output_field=CharField()),
        )
        .values("law", "section", "subsection", "point", "raw")
        .annotate(n=Count("document", distinct=True))
    )
    # Most used first; among equals, normalised citations before free text, in reading order.
    ranked = sorted(rows, key=lambda r: (-r["n"], r["law"] == "", natural_key(basis_label(**_parts(r)))))
    # A basis the parser could not normalise is shown as the register wrote it: masked like all text.
    return [
        BasisRow(label=mask_personal_codes(basis_label(**_parts(r))), documents=r["n"])
        for r in ranked[:limit]
    ]


def _parts(row: dict) -> dict[str, str]:
    return {k: row[k] for k in ("law", "section", "subsection", "point", "raw")}


def basis_label(*, law: str, section: str, subsection: str, point: str, raw: str = "") -> str:
    if not law:
        return raw.strip()
    parts = [law]
    if section:
        parts.append(f"§ {section}")
    if subsection:
        parts.append(f"lg {subsection}")
    if point:
        parts.append(f"p {point}")
    return " ".join(parts)


def median_days_to_first_sight(registry: RegistryView, *, today: date) -> float | None:
    """Median days from registration to our first sight of a document, over the last twelve months.

    Documents are grouped by (registration day, day first seen): that histogram has a few hundred
    rows for any body, and its weighted median is the median of the documents.
    """
    since = today - timedelta(days=LAG_WINDOW_DAYS)
    rows = (
        publishable_documents()
        .filter(registry_id=registry.pk, registered__gte=since, registered__lte=today)
        .annotate(seen=TruncDate("first_seen_at"))
        .values("registered", "seen")
        .annotate(n=Count("id"))
    )
    histogram = sorted(((r["seen"] - r["registered"]).days, r["n"]) for r in rows)
    return weighted_median(histogram)


def weighted_median(histogram: list[tuple[int, int]]) -> float | None:
    """Median of values given as sorted (value, count) pairs; the mean of the two middle ones if even."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, n in histogram:
        if lower is None and seen + n > lower_rank:
            lower = value
        if seen + n > upper_rank:
            upper = value
            break
        seen += n
    return (lower + upper) / 2  # type: ignore[operator]


TYPES_SHOWN = 20


@dataclass(frozen=True)
class TypeRow:
    doc_type: str  # as the register writes it, masked
    documents: int


def document_types(registry: RegistryView, *, limit: int = TYPES_SHOWN) -> list[TypeRow]:
    """The body's document types, most used first (one grouped query)."""
    rows = (
        publishable_documents()
        .filter(registry_id=registry.pk)
        .exclude(doc_type="")
        .values("doc_type")
        .annotate(n=Count("id"))
        .order_by("-n", "doc_type")[:limit]
    )
    return [TypeRow(doc_type=mask_personal_codes(r["doc_type"]), documents=r["n"]) for r in rows]


# --- the body page -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: date
    documents: int
    ak: int


@dataclass(frozen=True)
class RegistryStats:
    documents: int
    ak: int
    months: list[MonthRow]

    @property
    def ak_percent(self) -> float | None:
        return round(100 * self.ak / self.documents, 1) if self.documents else None


def registry_stats(registry: RegistryView, *, today: date | None = None) -> RegistryStats:
    """The body's publishable documents, AK among them, and the last twelve months, from BodyMonth
    (kept on every write), so a body of 200,000 documents costs a few hundred rows, not a count."""
    rows = list(BodyMonth.objects.filter(registry_id=registry.pk).values_list("month", "documents", "ak"))
    return RegistryStats(
        documents=sum(n for _, n, _ in rows),
        ak=sum(ak for _, _, ak in rows),
        months=_months(rows, today or timezone.localdate()),
    )


def _months(rows: list[tuple[date, int, int]], today: date) -> list[MonthRow]:
    """Documents registered per month, the last 12 months newest first, empty months included.

    The current month counts documents registered after today too (a register's typo): the month
    rows cannot tell the day, and hiding them would make the months disagree with the total.
    """
    starts = [_add_months(today.replace(day=1), -i) for i in range(12)]
    by_month = {month: (n, ak) for month, n, ak in rows}
    return [
        MonthRow(month=m, documents=by_month.get(m, (0, 0))[0], ak=by_month.get(m, (0, 0))[1]) for m in starts
    ]


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def registry_documents(registry: RegistryView, *, page: int, total: int) -> tuple[Pager, list[DocumentCard]]:
    pager = Pager(page=page, per_page=PER_PAGE, total=total)
    qs = (
        publishable_documents()
        .filter(registry_id=registry.pk)
        .select_related("registry")
        .order_by("-registered", "-id")
    )
    return pager, build.cards(qs[pager.offset : pager.offset + PER_PAGE])
