"""The index stage: the search index is derived from the database through the publication rule.

Documents the public may not see are deleted from the index; file text enters it only from
``publishable_files()`` and with personal codes masked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction

from dokreg.archive.models import Document
from dokreg.archive.selectors import publishable_documents, publishable_files
from dokreg.privacy.personal_codes import mask_personal_codes

BATCH = 500


def _index_docs(documents: list[Document]):
    from dokreg.search import IndexDoc

    texts: dict[int, list[str]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    files = publishable_files().filter(document__in=[d.pk for d in documents]).order_by("document_id", "id")
    for document_id, name, text in files.values_list("document_id", "name", "text"):
        names[document_id].append(name)
        if text:
            texts[document_id].append(text)
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
            text=mask_personal_codes("\n\n".join(texts[d.pk])),
            file_names=tuple(names[d.pk]),
        )


def index_pending(*, progress: Callable[[int], None] | None = None) -> int:
    """Bring the index in line with every document marked dirty; returns how many were handled."""
    done = 0
    while True:
        ids = list(
            Document.objects.filter(index_dirty=True).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
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
    with transaction.atomic():
        Document.objects.filter(pk__in=doc_ids).update(index_dirty=False)


def index_rebuild(*, progress: Callable[[int], None] | None = None) -> int:
    """Recreate the index from the database (`dokreg reindex`)."""
    from dokreg.search import index_clear

    index_clear()
    Document.objects.update(index_dirty=True)
    return index_pending(progress=progress)
