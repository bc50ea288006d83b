"""Archives built by `dokreg` child processes (the kill and worker tests): a database of their own, and
the environment the children run with."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ON_POSTGRES = os.environ.get("DOKREG_TEST_ON_POSTGRES") == "1" and bool(
    os.environ.get("DOKREG_TEST_DATABASE_URL")
)


@contextmanager
def database(tmp_path: Path, name: str) -> Iterator[dict[str, str]]:
    """Environment for one archive: SQLite in its own folder, or a fresh PostgreSQL database dropped after."""
    env = {"DOKREG_DATA_DIR": str(tmp_path / name)}
    if not ON_POSTGRES:
        yield env
        return
    import psycopg

    test_url = os.environ["DOKREG_TEST_DATABASE_URL"]
    db = f"dokreg_children_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield env | {"DATABASE_URL": test_url.rsplit("/", 1)[0] + "/" + db}
    finally:
        with psycopg.connect(test_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def child_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    """This process's environment without its database choice, requests unthrottled, then ``extra``
    and the archive's ``env`` (from ``database``)."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOKREG_TEST_ON_POSTGRES"}}
    return base | {"DOKREG_REQUEST_INTERVAL": "0", **extra} | env
