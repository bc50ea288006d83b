"""Documents as the public reads them: lists, results, the document page, downloads.

Every document comes from ``publishable_documents()`` and every file's name, text or bytes from
``publishable_files()`` (``reading.rule``); what leaves is an output type of ``reading.types``,
masked, never a model instance (only ``downloadable_file`` hands the file view its row to stream).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from dokreg import fields
from dokreg.archive.models import (
    Access,
    BodyMonth,
    Document,
    DocumentVersion,
    File,
    RestrictionBasis,
    Signature,
)
from dokreg.archive.selectors import version_changes
from dokreg.errors import BadInput, DokregError
from dokreg.privacy.personal_codes import mask_personal_codes
from dokreg.reading import build
from dokreg.reading.facets import FacetGroup, facet_groups
from dokreg.reading.paging import PER_PAGE, Pager
from dokreg.reading.params import EXPIRED_AK, SearchParams, params_query
from dokreg.reading.rule import files_public as _files_public
from dokreg.reading.rule import publishable_documents, publishable_files
from dokreg.reading.types import (
    DocumentCard,
    DocumentDetail,
    FieldChange,
    FileFacts,
    FileView,
    HistoryEntry,
    RelationView,
    ResultRow,
    SignatureView,
)
from dokreg.review.redaction import document_redacted

NEWEST_ON_HOME = 20
MATTER_LIMIT = 50
# dokreg.search answers at most this deep; the database path (no words) has no such limit.
MAX_INDEX_OFFSET = 100_000
# A file's text beyond this is cut on the page (the download has it all): large documents must not
# make the page unusable.
MAX_TEXT_CHARS = 200_000
# History values of these fields name people; a register that later masks a name must not have the
# old value republished by us, so only the field name is shown (``personal`` in the field table).
HISTORY_VALUES_HIDDEN = fields.PERSONAL


HISTORY_KINDS = {
    DocumentVersion.Kind.CREATED: _("esmakordselt nähtud"),
    DocumentVersion.Kind.CHANGED: _("andmed muutusid"),
    DocumentVersion.Kind.RESTRICTED: _("juurdepääsu piirati"),
    DocumentVersion.Kind.OPENED: _("juurdepääsupiirang lõppes"),
    DocumentVersion.Kind.FILES: _("failid muutusid"),
    DocumentVersion.Kind.WITHDRAWN: _("allikast kadunud"),
    DocumentVersion.Kind.RETURNED: _("allikasse tagasi"),
}

# History names fields as the document page labels them (the field table); these are not fields.
OTHER_LABELS = {"files": _("Failid")}


# --- lists ---------------------------------------------------------------------------------


def newest_documents(limit: int = NEWEST_ON_HOME) -> list[DocumentCard]:
    return build.cards(
        publishable_documents().select_related("registry").order_by("-registered", "-id")[:limit]
    )


def published_counts() -> dict[int, int]:
    """Published documents per registry id (the denormalised totals count hidden ones too), from the
    per-body monthly counts every write keeps: a GROUP BY over the documents took 0.28 s at 1M."""
    rows = (
        BodyMonth.objects.values("registry_id").annotate(n=Sum("documents")).values_list("registry_id", "n")
    )
    return {registry_id: n for registry_id, n in rows if n}


# --- results -------------------------------------------------------------------------------


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
        from dokreg.reading.ordering import sorted_results

        return sorted_results(params, per_page=per_page, today=today, facets=facets)
    if params.q:
        return _index_results(params, per_page, today, facets)
    return _newest_results(params, per_page, today, facets)


def search_filters(params: SearchParams) -> Any:
    """The index's SearchFilters for these parameters."""
    from dokreg.search import SearchFilters

    values = {"date_from": params.date_from, "date_to": params.date_to}
    values.update(
        {f.attr: getattr(params, f.attr) for f in fields.FILTERS if f.kind != fields.FilterKind.DATES}
    )
    return SearchFilters(**values)


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
    for f in fields.DOCUMENT_FIELDS:
        values = (
            getattr(params, f.filter.attr) if f.filter and f.filter.kind == fields.FilterKind.TEXT else ()
        )
        if not values or f.derived:
            continue
        if f.name == "correspondent":  # a party is found by its words too, as the index's filter does
            qs = qs.filter(_any_party(values))
        else:
            qs = qs.filter(_any_iexact(f.name, values))
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
    """The newest documents, counted exactly up to the index's bound (a COUNT over a million rows per
    request would not be cheap); facets from the index.

    The database lists them when it can walk one of its indexes newest first (no filter but one
    body and dates): it is the truth, and a document synced a moment ago shows before the index
    has it. Any other filter (a type, two bodies, a correspondent …) it could only answer by
    reading and sorting every matching row (0.15 s for two bodies at a million documents); the
    index answers those in a window of the newest days, its hits re-checked here, unless a
    document the index does not hold yet matches them (then the database, so none is missing).
    """
    offset = (params.page - 1) * per_page
    from_index = offset <= MAX_INDEX_OFFSET and not _database_walks_in_order(params)
    # The index is asked when its page or its facets are wanted (a feed wants neither here).
    if facets or from_index:
        counted = index_counts(params, today, facets, per_page=per_page, hits=from_index)
    else:
        counted = None
    complete = _holding_every_match(counted, params, today)
    if complete is not None and from_index:
        pager = Pager(page=params.page, per_page=per_page, total=complete.total, exact=complete.total_exact)
        # Without words there is nothing to quote: the rows read as the database's list does.
        rows = tuple(ResultRow(document=row.document) for row in recheck_hits(complete.hits))
    else:
        qs = filtered_documents(publishable_documents(), params, today)
        total, exact = _newest_total(qs, complete, at_least=params.page * per_page)
        pager = Pager(page=params.page, per_page=per_page, total=total, exact=exact)
        docs = qs.select_related("registry").order_by("-registered", "-id")[
            pager.offset : pager.offset + per_page
        ]
        rows = tuple(ResultRow(document=d) for d in build.cards(docs))
    return ResultPage(
        pager=pager,
        rows=rows,
        facets=facet_groups(params, counted.facets) if counted and facets else (),
        facet_sample=counted.facet_sample if counted and facets else 0,
    )


