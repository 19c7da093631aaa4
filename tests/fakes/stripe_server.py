"""A fake Stripe API for tests: a real HTTP server on 127.0.0.1 that the stripe library talks to.

Connected accounts (created by the platform or added by a test), single-use account links with
an onboarding page, Checkout Sessions, PaymentIntents and their charges with Stripe's form
encoding, Stripe-Account scoping, idempotency keys and errors; a hosted checkout page without
JavaScript; signed webhooks. By hand: ``python -m tests.fakes.stripe_server --help`` (see
stripe_cli.py)."""

from __future__ import annotations

import copy
import html
import json
import re
import secrets
import string
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe

API_VERSION = stripe.api_version
METHOD_CAPABILITY = {"card": "card_payments", "us_bank_account": "us_bank_account_ach_payments"}
OUTCOME_METHOD = {"card": "card", "ach": "us_bank_account"}
PAY_LABELS = {"card": "Pay with card", "ach": "Pay with bank account"}
ACCOUNT_DEFAULTS = {"charges_enabled": True, "payouts_enabled": True, "disabled_reason": None,
                    "currently_due": (), "current_deadline": None, "card": True, "ach": True}
CHECKOUT_TITLE = "Fake Stripe Checkout"
# A connected account the platform has just created: Stripe needs the business's details first.
NEW_ACCOUNT = {"charges_enabled": False, "payouts_enabled": False,
               "disabled_reason": "requirements.past_due",
               "currently_due": ("business_type", "external_account", "tos_acceptance.date",
                                 "tos_acceptance.ip"), "card": False, "ach": False}
# What the account reads after "Submit details" on the fake onboarding page: Active.
ONBOARDED = {"charges_enabled": True, "payouts_enabled": True, "disabled_reason": None,
             "currently_due": (), "current_deadline": None, "card": True, "ach": True}
CREATED_FIELDS = ("email", "country", "business_profile", "controller", "metadata", "type")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


# Follows no redirects (a 3xx is an answer) and ignores *_proxy variables: we talk to 127.0.0.1.
LOCAL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def new_id(prefix: str) -> str:
    """A Stripe-looking id such as ``cs_test_a1B2...``."""
    alphabet = string.ascii_letters + string.digits
    return prefix + "_" + "".join(secrets.choice(alphabet) for _ in range(24))


def decode_params(encoded: str) -> dict:
    """Stripe's form encoding (``a[b][0][c]=1``, ``a[]=x``) as nested dicts and lists of str."""
    root: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(encoded, keep_blank_values=True):
        names = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for name in names[:-1]:
            node = node.setdefault(name or str(len(node)), {})
        node[names[-1] or str(len(node))] = value
    return _listify(root)


def _listify(value: Any) -> Any:
    """Turn dicts keyed "0".."n-1" into lists, recursively."""
    if not isinstance(value, dict):
        return value
    items = {key: _listify(item) for key, item in value.items()}
    if items and set(items) == {str(i) for i in range(len(items))}:
        return [items[str(i)] for i in range(len(items))]
    return items


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it; ``headers`` is case-insensitive."""

    method: str
    path: str
    params: dict
    headers: Message
    body: str
    account: str | None
    idempotency_key: str | None


class Scoped(dict):
    """A Stripe object as last returned, living in ``.account`` (None for the platform)."""

    def __init__(self, data: dict, account: str | None):
        super().__init__(data)
        self.account = account


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, obj: Any) -> _Reply:
    return _Reply(status, json.dumps(obj).encode())


def _html_reply(status: int, content: str, title: str = CHECKOUT_TITLE) -> _Reply:
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{content}</body></html>")
    return _Reply(status, page.encode(), "text/html; charset=utf-8")


class _ApiError(Exception):
    """An error answered as Stripe does: ``{"error": {"type", "code", "message", "param"}}``."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 param: str | None = None, error_type: str | None = None):
        super().__init__(message)
        error_type = error_type or {401: "authentication_error", 402: "card_error"}.get(
            status, "invalid_request_error" if status < 500 else "api_error")
        error = {"type": error_type, "code": code, "message": message, "param": param}
        self.reply = _json_reply(status, {"error": {k: v for k, v in error.items() if v}})


