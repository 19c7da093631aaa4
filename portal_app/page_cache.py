"""Rendered pages kept per worker, keyed by the revision of the data they were read from.

A page marked `@page_cache.cached` (the documents, their lists and the dashboards: pages that
only read the database) is kept after its first render and served again to the same session
for the same URL while nothing in the database has changed:

- **Every committed write moves the revision.** An engine hook flags a connection that ran any
  statement other than a read, and bumps the one row of `data_revision` inside that
  transaction, right before it commits (the last statement: it locks nothing the transaction
  waits on afterwards). Whatever wrote (the ORM, a Core statement on the session's connection,
  the CLI, the outbox worker, the Stripe webhook) moves it; migrations do not (a deploy
  restarts the workers, whose caches are in memory).
- **The revision is read with the login**, in the login loader's own statement, before the page
  reads anything: a page read after a commit is at least as new as the revision it is kept
  under, so a kept page is never older than its key.
- **The key is everything a page is made of**: the revision, the 15-minute slot of the clock
  (dates, "overdue" and every shop's midnight fall on one), the host, the path and query, the
  htmx headers and the session's content (who is logged in, through which contact, the preview,
  the CSRF token). A session that changed, a response that sets a cookie, shows a flash or is
  not a 200 is not kept.
- **Values that must be new on every render are new on every serve**: the CSP nonce and each
  form's submission key (submissions.py) are recorded when made and replaced by fresh ones each
  time the kept page is served, so two tabs never share a submission key.

Access is never cached: the login guard and the loader run on every request before a kept
page is looked at. PAGE_CACHE_BYTES bounds the cache of each worker (0 turns it off).
"""

from __future__ import annotations

import re
import threading
from functools import wraps

from cachetools import LRUCache
from flask import Flask, current_app, g, has_request_context, request, session
from sqlalchemy import event, select

from portal_app.models import DataRevision, utcnow

# The revision, as a column of the login loader's statement (auth_session.py).
REVISION = (select(DataRevision.value).where(DataRevision.id == 1)
            .scalar_subquery().label("data_revision"))

_WROTE = "portal_wrote"
SKIP = "portal_no_revision"  # set by migrations/env.py on its connection
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SET ", "SHOW")
_BUMP = "UPDATE data_revision SET value = value + 1 WHERE id = 1"
_FIRST = "INSERT INTO data_revision (id, value) VALUES (1, 1)"
SLOT_SECONDS = 900  # every time zone's midnight is on a quarter hour of UTC
_KEPT_HEADERS_SKIPPED = {"content-length", "set-cookie", "vary"}


def _flag_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    # Runs for every statement: look at its first words only (lstrip would copy all of it).
    if not statement[:16].lstrip()[:9].upper().startswith(_READS):
        conn.info[_WROTE] = True


_PRESENT_CHECK = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'data_revision'",
    "postgresql": "SELECT count(*) FROM pg_catalog.pg_tables "
                  "WHERE tablename = 'data_revision' AND schemaname = ANY(current_schemas(false))",
}
_present: set[str] = set()  # databases known to have the table, until the next migration


def _bump_on_commit(conn) -> None:
    info = conn.info
    if info.pop(_WROTE, False) and not info.get(SKIP):
        # On the DBAPI cursor, inside the transaction being committed: atomic with its writes.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            database = str(conn.engine.url)
            if database not in _present:  # a database not migrated this far has no revision
                cursor.execute(_PRESENT_CHECK[conn.dialect.name])
                if not cursor.fetchone()[0]:
                    return
                _present.add(database)
            cursor.execute(_BUMP)
            if cursor.rowcount == 0:  # a database emptied by hand (the tests' cleanup)
                cursor.execute(_FIRST)
        finally:
            cursor.close()


def _forget_writes(conn) -> None:
    conn.info.pop(_WROTE, None)


def schema_changed() -> None:
    """A migration ran (migrations/env.py): look for the table again at the next write."""
    _present.clear()


