"""``/documents``: search with the results page's filters and cursor paging, and one document in full.

The search reuses the results page's own pieces: ``parse_search`` checks the filters exactly as
the page does, the index path re-checks hits against the database, and the detail is built from
``document_page`` (which reads files only through ``publishable_files()``).
"""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router

from dokreg import fields
from dokreg.api.items import absolute, document_item
from dokreg.api.pagination import cursor_decode, cursor_encode, fingerprint, state_int, state_str
from dokreg.api.schemas import DocumentDetail, DocumentList, ErrorOut
from dokreg.errors import BadInput, DokregError
from dokreg.reading import documents as selectors
from dokreg.reading import registries
from dokreg.reading.documents import MAX_INDEX_OFFSET, index_counts, index_search, newest_after, recheck_hits
from dokreg.reading.facets import facet_groups
from dokreg.reading.params import SearchParams, parse_search
from dokreg.reading.types import FileView, RelationView

router = Router(tags=["documents"])

MAX_LIMIT = 100
# Keys of the query string that are the API's own, not the results page's filters.
API_KEYS = ("cursor", "limit", "page")


class ApiNotFound(DokregError):
    code = "not_found"


class PersonalCodeQuery(BadInput):
    """A query that is nothing but a personal code: the archive is not a lookup service for people."""

    code = "personal_code_query"


def documents_search(
    request: HttpRequest, cursor: str = "", limit: int = 20, **filters: Any
) -> dict[str, Any]:
    """Search the archive; without ``q`` the newest documents first. Same filters and facets as ``/otsi/``."""
    params = _params(request.GET)
    if params.q:
        return _index_page(request, params, cursor, limit)
    return _database_page(request, params, cursor, limit)


