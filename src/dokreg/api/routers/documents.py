"""``/documents``: search with the results page's filters and cursor paging, and one document in full.

The search reuses the results page's own pieces: ``parse_search`` checks the filters exactly as
the page does, the index path re-checks hits against the database, and the detail is built from
``document_page`` (which reads files only through ``publishable_files()``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Q
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router

from dokreg.api.items import absolute, document_item, http_url, masked
from dokreg.api.pagination import cursor_decode, cursor_encode, fingerprint, state_int, state_str
from dokreg.api.schemas import DocumentDetail, DocumentList, ErrorOut
from dokreg.archive.exports import DOCUMENT_FIELDS
from dokreg.archive.models import Document
from dokreg.archive.selectors import publishable_documents, version_changes
from dokreg.errors import BadInput, DokregError
from dokreg.public import selectors
from dokreg.public.browse import same_correspondence
from dokreg.public.facets import facet_groups
from dokreg.public.params import SearchParams, parse_search
from dokreg.public.selectors import (
    HISTORY_VALUES_HIDDEN,
    MAX_INDEX_OFFSET,
    before_after,
    bounded_count,
    filtered_documents,
    index_counts,
    index_search,
    recheck_hits,
)

router = Router(tags=["documents"])

MAX_LIMIT = 100
# Keys of the query string that are the API's own, not the results page's filters.
API_KEYS = ("cursor", "limit", "page")


class ApiNotFound(DokregError):
    code = "not_found"


class PersonalCodeQuery(BadInput):
    """A query that is nothing but a personal code: the archive is not a lookup service for people."""

    code = "personal_code_query"


@router.get("/documents", response={200: DocumentList, 400: ErrorOut, 503: ErrorOut})
def documents_search(
    request: HttpRequest,
    q: str = "",
    registry: list[str] = Query([], description="body slugs; repeat for several"),  # noqa: B008
    date_from: str = Query("", description="registered on or after (YYYY-MM-DD or dd.mm.yyyy)"),
    date_to: str = Query("", description="registered on or before"),
    type: list[str] = Query([], description="document type as the register writes it; repeat for several"),  # noqa: B008
    access: list[str] = Query(  # noqa: B008
        [], description="public, on_request, ak, expired_ak (AK past its end date); repeat for several"
    ),
    function: list[str] = Query([], description="function (repeatable)"),  # noqa: B008
    series: list[str] = Query([], description="series, e.g. '1-1 Kirjavahetus' (repeatable)"),  # noqa: B008
    case_file: list[str] = Query([], description="case file (repeatable)"),  # noqa: B008
    correspondent: list[str] = Query(  # noqa: B008
        [], description="addressee or sender, whole or by its words: 'Tallinna Vesi' (repeatable)"
    ),
    channel: list[str] = Query([], description="arrival or sending channel (repeatable)"),  # noqa: B008
    restriction: list[str] = Query(  # noqa: B008
        [], description="restriction basis, e.g. 'AvTS § 35 lg 1 p 12'; 'AvTS § 35' matches all below it"
    ),
    has_files: str = Query("", description="1: with public files, 0: without"),
    file_kind: list[str] = Query([], description="kind of a public file: pdf, docx, … (repeatable)"),  # noqa: B008
    sort: str = Query("", description="relevance (default with words) or date"),
    cursor: str = Query("", description="next_cursor of the previous page"),
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    """Search the archive; without ``q`` the newest documents first. Same filters and facets as ``/otsi/``."""
    params = _params(request.GET)
    if params.q:
        return _index_page(request, params, cursor, limit)
    return _database_page(request, params, cursor, limit)


def _params(query: QueryDict) -> SearchParams:
    data = query.copy()
    for key in API_KEYS:
        data.pop(key, None)
    _, params = parse_search(data, registry_choices=selectors.registry_choices())
    if params.errors:
        raise BadInput("; ".join(params.errors))
    return params


def _filters_key(params: SearchParams) -> str:
    return fingerprint(*params.filters_key())


def _index_page(request: HttpRequest, params: SearchParams, cursor: str, limit: int) -> dict[str, Any]:
    """Words go to the index; the cursor is an offset into its ranking, tied to this exact query."""
    key = _filters_key(params)
    state = cursor_decode("documents.search", cursor) or {"o": 0, "f": key}
    offset = state_int(state, "o")
    if state_str(state, "f") != key:
        raise BadInput("cursor: it belongs to another query; start again without a cursor")
    if offset > MAX_INDEX_OFFSET:
        raise BadInput("cursor: too deep into the results; narrow the search with filters")
    result = index_search(params, offset=offset, limit=limit, facets=True, today=timezone.localdate())
    if result.personal_code_only:
        raise PersonalCodeQuery("q: personal codes cannot be searched for; the query held nothing else")
    rows = recheck_hits(result.hits)
    following = offset + len(result.hits)
    # A bounded total counts at least one past this page, so "more" holds for it too.
    more = len(result.hits) == limit and following < result.total
    return {
        "total": result.total,
        "total_exact": result.total_exact,
        "facet_sample": result.facet_sample,
        "items": [document_item(request, row.document, snippet=row.snippet) for row in rows],
        "next_cursor": cursor_encode("documents.search", {"o": following, "f": key}) if more else None,
        "facets": _facets_out(facet_groups(params, result.facets)),
        "corrected": result.corrected,
    }


def _facets_out(groups: tuple) -> dict[str, list[dict[str, Any]]]:
    """The results page's facet rows without its links (API clients build their own queries)."""
    return {
        g.name: [
            {"value": r.value, "label": r.label, "count": r.count, "selected": r.selected} for r in g.rows
        ]
        for g in groups
    }