def watch(engine) -> None:
    """Attach the revision hooks to the app's engine (database.configure_engines)."""
    event.listen(engine, "before_cursor_execute", _flag_writes)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _forget_writes)


class Entry:
    """A kept page: its body split around the values that are made new on every serve."""

    __slots__ = ("parts", "kinds", "status", "headers", "size")

    def __init__(self, parts, kinds, status, headers):
        self.parts, self.kinds, self.status, self.headers = parts, kinds, status, headers
        self.size = sum(len(part) for part in parts) + 200

    def response(self):
        fresh: dict[bytes, bytes] = {}
        out = []
        for index, part in enumerate(self.parts):
            if index % 2 == 0:
                out.append(part)
                continue
            value = fresh.get(part)
            if value is None:
                value = fresh[part] = _make(self.kinds[part]).encode()
            out.append(value)
        return current_app.response_class(b"".join(out), self.status, self.headers)


def _make(kind: str) -> str:
    if kind == "nonce":
        from portal_app.http_headers import csp_nonce

        return csp_nonce()  # this request's nonce: the CSP header gets the same one
    from portal_app.submissions import new_key

    return new_key()


def made(kind: str, value: str) -> str:
    """Record a value a render made new ("nonce", "key"), for a page that may be kept."""
    if has_request_context():
        made_here = g.get("page_randoms")
        if made_here is not None:
            made_here[value.encode()] = kind
    return value


class PageCache:
    def __init__(self, max_bytes: int):
        self._entries: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda e: e.size)
        self._lock = threading.Lock()
        self.max_entry = max(max_bytes // 8, 1)

    def get(self, key) -> Entry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key, entry: Entry) -> None:
        entry.size += sum(len(part) for part in key if isinstance(part, (str, bytes)))
        if entry.size <= self.max_entry:
            with self._lock:
                self._entries[key] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _key():
    revision = g.get("data_revision")
    if revision is None:
        return None
    htmx = tuple(sorted((name, value) for name, value in request.headers.items()
                        if name[:3].lower() == "hx-"))
    return (revision, int(utcnow().timestamp()) // SLOT_SECONDS, request.host, request.scheme,
            request.script_root, request.path, request.query_string, htmx,
            repr(sorted(session.items())))


def cached(view):
    """Serve this GET page from the cache when its key is there; keep it after rendering."""
    @wraps(view)
    def page(*args, **kwargs):
        cache = current_app.extensions.get("page_cache")
        if cache is None or request.method != "GET":
            return view(*args, **kwargs)
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        entry = cache.get(key)
        if entry is not None:
            return entry.response()
        g.page_cache_key = key
        g.page_randoms = {}
        return view(*args, **kwargs)

    return page


def _keep(response):
    key = g.pop("page_cache_key", None)
    if key is None or response.status_code != 200 or response.direct_passthrough \
            or response.is_streamed or response.mimetype != "text/html" or session.modified \
            or "Set-Cookie" in response.headers:
        return response
    randoms: dict[bytes, str] = g.pop("page_randoms", {})
    headers = [(name, value) for name, value in response.headers.items()
               if name.lower() not in _KEPT_HEADERS_SKIPPED]
    if any(value.decode() in text for value in randoms for _, text in headers):
        return response
    body = response.get_data()
    if randoms:
        pattern = re.compile(b"(" + b"|".join(re.escape(value) for value in randoms) + b")")
        parts = tuple(pattern.split(body))
    else:
        parts = (body,)
    current_app.extensions["page_cache"].put(key, Entry(parts, randoms, 200, headers))
    return response


def init_app(app: Flask) -> None:
    """Create the worker's cache; register last, so that it sees the view's response first."""
    size = int(app.config.get("PAGE_CACHE_BYTES") or 0)
    if size <= 0:
        return
    app.extensions["page_cache"] = PageCache(size)
    app.after_request(_keep)


def clear(app: Flask) -> None:
    cache = app.extensions.get("page_cache")
    if cache is not None:
        cache.clear()


