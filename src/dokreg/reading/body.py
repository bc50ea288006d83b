"""What the body page says about a register beyond its documents: the restriction bases it uses and
how long its documents take to appear in it.

Both read only publishable documents, and both aggregate in the database so a body with a
hundred thousand documents costs a few hundred grouped rows, not a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import TruncDate

from dokreg.archive.models import RestrictionBasis
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading.browse import natural_key
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import RegistryView

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
