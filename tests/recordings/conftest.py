"""Both recording stores for the contract tests: files in a temporary directory, and a bucket on a real
S3-compatible server (moto's, started here as a subprocess on a free loopback port)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.s3_store import S3RecordingStore
from dialer.recordings.store import RecordingStore

S3_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _moto_server_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
    return [*base, "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a moto S3 server that lives for the test session; fails (never skips) if it cannot start."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(_moto_server_command(port), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/", timeout=1).close()
                break
            except urllib.error.HTTPError:  # it answered, if only with an S3 error: it is up
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not answer on {url}: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto accepts any credentials; set them the way production does, in the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", S3_REGION)


@pytest.fixture
def s3_bucket(s3_endpoint: str, s3_credentials: None) -> Iterator[str]:
    """A fresh bucket per test (so tests never see each other's objects), emptied and removed after."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=S3_REGION)
    name = f"rec-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    yield name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_client(s3_endpoint: str, s3_credentials: None) -> Any:
    """A plain boto3 client on the same server, for looking behind a store's back."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=S3_REGION)


def make_s3_store(endpoint: str, bucket: str, **kwargs: Any) -> S3RecordingStore:
    return S3RecordingStore(bucket, endpoint_url=endpoint, region_name=S3_REGION, **kwargs)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> RecordingStore:
    """Each contract test runs once per store; the S3 one lists in pages of 2 so paging is exercised too."""
    if request.param == "local":
        return LocalRecordingStore(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return make_s3_store(endpoint, bucket, list_page_size=2)
