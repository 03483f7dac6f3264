"""Recordings in an S3-compatible bucket (AWS, MinIO, Ceph RGW...). boto3 is needed only when it is used."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from dialer.recordings.paths import check_byte_range, check_rel_path
from dialer.recordings.store import StoredObject


class S3Client(Protocol):
    """The subset of a boto3 S3 client the store uses (keyword arguments, as boto3 takes them)."""

    def upload_file(self, Filename: str, Bucket: str, Key: str, ExtraArgs: Mapping[str, Any] | None = None) -> None: ...

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None: ...

    def head_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def delete_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def list_objects_v2(self, **kwargs: Any) -> Mapping[str, Any]: ...


def _error_code(exc: BaseException) -> str:
    """botocore's ClientError carries the HTTP/S3 code in `.response`; avoid importing botocore for it."""
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _is_not_found(exc: BaseException) -> bool:
    return _error_code(exc) in {"404", "NoSuchKey", "NotFound"}


class S3RecordingStore:
    """Recordings in an S3-compatible bucket (AWS, MinIO, Ceph RGW...), under `key_prefix`.

    boto3 is optional: it is imported only when no `client` is given.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        key_prefix: str = "recordings/",
        client: S3Client | None = None,
        list_page_size: int = 1000,
    ) -> None:
        if key_prefix and not key_prefix.endswith("/"):
            key_prefix += "/"
        self.bucket = bucket
        self.key_prefix = key_prefix
        self.list_page_size = list_page_size  # S3's own maximum; smaller only to test the paging
        if client is None:
            try:
                boto3 = importlib.import_module("boto3")
            except ImportError as exc:
                raise RuntimeError("the S3 recording store needs boto3: pip install boto3") from exc
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
            )
        self.client: S3Client = client

    def _key(self, rel_path: str) -> str:
        return self.key_prefix + check_rel_path(rel_path)

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None:
        self.client.upload_file(str(src), self.bucket, self._key(rel_path), ExtraArgs={"ContentType": content_type})

    def exists(self, rel_path: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(rel_path))
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def size(self, rel_path: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(rel_path))
        except Exception as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(rel_path) from exc
            raise
        return int(head["ContentLength"])

    def open_range(self, rel_path: str, start: int, end: int) -> bytes:
        check_byte_range(start, end)
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(rel_path), Range=f"bytes={start}-{end}")
        except Exception as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(rel_path) from exc
            if _error_code(exc) == "InvalidRange":  # starts past the end: no bytes, as a file read gives
                return b""
            raise
        body = obj["Body"]
        try:
            return bytes(body.read())
        finally:
            close = getattr(body, "close", None)
            if callable(close):
                close()

    def delete(self, rel_path: str) -> bool:
        # S3's DeleteObject succeeds on a missing key; look first so the caller learns whether it existed
        existed = self.exists(rel_path)
        if existed:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(rel_path))
        return existed

    def fetch_to(self, rel_path: str, dest: Path) -> None:
        try:
            self.client.download_file(self.bucket, self._key(rel_path), str(dest))
        except Exception as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(rel_path) from exc
            raise

    def local_path(self, rel_path: str) -> Path | None:
        return None

    def iter_objects(self, prefix: str = "") -> Iterator[StoredObject]:
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": self.key_prefix + prefix,
            "MaxKeys": self.list_page_size,
        }
        while True:
            page = self.client.list_objects_v2(**kwargs)
            for item in page.get("Contents", []):
                key = str(item["Key"])
                yield StoredObject(key[len(self.key_prefix) :], int(item["Size"]), item.get("LastModified"))
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
