"""Where attachment bytes are kept: a folder on this machine, or an S3-compatible bucket.

Two implementations of one small interface (`FileStorage`): `LocalStorage`, a folder under
`instance/files` (the default, for a portal on one machine), and `S3Storage`, any S3-compatible
object store through boto3 (AWS S3, MinIO, Ceph, R2, ...), for a portal on several hosts that
must all see the same files. `storage_from_config` picks one from the settings.

Keys are made by the portal, never by the uploader (e.g. `shop/12/requests/34/k3J9...jpg`), and
every key is checked against a strict pattern before any storage touches it, so no key can climb
out of the folder or name a hidden file.

The storage keeps bytes only. What a file is (its content type, sniffed from its content when it
was uploaded, its size, its original name) is recorded by the portal beside the document it
belongs to; S3Storage also sets the object's Content-Type, for anyone looking into the bucket.

How files are served: streamed through the app, not by presigned URLs. A file's URL is a portal
URL, and every request for it passes the same access check as its document, so:
- access follows the document at every request: another customer or shop gets 404, a draft
  estimate's photos answer to staff only, and a removed file or a deactivated user stops working
  at once. A presigned URL is a bearer token until it expires: whoever gets it (a forwarded
  email, a shared screenshot of the address bar, browser history, a proxy's log) can fetch the
  file, and nothing can take it back;
- the bucket stays private and need not even be reachable from the internet (MinIO on the
  hosts' own network is enough); no bucket policy or CORS to get right;
- the portal sets the headers itself, the same for both storages: `Cache-Control: private`,
  `X-Content-Type-Options: nosniff`, PDFs always as attachments; with presigned URLs these
  depend on the object's metadata and the provider's handling of response overrides;
- pages keep `img-src 'self'` in their Content-Security-Policy, and their image URLs never
  expire (a page left open for an hour still shows its photos).
The cost is that the app's worker carries the bytes. Files are at most 10 MB and most requests
are for thumbnails of at most 20 KB, so that is small. Should full-size downloads ever weigh on
the workers, the view can answer them, after the same access check, with a redirect to a
presigned URL valid for a minute, without changing this interface's callers.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Segments of letters, digits, '-', '_' and '.', joined by single '/', none starting with '.'
# (so no '.', '..', hidden files or our own temporary files), no leading or trailing '/'.
_KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
MAX_KEY_LENGTH = 512  # S3 allows 1,024 bytes; ours are far shorter

# S3 answers a missing object with one of these codes (HEAD has no body, so only the status).
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class Missing(FileNotFoundError):
    """No file is stored under this key."""


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed storage key; raise ValueError otherwise."""
    if (
        not isinstance(key, str)
        or len(key) > MAX_KEY_LENGTH
        or ".." in key
        or not _KEY_RE.fullmatch(key)
    ):
        raise ValueError(f"not a valid storage key: {key!r}")
    return key


@runtime_checkable
class FileStorage(Protocol):
    """Bytes kept under keys the portal makes; every method refuses a malformed key."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there."""

    def get(self, key: str) -> bytes:
        """Return the bytes stored under `key`; raise Missing if there are none."""

    def delete(self, key: str) -> None:
        """Remove what is stored under `key`; nothing stored there is fine."""

    def exists(self, key: str) -> bool:
        """Say whether something is stored under `key`."""


class LocalStorage:
    """Files in a folder on this machine, one file per key (`root/shop/12/abc.jpg`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write `data` to a temporary file beside the target, then move it into place.

        A reader sees the old file or the new one, never half of one. The content type is not
        kept: the portal records it with the attachment.
        """
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name starting with '.' can never be a key, so it cannot clash with a stored file.
        # mkstemp makes it readable by this user only (0600), and so stays the stored file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise Missing(key) from None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    """Objects in an S3-compatible bucket, one object per key; the bucket stays private.

    Without keys, boto3 finds credentials the usual way (environment, instance role).
    """

    def __init__(self, bucket: str, *, region: str | None = None,
                 endpoint_url: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None) -> None:
        self.bucket = bucket
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Other S3-compatible stores (MinIO and most self-hosted ones) expect the bucket in
            # the path, not in the host name.
            s3={"addressing_style": "path"} if endpoint_url else None,
        )
        # One client per storage: boto3 clients are thread-safe and costly to build.
        self.client = boto3.session.Session().client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise Missing(key) from None
            raise
        with contextlib.closing(response["Body"]) as body:
            return body.read()

    def delete(self, key: str) -> None:
        # S3 answers 204 whether or not the object was there.
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                return False
            raise
        return True


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def storage_from_config(config: dict, instance_path: str) -> FileStorage:
    """Return the S3 storage if FILES_S3_BUCKET is set, else the folder (FILES_FOLDER or
    `<instance>/files`)."""
    bucket = config.get("FILES_S3_BUCKET")
    if bucket:
        return S3Storage(
            bucket,
            region=config.get("FILES_S3_REGION") or None,
            endpoint_url=config.get("FILES_S3_ENDPOINT_URL") or None,
            access_key=config.get("FILES_S3_ACCESS_KEY_ID") or None,
            secret_key=config.get("FILES_S3_SECRET_ACCESS_KEY") or None,
        )
    return LocalStorage(config.get("FILES_FOLDER") or os.path.join(instance_path, "files"))
