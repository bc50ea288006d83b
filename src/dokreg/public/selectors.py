"""What the public pages read, built only on the publication rule in ``archive.selectors``.

Every document comes from ``publishable_documents()`` and every file's name, text or bytes from
``publishable_files()``; nothing here touches ``Document.objects`` or ``File.objects`` directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from dokreg.archive.models import (
    Access,
    BodyMonth,
    Document,
    DocumentVersion,
    File,
    RestrictionBasis,
    Signature,
)
from dokreg.archive.selectors import publishable_documents, publishable_files, version_changes
from dokreg.errors import BadInput, DokregError
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.public.facets import FacetGroup, facet_groups
from dokreg.public.paging import Pager
from dokreg.public.params import EXPIRED_AK, SearchParams, params_query
from dokreg.registries.models import Registry
from dokreg.review.redaction import document_redacted

PER_PAGE = 20
NEWEST_ON_HOME = 20
MATTER_LIMIT = 50
# dokreg.search answers at most this deep; the database path (no words) has no such limit.
MAX_INDEX_OFFSET = 100_000
# A file's text beyond this is cut on the page (the download has it all): large documents must not
# make the page unusable.
MAX_TEXT_CHARS = 200_000
# History values of these fields name people; a register that later masks a name must not have the
# old value republished by us, so only the field name is shown.
HISTORY_VALUES_HIDDEN = frozenset({"correspondent", "responsible", "sender_reference"})


HISTORY_KINDS = {
    DocumentVersion.Kind.CREATED: _("esmakordselt nähtud"),
    DocumentVersion.Kind.CHANGED: _("andmed muutusid"),
    DocumentVersion.Kind.RESTRICTED: _("juurdepääsu piirati"),
    DocumentVersion.Kind.OPENED: _("juurdepääsupiirang lõppes"),
    DocumentVersion.Kind.FILES: _("failid muutusid"),
    DocumentVersion.Kind.WITHDRAWN: _("allikast kadunud"),
    DocumentVersion.Kind.RETURNED: _("allikasse tagasi"),
}

# History names fields as the document page labels them; unknown names are shown as stored.
FIELD_LABELS = {
    "reference": _("Viit"),
    "registered": _("Registreeritud"),
    "doc_type": _("Liik"),
    "title": _("Pealkiri"),
    "function": _("Funktsioon"),
    "series": _("Sari"),
    "case_file": _("Toimik"),
    "access": _("Juurdepääsupiirang"),
    "access_text": _("Juurdepääsupiirang"),
    "restriction_basis": _("Juurdepääsupiirangu alus"),
    "restriction_change_basis": _("Juurdepääsupiirangu muutmise alus"),
    "restriction_begins": _("Juurdepääsupiirangu algus"),
    "restriction_ends": _("Juurdepääsupiirangu lõpp"),
    "sender_reference": _("Saatja/saaja viit"),
    "correspondent": _("Adressaat"),
    "channel": _("Saabumis/saatmisviis"),
    "responsible": _("Vastutaja"),
    "due_date": _("Lahendamise tähtaeg"),
    "sent_at": _("Välja saatmise kuupäev"),
    "files": _("Failid"),
    "url": _("Originaal"),
}


# --- lists ---------------------------------------------------------------------------------


def newest_documents(limit: int = NEWEST_ON_HOME) -> list[Document]:
    return list(publishable_documents().select_related("registry").order_by("-registered", "-id")[:limit])


def covered_registries() -> list[Registry]:
    """Bodies with their freshness, from the denormalised fields (no counting per request)."""
    return list(Registry.objects.exclude(state=Registry.State.NOT_COVERED).order_by("name"))


def all_registries() -> list[Registry]:
    return list(Registry.objects.order_by("name"))


def registry_choices() -> list[tuple[str, str]]:
    return list(Registry.objects.exclude(state=Registry.State.NOT_COVERED).values_list("slug", "name"))


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    document: Document
    snippet: SafeString | str = ""
    file_name: str | None = None  # the public file the snippet quotes, and its page
    page: int | None = None
    file_url: str = ""  # that file's download, at that page (public.snippet_files)


@dataclass(frozen=True)
class ResultPage:
    pager: Pager
    rows: tuple[ResultRow, ...]
    corrected: str | None = None
    facets: tuple[FacetGroup, ...] = ()
    corrected_query: str = ""  # the query string of the corrected search, filters kept
    personal_code_removed: bool = False  # the index is never asked about a personal code
    facet_sample: int = 0  # facet counts over this many newest matches (0: over every match)


class SearchUnavailable(DokregError):
    code = "search_unavailable"


def results_page(
    params: SearchParams, *, per_page: int = PER_PAGE, today: date | None = None, facets: bool = True
) -> ResultPage:
    """One page of results with facet counts: words go to the index, an empty query lists the
    newest from the database. Facets always come from the index (a GROUP BY per facet over the
    whole archive on every page would not be cheap); the index holds only publishable documents."""
    today = today or timezone.localdate()
    if params.effective_sort in ("oldest", "registry"):
        from dokreg.public.ordering import sorted_results

        return sorted_results(params, per_page=per_page, today=today, facets=facets)
    if params.q:
        return _index_results(params, per_page, today, facets)
    return _newest_results(params, per_page, today, facets)


def search_filters(params: SearchParams) -> Any:
    """The index's SearchFilters for these parameters."""
    from dokreg.search import SearchFilters

    return SearchFilters(
        registries=params.registries,
        date_from=params.date_from,
        date_to=params.date_to,
        doc_types=params.doc_types,
        access=params.access,
        functions=params.functions,
        series=params.series,
        case_files=params.case_files,
        correspondents=params.correspondents,
        channels=params.channels,
        restriction_bases=params.restriction_bases,
        has_files=params.has_files,
        file_kinds=params.file_kinds,
    )