def _holding_every_match(counted: Any, params: SearchParams, today: date) -> Any:
    """The index's result ``counted`` when the index holds every document matching ``params``, else None."""
    if counted is None or _waiting_for_the_index(params, today):
        return None
    return counted


def _waiting_for_the_index(params: SearchParams, today: date) -> bool:
    """Whether a publishable document matching ``params`` is not in the index as it is now (a few
    rows at most between syncs: found through the ``index_dirty`` index)."""
    from dokreg.archive.selectors import awaiting_index

    return awaiting_index(filtered_documents(publishable_documents(), params, today))


def _database_walks_in_order(params: SearchParams) -> bool:
    """True when the newest-first list under ``params`` is a walk down one database index: no filter
    but at most one body (``doc_registry_registered``) and a date range."""
    for f in fields.FILTERS:
        if f.kind == fields.FilterKind.DATES:
            continue
        value = getattr(params, f.attr)
        if f.attr == "registries" and len(value) <= 1:
            continue
        if value not in (None, ()):
            return False
    return True


def _newest_total(qs: QuerySet[Document], complete: Any, *, at_least: int) -> tuple[int, bool]:
    """The total of a list without words: the index's count when it holds every matching document
    (``complete``, its result for the same filters, see ``_holding_every_match``), else the
    database's ``bounded_count``.

    The database counts by reading up to the bound's 10,001 rows: 0.1 s for a body and a type at a
    million documents, where the list itself is one short walk down an index. The index counts in a
    window of the newest days, and holds the same documents unless one waits for it (then None)."""
    if complete is not None:
        return complete.total, complete.total_exact
    return bounded_count(qs, at_least=at_least)


