"""Rate limits hold across gunicorn workers (SECURITY.md row 30, issue 8 item 8).

The portal runs as the README's deployment does: gunicorn with two workers and
RATELIMIT_STORAGE_URI pointing at Redis. Wrong passwords are sent one after the other from one
client address (127.0.0.2) and the owner logs in from another (127.0.0.3): both are loopback
addresses, so the server sees two different IPs."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/11"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A tiny HTTP client from one source address, keeping the session cookie."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source, self.cookie = port, source, ""

    def request(self, method: str, path: str, body: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20,
                                          source_address=(self.source, 0))
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        conn.close()
        return response.status, text

    def login(self, email: str, password: str) -> int:
        _, page = self.request("GET", "/login")
        token = CSRF.search(page).group(1)
        status, _ = self.request("POST", "/login", {"csrf_token": token, "email": email,
                                                    "password": password})
        return status


def _two_guesses_on_two_workers(attacker: Browser, email: str) -> list[int]:
    """Two wrong-password POSTs of one session: the first sends its headers and holds its body
    back, which keeps the worker that took it busy; the second is then answered by the other
    worker; then the first's body goes out. Returns both statuses, in the order answered."""
    _, page = attacker.request("GET", "/login")
    token = CSRF.search(page).group(1)

    def raw(password: str) -> tuple[bytes, bytes]:
        body = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
        head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{attacker.port}\r\n"
                f"Cookie: {attacker.cookie}\r\nConnection: close\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        return head, body

    held = socket.create_connection(("127.0.0.1", attacker.port), timeout=20,
                                    source_address=(attacker.source, 0))
    head, body = raw("guess number 0")
    held.sendall(head)
    time.sleep(0.5)  # a worker has accepted it and waits for the body
    second, _ = attacker.request("POST", "/login", {"csrf_token": token, "email": email,
                                                    "password": "guess number 1"})
    held.sendall(body)
    answer = b""
    while chunk := held.recv(65536):
        answer += chunk
    held.close()
    first = int(answer.split(b" ", 2)[1])
    return [second, first]


@pytest.fixture
def gunicorn_two_workers(app, tmp_path):
    """gunicorn -w 2 serving the test database with Redis-backed rate limits."""
    store = redis.Redis.from_url(REDIS_URL)
    store.ping()  # CI starts Redis; a missing Redis is a failure here, not a skip
    prefix = "test-" + secrets.token_hex(6)
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": "one-key-for-both-workers",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}", "PORTAL_ENV": "production",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9", "RATELIMIT_STORAGE_URI": REDIS_URL}
    factory = f'portal_app:create_app({{"RATELIMIT_KEY_PREFIX": "{prefix}"}})'
    errors = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(tmp_path / "access.log"), "--access-logformat", "%(p)s %(s)s",
         factory],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        errors.close()
        raise AssertionError((tmp_path / "gunicorn.log").read_text()[-2000:])
    yield port, tmp_path / "access.log"
    server.terminate()
    server.wait(10)
    errors.close()
    for key in store.scan_iter(f"{prefix}*"):
        store.delete(key)


def test_wrong_passwords_are_limited_across_two_workers_and_the_owner_gets_in(
        make, gunicorn_two_workers):
    port, access_log = gunicorn_two_workers
    acme = make.customer(make.shop(), "Acme Logistics")
    contact = make.active_contact(acme, email="dana@acme.example")
    attacker = Browser(port, "127.0.0.2")
    # The first two guesses are in flight at once: while one worker waits for the first one's
    # body, the second must be answered by the other worker, so both count into the limit
    # (left to the kernel, one busy worker can take every connection).
    statuses = _two_guesses_on_two_workers(attacker, contact.email)
    statuses += [attacker.login(contact.email, f"guess number {n}") for n in range(2, 12)]
    assert statuses == [422] * 5 + [429] * 7, statuses
    time.sleep(0.5)  # the access log is written after each response
    workers = {line.split()[0] for line in access_log.read_text().splitlines()}
    assert len(workers) == 2, f"both workers answered ({workers}): the limit is shared"
    # the attacker's correct guess is refused too while limited ...
    assert attacker.login(contact.email, PASSWORD) == 429
    # ... but the owner, from their own address, logs in with the password they know
    owner = Browser(port, "127.0.0.3")
    assert owner.login(contact.email, PASSWORD) == 303
    status, page = owner.request("GET", "/")
    assert status == 200 and "Acme" in page
