"""Requests per second of every logged-in page as a browser sees it after its first view,
against an empty page in the same layout, and of that empty page against a bare Flask hello,
measured side by side in one run.

The rules: every logged-in page serves at least half the requests per second of an empty page
of the portal's layout (/_bench/empty: logged in, behind the portal's login guard, rendered
through the same render helper as every real page), and that empty page at least a quarter of a
bare Flask app's hello; every answer is a 200. Pages are measured as first views: nothing is
kept between requests (no page cache, no memos of security checks such as the session cookie's
signature or the login check), so every request does a page's whole work; what is compared is
that work to the work every page shares (login guard, layout, template machinery, compression).

`make bench-throughput` builds the demo on a fresh database (`flask db upgrade`, `flask demo`;
SQLite, or PostgreSQL with BENCH_DATABASE_URL), starts the portal and a bare Flask app each
under gunicorn with the project's gunicorn.conf.py (PORTAL_BIND, WEB_CONCURRENCY=2: two sync
workers, its access log going to /dev/null), logs in as the demo customer and the demo
administrator, visits every page once and keeps the newest session cookie (the first page
after logging in puts the CSRF token in the session, and a browser keeps the cookie it got
back), then runs wrk -t2 against each URL with that cookie and browsers' Accept-Encoding. It
prints req/s, the ratio, p95 latency and the count of answers that were not a 200, and exits 1
when a page is under 0.5x of the empty page, the empty page under 0.25x of the hello, or any
answer was not a 200.
Each page (and the hello) runs right after its own run of the empty page and its ratio is to
that run, so the machine's other work moves both figures of a pair alike; every pair runs
--rounds times (round after round over all pages) and the medians are printed and judged.
A trivial endpoint (/_bench/trivial, behind the same login guard, returning "ok") is reported
beside them, not judged: what a logged-in request costs before any template.

    .venv/bin/python bench/throughput.py [--seconds 3] [--rounds 3] [--connections 16]
                                         [--only /invoices] [--only /staff/]

/_bench/empty and /_bench/trivial exist only in the app this script serves
(bench/throughput_app.py, which also holds the bare hello).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import empty_postgres  # noqa: E402

PAGE_RATIO = 0.5  # every page against the empty page of the same layout
EMPTY_RATIO = 0.25  # the empty page against a bare Flask hello
WORKERS = 2
WRK_LUA = Path(__file__).resolve().parent / "wrk_report.lua"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PORTAL = ("dana@acme-logistics.example", "demo-customer-pass", "/login")
STAFF = ("admin@demo-fleet.example", "demo-admin-pass", "/staff/login")
EMPTY, TRIVIAL = "/_bench/empty", "/_bench/trivial"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn on {port} exited with {server.returncode}:\n"
                             + log.read_text(errors="replace")[-4000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not start:\n"
                     + log.read_text(errors="replace")[-4000:])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def _log_in(base: str, email: str, password: str, path: str) -> str:
    """Log in like a browser and return the session cookie header."""
    with OPENER.open(base + path) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = CSRF.search(response.read().decode()).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    request = urllib.request.Request(base + path, data=body, headers={"Cookie": cookie})
    try:
        OPENER.open(request)
        raise SystemExit(f"login as {email} did not redirect")
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"login as {email}: {answer.code}") from answer
        return answer.headers["Set-Cookie"].split(";", 1)[0]


def _visit(base: str, path: str, cookie: str) -> tuple[int, str]:
    """GET path as a browser would: (status, the session cookie the browser now holds). The
    first page after logging in adds the CSRF token to the session; a browser keeps the new
    cookie, so wrk must replay that one (replaying the login's cookie would make every request
    mint a token and re-sign the session, which no browser causes)."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    try:
        with OPENER.open(request) as response:
            answer = response
            answer.read()
    except urllib.error.HTTPError as error:
        answer = error
    fresh = answer.headers.get("Set-Cookie")
    return answer.status, fresh.split(";", 1)[0] if fresh else cookie


def _wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    run = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(WRK_LUA),
         "-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: br, gzip", url],
        capture_output=True, text=True, timeout=seconds + 60)
    found = dict(re.findall(r"^REPORT (\w+) ([\d.]+)$", run.stdout, re.M))
    if "requests" not in found:
        raise SystemExit(f"wrk gave no report for {url}:\n{run.stdout}\n{run.stderr}")
    return {key: float(value) for key, value in found.items()}