def _missing(param: str) -> _ApiError:
    return _ApiError(400, f"Missing required param: {param}.", "parameter_missing", param)


class FakeStripe:
    """The fake server and its state; all state is read and changed under one lock."""

    def __init__(self, webhook_secret: str = "whsec_test", webhook_url: str | None = None):
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.log_requests = False  # log requests and webhooks to stderr (as the command line does)
        self.requests: list[Recorded] = []
        self.sessions: dict[str, Scoped] = {}
        self.payment_intents: dict[str, Scoped] = {}
        self.charges: dict[str, Scoped] = {}
        self.deliveries: list[tuple[str, int | None]] = []
        self._accounts: dict[str, dict] = {}
        self.created_accounts: dict[str, dict] = {}  # id: the parameters of POST /v1/accounts
        self._account_links: dict[str, dict] = {}  # account: its newest link (id, params, used)
        self._intent_metadata: dict[str, dict] = {}
        self._idempotency: dict[tuple, tuple] = {}  # (account, key): (method, path, params, reply)
        self._hangs: list[dict] = []
        self._failures: list[dict] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> FakeStripe:
        """Listen on 127.0.0.1 (``port`` 0 picks a free one) and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeStripe is already running")
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-stripe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake hanging requests, stop serving, close the sockets and join every thread."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeStripe is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        """Forget accounts, objects, requests, deliveries, injections and idempotency keys."""
        with self._lock:
            for state in (self.requests, self.sessions, self.payment_intents, self.charges,
                          self.deliveries, self.created_accounts,
                          self._accounts, self._account_links, self._intent_metadata,
                          self._idempotency, self._hangs, self._failures):
                state.clear()

    def add_account(self, account_id: str, **settings: Any) -> dict:
        """Create (or replace) a connected account. Keywords and defaults: ACCOUNT_DEFAULTS
        (Active); card/ach say whether that capability is active. Returns the account object."""
        with self._lock:
            self._accounts[account_id] = dict(ACCOUNT_DEFAULTS)
            return self.update_account(account_id, **settings)

    def update_account(self, account_id: str, **changes: Any) -> dict:
        """Change only the given settings; returns the account object."""
        if not set(changes) <= set(ACCOUNT_DEFAULTS):
            raise TypeError(f"unknown settings: {sorted(set(changes) - set(ACCOUNT_DEFAULTS))}")
        with self._lock:
            self._accounts[account_id].update(changes)
            return self._account_object(account_id)

    def _account_object(self, account_id: str) -> dict:
        settings = self._accounts[account_id]
        due, reason = list(settings["currently_due"]), settings["disabled_reason"]
        created = self.created_accounts.get(account_id, {})
        return {
            **{name: created[name] for name in CREATED_FIELDS if name in created},
            "id": account_id, "object": "account",
            "charges_enabled": settings["charges_enabled"],
            "payouts_enabled": settings["payouts_enabled"],
            "details_submitted": settings["charges_enabled"] or not due,
            "requirements": {
                "currently_due": due, "eventually_due": list(due),
                "past_due": list(due) if reason == "requirements.past_due" else [],
                "disabled_reason": reason, "current_deadline": settings["current_deadline"]},
            "capabilities": {
                "card_payments": "active" if settings["card"] else "inactive",
                "us_bank_account_ach_payments": "active" if settings["ach"] else "inactive"},
        }

    def requests_to(self, method: str, path_prefix: str) -> list[Recorded]:
        """Recorded requests with this method whose path starts with ``path_prefix``."""
        with self._lock:
            return [r for r in self.requests
                    if r.method == method.upper() and r.path.startswith(path_prefix)]

    def fail_next(self, status: int = 500, count: int = 1, path_prefix: str = "/v1/",
                  error_type: str | None = None, code: str | None = None,
                  message: str = "Fake Stripe injected this error.") -> None:
        """Answer the next ``count`` matching requests with this error. The type follows the
        status unless given: 401 authentication_error, 402 card_error, other 4xx
        invalid_request_error, 5xx api_error. Injected errors are not kept for idempotency."""
        error = _ApiError(status, message, code, error_type=error_type)
        with self._lock:
            self._failures.append({"path_prefix": path_prefix, "count": count, "error": error})

    def hang_next(self, seconds: float, count: int = 1, path_prefix: str = "/v1/") -> None:
        """Wait ``seconds`` before handling the next ``count`` matching requests: a client that
        timed out may still see the effect, as with Stripe. stop() drops them unanswered."""
        with self._lock:
            self._hangs.append({"path_prefix": path_prefix, "count": count, "seconds": seconds})

    def reset_injections(self) -> None:
        """Forget injected errors and hangs not used yet."""
        with self._lock:
            self._hangs.clear()
            self._failures.clear()

    @staticmethod
    def _take_injection(injections: list[dict], path: str) -> dict | None:
        for injection in injections:
            if path.startswith(injection["path_prefix"]):
                injection["count"] -= 1
                if injection["count"] <= 0:
                    injections.remove(injection)
                return injection
        return None

    def complete_onboarding(self, account_id: str) -> dict:
        """The account holder submitted every detail: the account is Active (card and ACH).
        Returns the account.updated event. Raises KeyError for an unknown account."""
        with self._lock:
            if account_id not in self._accounts:
                raise KeyError(account_id)
            account = self.update_account(account_id, **ONBOARDED)
            return self.event("account.updated", account, account_id)

    def complete_checkout(self, session_id: str, outcome: str = "card") -> dict:
        """Pay an open session ("card": paid at once, "ach": processing), create its
        PaymentIntent and return the checkout.session.completed event.
        Raises KeyError for an unknown session, ValueError if not open or method not offered."""
        with self._lock:
            session = self.sessions[session_id]
            method, paid = OUTCOME_METHOD.get(outcome), outcome == "card"
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is {session['status']}")
            if method not in session["payment_method_types"]:
                raise ValueError(f"outcome {outcome!r} is not offered by {session_id}")
            intent = Scoped({
                "id": new_id("pi"), "object": "payment_intent",
                "amount": session["amount_total"], "currency": session["currency"],
                "status": "succeeded" if paid else "processing",
                "metadata": dict(self._intent_metadata[session_id]),
                "last_payment_error": None, "latest_charge": new_id("ch"),
                "payment_method_types": [method], "created": int(time.time()), "livemode": False,
            }, session.account)
            self.payment_intents[intent["id"]] = intent
            self.charges[intent["latest_charge"]] = Scoped({
                "id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"],
                "amount": intent["amount"], "currency": intent["currency"],
                "status": "succeeded" if paid else "pending", "paid": paid,
                "failure_code": None, "failure_message": None, "amount_refunded": 0,
                "created": int(time.time()), "livemode": False,
            }, session.account)
            session.update(status="complete", payment_status="paid" if paid else "unpaid",
                           payment_intent=intent["id"])
            return self.event("checkout.session.completed", session, session.account)

    def settle_ach(self, session_id: str, succeeded: bool = True,
                   failure_code: str | None = None, code_on: str = "intent") -> dict:
        """Clear or fail a processing bank payment; returns the async_payment_* event.
        A failure's code is on the PaymentIntent's last_payment_error and on its charge
        (code_on="intent"), or only on the charge's failure_code (code_on="charge", as some
        ACH returns arrive). Raises KeyError for an unknown session, ValueError if no bank
        payment is processing."""
        with self._lock:
            session = self.sessions[session_id]
            intent = self.payment_intents.get(session["payment_intent"] or "")
            if intent is None or intent["status"] != "processing":
                raise ValueError(f"checkout session {session_id} has no processing bank payment")
            charge = self.charges[intent["latest_charge"]]
            message = f"The bank payment failed ({failure_code or 'unknown reason'})."
            if succeeded:
                intent["status"], session["payment_status"] = "succeeded", "paid"
                charge.update(status="succeeded", paid=True)
            else:
                intent.update(status="requires_payment_method", last_payment_error={
                    "code": failure_code if code_on == "intent" else None, "decline_code": None,
                    "type": "invalid_request_error",
                    "message": message if code_on == "intent" else "The payment failed."})
                charge.update(status="failed", failure_code=failure_code,
                              failure_message=message)
            return self.event("checkout.session.async_payment_"
                              + ("succeeded" if succeeded else "failed"), session, session.account)

    def charge_of(self, session_id: str) -> dict:
        """The latest charge of a completed session's PaymentIntent."""
        with self._lock:
            intent = self.payment_intents[self.sessions[session_id]["payment_intent"]]
            return copy.deepcopy(dict(self.charges[intent["latest_charge"]]))

    def event(self, type: str, obj: dict, account: str | None) -> dict:
        """A v1 snapshot event carrying a copy of ``obj``."""
        return {"id": new_id("evt"), "object": "event", "type": type, "account": account,
                "api_version": API_VERSION, "created": int(time.time()), "livemode": False,
                "data": {"object": copy.deepcopy(dict(obj))}}

    def sign(self, payload: bytes | str, timestamp: int | None = None,
             secret: str | None = None) -> str:
        """The Stripe-Signature header value (``t=...,v1=...``) for exactly these bytes."""
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8")
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp)

    def deliver(self, event: dict, url: str | None = None,
                timestamp: int | None = None) -> tuple[int, str]:
        """POST the signed event to ``url`` or webhook_url, following no redirects. Each attempt
        goes to ``deliveries`` as (type, status); status None: unreachable (error raised)."""
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook url to deliver to")
        payload = json.dumps(event).encode()
        request = urllib.request.Request(target, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": self.sign(payload, timestamp)})
        status = None
        try:
            with LOCAL_OPENER.open(request, timeout=10) as response:
                status, body = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            with error:
                status, body = error.code, error.read().decode(errors="replace")
        finally:
            with self._lock:
                self.deliveries.append((event["type"], status))
            if self.log_requests:
                print(f"webhook {event['type']} -> {target}: {status or 'unreachable'}",
                      file=sys.stderr)
        return status, body

    def _deliver_quietly(self, event: dict) -> int | None:
        """Deliver to webhook_url if set; a failure only shows in ``deliveries``."""
        try:
            return self.deliver(event)[0] if self.webhook_url else None
        except (OSError, ValueError):
            return None

    def _hang(self, seconds: float) -> bool:
        """Hold a request for `seconds`; True when the server stops meanwhile. Short sleeps, not
        Event.wait(timeout): under libfaketime (the suite with the clock years ahead) a wait's
        deadline is taken from the faked clock and the kernel waits for the real one to reach
        it, where a relative sleep is unaffected."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self._stopping.is_set():
                return True
            time.sleep(0.01)
        return self._stopping.is_set()

    def _handle(self, request: Recorded) -> _Reply | None:
        """Answer one request; None means drop it unanswered (the server is stopping)."""
        with self._lock:
            self.requests.append(request)
            hang = self._take_injection(self._hangs, request.path)
            failure = self._take_injection(self._failures, request.path)
        if hang and self._hang(hang["seconds"]):
            return None
        if failure:
            return failure["error"].reply
        try:
            if request.path.startswith("/v1/"):
                return self._api(request)
            handler, args = self._route(self._PAGE_ROUTES, request)
            return handler(self, request, *args)
        except _ApiError as error:
            return error.reply

    @staticmethod
    def _route(routes: tuple, request: Recorded) -> tuple[Any, tuple[str, ...]]:
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                return handler, match.groups()
        raise _ApiError(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    def _api(self, request: Recorded) -> _Reply:
        """Authenticate, check the Stripe-Account, then replay or run the endpoint. Only
        successful POSTs are kept for idempotency (Stripe keeps no failed validation)."""
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            raise _ApiError(401, "Invalid API Key provided.")
        handler, args = self._route(self._API_ROUTES, request)
        with self._lock:
            if request.account is not None and request.account not in self._accounts:
                raise _ApiError(403, f"No access to account '{request.account}'.",
                                "account_invalid")
            remember = request.method == "POST" and request.idempotency_key
            key = (request.account, request.idempotency_key)
            used_with = (request.method, request.path, request.params)
            if remember and key in self._idempotency:
                *first_used_with, reply = self._idempotency[key]
                if tuple(first_used_with) != used_with:
                    raise _ApiError(400, "Keys for idempotent requests can only be used with the "
                                    "same parameters they were first used with.",
                                    error_type="idempotency_error")
                return _Reply(reply.status, reply.body, headers={"Idempotent-Replayed": "true"})
            reply = _json_reply(200, handler(self, request, *args))
            if remember:
                self._idempotency[key] = (*used_with, reply)
            return reply

    def _get_account(self, request: Recorded, account_id: str) -> dict:
        if account_id not in self._accounts:
            raise _ApiError(404, f"No such account: '{account_id}'", "resource_missing", "account")
        return self._account_object(account_id)

    def _create_account(self, request: Recorded) -> dict:
        """POST /v1/accounts on the platform: a new connected account that needs onboarding."""
        params = request.params
        if request.account is not None:
            raise _ApiError(400, "A connected account cannot create accounts.")
        if params.get("type") and params.get("controller"):
            raise _ApiError(400, "You cannot set both type and controller.", param="type")
        if params.get("country", "US") != "US":
            raise _ApiError(400, "The fake creates US accounts only.", param="country")
        account_id = new_id("acct")
        self.created_accounts[account_id] = params
        self._accounts[account_id] = dict(ACCOUNT_DEFAULTS, **NEW_ACCOUNT)
        return self._account_object(account_id)

    def _create_account_link(self, request: Recorded) -> dict:
        params = request.params
        for name in ("account", "refresh_url", "return_url", "type"):
            if not params.get(name):
                raise _missing(name)
        account = params["account"]
        if account not in self._accounts:
            raise _ApiError(400, f"No such account: '{account}'", "resource_missing", "account")
        if params["type"] not in ("account_onboarding", "account_update"):
            raise _ApiError(400, f"Invalid type: {params['type']}", param="type")
        link_id = new_id("link")
        self._account_links[account] = {"id": link_id, "params": params, "used": False}
        now = int(time.time())
        return {"object": "account_link", "url": f"{self.url}/onboarding/{account}/{link_id}",
                "created": now, "expires_at": now + 300}

    def _create_session(self, request: Recorded) -> dict:
        params = request.params
        for name in ("success_url", "line_items"):
            if not params.get(name):
                raise _missing(name)
        try:
            prices = [(item["price_data"], int(item["quantity"])) for item in params["line_items"]]
            amount_total = sum(int(price["unit_amount"]) * quantity for price, quantity in prices)
            currency = prices[0][0]["currency"].lower()
            expires_at = int(params.get("expires_at") or time.time() + 24 * 3600)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _ApiError(400, "Line items need quantity, price_data[currency|unit_amount].",
                            param="line_items")
        capabilities = (self._account_object(request.account)["capabilities"]
                        if request.account else dict.fromkeys(METHOD_CAPABILITY.values(), "active"))
        offered = [method for method in params.get("allowed_payment_method_types")
                   or list(METHOD_CAPABILITY)
                   if capabilities.get(METHOD_CAPABILITY.get(method)) == "active"]
        if not offered:
            raise _ApiError(400, "No allowed payment method type is active on this account.",
                            param="allowed_payment_method_types")
        session_id = new_id("cs_test")
        self.sessions[session_id] = Scoped({
            "id": session_id, "object": "checkout.session", "url": f"{self.url}/pay/{session_id}",
            "status": "open", "payment_status": "unpaid", "amount_total": amount_total,
            "currency": currency, "metadata": params.get("metadata", {}),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"), "payment_intent": None,
            "payment_method_types": offered,
            "payment_method_options": params.get("payment_method_options", {}),
            "mode": params.get("mode", "payment"), "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"), "created": int(time.time()),
            "expires_at": expires_at, "livemode": False,
        }, request.account)
        self._intent_metadata[session_id] = (
            params.get("payment_intent_data", {}).get("metadata", {}))
        return self.sessions[session_id]

    def _scoped(self, store: dict[str, Scoped], object_id: str, request: Recorded) -> Scoped:
        """The object if it lives in the request's Stripe-Account, else 404 (as Stripe does)."""
        obj = store.get(object_id)
        if obj is None or obj.account != request.account:
            kind = {id(self.sessions): "checkout.session", id(self.charges): "charge"}.get(
                id(store), "payment_intent")
            raise _ApiError(404, f"No such {kind}: '{object_id}'", "resource_missing", "id")
        return obj

    def _get_session(self, request: Recorded, session_id: str) -> dict:
        return self._scoped(self.sessions, session_id, request)

    def _expire_session(self, request: Recorded, session_id: str) -> dict:
        session = self._scoped(self.sessions, session_id, request)
        if session["status"] != "open":
            raise _ApiError(400, f"Only open Checkout Sessions can expire: {session['status']}.")
        session["status"] = "expired"
        return session

    def _get_intent(self, request: Recorded, intent_id: str) -> dict:
        intent = self._scoped(self.payment_intents, intent_id, request)
        if "latest_charge" in (request.params.get("expand") or []) and intent["latest_charge"]:
            intent = dict(intent, latest_charge=dict(self.charges[intent["latest_charge"]]))
        return intent

    def _get_charge(self, request: Recorded, charge_id: str) -> dict:
        return self._scoped(self.charges, charge_id, request)

    def _checkout_page(self, request: Recorded, session_id: str) -> _Reply:
        with self._lock:
            session = copy.deepcopy(self.sessions.get(session_id))
        if session is None:
            return _html_reply(404, "<p>No such checkout session.</p>")
        amount = (f"<p>Amount: <strong>{session['amount_total'] / 100:.2f} "
                  f"{html.escape(session['currency'].upper())}</strong></p>")
        forms = "".join(
            f'<form method="post" action="/pay/{html.escape(session_id)}"><input type="hidden" '
            f'name="outcome" value="{outcome}"><button type="submit">{PAY_LABELS[outcome]}'
            f"</button></form>" for outcome, method in OUTCOME_METHOD.items()
            if method in session["payment_method_types"] and session["status"] == "open"
        ) or f"<p>This session is {session['status']}.</p>"
        cancel = html.escape(session["cancel_url"] or "/")
        return _html_reply(200, f'{amount}{forms}<p><a href="{cancel}">Cancel</a></p>')

    def _pay(self, request: Recorded, session_id: str) -> _Reply:
        """complete_checkout, deliver the event, then 303 to the success URL."""
        try:
            event = self.complete_checkout(session_id, request.params.get("outcome", "card"))
        except KeyError:
            return _html_reply(404, "<p>No such checkout session.</p>")
        except ValueError as error:
            return _html_reply(400, f"<p>{html.escape(str(error))}</p>")
        self._deliver_quietly(event)
        success_url = event["data"]["object"]["success_url"]
        return _Reply(303, headers={"Location": success_url.replace("{CHECKOUT_SESSION_ID}",
                                                                    session_id)})

    def _take_link(self, account_id: str, link_id: str) -> tuple[dict | None, bool]:
        """(the link's parameters, whether it is still usable): a link is single-use, and a
        newer link for the account replaces it, as with Stripe."""
        with self._lock:
            link = self._account_links.get(account_id)
            if link is None:
                return None, False
            usable = link["id"] == link_id and not link["used"]
            if usable:
                link["used"] = True
            return copy.deepcopy(link["params"]), usable

    def _onboarding_page(self, request: Recorded, account_id: str, link_id: str) -> _Reply:
        """An Account Link opened: Stripe's onboarding, as one form. An expired (used or
        replaced) link sends the browser to the platform's refresh_url."""
        link, usable = self._take_link(account_id, link_id)
        if link is None:
            return _html_reply(404, "<p>No account link for this account.</p>", "Fake onboarding")
        if not usable:
            return _Reply(303, headers={"Location": link["refresh_url"]})
        with self._lock:
            due = ", ".join(self._accounts[account_id]["currently_due"]) or "nothing"
            self._account_links[account_id]["submit"] = link_id
        action = f"/onboarding/{html.escape(account_id)}/{html.escape(link_id)}"
        return _html_reply(200, f"<p>Account {html.escape(account_id)}. Stripe needs: "
                           f"{html.escape(due)}.</p>"
                           f'<form method="post" action="{action}"><button type="submit">'
                           f"Submit details</button></form>"
                           f'<p><a href="{html.escape(link["return_url"])}">Return to the '
                           f'platform</a> | <a href="{html.escape(link["refresh_url"])}">'
                           f"Link expired</a></p>", "Fake onboarding")

    def _submit_onboarding(self, request: Recorded, account_id: str, link_id: str) -> _Reply:
        """"Submit details": the account becomes Active, account.updated is delivered, and
        the browser goes to the return_url."""
        with self._lock:
            link = self._account_links.get(account_id)
            if link is None or link.get("submit") != link_id:
                return _html_reply(400, "<p>This onboarding page has expired.</p>",
                                   "Fake onboarding")
            link["submit"] = None
            event = self.complete_onboarding(account_id)
            return_url = link["params"]["return_url"]
        self._deliver_quietly(event)
        return _Reply(303, headers={"Location": return_url})

    def _control_settle(self, request: Recorded) -> _Reply:
        """POST /_fake/settle (form: session, failure_code): settle_ach, deliver the event."""
        session_id = request.params.get("session", "")
        failure_code = request.params.get("failure_code") or None
        try:
            event = self.settle_ach(session_id, failure_code is None, failure_code)
        except (KeyError, ValueError) as error:
            raise _ApiError(400, f"Cannot settle {session_id!r}: {error}")
        return _json_reply(200, {"event": event["type"], "session": session_id,
                                 "webhook_status": self._deliver_quietly(event)})

    _API_ROUTES = (
        ("POST", r"/v1/accounts", _create_account),
        ("GET", r"/v1/accounts/([^/]+)", _get_account),
        ("POST", r"/v1/account_links", _create_account_link),
        ("POST", r"/v1/checkout/sessions", _create_session),
        ("GET", r"/v1/checkout/sessions/([^/]+)", _get_session),
        ("POST", r"/v1/checkout/sessions/([^/]+)/expire", _expire_session),
        ("GET", r"/v1/payment_intents/([^/]+)", _get_intent),
        ("GET", r"/v1/charges/([^/]+)", _get_charge),
    )
    _PAGE_ROUTES = (
        ("GET", r"/pay/([^/]+)", _checkout_page),
        ("POST", r"/pay/([^/]+)", _pay),
        ("GET", r"/onboarding/([^/]+)/([^/]+)", _onboarding_page),
        ("POST", r"/onboarding/([^/]+)/([^/]+)", _submit_onboarding),
        ("POST", r"/_fake/settle", _control_settle),
    )


class _Server(ThreadingHTTPServer):
    """Keeps its request threads so that server_close() joins them: stop() returns only once
    every answer (even one a timed-out client gave up on) is finished."""

    daemon_threads = False
    block_on_close = True


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the FakeStripe answer it, writes the reply (HTTP/1.0)."""

    timeout = 10

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        reply = self.server.fake._handle(Recorded(
            method=self.command, path=url.path,
            params=decode_params(body if self.command == "POST" else url.query),
            headers=self.headers, body=body, account=self.headers.get("Stripe-Account"),
            idempotency_key=self.headers.get("Idempotency-Key")))
        if reply is None:
            return
        try:
            self.send_response(reply.status)
            for name, value in {"Content-Type": reply.content_type, "Request-Id": new_id("req"),
                                "Content-Length": str(len(reply.body)), **reply.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except ConnectionError:
            pass  # the client gave up, e.g. a timeout caused on purpose with hang_next

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.log_requests:
            super().log_message(format, *args)


if __name__ == "__main__":  # python -m tests.fakes.stripe_server ...: the command line
    from tests.fakes.stripe_cli import main

    raise SystemExit(main())
