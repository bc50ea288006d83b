"""The index schema, its version, and opening the index directory.

The index is derived from the database and rebuildable, so the schema has a version number stored
beside the index (``SCHEMA_VERSION`` file). Changing analysis, boosts or this module's own fields
means bumping ``SCHEMA_VERSION``; an index with another version is never opened: readers and the
writer raise ``IndexOutdated`` ("run dokreg reindex"), and the rebuild calls ``index_clear()`` then
writes anew. Fields that come from the field table (``dokreg.fields``) need no bump: an index whose
fields differ from this schema's (a field added to the table since it was built) is outdated too,
so adding a field there rebuilds the index by itself.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import tantivy

from dokreg.errors import BadInput
from dokreg.fields import DOCUMENT_FIELDS
from dokreg.search.errors import IndexBroken, IndexOutdated
from dokreg.search.shards import MAX_SHARDS

# 2: filter and facet fields, file/page map of the body text
# 3: compound-part streams (*_part), reference roots and tails in REF
SCHEMA_VERSION = 3
VERSION_FILE = "SCHEMA_VERSION"


@dataclass(frozen=True)
class TextField:
    """An analysed field: the exact stream (phrases, diacritics kept), the lemma stream and the
    compound-part stream (boosted lowest: a part of a compound ranks below the word itself)."""

    name: str
    exact_boost: float
    lemma_boost: float
    has_parts: bool = True

    @property
    def part_boost(self) -> float:
        return self.lemma_boost * PART_WEIGHT

    @property
    def part(self) -> str:
        return f"{self.name}_part"

    @property
    def exact(self) -> str:
        return f"{self.name}_exact"

    @property
    def lemma(self) -> str:
        return f"{self.name}_lemma"


# Exact surface matches outrank lemma and folded matches, which outrank compound parts;
# titles and parties outrank body text.
PART_WEIGHT = 0.4
TITLE = TextField("title", 5.0, 2.5)
PARTY = TextField("party", 3.0, 1.5)
SERIES = TextField("series", 1.5, 0.75)
# No parts for these: every document of a ministry's register would match "ministeerium".
DOCTYPE = TextField("type", 1.5, 0.75, has_parts=False)
META = TextField("meta", 1.5, 0.75, has_parts=False)  # the table's meta fields, the body's name, files
BODY = TextField("body", 1.0, 0.5)
TEXT_FIELDS = (TITLE, PARTY, SERIES, DOCTYPE, META, BODY)

REF = "ref"  # reference and sender reference, whole tokens
REF_BOOST = 10.0
DOC_ID = "doc_id"
REGISTERED = "registered"  # proleptic ordinal day (date.toordinal()); 0 when the date is unknown
REGISTRY = "registry"
ACCESS = "access"
# Filter keys: keyword() values, raw tokens; several values per document where noted.
RESTRICTION = "restriction"  # several: each citation at every depth ("avts", "avts § 35", …)
FILE_KIND = "file_kind"  # several
HAS_FILES = "has_files"  # 1 or 0
RESTRICTION_ENDS = "restriction_ends"  # ordinal day, 0 when none
# The index fields above that the writer fills by its own rules: dates as days, references as tokens
# of two columns, access and the body as facets, restriction bases from their normalised rows, the
# files from the files. Every other ``keyword=`` of the field table is a raw keyword field filled
# with its column's value as ``writer.keyword()`` spells it: one entry in the table makes one here.
OWN_KEYWORDS = frozenset(
    {REF, REGISTERED, REGISTRY, ACCESS, RESTRICTION, RESTRICTION_ENDS, HAS_FILES, FILE_KIND}
)
# (document column, keyword field) in the table's order, which is also the schema's (it must stay
# so: a field's place in the schema is part of the index format).
KEYWORD_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f.name, f.keyword) for f in DOCUMENT_FIELDS if f.keyword and f.keyword not in OWN_KEYWORDS
)
KEYWORDS: tuple[str, ...] = tuple(dict.fromkeys(field for _, field in KEYWORD_COLUMNS))
CORRESPONDENT = "correspondent"  # the table's; its filter matches a party's words too (``filters``)
# (document column, analysed field name) of the table's columns whose words are searched.
TEXT_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f.name, f.text) for f in DOCUMENT_FIELDS if f.text and not f.derived
)
# Facet columns (fast fields): values as written (whitespace tidied), so a facet can show them;
# counts are merged case-insensitively in Python so they equal what the keyword filter finds.
YEAR = "year"  # 0 when undated
DOC_TYPE_FACET = "doc_type_facet"
SERIES_FACET = "series_facet"
TITLE_STORE = "title_store"
TEXT_STORE = "text_store"
# JSON [[offset, file name, page], …]: where each file's page starts in the stored text.
TEXT_MAP = "text_map"
# Snippets are cut from the stored text; beyond this the index would grow for little use.
TEXT_STORE_CHARS = 100_000


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # i64, not u64: the binding turns a Python int into an i64 term, so deletes by term need i64.
    builder.add_integer_field(DOC_ID, stored=True, indexed=True, fast=True)
    builder.add_integer_field(REGISTERED, stored=False, indexed=True, fast=True)
    builder.add_integer_field(RESTRICTION_ENDS, stored=False, indexed=True, fast=True)
    builder.add_integer_field(HAS_FILES, stored=False, indexed=True, fast=False)
    builder.add_integer_field(YEAR, stored=False, indexed=False, fast=True)
    # registry and access are facets as well as filters: their values are slugs and enum values.
    for name in (REGISTRY, ACCESS):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in (*KEYWORDS, RESTRICTION, FILE_KIND):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in (DOC_TYPE_FACET, SERIES_FACET):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(REF, tokenizer_name="whitespace", index_option="basic")
    for field in TEXT_FIELDS:
        builder.add_text_field(field.exact, tokenizer_name="whitespace", index_option="position")
        builder.add_text_field(field.lemma, tokenizer_name="whitespace", index_option="freq")
        if field.has_parts:
            builder.add_text_field(field.part, tokenizer_name="whitespace", index_option="freq")
    # Stored as bytes so they are not indexed a second time.
    builder.add_bytes_field(TITLE_STORE, stored=True)
    builder.add_bytes_field(TEXT_STORE, stored=True)
    builder.add_bytes_field(TEXT_MAP, stored=True)
    return builder.build()


SCHEMA = build_schema()


def resolve_dir(index_dir: Path | None) -> Path:
    if index_dir is not None:
        return Path(index_dir)
    from django.conf import settings

    return Path(settings.INDEX_DIR)


def stored_version(index_dir: Path) -> int | None:
    """The schema version written beside the index, or None when there is none."""
    try:
        text = (index_dir / VERSION_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexBroken(f"search index {index_dir}: cannot read {VERSION_FILE}: {exc}") from exc
    return int(text) if text.isdigit() else -1


SHARDS_FILE = "SHARDS"


def stored_shards(index_dir: Path) -> int:
    """How many shards the index at ``index_dir`` is in (see ``shards``): 1 without a SHARDS_FILE."""
    try:
        text = (index_dir / SHARDS_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexBroken(f"search index {index_dir}: cannot read {SHARDS_FILE}: {exc}") from exc
    if not text.isdigit() or not 1 <= int(text) <= MAX_SHARDS:
        raise IndexBroken(
            f"search index {index_dir}: {SHARDS_FILE} says {text[:20]!r}, not 1 to {MAX_SHARDS}"
        )
    return int(text)


def shard_dirs(index_dir: Path, shards: int | None = None) -> list[Path]:
    """The Tantivy index folder of every shard, in shard order (the folder itself when unsharded)."""
    n = stored_shards(index_dir) if shards is None else shards
    return [index_dir] if n == 1 else [index_dir / f"shard-{i}" for i in range(n)]


def configured_shards() -> int:
    """The shards a new index is written in: ``DOKREG_INDEX_SHARDS`` (settings.INDEX_SHARDS)."""
    from django.conf import settings

    return settings.INDEX_SHARDS


def index_exists(index_dir: Path) -> bool:
    return all((path / "meta.json").is_file() for path in shard_dirs(index_dir))


def index_outdated(index_dir: Path | None = None, *, shards: int | None = None) -> bool:
    """True when an index exists at ``index_dir`` with another schema version, other fields or
    another number of shards than ``shards`` (default: the configured number): it must be rebuilt."""
    path = resolve_dir(index_dir)
    if not index_exists(path):
        return False
    if stored_shards(path) != (shards or configured_shards()):
        return True
    try:
        for shard in shard_dirs(path):
            open_index(shard, create=False)
    except IndexOutdated:
        return True
    return False


def open_shards(index_dir: Path, *, create: int | None = None) -> list[tantivy.Index] | None:
    """Every shard of the index at ``index_dir``, opened; None when there is none yet.

    ``create=n`` makes an index of n shards when there is none, and raises IndexOutdated when the
    index there is in another number of shards.
    """
    if not index_exists(index_dir):
        if not create:
            return None
        return _create_shards(index_dir, create)
    found = stored_shards(index_dir)
    if create and found != create:
        raise IndexOutdated(
            f"search index {index_dir} is in {found} shard(s), DOKREG_INDEX_SHARDS asks for {create}: "
            "run dokreg reindex"
        )
    indexes = [open_index(shard, create=False) for shard in shard_dirs(index_dir, found)]
    return None if any(index is None for index in indexes) else indexes  # type: ignore[return-value]


def _create_shards(index_dir: Path, shards: int) -> list[tantivy.Index]:
    if not 1 <= shards <= MAX_SHARDS:
        raise BadInput(f"an index is in 1 to {MAX_SHARDS} shards, not {shards}")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        # The layout first, then each shard: a crash between them leaves no meta.json in the last
        # shard, so the index does not exist and is made afresh.
        if shards > 1:
            tmp = index_dir / f".{SHARDS_FILE}.tmp"
            tmp.write_text(f"{shards}\n", encoding="ascii")
            os.replace(tmp, index_dir / SHARDS_FILE)
        else:
            (index_dir / SHARDS_FILE).unlink(missing_ok=True)
    except OSError as exc:
        raise IndexBroken(f"search index {index_dir} cannot be created: {exc}") from exc
    return [open_index(shard, create=True) for shard in shard_dirs(index_dir, shards)]  # type: ignore[misc]


def open_index(index_dir: Path, *, create: bool) -> tantivy.Index | None:
    """Open the index at ``index_dir``; create it when missing and ``create``; else None when missing.

    Raises IndexOutdated when the index was built with another schema version.
    """
    if not index_exists(index_dir):
        if not create:
            return None
        return _create(index_dir)
    version = stored_version(index_dir)
    if version != SCHEMA_VERSION:
        found = "no version" if version is None else f"version {version}"
        raise IndexOutdated(
            f"search index {index_dir} has schema {found}, this dokreg needs version {SCHEMA_VERSION}: "
            "run dokreg reindex"
        )
    try:
        return tantivy.Index(SCHEMA, path=str(index_dir), reuse=True)
    except (OSError, ValueError) as exc:
        if "schema does not match" in str(exc):
            raise IndexOutdated(
                f"search index {index_dir} was built with other fields than this dokreg's: run dokreg reindex"
            ) from exc
        raise IndexBroken(f"search index {index_dir} cannot be opened: {exc}") from exc


def _create(index_dir: Path) -> tantivy.Index:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        # The version first: a crash before meta.json exists leaves a directory that is simply recreated.
        tmp = index_dir / f".{VERSION_FILE}.tmp"
        tmp.write_text(f"{SCHEMA_VERSION}\n", encoding="ascii")
        os.replace(tmp, index_dir / VERSION_FILE)
        index = tantivy.Index(SCHEMA, path=str(index_dir), reuse=False)
    except (OSError, ValueError) as exc:
        raise IndexBroken(f"search index {index_dir} cannot be created: {exc}") from exc
    return index


def index_clear(index_dir: Path | None = None) -> None:
    """Remove the index (for rebuilds); the next IndexWriter creates it empty with the current schema."""
    path = resolve_dir(index_dir)
    if not path.exists():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