def _database_page(request: HttpRequest, params: SearchParams, cursor: str, limit: int) -> dict[str, Any]:
    """No words: newest registered first, paged by keyset so new arrivals never shift a walk."""
    key = _filters_key(params)
    today = timezone.localdate()
    qs = filtered_documents(publishable_documents(), params, today)
    # Counted exactly up to the search bound ("more than N" beyond); facets from the index.
    total, exact = bounded_count(qs, at_least=limit)
    counted = index_counts(params, today, True, per_page=limit)
    state = cursor_decode("documents.newest", cursor)
    if state is not None:
        if state_str(state, "f") != key:
            raise BadInput("cursor: it belongs to another query; start again without a cursor")
        qs = qs.filter(_after(state_str(state, "r", optional=True), state_int(state, "i", minimum=1)))
    # Undated last on every database (PostgreSQL would put NULLs first in a descending order).
    order = (F("registered").desc(nulls_last=True), "-id")
    docs = list(qs.select_related("registry").order_by(*order)[: limit + 1])
    following = None
    if len(docs) > limit:
        docs = docs[:limit]
        last = docs[-1]
        registered = last.registered.isoformat() if last.registered else None
        following = cursor_encode("documents.newest", {"r": registered, "i": last.pk, "f": key})
    return {
        "total": total,
        "total_exact": exact,
        "items": [document_item(request, d) for d in docs],
        "next_cursor": following,
        "facets": _facets_out(facet_groups(params, counted.facets) if counted else ()),
        "facet_sample": counted.facet_sample if counted else 0,
    }


def _after(registered: str | None, pk: int) -> Q:
    """Rows after (registered, id) in the order registered desc (undated last), id desc."""
    if registered is None:
        return Q(registered__isnull=True, pk__lt=pk)
    try:
        day = date.fromisoformat(registered)
    except ValueError as exc:
        raise BadInput("cursor: field 'r' is not a date") from exc
    return Q(registered__lt=day) | Q(registered=day, pk__lt=pk) | Q(registered__isnull=True)


@router.get("/documents/{int:doc_id}", response={200: DocumentDetail, 404: ErrorOut})
def document_detail(request: HttpRequest, doc_id: int) -> dict[str, Any]:
    """Every metadata field, bases, files (public documents only), relations, matter and history."""
    page = selectors.document_page(doc_id)
    if page is None:
        raise ApiNotFound(f"document {doc_id}: no such published document")
    doc = page.document
    detail = document_item(request, doc)
    detail.update(masked({name: getattr(doc, name) for name in DOCUMENT_FIELDS if name != "doc_type"}))
    detail.pop("url", None)
    detail.update(
        {
            "url": absolute(request, reverse("public:document", args=[doc.pk])),
            "source_url": http_url(doc.url),
            "bases": masked(
                list(doc.bases.order_by("id").values("text", "law", "section", "subsection", "point"))
            ),
            "file_count": page.file_count,
            "withheld_file_count": page.withheld_count,
            "files": _files(request, page.files) if page.files_public else [],
            "relations": [_relation(request, r) for r in page.relations],
            "matter": _matter(request, doc, page.same_matter),
            # The same letter as another register recorded it (its number is this one's sender reference).
            "same_correspondence": [document_item(request, other) for other in same_correspondence(doc)],
            "history": _history(doc, show_values=page.files_public),
        }
    )
    return detail


def _files(request: HttpRequest, nodes: list[selectors.FileNode], parent: int | None = None) -> list[dict]:
    out: list[dict] = []
    for node in nodes:
        f = node.file
        name = selectors.download_name(f.name)
        out.append(
            masked(
                {
                    "id": f.pk,
                    "parent": parent,
                    "name": f.name,
                    "size": f.size,
                    "kind": f.kind,
                    "sha256": f.blob_id,
                    "download_url": absolute(request, reverse("public:file", args=[f.pk, name])),
                    "extract_state": f.extract_state,
                    "text": node.text,
                    "pages": [{"number": n, "text": t} for n, t in node.pages],
                    "text_truncated": node.text_cut,
                    # The selector already left personal_code out of these dicts.
                    "signatures": [{k: v for k, v in s.items() if k != "file_id"} for s in node.signatures],
                }
            )
        )
        out.extend(_files(request, node.children, parent=f.pk))
    return out


def _relation(request: HttpRequest, row: selectors.RelationRow) -> dict:
    url = absolute(request, reverse("public:document", args=[row.target_id])) if row.target_id else None
    return masked(
        {
            "kind": row.kind,
            "reference": row.reference,
            "title": row.title,
            "type": row.doc_type,
            "document_id": row.target_id,
            "url": url,
        }
    )


def _matter(request: HttpRequest, doc: Document, others: list[Document]) -> dict | None:
    if doc.matter is None:
        return None
    return {
        "id": doc.matter.pk,
        "root": masked(doc.matter.root),
        "url": absolute(request, reverse("api-v1:matter_detail", args=[doc.matter.pk])),
        "documents": [document_item(request, d) for d in _with_registry(others)],
    }


def _with_registry(docs: list[Document]) -> list[Document]:
    ids = [d.pk for d in docs]
    return list(
        publishable_documents().filter(pk__in=ids).select_related("registry").order_by("registered", "id")
    )


def _history(doc: Document, *, show_values: bool) -> list[dict]:
    """Versions with the names of the fields that changed; values only as the document page shows them."""
    rows = []
    for version in doc.versions.order_by("seen_at", "id"):
        fields = []
        for name, change in version_changes(version):
            if show_values and name not in HISTORY_VALUES_HIDDEN:
                before, after = before_after(change)
                fields.append({"field": name, "before": masked(before), "after": masked(after)})
            else:
                fields.append({"field": name})
        rows.append({"kind": version.kind, "seen_at": version.seen_at, "changes": fields})
    return rows
