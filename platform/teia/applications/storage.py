"""Where uploaded documents live: a folder on disk, or an S3-compatible bucket.

An upload is checked before it is stored: at most :data:`MAX_UPLOAD_BYTES`, and a PDF, PNG or
JPEG by its first bytes (the client's declared type and the file name are never trusted).
Keys name no person: ``<tenant>/applications/<application>/<random>``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
from flask import current_app
from flask_babel import gettext as _

from teia.config import Settings

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Content type by the file's first bytes.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


class UploadError(ValueError):
    """An upload refused; the message is for the user."""

    field = "file"


def checked_content_type(data: bytes) -> str:
    """The type of an acceptable upload, from its first bytes; :class:`UploadError` otherwise."""
    if not data:
        raise UploadError(_("O ficheiro está vazio."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("O ficheiro tem mais de %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
        )
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    raise UploadError(_("Só são aceites ficheiros PDF, PNG ou JPEG."))


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def _checked_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


@dataclass(frozen=True)
class LocalStorage:
    """Files under ``root``, written whole or not at all (a temporary file, then a rename)."""

    root: Path

    def _path(self, key: str) -> Path:
        return self.root / _checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in one bucket of an S3-compatible service (AWS, MinIO, Ceph...)."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
        )
        return cls(settings.s3_bucket, client)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=_checked_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=_checked_key(key))
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked_key(key))


def storage_for(settings: Settings) -> Storage:
    """S3 when a bucket is configured, otherwise the uploads folder."""
    if settings.s3_bucket:
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.upload_root)


def current_storage() -> Storage:
    """The app's storage, built once (tests may put their own in ``app.extensions``)."""
    extensions = current_app.extensions
    if "teia_storage" not in extensions:
        extensions["teia_storage"] = storage_for(current_app.config["TEIA_SETTINGS"])
    return extensions["teia_storage"]
