"""Browsing a body's documents by date and by classification, a matter's documents, and correspondence
across registers.

Everything is built on ``publishable_documents()``. Counts come from one GROUP BY per page over the
body's rows, which the (registry, registered) index narrows to one body (and to one year or month for
the date pages), so a page costs the same at a million documents as at a thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet

from dokreg.archive.models import BodyMonth, Document, Matter, Relation
from dokreg.archive.stats import UNDATED
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading import build
from dokreg.reading.paging import PER_PAGE, Pager
from dokreg.reading.rule import publishable_documents
from dokreg.reading.types import DocumentCard, MatterView, RegistryView, RelationView

# Years a register could plausibly hold; anything else in a URL is a 404, not a query.
FIRST_YEAR, LAST_YEAR = 1900, 2100
MATTER_PER_PAGE = 50
CORRESPONDENCE_LIMIT = 50
# A series key or file name longer than any register writes is not looked up.
MAX_KEY_CHARS = 300
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class YearRow:
    year: int
    documents: int
    ak: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    documents: int
    ak: int


def valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


# --- by date -------------------------------------------------------------------------------


def body_years(registry: RegistryView) -> list[YearRow]:
    """Documents per registration year, newest first (undated documents are not in any year).

    From the body's BodyMonth rows (kept on write), not a GROUP BY over its documents."""
    years: dict[int, list[int]] = {}
    for month, n, ak in _body_months(registry):
        if month == UNDATED or not (n or ak):
            continue
        totals = years.setdefault(month.year, [0, 0])
        totals[0] += n
        totals[1] += ak
    return [YearRow(year=y, documents=n, ak=ak) for y, (n, ak) in sorted(years.items(), reverse=True) if n]


def year_months(registry: RegistryView, year: int) -> list[MonthRow]:
    """All twelve months of a year, January first, empty months included."""
    counted = {month: (n, ak) for month, n, ak in _body_months(registry, year=year) if month != UNDATED}
    months = [date(year, m, 1) for m in range(1, 13)]
    return [
        MonthRow(month=m, documents=counted.get(m, (0, 0))[0], ak=counted.get(m, (0, 0))[1]) for m in months
    ]


def _body_months(registry: RegistryView, *, year: int | None = None) -> list[tuple[date, int, int]]:
    rows = BodyMonth.objects.filter(registry_id=registry.pk)
    if year is not None:
        rows = rows.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
    return list(rows.values_list("month", "documents", "ak"))


def month_documents(
    registry: RegistryView, year: int, month: int, *, page: int
) -> tuple[Pager, list[DocumentCard]]:
    """One page of a month's documents, in registration order (as a register's journal reads)."""
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    qs = _in_range(registry, first, last)
    pager = Pager(page=page, per_page=PER_PAGE, total=qs.count())
    docs = qs.select_related("registry").order_by("registered", "id")[pager.offset : pager.offset + PER_PAGE]
    return pager, build.cards(docs)


def _in_range(registry: RegistryView, first: date, last: date) -> QuerySet[Document]:
    return publishable_documents().filter(
        registry_id=registry.pk, registered__gte=first, registered__lte=last
    )


def _month_start(value: date | datetime) -> date:
    # TruncMonth gives a date on a DateField, but some backends hand back a datetime.
    return value.date() if isinstance(value, datetime) else value


# --- by classification ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    case_file: str
    documents: int


@dataclass
class SeriesRow:
    key: str
    series: str
    documents: int = 0
    files: list[FileRow] | None = None


@dataclass
class FunctionRow:
    function: str
    documents: int = 0
    series: list[SeriesRow] | None = None


def series_key(series: str) -> str:
    """The series code: ``5-4`` of ``5-4 Rahvusvaheliste suhete … (AV)``; stable while the name is edited."""
    return series.strip().split(" ", 1)[0]


