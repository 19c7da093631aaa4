"""Security and caching headers on every response."""

from __future__ import annotations

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, g, request, session


def csp_nonce() -> str:
    """Return this request's nonce for the one <style> block that carries the brand colour."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def no_referrer(response):
    """Mark a response that shows a secret link: never cached, never sent as a referrer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def download(response, filename: str, content_type: str):
    """Mark `response` as a private download saved as `filename` (letters, digits, - _ . kept;
    anything else becomes -, so a document number can never break the header)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in filename)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce)

    @app.after_request
    def set_headers(response):
        headers = response.headers
        nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
        headers["Content-Security-Policy"] = _csp(app.config.get("STRIPE_API_BASE") or "") \
            .format(nonce=nonce)
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["PORTAL_HTTPS"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.path.startswith(("/invite/", "/reset/")):
            no_referrer(response)  # error pages at a secret link must not leak it either
        if request.endpoint == "static":
            _buffer_file(response)
            if _digested(request.path):
                headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            # A logged-in page is somebody's invoices or customers: never kept by a browser or
            # a proxy (the back button after logging out asks the server again).
            logged_in = "_user_id" in session
            headers.setdefault("Cache-Control", "no-store" if logged_in else "no-cache, private")
            headers.add("Vary", "HX-Request")
        return response


STRIPE_ORIGINS = "https://checkout.stripe.com https://connect.stripe.com"


@lru_cache(maxsize=8)
def _csp(stripe_api_base: str) -> str:
    """The policy, with {nonce} for the request's style nonce. Forms post to us; the pay and
    onboarding buttons are answered with a redirect to Stripe, which Chromium checks against
    form-action too. STRIPE_API_BASE (a local fake Stripe in tests and trials) serves its
    checkout pages from its own origin."""
    form_action = f"'self' {STRIPE_ORIGINS}"
    if stripe_api_base:
        parts = urlsplit(stripe_api_base)
        form_action += f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'self'; script-src 'self'; style-src 'self'{nonce}; "
            "img-src 'self' data:; font-src 'none'; object-src 'none'; base-uri 'none'; "
            f"form-action {form_action}; frame-ancestors 'none'")


def _buffer_file(response) -> None:
    """Read a (small) static file into memory and close it, so compression after this hook
    replaces bytes, not an open file it would never close."""
    if response.direct_passthrough and response.status_code == 200:
        original = response.response
        response.direct_passthrough = False
        response.set_data(b"".join(original))
        if hasattr(original, "close"):
            original.close()


def _digested(path: str) -> bool:
    """True for flask-static-digest's content-hashed names (name-<32 hex>.ext)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    tag = stem.rsplit("-", 1)[-1]
    return len(tag) == 32 and all(c in "0123456789abcdef" for c in tag)