def filtered_documents(
    qs: QuerySet[Document], params: SearchParams, today: date | None = None
) -> QuerySet[Document]:
    """The database's reading of the same filters as the index (text compared case-insensitively)."""
    if params.registries:
        qs = qs.filter(registry__slug__in=params.registries)
    if params.date_from:
        qs = qs.filter(registered__gte=params.date_from)
    if params.date_to:
        qs = qs.filter(registered__lte=params.date_to)
    for name, values in (
        ("doc_type", params.doc_types),
        ("function", params.functions),
        ("series", params.series),
        ("case_file", params.case_files),
        ("channel", params.channels),
    ):
        if values:
            qs = qs.filter(_any_iexact(name, values))
    if params.correspondents:
        qs = qs.filter(_any_party(params.correspondents))
    if params.access:
        qs = qs.filter(_access_q(params.access, today or timezone.localdate()))
    if params.restriction_bases:
        bases = RestrictionBasis.objects.filter(document=OuterRef("pk"))
        qs = qs.filter(Exists(bases.filter(_any_basis(params.restriction_bases))))
    if params.has_files is not None or params.file_kinds:
        files = publishable_files().filter(document=OuterRef("pk"))
        if params.file_kinds:
            qs = qs.filter(Exists(files.filter(_any_iexact("kind", params.file_kinds))))
        if params.has_files is not None:
            qs = qs.filter(Exists(files)) if params.has_files else qs.exclude(Exists(files))
    return qs


def _any_iexact(name: str, values: tuple[str, ...]) -> Q:
    q = Q()
    for value in values:
        q |= Q(**{f"{name}__iexact": value})
    return q


def _any_party(values: tuple[str, ...]) -> Q:
    """As the index's correspondent filter: the party whole, or one holding every word of the value
    ("Tallinna Vesi" finds "AS Tallinna Vesi"); words compare case-insensitively, diacritics kept."""
    q = Q()
    for value in values:
        words = Q()
        for word in re.findall(r"[^\W_]+", value):
            words &= Q(correspondent__iregex=rf"(^|\W){re.escape(word)}(\W|$)")
        q |= Q(correspondent__iexact=value)
        if words:
            q |= words
    return q


def _access_q(values: tuple[str, ...], today: date) -> Q:
    q = Q(access__in=[v for v in values if v != EXPIRED_AK])
    if EXPIRED_AK in values:
        q |= Q(access=Access.AK, restriction_ends__lte=today)
    return q


def _any_basis(citations: tuple[str, ...]) -> Q:
    """Rows citing any of ``citations`` ("AvTS § 35" matches every lg and p under it)."""
    q = Q()
    for citation in citations:
        words = citation.split()
        part = Q(law__iexact=words[0])
        for marker, column in (("§", "section"), ("lg", "subsection"), ("p", "point")):
            if marker in words[1:-1]:
                part &= Q(**{f"{column}__iexact": words[words.index(marker, 1) + 1]})
        q |= part
    return q


