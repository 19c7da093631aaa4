"""Photos and files in an S3 bucket, end to end (issue 21): with FILES_S3_BUCKET and the endpoint
settings (README, Files) set, given to create_app or read from the environment, an upload lands
in the bucket, its pages show its thumbnail from there, and removing it empties the bucket again.

The bucket is moto's standalone S3 server on 127.0.0.1; the portal is a second app of its own
(a fresh SQLite file in tmp_path: a copy of one the migrations built), so the session's `app`
with its folder storage is left alone. Everything goes through HTTP with the test client.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from portal_app import create_app
from portal_app.files.storage import S3Storage
from tests.conftest import BASE_URL, PortalClient
from tests.factories import PASSWORD, Factories
from tests.uploads import HTML_AS_JPG, file_part, has_no_exif, photo

REGION = "us-east-1"
KEY_ID, SECRET = "testing", "testing"  # moto takes any


@pytest.fixture(scope="module")
def s3_endpoint():
    """The URL of moto's S3 server on a free port of 127.0.0.1, stopped after the module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _s3(endpoint: str):
    """A boto3 client of the test's own, to look into the bucket beside the portal."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def _objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    s3 = _s3(endpoint)
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for item in listed}


def _settings(endpoint: str, bucket: str) -> dict[str, str]:
    return {"FILES_S3_BUCKET": bucket, "FILES_S3_REGION": REGION,
            "FILES_S3_ENDPOINT_URL": endpoint, "FILES_S3_ACCESS_KEY_ID": KEY_ID,
            "FILES_S3_SECRET_ACCESS_KEY": SECRET}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, smtp_server):
    """A SQLite file the migrations built, once per module: each test gets a copy of it."""
    from flask_migrate import upgrade

    from portal_app.extensions import db

    path = tmp_path_factory.mktemp("s3-portal") / "migrated.sqlite3"
    app = create_app(_config(f"sqlite:///{path}", smtp_server),
                     instance_path=str(path.parent / "instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def _config(database: str, smtp_server) -> dict:
    """What tests/conftest.py's `app` sets, with a database and files of its own."""
    return {
        "TESTING": True,
        "PORTAL_ENV": "test",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": None,  # a DATABASE_URL in the environment must not win
        "SQLALCHEMY_DATABASE_URI": database,
        "PORTAL_BASE_URL": BASE_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_TIMEOUT": 5,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "Portal <portal@portal.test>",
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://"),
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "FILES_FOLDER": None,
    }


@pytest.fixture(params=["config", "environment"])
def bucket_app(request, s3_endpoint, smtp_server, migrated, tmp_path, monkeypatch):
    """A portal app whose files go to a fresh bucket: the FILES_S3_* settings given to
    create_app, or set in the environment as a deployment does; no FILES_FOLDER anywhere."""
    from jinja2 import StrictUndefined

    from portal_app.extensions import db

    bucket = f"portal-files-{uuid.uuid4().hex[:12]}"
    _s3(s3_endpoint).create_bucket(Bucket=bucket)
    monkeypatch.delenv("FILES_FOLDER", raising=False)
    for name in _settings(s3_endpoint, bucket):
        monkeypatch.delenv(name, raising=False)
    database = tmp_path / "portal.sqlite3"
    shutil.copyfile(migrated, database)
    config = _config(f"sqlite:///{database}", smtp_server)
    if request.param == "config":
        config.update(_settings(s3_endpoint, bucket))
    else:
        for name, value in _settings(s3_endpoint, bucket).items():
            monkeypatch.setenv(name, value)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    app.test_client_class = PortalClient
    app.jinja_env.undefined = StrictUndefined
    app.bucket, app.s3_endpoint = bucket, s3_endpoint
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_app_keeps_its_files_in_the_bucket_the_settings_name(bucket_app):
    storage = bucket_app.extensions["files"]
    assert isinstance(storage, S3Storage)
    assert storage.bucket == bucket_app.bucket
    assert storage.client.meta.endpoint_url == bucket_app.s3_endpoint
    assert storage.client.meta.region_name == REGION


def _world(app):
    make = Factories(app)
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    staff = make.staff(shop, email="sam@harbor.example")
    asset = make.asset(acme, "T-100")
    portal = app.test_client()
    portal.login_portal(dana.email, PASSWORD)
    console = app.test_client()
    console.login_staff(staff.email, PASSWORD)
    return shop, asset, portal, console


def _upload(client, url: str, data: bytes, name: str = "IMG_0001.jpg", type_="image/jpeg"):
    return client.post(url, data={"csrf_token": client.csrf_token(),
                                  "files": [file_part(data, name, type_)]},
                       content_type="multipart/form-data")


def _thumbs(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+/thumb)"', html)


