"""Fixtures: the app on a real database built by the migrations, a real SMTP server, clients."""

from __future__ import annotations

import os
import shutil
import re
import tempfile
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from portal_app import create_app
from portal_app.extensions import db, limiter
from tests.databases import empty_postgres
from tests.mailserver import SMTPServer

BASE_URL = "http://portal.test"
STRIPE_WEBHOOK_SECRET = "whsec_test_portal"
UNREACHABLE_STRIPE = "http://127.0.0.1:9"  # nothing listens: no test reaches the real Stripe
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def _prepare_database() -> str:
    """Return the URL of an empty test database (TEST_DATABASE_URL, or a SQLite file)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="portal-test-")
        return "sqlite:///" + os.path.join(folder, "portal.sqlite3")
    return empty_postgres(url)


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stripe_server():
    """The fake Stripe HTTP server (tests/fakes/) that the real stripe library talks to."""
    import stripe

    from tests.fakes.stripe_server import FakeStripe

    stripe.enable_telemetry = False
    with FakeStripe(webhook_secret=STRIPE_WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def fake_stripe(app, stripe_server):
    """The fake Stripe, emptied for this test, with the app pointed at it."""
    stripe_server.reset()
    stripe_server.webhook_url = None
    app.config["STRIPE_API_BASE"] = stripe_server.url
    app.extensions.pop("stripe_client", None)
    yield stripe_server
    app.config["STRIPE_API_BASE"] = UNREACHABLE_STRIPE
    app.extensions.pop("stripe_client", None)


@pytest.fixture(scope="session")
def app(smtp_server, tmp_path_factory):
    from flask_migrate import upgrade

    database_url = _prepare_database()
    app = create_app({
        "TESTING": True,
        "PORTAL_ENV": "test",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_BASE_URL": BASE_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_TIMEOUT": 5,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail suppresses in TESTING; we want real SMTP
        "MAIL_DEFAULT_SENDER": "Portal <portal@portal.test>",
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://"),
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_API_BASE": UNREACHABLE_STRIPE,  # fake_stripe points it at the fake
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT": 2,
        "FILES_FOLDER": str(tmp_path_factory.mktemp("files")),  # photos and files (issue 21)
    })
    app.test_client_class = PortalClient
    app.jinja_env.undefined = __import__("jinja2").StrictUndefined
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request, smtp_server):
    """Every test starts on empty tables, fresh rate limits and an empty, running SMTP server."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        limiter.reset()
    files = app.config.get("FILES_FOLDER")
    if files and os.path.isdir(files):  # photos and files stored by the test
        for entry in os.listdir(files):
            shutil.rmtree(os.path.join(files, entry), ignore_errors=True)
    if not smtp_server.running:
        smtp_server.start()
    smtp_server.mailbox.clear()


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server.mailbox


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    from tests.factories import Factories

    return Factories(app)


# A shop with one customer and its billing contact logged in to the portal (invoice tests).
@pytest.fixture
def shop(make):
    return make.shop("Harbor Diesel")


@pytest.fixture
def acme(make, shop):
    return make.customer(shop, "Acme Logistics")


@pytest.fixture
def dana(make, acme):
    return make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)


@pytest.fixture
def portal(app, dana):
    from tests.factories import PASSWORD

    client = app.test_client()
    client.login_portal(dana.email, PASSWORD)
    return client


@pytest.fixture
def read(app):
    """Run fn() in a fresh app context and return its result (for reading the database)."""

    def run(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return run


class PortalClient(FlaskClient):
    """The test client, plus CSRF-aware form posts and log-in helpers."""

    def open(self, *args, **kwargs):
        # A real WSGI server closes every response; closing runs call_on_close callbacks
        # (the outbox delivers there), so the test client must do the same.
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response

    def csrf_token(self) -> str:
        for path in ("/login", "/", "/staff/"):
            response = self.get(path)
            if response.status_code == 200:
                match = CSRF_RE.search(response.get_data(as_text=True))
                if match:
                    return match.group(1) or match.group(2)
        raise AssertionError("no page offered a CSRF token")

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login_portal(self, email: str, password: str):
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return response

    def login_staff(self, email: str, password: str):
        response = self.post_form("/staff/login", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return response


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.05):
    """Poll until predicate() is truthy (for work done after a response closes)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (for Chromium)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = server.url  # email links lead to this server
    yield server
    app.config["PORTAL_BASE_URL"] = BASE_URL
    server.shutdown()
    thread.join(5)