def _newest_results(params: SearchParams, per_page: int, today: date, facets: bool) -> ResultPage:
    """The newest documents from the database, counted there exactly up to the index's bound (a
    COUNT over a million rows per request would not be cheap); facets from the index."""
    qs = filtered_documents(publishable_documents(), params, today)
    total, exact = bounded_count(qs, at_least=params.page * per_page)
    pager = Pager(page=params.page, per_page=per_page, total=total, exact=exact)
    docs = qs.select_related("registry").order_by("-registered", "-id")[
        pager.offset : pager.offset + per_page
    ]
    counted = index_counts(params, today, facets, per_page=per_page) if facets else None
    return ResultPage(
        pager=pager,
        rows=tuple(ResultRow(document=d) for d in docs),
        facets=facet_groups(params, counted.facets) if counted else (),
        facet_sample=counted.facet_sample if counted else 0,
    )


def bounded_count(qs: QuerySet[Document], *, at_least: int = 0) -> tuple[int, bool]:
    """(count, exact): exact up to the search bound (or ``at_least``, a page's end); past it
    (N, False) for "more than N". The database stops reading at N + 1 rows."""
    try:
        from dokreg.search import total_bound

        bound = total_bound()
    except ImportError:
        bound = None
    if bound is None:
        return qs.count(), True
    more_than = max(bound, at_least)
    n = qs.order_by()[: more_than + 1].count()
    return (n, True) if n <= more_than else (more_than, False)


def index_counts(params: SearchParams, today: date, facets: bool, *, per_page: int = PER_PAGE) -> Any:
    """The index's result for no words under the filters (facets, ``facet_sample``); None without a
    usable index: the list itself comes from the database and still shows, without facets."""
    try:
        from dokreg.search import search

        offset = (params.page - 1) * per_page
        return search(
            "",
            filters=search_filters(params),
            offset=min(offset, MAX_INDEX_OFFSET),
            limit=per_page,
            facets=facets,
            today=today,
        )
    except Exception:  # noqa: BLE001 - the list itself comes from the database and must still show
        return None


def _index_results(params: SearchParams, per_page: int, today: date, facets: bool) -> ResultPage:
    offset = (params.page - 1) * per_page
    if offset > MAX_INDEX_OFFSET:
        raise BadInput(str(_("nii kaugele tulemustesse ei saa; kitsendage otsingut filtritega")))
    result = index_search(params, offset=offset, limit=per_page, facets=facets, today=today)
    return ResultPage(
        pager=Pager(page=params.page, per_page=per_page, total=result.total, exact=result.total_exact),
        rows=recheck_hits(result.hits),
        corrected=result.corrected,
        facets=facet_groups(params, result.facets) if facets else (),
        corrected_query=params_query(params, q=result.corrected) if result.corrected else "",
        personal_code_removed=result.personal_code_removed,
        facet_sample=result.facet_sample if facets else 0,
    )


def index_search(params: SearchParams, *, offset: int, limit: int, facets: bool, today: date) -> Any:
    """The index's SearchResult for the words and filters of ``params``; SearchUnavailable when the
    index cannot answer, the index's own errors (outdated, broken, busy) as they are."""
    try:
        # Imported here so every other page works while the index package is absent or broken.
        from dokreg.search import search
    except ImportError as exc:
        raise SearchUnavailable(f"the search package cannot be imported: {exc}") from exc
    try:
        return search(
            params.q,
            filters=search_filters(params),
            sort=params.effective_sort,
            offset=offset,
            limit=limit,
            facets=facets,
            today=today,
        )
    except DokregError:  # the callers explain these
        raise
    except Exception as exc:  # any other index failure must become a message, never a 500
        # The message reaches readers (feeds, API), so it names the kind of failure, not its text.
        raise SearchUnavailable(f"the search index failed: {type(exc).__name__}") from exc


def recheck_hits(hits: Any) -> tuple[ResultRow, ...]:
    """Keep only hits the database still publishes: the index may lag a restriction or a takedown."""
    ids = [hit.doc_id for hit in hits]
    docs = publishable_documents().select_related("registry").in_bulk(ids)
    rows = []
    for hit in hits:
        doc = docs.get(hit.doc_id)
        if doc is None:
            continue
        # The snippet may quote file text; only a public document's files may be quoted.
        # mark_safe is sound only because dokreg.search escapes the text and adds nothing but <mark>.
        public = doc.access == Access.PUBLIC
        snippet = mark_safe(hit.snippet) if public and hit.snippet else ""
        file_name = getattr(hit, "file_name", None) if snippet else None
        page = getattr(hit, "page", None) if file_name else None
        rows.append(ResultRow(document=doc, snippet=snippet, file_name=file_name, page=page))
    return tuple(rows)


# --- the document page ---------------------------------------------------------------------