def series_tree(registry: RegistryView) -> list[FunctionRow]:
    """Function → series → file with document counts, from one GROUP BY over the body's documents."""
    rows = (
        publishable_documents()
        .filter(registry_id=registry.pk)
        .exclude(series="")
        .values("function", "series", "case_file")
        .annotate(n=Count("id"))
    )
    functions: dict[str, FunctionRow] = {}
    series: dict[tuple[str, str], SeriesRow] = {}
    for r in rows:
        fn = functions.setdefault(
            r["function"], FunctionRow(function=mask_personal_codes(r["function"]), series=[])
        )
        node = series.get((r["function"], r["series"]))
        if node is None:
            node = SeriesRow(key=series_key(r["series"]), series=mask_personal_codes(r["series"]), files=[])
            series[(r["function"], r["series"])] = node
            fn.series.append(node)  # type: ignore[union-attr]
        node.documents += r["n"]
        fn.documents += r["n"]
        if r["case_file"]:
            node.files.append(FileRow(case_file=mask_personal_codes(r["case_file"]), documents=r["n"]))  # type: ignore[union-attr]
    for fn in functions.values():
        fn.series.sort(key=lambda s: natural_key(s.series))  # type: ignore[union-attr]
        for node in fn.series:  # type: ignore[union-attr]
            node.files.sort(key=lambda f: natural_key(f.case_file))  # type: ignore[union-attr]
    # Documents filed without a function come last, under their own heading.
    return sorted(functions.values(), key=lambda f: (f.function == "", natural_key(f.function)))


def natural_key(text: str) -> tuple:
    """Order codes as people read them: ``2-1`` before ``10-1``, ``5-4/2023`` before ``5-4/2024``."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", text)
    )


def valid_key(key: str) -> bool:
    return bool(key) and len(key) <= MAX_KEY_CHARS and not CONTROL_CHARS.search(key)


@dataclass(frozen=True)
class SeriesPage:
    key: str
    names: list[str]
    files: list[FileRow]
    case_file: str
    pager: Pager
    documents: list[DocumentCard]


def series_page(registry: RegistryView, key: str, *, case_file: str = "", page: int) -> SeriesPage | None:
    """A series' documents, newest first, optionally of one file; ``None`` when the series has none."""
    in_series = (
        publishable_documents()
        .filter(registry_id=registry.pk)
        .filter(Q(series=key) | Q(series__startswith=key + " "))
    )
    groups = list(in_series.values("series", "case_file").annotate(n=Count("id")))
    if not groups:
        return None
    names = sorted({g["series"] for g in groups}, key=natural_key)
    per_file: dict[str, int] = {}
    for g in groups:
        if g["case_file"]:
            per_file[g["case_file"]] = per_file.get(g["case_file"], 0) + g["n"]
    files = [
        FileRow(case_file=f, documents=n)
        for f, n in sorted(per_file.items(), key=lambda i: natural_key(i[0]))
    ]
    total = per_file.get(case_file, 0) if case_file else sum(g["n"] for g in groups)
    qs = in_series.filter(case_file=case_file) if case_file else in_series
    pager = Pager(page=page, per_page=PER_PAGE, total=total)
    docs = build.cards(
        qs.select_related("registry").order_by("-registered", "-id")[pager.offset : pager.offset + PER_PAGE]
    )
    names = [mask_personal_codes(n) for n in names]
    files = [FileRow(case_file=mask_personal_codes(f.case_file), documents=f.documents) for f in files]
    return SeriesPage(key=key, names=names, files=files, case_file=case_file, pager=pager, documents=docs)


# --- a matter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatterEntry:
    document: DocumentCard
    relations: list[RelationView]


@dataclass(frozen=True)
class MatterPage:
    matter: MatterView
    pager: Pager
    entries: list[MatterEntry]


