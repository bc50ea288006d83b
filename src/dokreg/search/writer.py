"""The one index writer. Tantivy allows a single writer per index, across processes.

Documents are buffered and analysed in batches (one Vabamorf call for all unknown word forms of
the batch); the writer commits on exit, or when the caller calls ``commit()`` between batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import tantivy

from dokreg.errors import BadInput
from dokreg.search import schema as s
from dokreg.search.analyser import MAX_TOKEN_CHARS, Analyser, default_analyser, exact_form, raw_tokens
from dokreg.search.errors import IndexBroken, IndexBusy
from dokreg.search.types import ACCESS_VALUES, IndexDoc

DEFAULT_BATCH = 500
HEAP_BYTES = 256_000_000
# Text beyond this is not indexed: a runaway extraction must not hold the writer's memory hostage.
INDEX_TEXT_CHARS = 2_000_000


class IndexWriter:
    """Context manager around Tantivy's writer: ``add`` upserts by doc_id, ``delete`` removes.

    Creates the index when missing; raises IndexOutdated for an index of another schema version
    and IndexBusy while another process holds the writer.
    """

    def __init__(
        self,
        index_dir: Path | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
        analyser: Analyser | None = None,
    ) -> None:
        self.index_dir = s.resolve_dir(index_dir)
        self._batch_size = max(1, batch_size)
        self._analyser = analyser or default_analyser()
        self._pending: list[IndexDoc] = []
        self._writer: tantivy.IndexWriter | None = None

    def __enter__(self) -> IndexWriter:
        index = s.open_index(self.index_dir, create=True)
        assert index is not None
        try:
            self._writer = index.writer(heap_size=HEAP_BYTES)
        except ValueError as exc:
            if "lock" in str(exc).lower():
                raise IndexBusy(f"search index {self.index_dir} is being written by another process") from exc
            raise IndexBroken(f"search index {self.index_dir}: cannot open a writer: {exc}") from exc
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        writer = self._live()
        try:
            if exc_type is None:
                self.commit()
            else:
                self._pending.clear()
                writer.rollback()
        finally:
            # Waiting for merges also drops Tantivy's writer and so releases the lock for the next one.
            self._writer = None
            writer.wait_merging_threads()

    def add(self, doc: IndexDoc) -> None:
        """Add or replace the document with ``doc.doc_id``."""
        _check(doc)
        self._pending.append(doc)
        if len(self._pending) >= self._batch_size:
            self._flush()

    def delete(self, doc_id: int) -> None:
        self._flush()  # a buffered add of the same id must not outlive its delete
        self._live().delete_documents_by_term(s.DOC_ID, _doc_id(doc_id))

    def commit(self) -> None:
        """Make everything added so far visible to searchers (also done on exit)."""
        self._flush()
        self._live().commit()

    def _live(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("IndexWriter used outside its `with` block")
        return self._writer

    def _flush(self) -> None:
        if not self._pending:
            return
        writer = self._live()
        batch, self._pending = self._pending, []
        for doc in _documents(batch, self._analyser):
            # Deleting first makes add an upsert; Tantivy applies a delete only to earlier operations.
            writer.delete_documents_by_term(s.DOC_ID, doc.get_first(s.DOC_ID))
            writer.add_document(doc)


def _doc_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(f"search document id {value!r} is not a non-negative integer")
    return value


def _check(doc: IndexDoc) -> None:
    if not isinstance(doc, IndexDoc):
        raise BadInput(f"search index accepts IndexDoc values, not {type(doc).__name__}")
    _doc_id(doc.doc_id)
    if doc.access not in ACCESS_VALUES:
        raise BadInput(
            f"document {doc.doc_id}: access {doc.access!r} is not one of {', '.join(ACCESS_VALUES)}"
        )


# The analysed texts of a document, in TEXT_FIELDS order.
def _texts(doc: IndexDoc) -> list[str]:
    meta = "\n".join(
        [doc.function, doc.case_file, doc.responsible, doc.channel, doc.registry_name, *doc.file_names]
    )
    return [doc.title, doc.correspondent, doc.series, doc.doc_type, meta, doc.text[:INDEX_TEXT_CHARS]]


def _documents(batch: Sequence[IndexDoc], analyser: Analyser) -> list[tantivy.Document]:
    per_doc = len(s.TEXT_FIELDS)
    texts = [text for doc in batch for text in _texts(doc)]
    streams = analyser.streams(texts)
    return [_document(doc, streams[i * per_doc : (i + 1) * per_doc]) for i, doc in enumerate(batch)]


def _document(doc: IndexDoc, streams: list[tuple[str, str]]) -> tantivy.Document:
    out = tantivy.Document()
    out.add_integer(s.DOC_ID, doc.doc_id)
    out.add_integer(s.REGISTERED, doc.registered.toordinal() if doc.registered else 0)
    out.add_text(s.REGISTRY, keyword(doc.registry))
    out.add_text(s.DOC_TYPE, keyword(doc.doc_type))
    out.add_text(s.ACCESS, doc.access)
    out.add_text(s.REF, " ".join(ref_tokens(doc.reference) + ref_tokens(doc.sender_reference)))
    for field, (exact, lemma) in zip(s.TEXT_FIELDS, streams, strict=True):
        out.add_text(field.exact, exact)
        out.add_text(field.lemma, lemma)
    out.add_bytes(s.TITLE_STORE, doc.title.encode("utf-8", "replace"))
    out.add_bytes(s.TEXT_STORE, doc.text[: s.TEXT_STORE_CHARS].encode("utf-8", "replace"))
    return out


def keyword(value: str) -> str:
    """Filter values (registry, document type) compare trimmed and case-insensitively."""
    return " ".join(value.split()).lower()


def ref_tokens(reference: str) -> list[str]:
    """A reference whole (spaces removed) and its tokens, so "JM 1-2/23" is found by "1-2/23" too."""
    whole = "".join(reference.split()).lower()
    if not whole:
        return []
    tokens = [whole[:MAX_TOKEN_CHARS]]
    for raw in raw_tokens(reference):
        for tok in exact_form(raw).split():
            if tok not in tokens:
                tokens.append(tok)
    return tokens