def test_an_upload_lands_in_the_bucket_and_its_pages_show_it_from_there(bucket_app, tmp_path):
    app, bucket, endpoint = bucket_app, bucket_app.bucket, bucket_app.s3_endpoint
    shop, asset, portal, console = _world(app)
    page = f"/assets/{asset.id}"
    assert _thumbs(portal.get(page).get_data(as_text=True)) == []

    answer = _upload(portal, f"{page}/files", photo())
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]

    stored = _objects(endpoint, bucket)
    assert len(stored) == 2  # the photo and its thumbnail
    (thumb_key,) = [key for key in stored if key.endswith("-thumb.jpg")]
    (key,) = [key for key in stored if key != thumb_key]
    assert key.startswith(f"shops/{shop.id}/") and key.endswith(".jpg")
    assert has_no_exif(stored[key]) and has_no_exif(stored[thumb_key])
    assert len(stored[thumb_key]) <= 20 * 1024
    assert not (tmp_path / "instance" / "files").exists()  # no folder storage beside it

    html = portal.get(page).get_data(as_text=True)
    (thumb_url,) = _thumbs(html)
    assert re.fullmatch(rf"/assets/{asset.id}/files/\d+/thumb", thumb_url)
    thumb = portal.get(thumb_url)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.data == stored[thumb_key]
    full_url = thumb_url.removesuffix("/thumb")
    assert f'href="{full_url}"' in html
    full = portal.get(full_url)
    assert full.status_code == 200 and full.data == stored[key]

    # The shop's console shows the same photo, from the same objects.
    (staff_thumb,) = _thumbs(console.get(f"/staff{page}").get_data(as_text=True))
    assert staff_thumb == f"/staff{thumb_url}"
    assert console.get(staff_thumb).data == stored[thumb_key]
    assert console.get(f"/staff{full_url}").data == stored[key]

    # A second submit of the same photo adds nothing, in the bucket or on the page.
    assert _upload(portal, f"{page}/files", photo()).status_code == 303
    assert set(_objects(endpoint, bucket)) == {key, thumb_key}
    assert len(_thumbs(portal.get(page).get_data(as_text=True))) == 1

    # Removing it deletes both objects from the bucket; its URLs are gone with them.
    file_id = full_url.rsplit("/", 1)[1]
    removed = portal.post(f"{page}/files/{file_id}/remove",
                          data={"csrf_token": portal.csrf_token()})
    assert removed.status_code == 303
    assert _objects(endpoint, bucket) == {}
    assert portal.get(thumb_url).status_code == 404
    assert portal.get(full_url).status_code == 404
    assert _thumbs(portal.get(page).get_data(as_text=True)) == []


def test_a_refused_upload_puts_nothing_in_the_bucket(bucket_app):
    app, bucket, endpoint = bucket_app, bucket_app.bucket, bucket_app.s3_endpoint
    _, asset, portal, console = _world(app)
    answer = _upload(console, f"/staff/assets/{asset.id}/files", HTML_AS_JPG, "photo.jpg")
    assert answer.status_code == 422
    assert "photo.jpg is not a photo or a PDF." in answer.get_data(as_text=True)
    # One good photo and one refused file: the lot is refused, nothing half-stored.
    both = console.post(f"/staff/assets/{asset.id}/files", data={
        "csrf_token": console.csrf_token(),
        "files": [file_part(photo(seed=2), "IMG_2.jpg", "image/jpeg"),
                  file_part(HTML_AS_JPG, "photo.jpg", "image/jpeg")]},
        content_type="multipart/form-data")
    assert both.status_code == 422
    assert _objects(endpoint, bucket) == {}


def test_the_demo_keeps_its_photos_in_the_bucket(bucket_app):
    """`flask demo` stores its two photos through the same storage: four objects in the bucket,
    and the request page shows the leak's thumbnail from there."""
    app, bucket, endpoint = bucket_app, bucket_app.bucket, bucket_app.s3_endpoint
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    stored = _objects(endpoint, bucket)
    assert len(stored) == 4 and sum(key.endswith("-thumb.jpg") for key in stored) == 2
    dana = app.test_client()
    dana.login_portal("dana@acme-logistics.example", "demo-customer-pass")
    html = dana.get("/requests").get_data(as_text=True)
    ids = re.findall(r'href="/requests/(\d+)"', html)
    thumbs = [url for ident in ids for url in _thumbs(dana.get(f"/requests/{ident}")
                                                      .get_data(as_text=True))]
    assert len(thumbs) == 1
    assert dana.get(thumbs[0]).data in stored.values()
    assert app.test_cli_runner().invoke(args=["demo", "--if-empty"]).exit_code == 0
    assert len(_objects(endpoint, bucket)) == 4