def matter_page(pk: int, *, page: int) -> MatterPage | None:
    """A matter's publishable documents in the order they were registered, each with its relations.

    A matter whose documents are all hidden is a 404: its reference root alone would say that
    something exists which the archive does not publish.
    """
    matter = Matter.objects.select_related("registry").filter(pk=pk).first()
    if matter is None:
        return None
    qs = publishable_documents().filter(matter=matter)
    total = qs.count()
    if not total:
        return None
    pager = Pager(page=page, per_page=MATTER_PER_PAGE, total=total)
    docs = list(
        qs.select_related("registry").order_by("registered", "id")[
            pager.offset : pager.offset + MATTER_PER_PAGE
        ]
    )
    relations = relations_of(docs)
    entries = [MatterEntry(document=build.card(d), relations=relations.get(d.pk, [])) for d in docs]
    return MatterPage(matter=build.matter_view(matter), pager=pager, entries=entries)


def matter_documents(pk: int, *, limit: int) -> tuple[MatterView, list[DocumentCard]] | None:
    """A matter and its first ``limit`` published documents in registration order; ``None`` when it
    has none published (its reference root alone would say that something hidden exists)."""
    matter = Matter.objects.select_related("registry").filter(pk=pk).first()
    if matter is None:
        return None
    qs = publishable_documents().filter(matter=matter).select_related("registry")
    docs = build.cards(qs.order_by("registered", "id")[:limit])
    return (build.matter_view(matter), docs) if docs else None


def newest_arrivals(
    *, registry: RegistryView | None = None, series: str = "", matter_id: int | None = None, limit: int
) -> list[DocumentCard]:
    """Newest arrivals first (for feeds): a follower wants what reached the archive, whatever its
    registration date; of one body (and one series of it, by name or code) or of one matter."""
    qs = publishable_documents()
    if registry is not None:
        qs = qs.filter(registry_id=registry.pk)
    if series:
        # Series are written "5-4 Kirjavahetus (AV)": the code alone follows the series too.
        qs = qs.filter(Q(series=series) | Q(series__startswith=series + " "))
    if matter_id is not None:
        qs = qs.filter(matter_id=matter_id)
    return build.cards(qs.select_related("registry").order_by("-first_seen_at", "-id")[:limit])


def relations_of(docs: list[Document]) -> dict[int, list[RelationView]]:
    """Relations of many documents in two queries; a hidden target keeps its title and link to itself."""
    relations = list(Relation.objects.filter(document__in=docs).order_by("document_id", "id"))
    target_ids = {r.target_id for r in relations if r.target_id}
    visible = set(publishable_documents().filter(pk__in=target_ids).values_list("pk", flat=True))
    rows: dict[int, list[RelationView]] = {}
    for r in relations:
        hidden = r.target_id is not None and r.target_id not in visible
        rows.setdefault(r.document_id, []).append(
            RelationView(
                kind=mask_personal_codes(r.kind),
                reference=mask_personal_codes(r.reference),
                # A target we hold but do not publish (withdrawn, taken down) keeps its title to itself.
                title="" if hidden else mask_personal_codes(r.title),
                doc_type=mask_personal_codes(r.doc_type),
                target_id=r.target_id if r.target_id in visible else None,
            )
        )
    return rows


# --- the same correspondence in other registers --------------------------------------------

# A reference must look like one (a digit and some length) before it is matched across registers:
# "1" or "-" in a sender-reference box would tie unrelated letters together.
REFERENCE_LIKE = re.compile(r"(?=.*\d).{3,}")


def same_correspondence(doc: Document, *, limit: int = CORRESPONDENCE_LIMIT) -> list[DocumentCard]:
    """Documents of other registers carrying this letter's number as theirs or as the sender's.

    A letter out of one ministry is a letter in at another: the receiver records the sender's
    reference as "Saatja/saaja viit", so either direction of the match is the same correspondence.
    """
    match = Q()
    if REFERENCE_LIKE.fullmatch(doc.sender_reference.strip()):
        match |= Q(reference=doc.sender_reference.strip())
    if REFERENCE_LIKE.fullmatch(doc.reference.strip()):
        match |= Q(sender_reference=doc.reference.strip())
    if not match:
        return []
    qs = publishable_documents().filter(match).exclude(registry_id=doc.registry_id).select_related("registry")
    return build.cards(qs.order_by("registered", "id")[:limit])
