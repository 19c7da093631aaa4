"""Flask's signed cookie session, verified once per cookie value and worker.

Flask's SecureCookieSessionInterface builds a serializer, derives its key and checks the HMAC
and the timestamp of the session cookie on every request: ~10% of a logged-in request that does
nothing else. A browser sends the same cookie value until the session changes, and the same
value always decodes to the same content, so the decoded content of a valid cookie is kept per
(secret, cookie value). Its age is still checked against PERMANENT_SESSION_LIFETIME on every
request, as itsdangerous would; only sessions of plain values (strings, numbers) are kept, and
each request gets its own copy. A changed session is saved (signed) as Flask always does.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

_PLAIN = (str, int, float, bool, type(None))
_KEEP = 10_000  # cookies remembered per worker; the memo starts over past it


class KeptSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._opened: dict[tuple, tuple[dict, float]] = {}

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or app.secret_key is None:
            return super().open_session(app, request)
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._opened.get(key)
        if kept is not None:
            data, signed_at = kept
            if 0 <= int(time.time()) - signed_at <= max_age:  # itsdangerous's own age rule
                return self.session_class(data)
            self._opened.pop(key, None)
        serializer = self.get_signing_serializer(app)
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # expired or forged: a new, empty session, as Flask does
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            if len(self._opened) >= _KEEP:
                self._opened.clear()
            self._opened[key] = (dict(data), int(signed.timestamp()))
        return self.session_class(data)
