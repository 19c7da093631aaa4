"""Both file storages pass the same tests: a folder, and S3 as moto's standalone server speaks it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from portal_app.files.storage import (
    FileStorage,
    LocalStorage,
    Missing,
    S3Storage,
    check_key,
    storage_from_config,
)

DUMMY = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of moto's S3 server on 127.0.0.1 (a free port), stopped after the session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _new_bucket(endpoint: str) -> str:
    name = f"portal-files-{uuid.uuid4().hex[:12]}"
    _client(endpoint).create_bucket(Bucket=name)
    return name


def _client(endpoint: str):
    """A boto3 client of the test's own, to look at the bucket beside the storage."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=DUMMY["region"],
        aws_access_key_id=DUMMY["access_key"],
        aws_secret_access_key=DUMMY["secret_key"],
    )


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> FileStorage:
    """Each implementation, empty: a fresh folder, or a fresh bucket on the moto server."""
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(_new_bucket(endpoint), endpoint_url=endpoint, **DUMMY)


def test_round_trip(storage):
    key = "shop/1/requests/7/aB3-x_9.jpg"
    assert isinstance(storage, FileStorage)
    assert not storage.exists(key)

    storage.put(key, b"\xff\xd8\xff photo", "image/jpeg")

    assert storage.exists(key)
    assert storage.get(key) == b"\xff\xd8\xff photo"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(Missing):
        storage.get(key)


def test_put_replaces_and_keys_are_separate(storage):
    storage.put("shop/1/a.pdf", b"first version", "application/pdf")
    storage.put("shop/1/b.pdf", b"another file", "application/pdf")

    storage.put("shop/1/a.pdf", b"second", "application/pdf")

    assert storage.get("shop/1/a.pdf") == b"second"
    assert storage.get("shop/1/b.pdf") == b"another file"


def test_missing_key(storage):
    with pytest.raises(Missing) as raised:
        storage.get("shop/1/never-stored.png")
    assert isinstance(raised.value, FileNotFoundError)
    assert not storage.exists("shop/1/never-stored.png")
    storage.delete("shop/1/never-stored.png")  # absent is fine


def test_a_folder_of_keys_is_not_a_key(storage):
    storage.put("shop/1/x.png", b"png", "image/png")
    assert not storage.exists("shop/1")
    with pytest.raises(Missing):
        storage.get("shop/1")
    storage.delete("shop/1")
    assert storage.get("shop/1/x.png") == b"png"


def test_binary_data_is_kept_exactly(storage):
    data = bytes(range(256)) * 4 + b"\r\n\x00\r" + os.urandom(300_000)
    storage.put("shop/2/blob.bin", data, "application/octet-stream")
    assert storage.get("shop/2/blob.bin") == data
    storage.put("shop/2/empty.bin", b"", "application/octet-stream")
    assert storage.exists("shop/2/empty.bin")
    assert storage.get("shop/2/empty.bin") == b""


BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside.jpg",
    "shop/../../outside.jpg",
    "shop/..",
    "shop/a..b.jpg",
    "shop//a.jpg",
    "shop/a.jpg/",
    "./a.jpg",
    "shop/.hidden",
    "shop\\..\\a.jpg",
    "shop/a b.jpg",
    "shop/a.jpg\n",
    "shop/é.jpg",
    "shop/a%2e%2e.jpg",
    "C:/a.jpg",
    "a" * 513,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(storage, key):
    with pytest.raises(ValueError):
        storage.put(key, b"x", "image/jpeg")
    for method in (storage.get, storage.exists, storage.delete):
        with pytest.raises(ValueError):
            method(key)


def test_good_keys_are_accepted():
    for key in ["a", "shop/12/requests/34/k3J9-_x.jpg", "A-1_b.2.webp", "a" * 512]:
        assert check_key(key) == key


def test_local_storage_stays_in_its_folder_and_leaves_no_temporary_files(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    storage.put("shop/3/p.jpg", b"one", "image/jpeg")
    storage.put("shop/3/p.jpg", b"two", "image/jpeg")

    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert stored == [tmp_path / "files" / "shop" / "3" / "p.jpg"]
    with pytest.raises(ValueError):
        storage.put("../escaped.jpg", b"x", "image/jpeg")
    assert not (tmp_path / "escaped.jpg").exists()


def test_s3_objects_carry_their_content_type(s3_endpoint):
    bucket = _new_bucket(s3_endpoint)
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, **DUMMY)
    storage.put("shop/4/scan.pdf", b"%PDF-1.7", "application/pdf")

    head = _client(s3_endpoint).head_object(Bucket=bucket, Key="shop/4/scan.pdf")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(b"%PDF-1.7")


def test_storage_from_config_picks_s3_when_a_bucket_is_set(s3_endpoint, tmp_path):
    bucket = _new_bucket(s3_endpoint)
    storage = storage_from_config(
        {
            "FILES_S3_BUCKET": bucket,
            "FILES_S3_REGION": "us-east-1",
            "FILES_S3_ENDPOINT_URL": s3_endpoint,
            "FILES_S3_ACCESS_KEY_ID": "testing",
            "FILES_S3_SECRET_ACCESS_KEY": "testing",
            "FILES_FOLDER": str(tmp_path / "not-used"),
        },
        str(tmp_path),
    )
    assert isinstance(storage, S3Storage)
    storage.put("shop/5/a.png", b"png", "image/png")

    # It really is that bucket on that endpoint.
    body = _client(s3_endpoint).get_object(Bucket=bucket, Key="shop/5/a.png")["Body"].read()
    assert body == b"png"
    assert not (tmp_path / "not-used").exists()


def test_storage_from_config_uses_the_instance_folder_by_default(tmp_path):
    for unset in ({}, {"FILES_S3_BUCKET": ""}, {"FILES_S3_BUCKET": None}):
        storage = storage_from_config(unset, str(tmp_path))
        assert isinstance(storage, LocalStorage)
        assert storage.root == tmp_path / "files"

    storage.put("shop/6/a.png", b"png", "image/png")
    assert (tmp_path / "files" / "shop" / "6" / "a.png").read_bytes() == b"png"


def test_storage_from_config_honours_files_folder(tmp_path):
    folder = tmp_path / "elsewhere"
    storage = storage_from_config({"FILES_FOLDER": str(folder)}, str(tmp_path / "instance"))
    assert isinstance(storage, LocalStorage)
    assert Path(storage.root) == folder
