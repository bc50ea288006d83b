"""The index stage: the search index is derived from the database through the publication rule.

Documents the public may not see are deleted from the index; file text enters it only from
``publishable_files()``; the index writer masks personal codes in every field it is given.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache

from django.db.models import F, Q

from dokreg.archive.models import Document, RestrictionBasis
from dokreg.archive.selectors import awaiting_index
from dokreg.archive.services import (
    documents_index_all_dirty,
    documents_index_resume,
    documents_index_taken,
    documents_indexed,
)
from dokreg.errors import BadInput, DokregError
from dokreg.fields import DOCUMENT_FIELDS
from dokreg.reading.rule import publishable_documents, publishable_files

BATCH = 500
# Documents between commits of index_pending: each commit writes and syncs a segment to disk.
COMMIT_EVERY = 10_000
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


def _among(field: str, ids: list[int]) -> Q:
    """Rows whose ``field`` may be one of ``ids``: a range when the ids are dense (a rebuild's batch),
    since Django prepares each value of an IN list (1-2 ms for 500); the caller drops the others."""
    low, high = min(ids, default=0), max(ids, default=0)
    if high - low < 2 * len(ids):
        return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__in": ids})


def _basis_citations(doc_ids: list[int]) -> dict[int, list[str]]:
    """ "AvTS § 35 lg 1 p 2" per normalised RestrictionBasis row (free-text bases cite nothing)."""
    out: dict[int, list[str]] = defaultdict(list)
    rows = RestrictionBasis.objects.filter(_among("document_id", doc_ids)).exclude(law="").order_by("id")
    wanted = set(doc_ids)
    for document_id, law, section, subsection, point in rows.values_list(
        "document_id", "law", "section", "subsection", "point"
    ):
        if document_id not in wanted:
            continue
        parts = [law, f"§ {section}" if section else "", f"lg {subsection}" if subsection else ""]
        parts.append(f"p {point}" if point else "")
        out[document_id].append(" ".join(p for p in parts if p))
    return out


@cache
def index_columns() -> tuple[str, ...]:
    """The Document columns an IndexDoc takes as they are (besides the id and the registry's slug and
    name): the field table's columns that are fields of IndexDoc, so an indexed entry added to the
    table is read here too. (A function: dokreg.search is imported when the stage runs, not before.)"""
    from dokreg.search import IndexDoc

    taken = {f.name for f in dataclasses.fields(IndexDoc)}
    return tuple(f.name for f in DOCUMENT_FIELDS if not f.derived and f.name in taken)


def _row() -> tuple[str, ...]:
    return ("pk", "registry__slug", "registry__name", *index_columns())


def _index_docs(documents: list[Document]):
    rows = [
        {
            "pk": d.pk,
            "registry__slug": d.registry.slug,
            "registry__name": d.registry.name,
            **{column: getattr(d, column) for column in index_columns()},
        }
        for d in documents
    ]
    return _index_docs_of(rows)


def _index_docs_of(rows: list[dict]):
    """IndexDocs of Document rows read with ``.values(*_row())``: a model instance (and its registry's)
    per document, and every datetime column converted, cost more than analysing its text."""
    from dokreg.search import FileText, IndexDoc

    files_of: dict[int, list[FileText]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    kinds: dict[int, set[str]] = defaultdict(set)
    doc_ids = [row["pk"] for row in rows]
    files = publishable_files().filter(_among("document_id", doc_ids)).order_by("document_id", "id")
    wanted = set(doc_ids)
    for document_id, name, kind, text, pages in files.values_list(
        "document_id", "name", "kind", "text", "pages"
    ):
        if document_id not in wanted:
            continue
        names[document_id].append(name)
        if kind:
            kinds[document_id].add(kind)
        file_pages = _file_pages(pages, text)
        if file_pages:
            files_of[document_id].append(FileText(name=name, pages=file_pages))
    bases = _basis_citations(doc_ids)
    columns = index_columns()
    for row in rows:
        pk = row["pk"]
        yield IndexDoc(
            doc_id=pk,
            registry=row["registry__slug"],
            registry_name=row["registry__name"],
            **{column: row[column] for column in columns},
            file_names=tuple(names[pk]),
            files=tuple(files_of[pk]),
            file_kinds=tuple(sorted(kinds[pk])),
            restriction_bases=tuple(bases[pk]),
        )


def index_pending(*, progress: Callable[[int], None] | None = None, shard: int | None = None) -> int:
    """Bring the index in line with every document marked dirty; returns how many were handled.

    An index built by an older dokreg (another schema version) is rebuilt here, so the next sync
    or reprocess heals it without an operator running `dokreg reindex`; searches meanwhile see it
    as outdated (the public pages say search is unavailable), then empty, then filling.

    One writer for the whole run, committed every ``COMMIT_EVERY`` documents: a writer per batch
    made a segment per 500 documents and waited for Tantivy's merges each time. Documents are
    marked clean only after the commit that holds them, so an interrupted run resumes where the
    last commit left off. Memory stays bounded: a batch of rows and the ids since the last commit.
    A batch's dirty flags are cleared before it is read (it is "in flight" until its commit), so a
    document changed between that read and the commit is dirty again and is taken once more.

    ``shard=i``: only the documents of that shard, written by a writer of that shard alone (one
    process per shard of ``index_rebuild``); the index must already be in the configured shards.
    """
    from dokreg.search import IndexWriter, index_clear, index_outdated
    from dokreg.search.schema import configured_shards

    if shard is None and index_outdated():
        index_clear()
        documents_index_all_dirty()
    shards = configured_shards()
    if shard is not None and not 0 <= shard < shards:
        raise BadInput(f"the index is in {shards} shard(s) (DOKREG_INDEX_SHARDS), no shard {shard}")
    mine = _of_shard(Document.objects.all(), shard, shards)
    if not awaiting_index(mine):
        return 0  # no writer opened: another process may hold it, and nothing needs it
    done = 0
    after = 0  # read by key: what is dirty behind it is taken in the next pass from the start
    with IndexWriter(shard=shard) as writer:
        documents_index_resume(mine)  # batches an interrupted run read but never committed
        uncommitted: list[list[int]] = []
        taken_in_pass = 0
        while True:
            dirty = mine.filter(index_dirty=True, pk__gt=after).order_by("pk")
            ids = list(dirty.values_list("pk", flat=True)[:BATCH])
            if ids:
                taken = _index_batch(writer, ids)
                uncommitted.append(taken)
                after = ids[-1]
                done += len(taken)
                taken_in_pass += len(taken)
                if progress:
                    progress(len(taken))
            if uncommitted and (not ids or sum(map(len, uncommitted)) >= COMMIT_EVERY):
                _commit(writer, uncommitted)
                uncommitted = []
            if not ids:
                if after == 0 or not taken_in_pass:
                    break  # nothing left, or only documents a sync is writing now: the next run's
                # Once more from the start: documents marked dirty behind us meanwhile.
                after, taken_in_pass = 0, 0
    if done and shard is None:
        index_publish()  # web hosts on other machines see it at their next pull
    return done


def _of_shard(documents, shard: int | None, shards: int):
    """``documents`` of one shard of an index in ``shards`` (all of them for None)."""
    if shard is None:
        return documents
    return documents.alias(shard_no=F("pk") % shards).filter(shard_no=shard)


def _index_batch(writer, doc_ids: list[int]) -> list[int]:
    """Index the documents of ``doc_ids`` that could be taken (see documents_index_taken); their ids."""
    taken = documents_index_taken(doc_ids=doc_ids)
    if not taken:
        return []
    wanted = set(taken)
    rows = publishable_documents().filter(_among("pk", taken)).values(*_row())
    visible = [row for row in rows if row["pk"] in wanted]
    hidden = wanted - {row["pk"] for row in visible}
    for doc in _index_docs_of(visible):
        writer.add(doc)
    for doc_id in hidden:
        writer.delete(doc_id)
    return taken


def _commit(writer, batches: list[list[int]]) -> None:
    """Commit, then mark the batches' documents clean. A document hidden since its batch was read
    (a takedown meanwhile cannot take this writer) is deleted first, so the commit never shows it."""
    for ids in batches:
        still = set(publishable_documents().filter(_among("pk", ids)).values_list("pk", flat=True))
        for doc_id in ids:
            if doc_id not in still:
                writer.delete(doc_id)
    writer.commit()
    for ids in batches:
        documents_indexed(doc_ids=ids)


def index_documents(*, doc_ids: Iterable[int]) -> None:
    from dokreg.search import IndexWriter

    doc_ids = list(doc_ids)
    with IndexWriter() as writer:
        taken = _index_batch(writer, doc_ids)
    documents_indexed(doc_ids=taken)


def index_documents_now(*, doc_ids: Iterable[int]) -> bool:
    """An operator's act (takedown, decision, redaction) reaches the index at once when it can; while
    another process holds the writer (a long `dokreg reindex`) the rows stay dirty and that run, or
    the next, takes them. Public routes do not wait for it: every hit is re-checked against the
    database. Returns whether the index was written."""
    try:
        index_documents(doc_ids=doc_ids)
    except DokregError as error:  # busy or outdated
        logger.warning("index update deferred to the indexer: %s", error)
        return False
    return True


def index_publish() -> None:
    """Publish the index for web hosts on other machines, when DOKREG_INDEX_SNAPSHOTS is set.

    A store that fails is logged, not raised: the index itself is written, and the next index task
    publishes everything this one did not.
    """
    from django.conf import settings

    from dokreg.search.snapshots import snapshot_publish

    if not settings.INDEX_SNAPSHOTS_URL:
        return
    try:
        snapshot_publish()
    except DokregError as error:
        logger.warning("index snapshot not published: %s", error.message)


def index_rebuild(*, progress: Callable[[int], None] | None = None, parallel: bool = False) -> int:
    """Recreate the index from the database (`dokreg reindex`).

    ``parallel`` with an index in shards: one process per shard (`dokreg reindex --shard i`), each
    analysing and writing its shard's documents, so a rebuild uses as many cores as there are shards.
    Analysis is Python and holds the GIL; threads would not run side by side.
    """
    from dokreg.search import IndexWriter, index_clear
    from dokreg.search.schema import configured_shards

    index_clear()
    documents_index_all_dirty()
    shards = configured_shards()
    if not parallel or shards == 1:
        return index_pending(progress=progress)
    with IndexWriter():
        pass  # the empty index in its shards, which the processes fill
    commands = [[sys.executable, "-m", "dokreg", "reindex", "--shard", str(i)] for i in range(shards)]
    done = run_index_processes(commands, progress)
    index_publish()
    return done


def run_index_processes(commands: list[list[str]], progress: Callable[[int], None] | None) -> int:
    """Run the shards' processes (`dokreg reindex --shard i`) at once; their progress comes back here.

    Each child prints the documents it handled, a line per batch. A child that fails stops the
    rebuild with the end of its error output; its shard's documents stay dirty for the next run."""
    import subprocess
    import tempfile
    import threading
    from queue import Queue

    lines: Queue[str | None] = Queue()
    children = []
    for command in commands:
        errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        children.append((child, errors))
        threading.Thread(target=_pass_lines, args=(child.stdout, lines), daemon=True).start()
    done, running = 0, len(commands)
    while running:
        line = lines.get()
        if line is None:
            running -= 1
        elif line.strip().isdigit():
            done += int(line)
            if progress:
                progress(int(line))
    failed = []
    for shard, (child, errors) in enumerate(children):
        if child.wait() != 0:
            errors.seek(0)
            failed.append(f"shard {shard} (exit {child.returncode}): {errors.read()[-2000:].strip()}")
        errors.close()
    if failed:
        raise IndexRebuildFailed(
            f"the index rebuild stopped: {'; '.join(failed)}; run `dokreg reindex` again"
        )
    return done


def _pass_lines(stream, lines) -> None:
    """Every line of a child's output into ``lines``, then None when it closes."""
    for line in stream:
        lines.put(line)
    lines.put(None)


class IndexRebuildFailed(DokregError):
    code = "index_rebuild_failed"