def _search_signature() -> inspect.Signature:
    """The endpoint's query parameters, one per filter of the field table (so OpenAPI lists them all)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest),
        inspect.Parameter("q", keyword, default="", annotation=str),
    ]
    for f in fields.FILTERS:
        if f.kind == fields.FilterKind.DATES:
            for end, word in (("from", "on or after"), ("to", "on or before")):
                description = f"registered {word} (YYYY-MM-DD or dd.mm.yyyy)"
                params.append(
                    inspect.Parameter(
                        f"{f.param}_{end}",
                        keyword,
                        default=Query("", description=description),
                        annotation=str,
                    )
                )
        elif f.kind == fields.FilterKind.FLAG:
            params.append(
                inspect.Parameter(f.param, keyword, default=Query("", description=f.help), annotation=str)
            )
        else:
            params.append(
                inspect.Parameter(
                    f.param, keyword, default=Query([], description=f.help), annotation=list[str]
                )
            )
    params += [
        inspect.Parameter(
            "sort",
            keyword,
            default=Query("", description="relevance (default with words) or date"),
            annotation=str,
        ),
        inspect.Parameter(
            "cursor",
            keyword,
            default=Query("", description="next_cursor of the previous page"),
            annotation=str,
        ),
        inspect.Parameter("limit", keyword, default=Query(20, ge=1, le=MAX_LIMIT), annotation=int),
    ]
    return inspect.Signature(params)


documents_search.__signature__ = _search_signature()  # type: ignore[attr-defined]
documents_search = router.get("/documents", response={200: DocumentList, 400: ErrorOut, 503: ErrorOut})(
    documents_search
)


def _params(query: QueryDict) -> SearchParams:
    data = query.copy()
    for key in API_KEYS:
        data.pop(key, None)
    _, params = parse_search(data, registry_choices=registries.registry_choices())
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
    # Counted exactly up to the search bound ("more than N" beyond); facets from the index.
    counted = index_counts(params, today, True, per_page=limit)
    state = cursor_decode("documents.newest", cursor)
    after = None
    if state is not None:
        if state_str(state, "f") != key:
            raise BadInput("cursor: it belongs to another query; start again without a cursor")
        after = (_cursor_day(state_str(state, "r", optional=True)), state_int(state, "i", minimum=1))
    total, exact, docs = newest_after(
        params, after=after, limit=limit + 1, today=today, at_least=limit, counted=counted
    )
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


def _cursor_day(registered: str | None) -> date | None:
    if registered is None:
        return None
    try:
        return date.fromisoformat(registered)
    except ValueError as exc:
        raise BadInput("cursor: field 'r' is not a date") from exc


@router.get("/documents/{int:doc_id}", response={200: DocumentDetail, 404: ErrorOut})
def document_detail(request: HttpRequest, doc_id: int) -> dict[str, Any]:
    """Every metadata field, bases, files (public documents only), relations, matter and history."""
    page = selectors.document_page(doc_id)
    if page is None:
        raise ApiNotFound(f"document {doc_id}: no such published document")
    doc = page.document
    detail = document_item(request, doc)
    detail.update({name: doc.values[name] for name in fields.EXPORTED if name != "doc_type"})
    detail.update(
        {
            "url": absolute(request, reverse("public:document", args=[doc.pk])),
            "source_url": doc.source_url,
            "bases": [
                {
                    "text": b.text,
                    "law": b.law,
                    "section": b.section,
                    "subsection": b.subsection,
                    "point": b.point,
                }
                for b in doc.bases
            ],
            "file_count": page.file_count,
            "withheld_file_count": page.withheld_count,
            "files": _files(request, page.files) if page.files_public else [],
            "relations": [_relation(request, r) for r in page.relations],
            "matter": _matter(request, page),
            # The same letter as another register recorded it (its number is this one's sender reference).
            "same_correspondence": [document_item(request, other) for other in page.same_correspondence],
            "history": _history(page),
        }
    )
    return detail  # every value came masked from the read layer


def _files(request: HttpRequest, nodes: tuple[FileView, ...], parent: int | None = None) -> list[dict]:
    out: list[dict] = []
    for node in nodes:
        f = node.file
        name = selectors.download_name(f.name)
        out.append(
            {
                "id": f.pk,
                "parent": parent,
                "name": f.name,
                "size": f.size,
                "kind": f.kind,
                "sha256": f.sha256 or None,
                "download_url": absolute(request, reverse("public:file", args=[f.pk, name])),
                "extract_state": f.extract_state,
                "text": node.text,
                "pages": [{"number": n, "text": t} for n, t in node.pages],
                "text_truncated": node.text_cut,
                # The read layer never reads a signer's personal code.
                "signatures": [
                    {
                        "signer_name": s.signer_name,
                        "role": s.role,
                        "signed_at": s.signed_at,
                        "profile": s.profile,
                        "value_valid": s.value_valid,
                        "digests_valid": s.digests_valid,
                    }
                    for s in node.signatures
                ],
            }
        )
        out.extend(_files(request, node.children, parent=f.pk))
    return out


def _relation(request: HttpRequest, row: RelationView) -> dict:
    url = absolute(request, reverse("public:document", args=[row.target_id])) if row.target_id else None
    return {
        "kind": row.kind,
        "reference": row.reference,
        "title": row.title,
        "type": row.doc_type,
        "document_id": row.target_id,
        "url": url,
    }


def _matter(request: HttpRequest, page: selectors.DocumentPage) -> dict | None:
    matter = page.document.matter
    if matter is None:
        return None
    return {
        "id": matter.pk,
        "root": matter.root,
        "url": absolute(request, reverse("api-v1:matter_detail", args=[matter.pk])),
        "documents": [document_item(request, d) for d in page.same_matter],
    }


def _history(page: selectors.DocumentPage) -> list[dict]:
    """Versions with the names of the fields that changed; values only as the document page shows them."""
    return [
        {
            "kind": entry.code,
            "seen_at": entry.seen_at,
            "changes": [
                {"field": c.name, "before": c.before, "after": c.after}
                if c.values_shown
                else {"field": c.name}
                for c in entry.changes
            ],
        }
        for entry in page.history
    ]