@dataclass
class FileNode:
    file: File
    signatures: list[dict[str, Any]] = field(default_factory=list)
    children: list[FileNode] = field(default_factory=list)
    pages: list[tuple[int, str]] = field(default_factory=list)
    text: str = ""
    text_cut: bool = False
    # The original bytes hold a personal code (its own text or name, or a file inside it): not served.
    original_withheld: bool = False


@dataclass(frozen=True)
class RelationRow:
    kind: str
    reference: str
    title: str
    doc_type: str
    target_id: int | None


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str = ""
    after: str = ""
    values_shown: bool = False


@dataclass(frozen=True)
class HistoryRow:
    kind: str
    seen_at: datetime
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class DocumentPage:
    document: Document
    files_public: bool
    files: list[FileNode]
    file_count: int
    withheld_count: int
    relations: list[RelationRow]
    same_matter: list[Document]
    history: list[HistoryRow]
    # An operator replaced private persons' names by initials: the files' originals are withheld.
    redacted: bool = False


def document_page(pk: int) -> DocumentPage | None:
    doc = publishable_documents().select_related("registry", "matter").filter(pk=pk).first()
    if doc is None:
        return None
    files_public = doc.access == Access.PUBLIC
    file_count = doc.files.filter(parent__isnull=True).count()
    tree = _file_tree(doc) if files_public else []
    redacted = document_redacted(doc.pk)
    if redacted:
        for node in _walk_nodes(tree):
            node.original_withheld = True
    return DocumentPage(
        document=doc,
        files_public=files_public,
        files=tree,
        file_count=file_count,
        withheld_count=file_count - len(tree),
        relations=_relations(doc),
        same_matter=_same_matter(doc),
        history=_history(doc, show_values=files_public),
        redacted=redacted,
    )


def _walk_nodes(nodes: list[FileNode]):
    for node in nodes:
        yield node
        yield from _walk_nodes(node.children)


def _file_tree(doc: Document) -> list[FileNode]:
    files = list(publishable_files().filter(document=doc).order_by("ordinal", "id"))
    nodes = {f.pk: _file_node(f) for f in files}
    _attach_signatures(nodes)
    roots = []
    for f in files:
        if f.parent_id is None:
            roots.append(nodes[f.pk])
        elif f.parent_id in nodes:
            nodes[f.parent_id].children.append(nodes[f.pk])
        # A child whose container is not public is not shown at all.
    signed_by_person = _signed_with_personal_code(list(nodes))
    for root in roots:
        _mark_withheld(root, signed_by_person)
    return roots


def _mark_withheld(node: FileNode, signed_by_person: set[int]) -> bool:
    """Mark ``node`` withheld when it or any file inside it holds a personal code; say whether it does."""
    inner = [_mark_withheld(child, signed_by_person) for child in node.children]
    node.original_withheld = holds_personal_code(node.file) or node.file.pk in signed_by_person or any(inner)
    return node.original_withheld


def holds_personal_code(f: File) -> bool:
    """True when the file's name or extracted text holds a personal code (the mask would change it)."""
    return mask_personal_codes(f.name) != f.name or mask_personal_codes(f.text) != f.text


def _signed_with_personal_code(file_ids: list[int]) -> set[int]:
    """Files whose signatures carry a signer's personal code: their certificates are in the bytes."""
    rows = Signature.objects.filter(file_id__in=file_ids).exclude(personal_code="")
    return set(rows.values_list("file_id", flat=True))


def _file_node(f: File) -> FileNode:
    node = FileNode(file=f)
    if f.extract_state != File.Extract.OK:
        return node
    budget = MAX_TEXT_CHARS
    for number, text in _pages(f.pages):
        node.pages.append((number, mask_personal_codes(text[:budget])))
        budget -= len(text)
        if budget <= 0:
            node.text_cut = True
            break
    if not node.pages:
        node.text = mask_personal_codes(f.text[:MAX_TEXT_CHARS])
        node.text_cut = len(f.text) > MAX_TEXT_CHARS
    return node


