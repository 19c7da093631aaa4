"""Python function calls per request of every page measured by bench/throughput.py, in-process:
a figure that does not move with the machine's other work, to compare two commits on a shared
machine where req/s moves by a third from one run to the next.

`make bench-calls` builds the demo on a fresh SQLite file, serves bench/throughput_app.py's app
(the portal plus /_bench/empty and /_bench/trivial) through Flask's test client, logs in as the
demo customer and the demo administrator like a browser (the first page's cookie is kept),
and counts the calls of 100 requests per page under cProfile with the browsers'
Accept-Encoding. Every request renders (nothing is kept between requests). It prints calls per
request and the ratio to the empty page of the portal layout. Nothing is judged: time per call
differs (a call into SQLite or brotli is one call), so req/s stays what bench/throughput.py
measures; this says whether a change did less work.

    .venv/bin/python bench/calls.py [--only /invoices] [--requests 100]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import PORTAL, STAFF, _ids, pages  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HEADERS = {"Accept-Encoding": "br, gzip"}


def _logged_in(app, email: str, password: str, path: str, first_page: str):
    client = app.test_client()
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    answer = client.post(path, data={"email": email, "password": password, "csrf_token": token})
    if answer.status_code != 303:
        raise SystemExit(f"login as {email}: {answer.status_code}")
    client.get(first_page)  # the page that adds the CSRF token to the session, as a browser
    return client


def count(client, path: str, requests: int) -> float:
    for _ in range(20):
        answer = client.get(path, headers=HEADERS)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answers {answer.status_code}, not 200")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path, headers=HEADERS)
    profile.disable()
    return pstats.Stats(profile).total_calls / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="count only these paths")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-calls-"))
    database_url = "sqlite:///" + str(folder / "portal.sqlite3")
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "bench-" + "k" * 40,
           "DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9",
           "RATELIMIT_STORAGE_URI": "memory://", "PORTAL_BASE_URL": "http://localhost",
           "FILES_FOLDER": str(folder / "files")}
    os.environ.update(env)
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                       capture_output=True)
    from bench.throughput_app import app

    clients = {"portal": _logged_in(app, *PORTAL, "/"), "staff": _logged_in(app, *STAFF, "/staff/")}
    measured = [("portal", "/_bench/empty"), ("portal", "/_bench/trivial"),
                *pages(_ids(database_url))]
    if args.only:
        measured = [(who, path) for who, path in measured
                    if path in args.only or path == "/_bench/empty"]
    print(f"{'page':<34} {'calls':>7} {'ratio':>6}   (calls per request, to the empty page)")
    empty = None
    for who, path in measured:
        calls = count(clients[who], path, args.requests)
        empty = empty or calls
        print(f"{who + ' ' + path:<34} {calls:>7.0f} {calls / empty:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
