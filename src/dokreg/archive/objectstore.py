"""An S3-compatible object store: where files (and index snapshots) live when one machine is not enough.

``DOKREG_FILE_STORE=s3://bucket/prefix`` puts the content-addressed blobs there instead of a local folder;
any S3 implementation works (AWS, SeaweedFS, MinIO, Ceph RGW, Garage, …). The endpoint of a server that is
not AWS goes in the URL (``s3://bucket/prefix?endpoint=https://s3.example.org&region=eu-north-1``) or in
boto3's own ``AWS_ENDPOINT_URL_S3``. Credentials never go in the URL (it is printed in logs and checks):
boto3 reads them from ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile or an instance role.

The client is boto3: it is AWS's own SDK, released weekly and used by nearly every Python S3 user, so
every S3-compatible server tests against it. Every failure becomes ``StoreUnavailable`` naming the
bucket, the key and the reason, so a worker records it on the row instead of dying with a traceback.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from typing import IO
from urllib.parse import parse_qs, urlsplit

from dokreg.errors import BadInput, DokregError


class StoreUnavailable(DokregError):
    """The object store did not answer usefully (unreachable, refused credentials, missing bucket)."""

    code = "store_unavailable"


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # "" or "some/folder/" (always ending in a slash)
    endpoint: str | None = None
    region: str | None = None

    def key(self, name: str) -> str:
        return self.prefix + name

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def location_parse(url: str) -> Location:
    """``s3://bucket[/prefix][?endpoint=…&region=…]`` → Location; a clear BadInput for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise BadInput(f"object store URL {url!r} is not of the form s3://bucket/prefix")
    if "@" in parts.netloc:
        raise BadInput(
            f"object store URL {url!r} carries credentials: put them in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, never in the URL"
        )
    query = parse_qs(parts.query)
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise BadInput(f"object store URL {url!r}: unknown option(s) {', '.join(sorted(unknown))}")
    endpoint = query.get("endpoint", [None])[0]
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise BadInput(f"object store URL {url!r}: endpoint {endpoint!r} is not an http(s) URL")
    prefix = parts.path.strip("/")
    return Location(
        bucket=parts.netloc,
        prefix=prefix + "/" if prefix else "",
        endpoint=endpoint or None,
        region=query.get("region", [None])[0] or None,
    )


class ObjectStore:
    """A bucket and prefix, with the few operations dokreg needs; keys are relative to the prefix."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self._client = _client(location.endpoint, location.region)

    def put(self, name: str, data: bytes) -> None:
        self._call("write", name, lambda: self._client.put_object(**self._at(name), Body=data))

    def put_if_absent(self, name: str, data: bytes) -> bool:
        """Write unless an object of this name exists (content-addressed names: same name, same bytes)."""
        if self.size(name) is not None:
            return False
        self.put(name, data)
        return True

    def get(self, name: str) -> bytes | None:
        opened = self.open(name)
        if opened is None:
            return None
        stream, _ = opened
        with stream:
            return self._call("read", name, stream.read)

    def open(self, name: str) -> tuple[IO[bytes], int] | None:
        """A stream over the object's bytes and its size, or None when there is no such object."""
        answer = self._call("read", name, lambda: self._client.get_object(**self._at(name)), missing=True)
        if answer is None:
            return None
        return answer["Body"], int(answer["ContentLength"])

    def size(self, name: str) -> int | None:
        answer = self._call("look up", name, lambda: self._client.head_object(**self._at(name)), missing=True)
        return None if answer is None else int(answer["ContentLength"])

    def upload(self, name: str, handle: IO[bytes]) -> None:
        """Stream a file into the store (multipart for big ones: index segments can be gigabytes)."""
        self._call("write", name, lambda: self._client.upload_fileobj(handle, **self._at(name)))

    def download(self, name: str, handle: IO[bytes]) -> None:
        self._call("read", name, lambda: self._client.download_fileobj(**self._at(name), Fileobj=handle))

    def sizes(self, under: str = "") -> dict[str, int]:
        """Every object below ``under`` with its size (one listing, not one request per object)."""
        cut = len(self.location.prefix)
        out: dict[str, int] = {}
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.location.bucket, Prefix=self.location.key(under)):
                for item in page.get("Contents", ()):
                    out[item["Key"][cut:]] = int(item["Size"])
        except Exception as exc:  # noqa: BLE001 - botocore raises many kinds; all mean the same here
            raise self._unavailable("list", under, exc) from exc
        return out

    def delete(self, name: str) -> None:
        self._call("delete", name, lambda: self._client.delete_object(**self._at(name)))

    def names(self, under: str = "") -> list[str]:
        """Every object name below ``under`` (relative to the prefix), in key order."""
        return sorted(self.sizes(under))

    def _at(self, name: str) -> dict[str, str]:
        return {"Bucket": self.location.bucket, "Key": self.location.key(name)}

    def _call(self, what: str, name: str, call, *, missing: bool = False):
        from botocore.exceptions import ClientError

        try:
            return call()
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            if missing and (status == 404 or code in {"404", "NoSuchKey", "NotFound"}):
                return None
            raise self._unavailable(what, name, exc) from exc
        except Exception as exc:  # noqa: BLE001 - connection errors, missing credentials, timeouts
            raise self._unavailable(what, name, exc) from exc

    def _unavailable(self, what: str, name: str, exc: Exception) -> StoreUnavailable:
        where = self.location.key(name)
        return StoreUnavailable(
            f"object store s3://{self.location.bucket}/{where}: cannot {what}: {type(exc).__name__}: {exc}"
        )


_lock = threading.Lock()


@functools.cache
def _client(endpoint: str | None, region: str | None):
    """One client per endpoint and process: making one costs ~50 ms, and clients are thread-safe."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - the [s3] extra is not installed
        raise BadInput("an s3:// file store needs boto3: pip install 'dokreg[s3]'") from exc
    config = Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        # Checksums only when the API requires them: several S3-compatible servers refuse the
        # streaming CRC trailers boto3 sends by default since 1.36.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"},
    )
    with _lock:  # boto3's default session is not thread-safe; a session of our own is made here
        session = boto3.session.Session()
        return session.client("s3", endpoint_url=endpoint, region_name=_region(region), config=config)


def _region(region: str | None) -> str:
    # Servers other than AWS ignore the region, yet signatures need one.
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


@functools.cache
def store_at(url: str) -> ObjectStore:
    return ObjectStore(location_parse(url))
