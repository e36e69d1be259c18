"""Uploaded documents: checked by size and by their first bytes, stored on disk or in an
S3-compatible bucket (moto's server, on this machine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from flask import Flask
from moto.server import ThreadedMotoServer

from teia.applications.storage import (
    MAX_UPLOAD_BYTES,
    LocalStorage,
    S3Storage,
    Storage,
    UploadError,
    checked_content_type,
    storage_for,
)
from teia.config import Settings

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_the_type_comes_from_the_first_bytes(app: Flask, data: bytes, expected: str) -> None:
    with app.test_request_context():
        assert checked_content_type(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "O ficheiro está vazio."),
        (
            b"MZ\x90\x00 an executable named recibo.pdf",
            "Só são aceites ficheiros PDF, PNG ou JPEG.",
        ),
        (b"<html><script>alert(1)</script>", "Só são aceites ficheiros PDF, PNG ou JPEG."),
        (b" %PDF-1.7 shifted by one byte", "Só são aceites ficheiros PDF, PNG ou JPEG."),
        (PDF + b"\x00" * MAX_UPLOAD_BYTES, "O ficheiro tem mais de 10 MB."),
    ],
)
def test_refused_uploads_say_why_in_portuguese(app: Flask, data: bytes, message: str) -> None:
    with app.test_request_context(), pytest.raises(UploadError) as refused:
        checked_content_type(data)
    assert str(refused.value) == message


def test_the_limit_itself_is_accepted(app: Flask) -> None:
    with app.test_request_context():
        assert checked_content_type(PDF.ljust(MAX_UPLOAD_BYTES, b"\x00")) == "application/pdf"


def roundtrip(storage: Storage) -> None:
    storage.put("7/applications/3/abc", PDF, "application/pdf")
    assert storage.get("7/applications/3/abc") == PDF
    storage.put("7/applications/3/abc", PNG, "image/png")  # overwritten whole
    assert storage.get("7/applications/3/abc") == PNG
    storage.delete("7/applications/3/abc")
    storage.delete("7/applications/3/abc")  # deleting twice is harmless


def test_local_storage_keeps_files_under_its_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    roundtrip(storage)
    storage.put("1/applications/2/x", JPEG, "image/jpeg")
    stored = tmp_path / "uploads/1/applications/2/x"
    assert stored.read_bytes() == JPEG
    assert stored.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in stored.parent.iterdir()] == ["x"]  # no temporary file left
    with pytest.raises(FileNotFoundError):
        storage.get("1/applications/2/y")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a//b", "a/b.", ""])
def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        LocalStorage(tmp_path).put(key, PDF, "application/pdf")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_settings(endpoint: str, tmp_path: Path) -> Settings:
    return Settings(
        env="testing",
        instance_dir=tmp_path,
        s3_bucket="teia-documentos",
        s3_endpoint_url=endpoint,
        s3_region="eu-west-1",
        s3_access_key_id="teste",
        s3_secret_access_key="teste-segredo",
    )


def test_s3_storage_against_a_local_s3_server(s3_endpoint: str, tmp_path: Path) -> None:
    settings = s3_settings(s3_endpoint, tmp_path)
    admin = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="teste",
        aws_secret_access_key="teste-segredo",
    )
    admin.create_bucket(
        Bucket="teia-documentos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    storage = storage_for(settings)
    assert isinstance(storage, S3Storage)
    storage.put("5/applications/9/k1", PDF, "application/pdf")
    head = admin.head_object(Bucket="teia-documentos", Key="5/applications/9/k1")
    assert head["ContentType"] == "application/pdf"
    roundtrip(storage)
    assert storage.get("5/applications/9/k1") == PDF
    storage.delete("5/applications/9/k1")
    with pytest.raises(ClientError):
        storage.get("5/applications/9/k1")
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.put("../k", PDF, "application/pdf")


def test_without_a_bucket_files_go_to_the_uploads_folder(tmp_path: Path) -> None:
    default = storage_for(Settings(env="testing", instance_dir=tmp_path))
    assert default == LocalStorage(tmp_path / "uploads")
    chosen = storage_for(Settings(env="testing", instance_dir=tmp_path, uploads_dir=tmp_path / "u"))
    assert chosen == LocalStorage(tmp_path / "u")
