"""The one index writer. Tantivy allows a single writer per index, across processes.

Documents are buffered and analysed in batches (one Vabamorf call for all unknown word forms of
the batch); the writer commits on exit, or when the caller calls ``commit()`` between batches.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from pathlib import Path
from types import TracebackType

import tantivy

from dokreg.errors import BadInput
from dokreg.privacy.personal_codes import contains_personal_code, mask_personal_codes
from dokreg.search import schema as s
from dokreg.search.analyser import MAX_TOKEN_CHARS, Analyser, default_analyser, exact_form, raw_tokens
from dokreg.search.errors import IndexBroken, IndexBusy
from dokreg.search.shards import shard_of
from dokreg.search.types import ACCESS_VALUES, FileText, IndexDoc

DEFAULT_BATCH = 500
HEAP_BYTES = 256_000_000
# Tantivy wants at least 15 MB per indexing thread; a shard's writer has up to two threads here.
MIN_SHARD_HEAP_BYTES = 40_000_000
# Text beyond this is not indexed: a runaway extraction must not hold the writer's memory hostage.
INDEX_TEXT_CHARS = 2_000_000


class IndexWriter:
    """Context manager around Tantivy's writers: ``add`` upserts by doc_id, ``delete`` removes.

    Creates the index when missing, in ``shards`` shards (default: DOKREG_INDEX_SHARDS; see
    ``shards``); raises IndexOutdated for an index of another schema version or number of shards,
    and IndexBusy while another process holds the writer. ``shard=i`` writes that shard alone (a
    rebuild in one process per shard, ``pipeline.indexing``): a document of another shard is refused.
    """

    def __init__(
        self,
        index_dir: Path | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
        analyser: Analyser | None = None,
        shards: int | None = None,
        shard: int | None = None,
    ) -> None:
        self.index_dir = s.resolve_dir(index_dir)
        self._batch_size = max(1, batch_size)
        self._analyser = analyser or default_analyser()
        self._shards = shards or s.configured_shards()
        self._only = shard
        self._pending: list[IndexDoc] = []
        self._writers: list[tantivy.IndexWriter] = []
        # Per writer: every document of its shard has an id at most this, or None when unknown.
        self._highest: list[int | None] = []

    def __enter__(self) -> IndexWriter:
        indexes = s.open_shards(self.index_dir, create=self._shards)
        assert indexes is not None
        if self._only is not None:
            if not 0 <= self._only < len(indexes):
                raise BadInput(
                    f"search index {self.index_dir} has {len(indexes)} shard(s), no shard {self._only}"
                )
            indexes = [indexes[self._only]]
        # The heap is shared out, so a sharded index holds no more memory while it is written.
        heap = max(HEAP_BYTES // self._shards, MIN_SHARD_HEAP_BYTES)
        try:
            for index in indexes:
                self._writers.append(index.writer(heap_size=heap))
                self._highest.append(_highest_if_empty(index))
        except ValueError as exc:
            self._release()
            if "lock" in str(exc).lower():
                raise IndexBusy(f"search index {self.index_dir} is being written by another process") from exc
            raise IndexBroken(f"search index {self.index_dir}: cannot open a writer: {exc}") from exc
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        writers = self._live()
        try:
            if exc_type is None:
                self.commit()
            else:
                self._pending.clear()
                for writer in writers:
                    writer.rollback()
        finally:
            self._release()

    def _release(self) -> None:
        # Waiting for merges also drops Tantivy's writer and so releases the lock for the next one.
        writers, self._writers, self._highest = self._writers, [], []
        for writer in writers:
            writer.wait_merging_threads()

    def add(self, doc: IndexDoc) -> None:
        """Add or replace the document with ``doc.doc_id``; personal codes in any text are masked."""
        _check(doc)
        self._pending.append(without_personal_codes(doc))
        if len(self._pending) >= self._batch_size:
            self._flush()

    def delete(self, doc_id: int) -> None:
        self._flush()  # a buffered add of the same id must not outlive its delete
        self._shard_writer(_doc_id(doc_id)).delete_documents_by_term(s.DOC_ID, doc_id)

    def commit(self) -> None:
        """Make everything added so far visible to searchers (also done on exit).

        Shards commit one after the other, so a search in between may see one shard's new documents
        and not yet another's: never a document twice, as each lives in one shard.
        """
        self._flush()
        for writer in self._live():
            writer.commit()

    def _live(self) -> list[tantivy.IndexWriter]:
        if not self._writers:
            raise RuntimeError("IndexWriter used outside its `with` block")
        return self._writers

    def _shard_writer(self, doc_id: int) -> tantivy.IndexWriter:
        return self._live()[self._writer_of(doc_id)]

    def _writer_of(self, doc_id: int) -> int:
        shard = shard_of(doc_id, self._shards)
        if self._only is None:
            return shard
        if shard != self._only:
            raise BadInput(f"document {doc_id} lives in shard {shard}; this writer writes shard {self._only}")
        return 0

    def _flush(self) -> None:
        if not self._pending:
            return
        self._live()
        batch, self._pending = self._pending, []
        for item, doc in zip(batch, _documents(batch, self._analyser), strict=True):
            self._upsert(item.doc_id, doc)

    def _upsert(self, doc_id: int, doc: tantivy.Document) -> None:
        i = self._writer_of(doc_id)
        writer, highest = self._writers[i], self._highest[i]
        if highest is None or doc_id <= highest:
            # Deleting first makes add an upsert; Tantivy applies a delete only to earlier operations.
            writer.delete_documents_by_term(s.DOC_ID, doc_id)
        else:
            self._highest[i] = doc_id  # above every id in the shard: nothing to replace
        writer.add_document(doc)


def _highest_if_empty(index: tantivy.Index) -> int | None:
    """-1 for a shard empty at its last commit, else None (unknown).

    An empty shard holds only what this writer adds, and a rebuild adds in ascending id order, so
    an add above every id added so far needs no delete before it (``_upsert``): a tenth of the
    writer's own work. Read after taking the writer, so no other process commits in between.
    """
    index.reload()
    return -1 if index.searcher().num_docs == 0 else None


def _doc_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(f"search document id {value!r} is not a non-negative integer")
    return value


def without_personal_codes(doc: IndexDoc) -> IndexDoc:
    """``doc`` with every personal code masked in every text it carries.

    Done here, at the one door into the index, so no caller can put a code where a search finds it.
    Nearly every document holds none: one scan of all its texts joined says so, and it is kept as is
    (a code never spans two of them: "\n" ends a run of digits).
    """
    if not contains_personal_code("\n".join(_strings(doc))):
        return doc
    changes: dict[str, object] = {}
    for field in dataclasses.fields(doc):
        value = getattr(doc, field.name)
        if isinstance(value, str):
            changes[field.name] = mask_personal_codes(value)
        elif isinstance(value, tuple) and field.name == "files":
            changes[field.name] = tuple(_file_without_codes(f) for f in value)
        elif isinstance(value, tuple):
            changes[field.name] = tuple(mask_personal_codes(v) if isinstance(v, str) else v for v in value)
    return dataclasses.replace(doc, **changes)


_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(IndexDoc)))


def _strings(doc: IndexDoc) -> list[str]:
    """Every text ``doc`` carries that ``without_personal_codes`` masks."""
    values = _FIELDS(doc)
    out = [value for value in values if isinstance(value, str)]
    for value in values:
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, FileText):
                    out.append(item.name)
                    out.extend(text for _, text in item.pages)
    return out


def _file_without_codes(f: FileText) -> FileText:
    pages = tuple((page, mask_personal_codes(text)) for page, text in f.pages)
    return FileText(name=mask_personal_codes(f.name), pages=pages)


def _check(doc: IndexDoc) -> None:
    if not isinstance(doc, IndexDoc):
        raise BadInput(f"search index accepts IndexDoc values, not {type(doc).__name__}")
    _doc_id(doc.doc_id)
    if doc.access not in ACCESS_VALUES:
        raise BadInput(
            f"document {doc.doc_id}: access {doc.access!r} is not one of {', '.join(ACCESS_VALUES)}"
        )


PAGE_GAP = "\n\n"


def body_text(doc: IndexDoc) -> tuple[str, list[tuple[int, str, int | None]]]:
    """The document's searchable text and where each file page starts in it: (offset, file, page).

    Stored beside the text (a few bytes a page) so a snippet's offset names its file and page
    without a second lookup; the text before the first file (``doc.text``) has the file name "".
    """
    parts: list[str] = []
    where: list[tuple[int, str, int | None]] = []
    offset = 0
    segments = [("", None, doc.text)] if doc.text else []
    segments += [(f.name, number, text) for f in doc.files for number, text in f.pages if text]
    for name, page, text in segments:
        if parts:
            offset += len(PAGE_GAP)
        where.append((offset, name, page))
        parts.append(text)
        offset += len(text)
    return PAGE_GAP.join(parts), where


def _reader(names: list[str]) -> Callable[[IndexDoc], list[str]]:
    """The values of ``names`` of a document, as a list: one attrgetter call, made once per field."""
    if not names:
        return lambda doc: []
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda doc: [one(doc)]
    many = attrgetter(*names)
    return lambda doc: list(many(doc))


# Per analysed field but the body, in TEXT_FIELDS order: a reader of the table's columns whose words
# it holds (``text=`` in dokreg.fields).
_TEXT_READERS = tuple(
    _reader([column for column, name in s.TEXT_COLUMNS if name == field.name])
    for field in s.TEXT_FIELDS
    if field is not s.BODY
)
_META = s.TEXT_FIELDS.index(s.META)
assert s.TEXT_FIELDS[-1] is s.BODY, "_texts appends the body last"


# The analysed texts of a document, in TEXT_FIELDS order.
def _texts(doc: IndexDoc, body: str) -> list[str]:
    texts = ["\n".join(read(doc)) for read in _TEXT_READERS]
    # The body's name and the file names are words of the meta field too: not columns of the table.
    names = [*doc.file_names, *(f.name for f in doc.files if f.name not in doc.file_names)]
    texts[_META] = "\n".join([texts[_META], doc.registry_name, *names])
    texts.append(body[:INDEX_TEXT_CHARS])
    return texts


def _documents(batch: Sequence[IndexDoc], analyser: Analyser) -> Iterator[tantivy.Document]:
    """The batch's Tantivy documents, analysed together and built one at a time: a batch of them
    held at once cost more to allocate and free than building them."""
    per_doc = len(s.TEXT_FIELDS)
    bodies = [body_text(doc) for doc in batch]
    texts = [text for doc, (body, _) in zip(batch, bodies, strict=True) for text in _texts(doc, body)]
    streams = analyser.field_streams(texts)
    for i, doc in enumerate(batch):
        yield _document(doc, *bodies[i], streams[i * per_doc : (i + 1) * per_doc])


def _document(
    doc: IndexDoc, body: str, where: list[tuple[int, str, int | None]], streams: list[tuple[str, str]]
) -> tantivy.Document:
    out = tantivy.Document()
    out.add_integer(s.DOC_ID, doc.doc_id)
    out.add_integer(s.REGISTERED, doc.registered.toordinal() if doc.registered else 0)
    out.add_integer(s.YEAR, doc.registered.year if doc.registered else 0)
    out.add_text(s.REGISTRY, _keyword(doc.registry))
    if doc.doc_type.strip():
        out.add_text(s.DOC_TYPE_FACET, tidy(doc.doc_type))
    out.add_text(s.ACCESS, doc.access)
    _add_filters(out, doc)
    out.add_text(s.REF, " ".join(ref_tokens(doc.reference) + ref_tokens(doc.sender_reference)))
    for field, (exact, lemma, part) in zip(s.TEXT_FIELDS, streams, strict=True):
        out.add_text(field.exact, exact)
        out.add_text(field.lemma, lemma)
        if part and field.has_parts:
            out.add_text(field.part, part)
    out.add_bytes(s.TITLE_STORE, doc.title.encode("utf-8", "replace"))
    out.add_bytes(s.TEXT_STORE, body[: s.TEXT_STORE_CHARS].encode("utf-8", "replace"))
    stored = [w for w in where if w[0] < s.TEXT_STORE_CHARS]
    out.add_bytes(s.TEXT_MAP, _MAP_JSON(stored).encode("utf-8"))
    return out


# One encoder: json.dumps with an option builds a new one per call.
_MAP_JSON = json.JSONEncoder(ensure_ascii=False).encode


# The table's keyword fields (dokreg.fields ``keyword=``) and a reader of their columns, in schema order.
_KEYWORD_NAMES = tuple(name for _, name in s.KEYWORD_COLUMNS)
_KEYWORD_READER = _reader([column for column, _ in s.KEYWORD_COLUMNS])


def _add_filters(out: tantivy.Document, doc: IndexDoc) -> None:
    for name, value in zip(_KEYWORD_NAMES, _KEYWORD_READER(doc), strict=True):
        if value.strip():
            out.add_text(name, _keyword(value))
    if doc.series.strip():
        out.add_text(s.SERIES_FACET, tidy(doc.series))
    for level in sorted({level for basis in doc.restriction_bases for level in basis_levels(basis)}):
        out.add_text(s.RESTRICTION, level)
    for kind in sorted({keyword(k) for k in doc.file_kinds if k.strip()}):
        out.add_text(s.FILE_KIND, kind)
    out.add_integer(s.HAS_FILES, int(bool(doc.file_names or doc.files or doc.file_kinds)))
    out.add_integer(s.RESTRICTION_ENDS, doc.restriction_ends.toordinal() if doc.restriction_ends else 0)


# Filter values repeat from document to document (a register, a type, a series): spelled once each.
_KEYWORDS: dict[str, str] = {}
_KEYWORDS_KEPT = 50_000


def _keyword(value: str) -> str:
    spelled = _KEYWORDS.get(value)
    if spelled is None:
        if len(_KEYWORDS) >= _KEYWORDS_KEPT:
            _KEYWORDS.clear()
        spelled = _KEYWORDS[value] = keyword(value)
    return spelled


def tidy(value: str) -> str:
    """A facet value as written, with whitespace runs made one space."""
    return " ".join(value.split())


def keyword(value: str) -> str:
    """Filter values (registry, document type) compare trimmed and case-insensitively."""
    return " ".join(value.split()).lower()


_SECTION = re.compile(r"§\s*")
_LEVEL_WORDS = ("§", "lg", "p")


def basis_key(citation: str) -> str:
    """ "AvTS §35 lg 1 p 2" → "avts § 35 lg 1 p 2": one spelling for index and filter."""
    return keyword(_SECTION.sub("§ ", citation))


def basis_levels(citation: str) -> list[str]:
    """A citation and every shorter one above it: "avts", "avts § 35", "avts § 35 lg 1", …

    Indexing every level lets a filter on "AvTS § 35" find all its subsections with one term.
    """
    tokens = basis_key(citation).split()
    levels = [" ".join(tokens[:i]) for i, tok in enumerate(tokens) if i and tok in _LEVEL_WORDS]
    return [level for level in (*levels, " ".join(tokens)) if level]


def ref_tokens(reference: str) -> list[str]:
    """A reference whole (spaces removed) and its tokens, so "JM 1-2/23" is found by "1-2/23" too,
    and each token's matter roots and tails (``ref_parts``), so "4-2/3259" and "3259-1" find "4-2/3259-1"."""
    whole = "".join(reference.split()).lower()
    if not whole:
        return []
    tokens = [whole[:MAX_TOKEN_CHARS]]
    for raw in raw_tokens(reference):
        for tok in exact_form(raw).split():
            for part in (tok, *ref_parts(tok)):
                if part not in tokens:
                    tokens.append(part)
    return tokens


_REF_CUT = re.compile(r"[-/]")
_DIGIT = re.compile(r"\d")


def ref_parts(token: str) -> list[str]:
    """The shorter references a reference stands under, people type them from a matter page or a letter:

    "5.1-2/2090-3" → the matter root "5.1-2/2090" (every prefix cut at a "-" or "/" after the first
    "/"), and the tails after the "/": "2090-3" and "2090". A token without "/" has none: "3.1" and
    "2025-01" are dates and numbers, not references.
    """
    slash = token.find("/")
    if slash <= 0 or slash == len(token) - 1:
        return []
    parts = [token[: m.start()] for m in _REF_CUT.finditer(token, slash + 1)]
    tail = token[slash + 1 :]
    parts.append(tail)
    parts.extend(tail[: m.start()] for m in _REF_CUT.finditer(tail))
    return [p for p in parts if p and _has_digit(p)]


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None
