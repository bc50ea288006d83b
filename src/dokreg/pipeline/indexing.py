"""The index stage: the search index is derived from the database through the publication rule.

Documents the public may not see are deleted from the index; file text enters it only from
``publishable_files()``; the index writer masks personal codes in every field it is given.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from dokreg.archive.models import Document, RestrictionBasis
from dokreg.archive.services import documents_index_all_dirty, documents_indexed
from dokreg.reading.rule import publishable_documents, publishable_files

BATCH = 500
logger = logging.getLogger(__name__)


def _file_pages(raw: object, text: str) -> tuple[tuple[int | None, str], ...]:
    """A file's text as (page, text); one unnumbered page without pages."""
    pages = []
    for i, item in enumerate(raw if isinstance(raw, list) else [], start=1):
        if isinstance(item, dict) and item.get("text"):
            number = item.get("number")
            page = number if isinstance(number, int) and not isinstance(number, bool) else i
            pages.append((page, str(item["text"])))
    if pages:
        return tuple(pages)
    return ((None, text),) if text else ()


def _basis_citations(doc_ids: list[int]) -> dict[int, list[str]]:
    """ "AvTS § 35 lg 1 p 2" per normalised RestrictionBasis row (free-text bases cite nothing)."""
    out: dict[int, list[str]] = defaultdict(list)
    rows = RestrictionBasis.objects.filter(document__in=doc_ids).exclude(law="").order_by("id")
    for document_id, law, section, subsection, point in rows.values_list(
        "document_id", "law", "section", "subsection", "point"
    ):
        parts = [law, f"§ {section}" if section else "", f"lg {subsection}" if subsection else ""]
        parts.append(f"p {point}" if point else "")
        out[document_id].append(" ".join(p for p in parts if p))
    return out


def _index_docs(documents: list[Document]):
    from dokreg.search import FileText, IndexDoc

    files_of: dict[int, list[FileText]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    kinds: dict[int, set[str]] = defaultdict(set)
    doc_ids = [d.pk for d in documents]
    files = publishable_files().filter(document__in=doc_ids).order_by("document_id", "id")
    for document_id, name, kind, text, pages in files.values_list(
        "document_id", "name", "kind", "text", "pages"
    ):
        names[document_id].append(name)
        if kind:
            kinds[document_id].add(kind)
        file_pages = _file_pages(pages, text)
        if file_pages:
            files_of[document_id].append(FileText(name=name, pages=file_pages))
    bases = _basis_citations(doc_ids)
    for d in documents:
        yield IndexDoc(
            doc_id=d.pk,
            registry=d.registry.slug,
            registry_name=d.registry.name,
            reference=d.reference,
            title=d.title,
            doc_type=d.doc_type,
            registered=d.registered,
            access=d.access,
            correspondent=d.correspondent,
            function=d.function,
            series=d.series,
            case_file=d.case_file,
            sender_reference=d.sender_reference,
            responsible=d.responsible,
            channel=d.channel,
            file_names=tuple(names[d.pk]),
            files=tuple(files_of[d.pk]),
            file_kinds=tuple(sorted(kinds[d.pk])),
            restriction_bases=tuple(bases[d.pk]),
            restriction_ends=d.restriction_ends,
        )


def index_pending(*, progress: Callable[[int], None] | None = None) -> int:
    """Bring the index in line with every document marked dirty; returns how many were handled.

    An index built by an older dokreg (another schema version) is rebuilt here, so the next sync
    or reprocess heals it without an operator running `dokreg reindex`; searches meanwhile see it
    as outdated (the public pages say search is unavailable), then empty, then filling.
    """
    from dokreg.search import index_clear, index_outdated

    if index_outdated():
        index_clear()
        documents_index_all_dirty()
    done = 0
    while True:
        ids = list(
            Document.objects.filter(index_dirty=True).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            if done:
                index_publish()  # web hosts on other machines see it at their next pull
            return done
        index_documents(doc_ids=ids)
        done += len(ids)
        if progress:
            progress(len(ids))


def index_documents(*, doc_ids: Iterable[int]) -> None:
    from dokreg.search import IndexWriter

    doc_ids = list(doc_ids)
    visible = list(publishable_documents().filter(pk__in=doc_ids).select_related("registry"))
    hidden = set(doc_ids) - {d.pk for d in visible}
    with IndexWriter() as writer:
        for doc in _index_docs(visible):
            writer.add(doc)
        for doc_id in hidden:
            writer.delete(doc_id)
    documents_indexed(doc_ids=doc_ids)


def index_publish() -> None:
    """Publish the index for web hosts on other machines, when DOKREG_INDEX_SNAPSHOTS is set.

    A store that fails is logged, not raised: the index itself is written, and the next index task
    publishes everything this one did not.
    """
    from django.conf import settings

    from dokreg.errors import DokregError
    from dokreg.search.snapshots import snapshot_publish

    if not settings.INDEX_SNAPSHOTS_URL:
        return
    try:
        snapshot_publish()
    except DokregError as error:
        logger.warning("index snapshot not published: %s", error.message)


def index_rebuild(*, progress: Callable[[int], None] | None = None) -> int:
    """Recreate the index from the database (`dokreg reindex`)."""
    from dokreg.search import index_clear

    index_clear()
    documents_index_all_dirty()
    return index_pending(progress=progress)