def _gunicorn(app: str, port: int, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn as the project deploys it (gunicorn.conf.py), on `port` with WORKERS workers.
    The conf sends its access log to stdout and has no setting to turn it off: stdout goes to
    /dev/null; its error log (stderr) to `log`, shown when the server does not start."""
    server_env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS)}
    with log.open("wb") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
            cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=errors)


def _ids(database_url: str) -> dict:
    """Ids in the demo that detail pages need."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        acme = conn.scalar(text("SELECT id FROM customer WHERE name = 'Acme Logistics'"))
        found = {
            "customer": acme,
            "invoice": conn.scalar(text(
                "SELECT min(id) FROM invoice WHERE number = 'INV-0002' AND customer_id = :c"),
                {"c": acme}),
            "asset": conn.scalar(text(
                "SELECT min(id) FROM asset WHERE unit_number = 'T-101' AND customer_id = :c"),
                {"c": acme}),
            "request": conn.scalar(text(
                "SELECT min(id) FROM service_request WHERE customer_id = :c"), {"c": acme}),
            "estimate": conn.scalar(text("SELECT min(id) FROM estimate")),
            "work_order": conn.scalar(text("SELECT min(id) FROM work_order")),
        }
    engine.dispose()
    missing = [name for name, value in found.items() if value is None]
    if missing:
        raise SystemExit(f"the demo has no {', '.join(missing)} for the detail pages")
    return found


def pages(ids: dict) -> list[tuple[str, str]]:
    """(who, path) of every logged-in page measured."""
    return [
        ("portal", "/"),
        ("portal", "/invoices"),
        ("portal", f"/invoices/{ids['invoice']}"),
        ("portal", "/assets"),
        ("portal", f"/assets/{ids['asset']}"),
        ("portal", "/requests"),
        ("portal", f"/requests/{ids['request']}"),
        ("portal", "/estimates"),
        ("portal", f"/estimates/{ids['estimate']}"),
        ("portal", "/work-orders"),
        ("portal", f"/work-orders/{ids['work_order']}"),
        ("staff", "/staff/"),
        ("staff", "/staff/invoices"),
        ("staff", f"/staff/invoices/{ids['invoice']}"),
        ("staff", "/staff/customers"),
        ("staff", f"/staff/customers/{ids['customer']}"),
        ("staff", "/staff/requests"),
        ("staff", f"/staff/requests/{ids['request']}"),
        ("staff", "/staff/estimates"),
        ("staff", f"/staff/estimates/{ids['estimate']}"),
        ("staff", "/staff/work-orders"),
        ("staff", f"/staff/work-orders/{ids['work_order']}"),
    ]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="pairs per page (median counts)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", action="append",
                        help="measure only these paths (the hello and the trivial endpoint "
                             "always run)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    folder = Path(tempfile.mkdtemp(prefix="portal-throughput-"))
    try:
        return measure(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(args: argparse.Namespace, folder: Path) -> int:
    """Build the demo in `folder` (SQLite) or BENCH_DATABASE_URL, serve, measure, print."""
    database_url = os.environ.get("BENCH_DATABASE_URL")
    database_url = empty_postgres(database_url) if database_url else \
        "sqlite:///" + str(folder / "portal.sqlite3")
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": "bench-" + "k" * 40,
           "DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9",
           "RATELIMIT_STORAGE_URI": "memory://", "PYTHONPATH": str(ROOT),
           "FILES_FOLDER": str(folder / "files")}
    for command in (["db", "upgrade"], ["demo"]):
        built = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command],
                               cwd=ROOT, env=env, capture_output=True, text=True)
        if built.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{built.stdout}{built.stderr}")
    ids = _ids(database_url)
    measured = pages(ids)
    if args.only:
        unknown = set(args.only) - {path for _, path in measured}
        if unknown:
            raise SystemExit(f"--only: not a measured page: {', '.join(sorted(unknown))}; "
                             f"measured: {' '.join(path for _, path in measured)}")
        measured = [(who, path) for who, path in measured if path in args.only]
    port, bare_port = _free_port(), _free_port()
    env["PORTAL_BASE_URL"] = f"http://127.0.0.1:{port}"
    servers = [(_gunicorn("bench.throughput_app:app", port, env, folder / "portal.log"),
                port, folder / "portal.log"),
               (_gunicorn("bench.throughput_app:bare", bare_port, env, folder / "bare.log"),
                bare_port, folder / "bare.log")]
    try:
        for server, server_port, log in servers:
            _wait(server_port, server, log)
        base = f"http://127.0.0.1:{port}"
        cookies = {"portal": _log_in(base, *PORTAL), "staff": _log_in(base, *STAFF)}
        # Every page once, as a browser after logging in: the newest cookie is the one kept.
        for who, path in [("portal", "/"), ("staff", "/staff/"), ("portal", EMPTY),
                          ("portal", TRIVIAL), *measured]:
            status, cookies[who] = _visit(base, path, cookies[who])
            if status != 200:
                raise SystemExit(f"{path} as {who} answers {status}, not 200")

        def run(url, cookie):
            return _wrk(url, cookie, args.seconds, args.connections)

        # Each target runs right after its own run of the empty page and is divided by it, so
        # a machine that slows down or speeds up during the run (other work on its cores) moves
        # both figures of a pair alike; the hello is paired the same way (the empty page to the
        # hello beside it). Each pair runs --rounds times, round after round over every target,
        # and the median ratio counts: on a shared machine one pair alone can be off by a third.
        empty_url = base + EMPTY
        targets = [("hello", f"http://127.0.0.1:{bare_port}/", "x=1"),
                   ("trivial", base + TRIVIAL, cookies["portal"])]
        targets += [(f"{who} {path}", base + path, cookies[who]) for who, path in measured]
        pairs: dict[str, list[tuple[dict, dict]]] = {label: [] for label, _, _ in targets}
        for _ in range(args.rounds):
            for label, url, cookie in targets:
                empty = run(empty_url, cookies["portal"])
                pairs[label].append((run(url, cookie), empty))
    finally:
        for server, _, _ in servers:
            server.terminate()
        for server, _, _ in servers:
            server.wait(30)

    def summary(runs: list[dict]) -> dict:
        return {"rps": median([r["rps"] for r in runs]), "p95": median([r["p95"] for r in runs]),
                "bad": sum(r["bad"] for r in runs), "socket": sum(r.get("socket", 0) for r in runs)}

    failed = []
    empties = [empty for runs in pairs.values() for _, empty in runs]
    hello = summary([page for page, _ in pairs["hello"]])
    beside_hello = summary([empty for _, empty in pairs["hello"]])
    empty_ratio = median([empty["rps"] / page["rps"] for page, empty in pairs["hello"]])
    all_empty = summary(empties)
    trivial = summary([page for page, _ in pairs["trivial"]])
    trivial_ratio = median([page["rps"] / empty["rps"] for page, empty in pairs["trivial"]])
    rows = []
    for label, _, _ in targets[2:]:
        result = summary([page for page, _ in pairs[label]])
        ratio = median([page["rps"] / empty["rps"] for page, empty in pairs[label]])
        rows.append((label, result, ratio))
        if result["bad"] or ratio < PAGE_RATIO:
            failed.append(f"{label} ({ratio:.2f}x, {result['bad']:.0f} non-200)")
    if empty_ratio < EMPTY_RATIO:
        failed.append(f"empty page at {empty_ratio:.2f}x of the bare hello")
    if all_empty["bad"]:
        failed.append(f"empty page answered non-200 {all_empty['bad']:.0f} times")
    if hello["bad"]:
        failed.append(f"bare hello answered non-200 {hello['bad']:.0f} times")
    if trivial["bad"]:
        failed.append(f"trivial endpoint answered non-200 {trivial['bad']:.0f} times")

    def line(label, result, ratio="", note=""):
        ratio = f"{ratio:.2f}" if isinstance(ratio, float) else ratio
        print(f"{label:<36} {result['rps']:>8.0f} {ratio:>6} {result['p95'] / 1000:>7.1f} "
              f"{result['bad']:>7.0f} {result['socket']:>6.0f}{note}")

    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} cores · gunicorn -c "
          f"gunicorn.conf.py, {WORKERS} workers · wrk -t2 -c{args.connections} "
          f"-d{args.seconds}s · {args.rounds} rounds (medians) · "
          f"{'PostgreSQL' if 'postgresql' in database_url else 'SQLite'}")
    print(f"{'page':<36} {'req/s':>8} {'ratio':>6} {'p95 ms':>7} {'non-200':>7} {'sock':>6}")
    line("bare Flask hello", hello)
    line("empty page (/_bench/empty)", beside_hello, empty_ratio,
         f"   (to the hello beside it; all its {len(empties)} runs: "
         f"{all_empty['rps']:.0f} req/s, p95 {all_empty['p95'] / 1000:.1f} ms)")
    line("trivial endpoint (/_bench/trivial)", trivial, trivial_ratio,
         "   (to the empty page; reported, not judged)")
    for label, result, ratio in rows:
        line(label, result, ratio)
    if failed:
        print("under budget or not all 200:", "; ".join(failed))
        return 1
    print(f"every page >= {PAGE_RATIO}x the empty page; the empty page >= {EMPTY_RATIO}x the "
          f"bare hello; every answer a 200")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
