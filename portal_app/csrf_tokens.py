"""The signed CSRF token of a session, signed once per worker instead of on every page.

Flask-WTF signs the session's token (HMAC and a timestamp, through itsdangerous) on the first
csrf_token() of each request, and every page calls it (the layout's htmx header, the logout
button). With WTF_CSRF_TIME_LIMIT None (config.py: the token lives as long as the session) the
timestamp is never checked, so one signed value per session's token is as valid as a fresh
one: it is kept, keyed by the secret and the session's own token, so a session only ever gets
the token for its own raw value. With a time limit, every call signs afresh as Flask-WTF does.
"""

from __future__ import annotations

from flask import current_app, g, session
from flask_wtf import csrf

_original = csrf.generate_csrf
_SIGNED: dict[tuple[str, str], str] = {}
_KEEP = 10_000  # sessions remembered per worker; the memo starts over past it


def generate_csrf(secret_key=None, token_key=None) -> str:
    config = current_app.config
    field = token_key or config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return _original(secret_key, token_key)
    secret = secret_key or config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(field)
    if isinstance(raw, str):
        signed = _SIGNED.get((secret, raw))
        if signed is not None:
            setattr(g, field, signed)  # Flask-WTF's own per-request cache
            return signed
    signed = _original(secret_key, token_key)
    if len(_SIGNED) >= _KEEP:
        _SIGNED.clear()
    _SIGNED[(secret, session[field])] = signed
    return signed


def install() -> None:
    """Before CSRFProtect.init_app (which makes generate_csrf the templates' csrf_token):
    forms' hidden fields and csrf_token() both go through the kept signature."""
    csrf.generate_csrf = generate_csrf
