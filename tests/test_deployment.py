"""A real WSGI deployment: /healthz for the host's health checks, the development secret key
kept in instance/ (the same across restarts and workers), the gunicorn config file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from portal_app import config as settings
from portal_app import create_app
from portal_app.extensions import db
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_ok_without_login_or_session_cookie(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session is started for a probe
    assert not client.get_cookie("session")


def test_healthz_is_not_rate_limited_and_takes_any_host(app):
    """A load balancer checks every few seconds, from an address and with a Host of its own."""
    from flask_limiter import ExemptionScope

    from portal_app.extensions import limiter

    # Exempt from default and application-wide limits too, should the app get some.
    scope = limiter.limit_manager.exemption_scope(app, "probes.healthz", "probes")
    assert scope & ExemptionScope.DEFAULT and scope & ExemptionScope.APPLICATION
    client = app.test_client()
    for _ in range(80):  # more than any limit in the app allows a minute
        assert client.get("/healthz").status_code == 200
    for host in ("10.0.0.7:8000", "portal-web-1", "127.0.0.1"):
        response = client.get("/healthz", headers={"Host": host})
        assert response.status_code == 200, host
    # Every other page still refuses a Host that is not the portal's (a forged Host).
    assert client.get("/login", headers={"Host": "10.0.0.7:8000"}).status_code == 400


def test_healthz_is_503_when_the_database_is_unreachable(app, tmp_path):
    down = create_app({
        "TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "x",
        "RATELIMIT_STORAGE_URI": app.config["RATELIMIT_STORAGE_URI"],  # the limiter is shared
        # Nothing listens on port 9: the connection is refused at once.
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@127.0.0.1:9/portal",
    }, instance_path=str(tmp_path))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable"
    assert "Set-Cookie" not in response.headers
    with down.app_context():
        db.engine.dispose()


def test_the_development_secret_key_is_kept_in_instance_and_reused(tmp_path, monkeypatch):
    """Restarting `make run` or starting another worker logs nobody out: the key generated on
    the first start is read by every later create_app()."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "development")
    database = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    first = create_app({"SQLALCHEMY_DATABASE_URI": database}, instance_path=str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) == 64
    second = create_app({"SQLALCHEMY_DATABASE_URI": database}, instance_path=str(tmp_path))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    # A session signed by one process is valid in the other (what two workers need).
    from flask.sessions import SecureCookieSessionInterface

    signed = SecureCookieSessionInterface().get_signing_serializer(first).dumps({"n": 1})
    assert SecureCookieSessionInterface().get_signing_serializer(second).loads(signed) == {"n": 1}
    # An explicit SECRET_KEY wins, and production never invents one.
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app({"SQLALCHEMY_DATABASE_URI": database},
                      instance_path=str(tmp_path)).config["SECRET_KEY"] == "from-the-environment"
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": database}, instance_path=str(tmp_path))


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(
        settings.development_secret_key(str(tmp_path)))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys) == 8
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_tests_keep_their_own_key(app):
    assert app.config["SECRET_KEY"] == "test-secret-key-not-for-production"


def test_the_gunicorn_config_reads_its_settings_from_the_environment():
    script = ("import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
              "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'accesslog', "
              "'graceful_timeout', 'wsgi_app')}))")
    env = {**os.environ, "PORTAL_BIND": "127.0.0.1:8123", "WEB_CONCURRENCY": "3"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    import json

    found = json.loads(out)
    assert found["bind"] == ["127.0.0.1:8123"] and found["workers"] == 3
    assert found["accesslog"] == "-" and found["graceful_timeout"] >= 10
    assert found["wsgi_app"] == "wsgi:app"
    env.pop("WEB_CONCURRENCY")
    default = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                                        check=True, capture_output=True, text=True).stdout)
    assert default["workers"] == 2 * (os.cpu_count() or 1) + 1


def test_a_logged_in_session_survives_a_second_worker(tmp_path, monkeypatch, make, app):
    """Two apps built from the same instance folder (two gunicorn workers, or a restart):
    the cookie the first one set is accepted by the second."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "development")
    shared = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "RATELIMIT_STORAGE_URI": app.config["RATELIMIT_STORAGE_URI"],
              "PORTAL_BASE_URL": "http://127.0.0.1:5000"}
    first = create_app(dict(shared), instance_path=str(tmp_path))
    second = create_app(dict(shared), instance_path=str(tmp_path))
    shop = make.shop()
    staff = make.staff(shop)
    login = first.test_client()
    page = login.get("/staff/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = login.post("/staff/login", data={"email": staff.email, "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 303
    cookie = login.get_cookie("session")
    other = second.test_client()
    other.set_cookie("session", cookie.value, domain=cookie.domain)
    assert other.get("/staff/").status_code == 200  # still logged in on the other worker
    for made in (first, second):
        with made.app_context():
            db.engine.dispose()


def test_an_app_with_rate_limits_off_starts_and_serves(app, tmp_path):
    """RATELIMIT_ENABLED = False (the benchmarks' setting): Flask-Limiter registers no hooks, and
    the app still starts and answers."""
    from portal_app.extensions import limiter

    try:
        quiet = create_app({
            "TESTING": True, "PORTAL_ENV": "test", "SECRET_KEY": "x", "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": app.config["RATELIMIT_STORAGE_URI"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'quiet.sqlite3'}",
        }, instance_path=str(tmp_path))
        answer = quiet.test_client().get("/login")
        assert answer.status_code == 200 and "Log in" in answer.get_data(as_text=True)
        with quiet.app_context():
            db.engine.dispose()
    finally:
        limiter.enabled = True  # one Limiter for every app: the suite's app keeps its limits