def _pages(raw: Any) -> list[tuple[int, str]]:
    """Pages as stored by the extractor: ``{"number", "text"}`` objects or ``[number, text]`` pairs."""
    pages = []
    for i, item in enumerate(raw if isinstance(raw, list) else [], start=1):
        if isinstance(item, dict):
            pages.append((int(item.get("number") or i), str(item.get("text") or "")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pages.append((int(item[0]), str(item[1])))
        elif isinstance(item, str):
            pages.append((i, item))
    return pages


# Signature fields the public may see; ``personal_code`` is deliberately absent so it never even
# reaches a template context.
SIGNATURE_PUBLIC_FIELDS = (
    "file_id",
    "signer_name",
    "role",
    "signed_at",
    "profile",
    "value_valid",
    "digests_valid",
)


def _attach_signatures(nodes: dict[int, FileNode]) -> None:
    rows = Signature.objects.filter(file_id__in=list(nodes)).order_by("signed_at", "id")
    for sig in rows.values(*SIGNATURE_PUBLIC_FIELDS):
        nodes[sig["file_id"]].signatures.append(sig)


def _relations(doc: Document) -> list[RelationRow]:
    relations = list(doc.relations.order_by("id"))
    target_ids = [r.target_id for r in relations if r.target_id]
    visible = set(publishable_documents().filter(pk__in=target_ids).values_list("pk", flat=True))
    rows = []
    for r in relations:
        hidden_target = r.target_id is not None and r.target_id not in visible
        rows.append(
            RelationRow(
                kind=r.kind,
                reference=r.reference,
                # A target we hold but do not publish (withdrawn, taken down) keeps its title to itself.
                title="" if hidden_target else r.title,
                doc_type=r.doc_type,
                target_id=r.target_id if r.target_id in visible else None,
            )
        )
    return rows


def _same_matter(doc: Document) -> list[Document]:
    if doc.matter_id is None:
        return []
    qs = publishable_documents().filter(matter_id=doc.matter_id).exclude(pk=doc.pk)
    return list(qs.order_by("registered", "id")[:MATTER_LIMIT])


def _history(doc: Document, *, show_values: bool) -> list[HistoryRow]:
    """Each change seen at the source; values only where showing them cannot leak what is hidden."""
    rows = []
    for version in doc.versions.order_by("seen_at", "id"):
        rows.append(
            HistoryRow(
                kind=str(HISTORY_KINDS.get(version.kind, version.kind)),
                seen_at=version.seen_at,
                changes=tuple(
                    _field_change(name, change, show_value=show_values and name not in HISTORY_VALUES_HIDDEN)
                    for name, change in version_changes(version)
                ),
            )
        )
    return rows


def _field_change(name: str, change: Any, *, show_value: bool) -> FieldChange:
    if not show_value:
        return FieldChange(label=_field_label(name))
    before, after = before_after(change)
    return FieldChange(label=_field_label(name), before=before, after=after, values_shown=True)


def _field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def before_after(change: Any) -> tuple[str, str]:
    """A change stored as ``[old, new]`` or ``{"old": …, "new": …}``; anything else is shown as the new value."""
    if isinstance(change, list | tuple) and len(change) == 2:
        return _short(change[0]), _short(change[1])
    if isinstance(change, dict) and ("old" in change or "new" in change):
        return _short(change.get("old")), _short(change.get("new"))
    return "", _short(change)


def _short(value: Any, limit: int = 300) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


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


def registry_stats(registry: Registry, *, today: date | None = None) -> RegistryStats:
    """The body's publishable documents, AK among them, and the last twelve months, from BodyMonth
    (kept on every write), so a body of 200,000 documents costs a few hundred rows, not a count."""
    rows = list(BodyMonth.objects.filter(registry=registry).values_list("month", "documents", "ak"))
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


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def registry_documents(registry: Registry, *, page: int, total: int) -> tuple[Pager, list[Document]]:
    pager = Pager(page=page, per_page=PER_PAGE, total=total)
    qs = publishable_documents().filter(registry=registry).order_by("-registered", "-id")
    return pager, list(qs[pager.offset : pager.offset + PER_PAGE])


# --- file download -------------------------------------------------------------------------


CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def download_name(name: str) -> str:
    """The file's own name without folders or control characters (which would break URLs and headers)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return CONTROL_CHARS.sub("", base).strip() or "fail"


def downloadable_file(pk: int) -> File | None:
    return publishable_files().select_related("blob").filter(pk=pk, blob__isnull=False).first()


def original_withheld(f: File) -> bool:
    """The original bytes of ``f`` are not served: it, or a file found inside it, holds a personal code.

    Signed containers (.asice/.bdoc/.ddoc) are no exception: their bytes carry whatever their files
    carry, and the signers' certificates carry the signers' personal codes, so a container with such a
    signature is withheld too; the default must not leak. The files inside stay downloadable when they
    hold no code, and their text stays readable, masked, on the document page.
    """
    if document_redacted(f.document_id):
        return True
    pending = [f]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current.pk in seen:
            continue
        seen.add(current.pk)
        if holds_personal_code(current) or _signed_with_personal_code([current.pk]):
            return True
        pending.extend(File.objects.filter(parent_id=current.pk).only("pk", "name", "text"))
    return False