def newest_after(
    params: SearchParams,
    *,
    after: tuple[date | None, int] | None,
    limit: int,
    today: date,
    at_least: int = 0,
    counted: Any = None,
) -> tuple[int, bool, list[DocumentCard]]:
    """The API's walk without words: the total (exact up to the bound or ``at_least``) and whether it
    is exact, and up to ``limit`` documents after ``after`` (registered, id) in the order registered
    desc (undated last), id desc. ``counted``: the index's result for the same filters and page end,
    whose count is taken when no matching document waits for the index."""
    qs = filtered_documents(publishable_documents(), params, today)
    total, exact = _newest_total(qs, _holding_every_match(counted, params, today), at_least=at_least)
    if after is not None:
        qs = qs.filter(_after(*after))
    # Undated last on every database (PostgreSQL would put NULLs first in a descending order).
    order = (F("registered").desc(nulls_last=True), "-id")
    return total, exact, build.cards(qs.select_related("registry").order_by(*order)[:limit])


def _after(registered: date | None, pk: int) -> Q:
    if registered is None:
        return Q(registered__isnull=True, pk__lt=pk)
    return Q(registered__lt=registered) | Q(registered=registered, pk__lt=pk) | Q(registered__isnull=True)


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


def index_counts(
    params: SearchParams, today: date, facets: bool, *, per_page: int = PER_PAGE, hits: bool = False
) -> Any:
    """The index's result for no words under the filters (facets, ``facet_sample``); None without a
    usable index: the list itself comes from the database and still shows, without facets.

    The page's hits come with it only when asked (``hits``): each is a document read from the
    index's store, and a list the database writes needs only the counts, bounded to its page's end.
    """
    try:
        from dokreg.search import search

        offset = min((params.page - 1) * per_page, MAX_INDEX_OFFSET)
        return search(
            "",
            filters=search_filters(params),
            offset=offset if hits else offset + per_page,
            limit=per_page if hits else 0,
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
    docs = build.cards_by_id(publishable_documents(), [hit.doc_id for hit in hits])
    rows = []
    for hit in hits:
        doc = docs.get(hit.doc_id)
        if doc is None:
            continue
        # The snippet may quote file text; only a public document's files may be quoted.
        # mark_safe is sound only because dokreg.search escapes the text and adds nothing but <mark>.
        # Masking cannot break the markup: it replaces digits with a mask that holds no HTML.
        public = _files_public(doc.access)
        snippet = mark_safe(mask_personal_codes(hit.snippet)) if public and hit.snippet else ""
        file_name = getattr(hit, "file_name", None) if snippet else None
        page = getattr(hit, "page", None) if file_name else None
        rows.append(
            ResultRow(
                document=doc,
                snippet=snippet,
                file_name=mask_personal_codes(file_name) if file_name else None,
                page=page,
            )
        )
    return tuple(rows)


# --- the document page ---------------------------------------------------------------------


@dataclass
class _Node:
    """A file while the tree is put together; handed out frozen as a ``FileView``."""

    file: File
    signatures: list[SignatureView] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    pages: list[tuple[int, str]] = field(default_factory=list)
    text: str = ""
    text_cut: bool = False
    original_withheld: bool = False

    def frozen(self) -> FileView:
        f = self.file
        return FileView(
            file=FileFacts(
                pk=f.pk,
                name=mask_personal_codes(f.name),
                kind=mask_personal_codes(f.kind),
                size=f.size,
                extract_state=f.extract_state,
                sha256=f.blob_id or "",
                parent_id=f.parent_id,
            ),
            signatures=tuple(self.signatures),
            children=tuple(child.frozen() for child in self.children),
            pages=tuple(self.pages),
            text=self.text,
            text_cut=self.text_cut,
            original_withheld=self.original_withheld,
        )


@dataclass(frozen=True)
class DocumentPage:
    document: DocumentDetail
    files_public: bool
    files: tuple[FileView, ...]
    file_count: int
    withheld_count: int
    relations: tuple[RelationView, ...]
    same_matter: tuple[DocumentCard, ...]
    history: tuple[HistoryEntry, ...]
    same_correspondence: tuple[DocumentCard, ...] = ()
    # An operator replaced private persons' names by initials: the files' originals are withheld.
    redacted: bool = False


def published_document(pk: int) -> DocumentDetail | None:
    """One publishable document in full, without its files, relations or history (the removal
    request's pages name it); ``None`` when the public may not see it."""
    doc = publishable_documents().select_related("registry", "matter").filter(pk=pk).first()
    return build.detail(doc) if doc is not None else None


def document_page(pk: int) -> DocumentPage | None:
    doc = publishable_documents().select_related("registry", "matter").filter(pk=pk).first()
    if doc is None:
        return None
    from dokreg.reading.browse import same_correspondence

    files_public = _files_public(doc.access)
    file_count = doc.files.filter(parent__isnull=True).count()
    tree = _file_tree(doc) if files_public else []
    redacted = document_redacted(doc.pk)
    if redacted:
        for node in _walk_nodes(tree):
            node.original_withheld = True
    return DocumentPage(
        document=build.detail(doc),
        files_public=files_public,
        files=tuple(node.frozen() for node in tree),
        file_count=file_count,
        withheld_count=file_count - len(tree),
        relations=tuple(_relations(doc)),
        same_matter=tuple(_same_matter(doc)),
        history=tuple(_history(doc, show_values=files_public)),
        same_correspondence=tuple(same_correspondence(doc)),
        redacted=redacted,
    )


def _walk_nodes(nodes: list[_Node]):
    for node in nodes:
        yield node
        yield from _walk_nodes(node.children)


def _file_tree(doc: Document) -> list[_Node]:
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


def _mark_withheld(node: _Node, signed_by_person: set[int]) -> bool:
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


def _file_node(f: File) -> _Node:
    node = _Node(file=f)
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
# leaves the database.
SIGNATURE_PUBLIC_FIELDS = (
    "file_id",
    "signer_name",
    "role",
    "signed_at",
    "profile",
    "value_valid",
    "digests_valid",
)


def _attach_signatures(nodes: dict[int, _Node]) -> None:
    rows = Signature.objects.filter(file_id__in=list(nodes)).order_by("signed_at", "id")
    for sig in rows.values(*SIGNATURE_PUBLIC_FIELDS):
        file_id = sig.pop("file_id")
        nodes[file_id].signatures.append(SignatureView(**build.masked(sig)))


def _relations(doc: Document) -> list[RelationView]:
    from dokreg.reading.browse import relations_of

    return relations_of([doc]).get(doc.pk, [])


def _same_matter(doc: Document) -> list[DocumentCard]:
    if doc.matter_id is None:
        return []
    qs = publishable_documents().filter(matter_id=doc.matter_id).exclude(pk=doc.pk).select_related("registry")
    return build.cards(qs.order_by("registered", "id")[:MATTER_LIMIT])


def _history(doc: Document, *, show_values: bool) -> list[HistoryEntry]:
    """Each change seen at the source; values only where showing them cannot leak what is hidden."""
    rows = []
    for version in doc.versions.order_by("seen_at", "id"):
        rows.append(
            HistoryEntry(
                kind=str(HISTORY_KINDS.get(version.kind, version.kind)),
                code=version.kind,
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
        return FieldChange(name=name, label=_field_label(name))
    before, after = before_after(change)
    return FieldChange(
        name=name,
        label=_field_label(name),
        before=mask_personal_codes(before),
        after=mask_personal_codes(after),
        values_shown=True,
    )


def _field_label(name: str) -> str:
    return str(OTHER_LABELS[name]) if name in OTHER_LABELS else fields.label(name)


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


# --- file download -------------------------------------------------------------------------


CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def download_name(name: str) -> str:
    """The file's own name without folders or control characters (which would break URLs and headers)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return CONTROL_CHARS.sub("", base).strip() or "fail"


@dataclass(frozen=True)
class Download:
    """What the download view needs to stream a public file's bytes, or to refuse them."""

    pk: int
    filename: str  # the file's own name, safe in a header (``download_name``)
    sha256: str
    withheld: bool  # the original holds a personal code: not served (``original_withheld``)
    redacted: bool = False  # withheld because an operator replaced a private person's name by initials


def download(pk: int) -> Download | None:
    """A public, downloaded file's bytes to serve; ``None`` when ``pk`` is no such file."""
    f = downloadable_file(pk)
    if f is None:
        return None
    redacted = document_redacted(f.document_id)
    return Download(
        pk=f.pk,
        filename=download_name(f.name),
        sha256=f.blob_id,
        withheld=redacted or original_withheld(f),
        redacted=redacted,
    )


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
