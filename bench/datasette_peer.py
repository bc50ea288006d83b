"""The Datasette peer of bench/web_search.py: the same documents in one SQLite table with FTS5.

Datasette is a bench-only requirement (bench/requirements.txt), never a dependency of dokreg. The
table holds what a Datasette user would publish: the metadata columns the query mix filters on and
the body text; the FTS5 index covers title, text, correspondent and reference with SQLite's default
``unicode61`` tokenizer (case- and diacritic-folding, no stemming, no Estonian lemmas).

Datasette's ``_search`` in its default (escaped) mode quotes every word, so FTS5 operators in a
query (OR, NOT, ``-word``, ``prefix*``, ``field:value``) become plain words: that is what a user
of its JSON API gets, so that is what is measured.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

COLUMNS = (
    "id",
    "registry",
    "registry_name",
    "reference",
    "title",
    "doc_type",
    "registered",
    "access",
    "correspondent",
    "series",
    "text",
)
DB_NAME = "peer"  # Datasette names a database after its file's stem: /peer/documents.json
TABLE = "documents"


class PeerDb:
    """Write rows, then ``finish()`` builds the FTS5 index once (faster than triggers row by row)."""

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path)
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(f"{name} TEXT" for name in COLUMNS[1:])
        self._conn.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, {columns})")

    def add(self, rows: list[tuple]) -> None:
        marks = ", ".join("?" for _ in COLUMNS)
        self._conn.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", rows)

    def finish(self) -> None:
        # content="documents": an external-content FTS table, the form Datasette detects by itself.
        self._conn.executescript(
            f"""
            CREATE VIRTUAL TABLE {TABLE}_fts USING fts5(
                title, text, correspondent, reference, content="{TABLE}", content_rowid="id"
            );
            INSERT INTO {TABLE}_fts({TABLE}_fts) VALUES ('rebuild');
            CREATE INDEX {TABLE}_registry ON {TABLE}(registry);
            CREATE INDEX {TABLE}_doc_type ON {TABLE}(doc_type);
            CREATE INDEX {TABLE}_registered ON {TABLE}(registered);
            CREATE INDEX {TABLE}_access ON {TABLE}(access);
            """
        )
        self._conn.commit()
        self._conn.execute("VACUUM")
        self._conn.close()


def peer_row(doc) -> tuple:
    """An IndexDoc as a row of the peer table (the same values dokreg's index gets)."""
    return (
        doc.doc_id,
        doc.registry,
        doc.registry_name,
        doc.reference,
        doc.title,
        doc.doc_type,
        doc.registered.isoformat() if doc.registered else None,
        doc.access,
        doc.correspondent,
        doc.series,
        doc.text,
    )


def peer_path(query, *, facets: bool = False, size: int = 20) -> str:
    """The Datasette JSON URL for one query of bench/queries.txt: words to ``_search``, filters to columns."""
    f = query.filters
    params: list[tuple[str, str]] = []
    if query.text:
        params.append(("_search", query.text))
    if f.registries:
        params.append(("registry__in", ",".join(f.registries)))
    if f.date_from:
        params.append(("registered__gte", f.date_from.isoformat()))
    if f.date_to:
        params.append(("registered__lte", f.date_to.isoformat()))
    if f.doc_types:
        params.append(("doc_type__in", ",".join(f.doc_types)))
    if f.access:
        params.append(("access__in", ",".join(f.access)))
    if query.sort == "date" or not query.text:
        params.append(("_sort_desc", "registered"))
    params.append(("_size", str(size)))
    if facets:
        params += [("_facet", "registry"), ("_facet", "doc_type")]
    return f"/{DB_NAME}/{TABLE}.json?{urlencode(params)}"


def datasette_start(db_path: Path, port: int) -> subprocess.Popen:
    """``datasette serve`` on 127.0.0.1 in its own process group (so the bench can stop all of it).

    Settings changed from the defaults, so every answer is complete like dokreg's: the SQL and facet
    time limits raised to 5 s (defaults 1 s and 0.2 s would drop counts and facets under load), and
    facet suggestions off (dokreg suggests none). Immutable: the file is read-only during the run.
    """
    datasette = Path(os.environ.get("BENCH_DATASETTE") or Path(sys.executable).with_name("datasette"))
    command = [str(datasette)] if datasette.exists() else [sys.executable, "-m", "datasette"]
    command += [
        "serve",
        "--immutable",
        str(db_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "facet_time_limit_ms",
        "5000",
        "--setting",
        "suggest_facets",
        "off",
    ]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )


def datasette_available() -> bool:
    """Datasette in this Python, or its executable in another environment (``BENCH_DATASETTE``)."""
    if os.environ.get("BENCH_DATASETTE") and Path(os.environ["BENCH_DATASETTE"]).exists():
        return True
    try:
        import datasette  # noqa: F401
    except ImportError:
        return False
    return True
