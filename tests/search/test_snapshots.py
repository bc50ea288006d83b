"""Index snapshots through a real S3 server (SeaweedFS): the indexer publishes, a web host pulls."""

from __future__ import annotations

from datetime import date

import pytest

from dokreg.archive.objectstore import StoreUnavailable
from dokreg.cli import main
from dokreg.search import IndexDoc, IndexOutdated, IndexWriter, search
from dokreg.search.snapshots import CURRENT, MANIFESTS, SEGMENTS, snapshot_publish, snapshot_pull

# Each test runs on an index in one shard and in two (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("index_shards")


def doc(doc_id: int, title: str) -> IndexDoc:
    return IndexDoc(
        doc_id=doc_id,
        registry="som",
        registry_name="Siseministeerium",
        reference=f"1-2/{doc_id}",
        title=title,
        doc_type="Kiri",
        registered=date(2025, 3, 1),
        access="public",
    )


@pytest.fixture
def snapshots(s3_server, settings, monkeypatch, tmp_path):
    """Snapshot store in a folder of its own; the indexer writes settings.INDEX_DIR, the reader pulls to reader/."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    prefix = s3_server.place()
    settings.INDEX_SNAPSHOTS_URL = s3_server.url(prefix)
    return prefix, tmp_path / "reader"


def found(query: str, index_dir) -> set[int]:
    return {hit.doc_id for hit in search(query, index_dir=index_dir, limit=100).hits}


def test_a_reader_sees_what_the_indexer_published_and_only_new_files_travel(snapshots, s3_server):
    prefix, reader = snapshots
    with IndexWriter() as writer:
        writer.add(doc(1, "Pöördumine ministeeriumile"))
        writer.add(doc(2, "Teabenõue koopia saamiseks"))
    first = snapshot_publish()
    assert snapshot_pull(index_dir=reader).generation == first.generation == 1
    assert found("pöördumine", reader) == {1} and found("teabenõue", reader) == {2}

    with IndexWriter() as writer:
        writer.add(doc(3, "Pöördumine uuesti"))
        writer.delete(2)
    second = snapshot_publish()
    assert second.generation == 2
    assert 0 < second.moved < second.files  # the first commit's segment did not travel again
    pulled = snapshot_pull(index_dir=reader)
    assert 0 < pulled.moved < pulled.files
    assert found("pöördumine", reader) == {1, 3} and found("teabenõue", reader) == set()

    # Nothing new: nothing moves, the generation stays.
    assert snapshot_publish().moved == 0 and snapshot_pull(index_dir=reader).moved == 0
    assert snapshot_publish().generation == 2
    keys = s3_server.keys(prefix)
    assert prefix + CURRENT in keys and len([k for k in keys if k.startswith(prefix + MANIFESTS)]) == 2


def test_a_pull_cut_short_leaves_the_reader_on_the_snapshot_before(snapshots, s3_server):
    prefix, reader = snapshots
    with IndexWriter() as writer:
        writer.add(doc(1, "Pöördumine ministeeriumile"))
    snapshot_publish()
    snapshot_pull(index_dir=reader)
    before = set(s3_server.keys(prefix))
    with IndexWriter() as writer:
        writer.add(doc(2, "Pöördumine teist korda"))
    snapshot_publish()
    # One of the new snapshot's files is lost in the store: the pull fails before it swaps anything in.
    new_file = sorted(set(s3_server.keys(prefix + SEGMENTS)) - before)[0]
    s3_server.delete(new_file)

    with pytest.raises(StoreUnavailable, match="cannot read"):
        snapshot_pull(index_dir=reader)
    assert found("pöördumine", reader) == {1}  # the old snapshot, whole


def test_old_snapshots_files_are_removed_from_the_store_past_three_generations(snapshots, s3_server):
    import json

    prefix, _ = snapshots
    for n in range(1, 7):
        with IndexWriter() as writer:
            writer.add(doc(n, f"Dokument number {n}"))
            if n > 1:
                writer.delete(n - 1)
        snapshot_publish()
    client = s3_server.client()
    manifests = s3_server.keys(prefix + MANIFESTS)
    assert len(manifests) == 3
    named = {
        prefix + SEGMENTS + name.rpartition("/")[2]  # a sharded index names the shard's folder too
        for key in manifests
        for name in json.loads(client.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read())["files"]
    }
    assert set(s3_server.keys(prefix + SEGMENTS)) == named


def test_a_reader_of_another_schema_version_refuses_the_snapshot(snapshots, settings, monkeypatch):
    _, reader = snapshots
    with IndexWriter() as writer:
        writer.add(doc(1, "Pöördumine"))
    snapshot_publish()
    monkeypatch.setattr("dokreg.search.schema.SCHEMA_VERSION", 99)
    with pytest.raises(IndexOutdated, match="same dokreg version"):
        snapshot_pull(index_dir=reader)
    assert not (reader / "meta.json").exists()


def test_the_index_commands_publish_and_pull(snapshots, settings, capsys):
    _, reader = snapshots
    with pytest.raises(SystemExit) as nothing:
        main(["index", "pull"])
    assert nothing.value.code == 0 and "nothing published yet" in capsys.readouterr().out
    with IndexWriter() as writer:
        writer.add(doc(1, "Pöördumine"))
    with pytest.raises(SystemExit):
        main(["index", "publish"])
    assert "generation 1" in capsys.readouterr().out
    settings.INDEX_DIR = reader
    with pytest.raises(SystemExit):
        main(["index", "pull"])
    assert "generation 1" in capsys.readouterr().out and found("pöördumine", reader) == {1}


def test_publishing_without_a_store_says_what_to_set(settings, capsys):
    settings.INDEX_SNAPSHOTS_URL = ""
    with pytest.raises(SystemExit) as done:
        main(["index", "publish"])
    assert done.value.code == 2 and "DOKREG_INDEX_SNAPSHOTS" in capsys.readouterr().err
