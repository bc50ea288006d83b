"""Files in an S3-compatible object store (DOKREG_FILE_STORE=s3://…), against a real SeaweedFS server."""

from __future__ import annotations

import hashlib

import pytest
from tests.public.factories import make_document, make_file, make_registry

from dokreg.archive.models import Blob
from dokreg.archive.objectstore import StoreUnavailable, location_parse, store_at
from dokreg.archive.storage import blob_delete_unused, blob_exists, blob_path, blob_put, blob_read
from dokreg.errors import BadInput
from dokreg.privacy.personal_codes import check_digit

pytestmark = pytest.mark.django_db

BORN = "4920229123"
CODE = BORN + str(check_digit(BORN))


def test_a_blob_goes_to_the_bucket_once_under_its_sha256(s3_server, s3_file_store, settings):
    data = "Pöördumine ministrile".encode() * 100
    sha = hashlib.sha256(data).hexdigest()

    first, again = blob_put(data), blob_put(data)

    assert first.sha256 == again.sha256 == sha and Blob.objects.count() == 1
    assert s3_server.keys(s3_file_store) == [f"{s3_file_store}{sha[:2]}/{sha[2:4]}/{sha}"]
    assert blob_read(sha) == data and blob_exists(sha)
    assert not blob_path(sha).exists()  # nothing went to the local folder


def test_an_unused_blob_is_deleted_from_the_bucket(
    s3_server, s3_file_store, django_capture_on_commit_callbacks
):
    blob = blob_put(b"withdrawn letter")
    with django_capture_on_commit_callbacks(execute=True):
        assert blob_delete_unused(blob.sha256)
        assert blob_exists(blob.sha256)  # until the purge commits
    assert s3_server.keys(s3_file_store) == []
    assert not blob_exists(blob.sha256) and not Blob.objects.exists()


def test_a_missing_blob_is_a_file_not_found(s3_file_store):
    with pytest.raises(FileNotFoundError, match="not in the object store"):
        blob_read("0" * 64)


def test_refused_credentials_are_a_store_error_naming_the_bucket(s3_server, s3_file_store, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    # Another region makes a client of its own, which reads the wrong key (clients are kept per endpoint).
    store = store_at(s3_server.url(s3_file_store) + "&region=eu-test-1")
    with pytest.raises(StoreUnavailable, match=f"s3://{s3_server.bucket}/{s3_file_store}x: cannot write"):
        store.put("x", b"data")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/var/lib/files", "not of the form s3://bucket/prefix"),
        ("s3://key:secret@bucket/files", "carries credentials"),
        ("s3://bucket/files?endpoint=ftp://host", "is not an http"),
        ("s3://bucket/files?acl=public", "unknown option"),
    ],
)
def test_a_bad_store_url_is_refused_with_the_reason(url, reason):
    with pytest.raises(BadInput, match=reason):
        location_parse(url)


def test_a_store_url_names_bucket_prefix_endpoint_and_region():
    place = location_parse("s3://dokreg/prod/files/?endpoint=https://s3.example.org&region=eu-north-1")
    assert (place.bucket, place.prefix, place.endpoint, place.region) == (
        "dokreg",
        "prod/files/",
        "https://s3.example.org",
        "eu-north-1",
    )
    assert place.key("ab/cd/abcd") == "prod/files/ab/cd/abcd"


# --- the public download streams from the bucket, behind the same rules -----------------------


def _in_bucket_only(file, data: bytes) -> None:
    """Move the bytes the factory wrote to the local folder into the bucket."""
    blob_path(file.blob_id).unlink()
    blob_put(data)


def test_a_public_file_streams_from_the_bucket(client, s3_file_store):
    data = b"%PDF-1.7\n" + b"x" * 200_000
    file = make_file(make_document(make_registry()), name="kiri.pdf", data=data)
    _in_bucket_only(file, data)

    response = client.get(f"/fail/{file.pk}/kiri.pdf")

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    assert "Location" not in response  # streamed by dokreg, never a redirect to the store


def test_an_original_holding_a_personal_code_is_withheld_though_its_bytes_are_in_the_bucket(
    client, s3_file_store
):
    data = f"Taotleja isikukood {CODE}".encode()
    file = make_file(make_document(make_registry()), name="taotlus.txt", text=f"isikukood {CODE}", data=data)
    _in_bucket_only(file, data)

    response = client.get(f"/fail/{file.pk}/taotlus.txt")

    assert response.status_code == 403
    assert CODE.encode() not in response.content


def test_a_file_missing_from_the_bucket_is_404_and_an_unreachable_store_503(
    client, s3_server, s3_file_store, settings
):
    file = make_file(make_document(make_registry()), name="kadunud.pdf", data=b"gone")
    blob_path(file.blob_id).unlink()
    assert client.get(f"/fail/{file.pk}/kadunud.pdf").status_code == 404

    settings.FILE_STORE_URL = (
        f"s3://{s3_server.bucket}/{s3_file_store}?endpoint=http://127.0.0.1:9"  # no one there
    )
    response = client.get(f"/fail/{file.pk}/kadunud.pdf")
    assert response.status_code == 503 and response["Retry-After"] == "60"


def test_check_names_an_object_store_that_refuses_us(s3_server, s3_file_store, settings, monkeypatch):
    from dokreg.conf.security import deployment_findings

    assert not [f for f in deployment_findings() if f.code == "file_store_unreachable"]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    settings.FILE_STORE_URL = s3_server.url(s3_file_store) + "&region=eu-check-1"  # a client of its own
    [finding] = [f for f in deployment_findings() if f.code == "file_store_unreachable"]
    assert finding.level == "error" and s3_server.bucket in finding.message
