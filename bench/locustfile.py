"""The load test's simulated people (run by bench/load.py; `make bench-load`).

Customers browse their dashboard, invoices, assets and requests, save request drafts and submit
them, and comment; staff browse the console, mark invoices paid and reply to requests; where
the app has estimates (issue 9), the demo customer approves sent ones. Every account logged in
once before the run (bench/load.py): its session cookie and CSRF token are shared by the users
given that account, as a person's tabs share them. Each successful write is recorded, with the
id the server answered, so that bench/load.py can count the rows afterwards.

Comments are paced per account (at most 5 in any 60 s, under the portal's 6 a minute per
person), so that a 429 is an error here too.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import re
import threading
import time
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"]).read())
# Seconds each simulated person waits between two requests (LOAD_WAIT="low,high"): short, so
# that 50 people keep 4 workers on 2 cores busy rather than reading pages.
WAIT = between(*(float(part) for part in os.environ.get("LOAD_WAIT", "0.05,0.3").split(",")))
RESULTS = os.environ["LOAD_RESULTS"]
HTMX = {"HX-Request": "true"}

_lock = threading.Lock()
_writes: dict[str, list] = collections.defaultdict(list)  # kind -> ids (or 1s) of successes
_comments: dict[str, collections.deque] = collections.defaultdict(collections.deque)
_next = {"customer": itertools.count(), "staff": itertools.count()}
REQUEST_ID = re.compile(r"/requests/(\d+)$")


def _record(kind: str, value) -> None:
    with _lock:
        _writes[kind].append(value)


def _may_comment(account: str) -> bool:
    """Pace comments per person: at most 5 in any 60 s (the portal allows 6 a minute)."""
    now = time.monotonic()
    with _lock:
        sent = _comments[account]
        while sent and now - sent[0] > 62:
            sent.popleft()
        if len(sent) >= 5:
            return False
        sent.append(now)
        return True


@events.quitting.add_listener
def _save_results(environment, **_):
    with open(RESULTS, "w") as out:
        json.dump(_writes, out)


class Person(HttpUser):
    abstract = True
    kind = ""

    def on_start(self):
        accounts = ACCOUNTS[self.kind]
        self.account = accounts[next(_next[self.kind]) % len(accounts)]
        for name, value in self.account["cookies"].items():
            self.client.cookies.set(name, value, domain="127.0.0.1")
        self.csrf = self.account["csrf"]

    def get(self, url: str, name: str | None = None, **kwargs):
        with self.client.get(url, name=name or url, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on GET {url}")
            return response

    def post(self, url: str, data: dict, name: str, expect=(303,), **kwargs):
        with self.client.post(url, data={**data, "csrf_token": self.csrf}, name=name,
                              allow_redirects=False, catch_response=True, **kwargs) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} on POST {name}")
                return None
            return response


class Customer(Person):
    weight = 4
    kind = "customer"
    wait_time = WAIT

    @task(4)
    def dashboard(self):
        self.get("/")

    @task(4)
    def invoices(self):
        status = random.choice(["", "unpaid", "overdue", "paid", "processing"])
        self.get(f"/invoices?status={status}" if status else "/invoices",
                 name="/invoices?status=...")

    @task(3)
    def invoice(self):
        self.get(f"/invoices/{random.choice(self.account['invoices'])}", name="/invoices/<id>")

    @task(3)
    def assets(self):
        self.get(random.choice(["/assets", "/assets?q=t-", "/assets?q=kenworth"]),
                 name="/assets(?q=...)")

    @task(2)
    def requests(self):
        self.get("/requests")

    @task(2)
    def request_page(self):
        self.get(f"/requests/{random.choice(self.account['requests'])}", name="/requests/<id>")

    @task(3)
    def save_draft(self):
        """A change on the request form (htmx saves each field as it changes)."""
        field = random.choice([
            {"location_id": str(self.account["location"])},
            {"urgency": random.choice(["routine", "soon", "urgent"])},
            {"description": f"Load test {random.randrange(10**6)}: brakes squeal."},
            {"asset": str(random.choice(self.account["assets"]))},
        ])
        if self.post("/requests/new/draft", {"draft_token": self.account.get("token", ""),
                                             **field}, "/requests/new/draft (htmx)",
                     expect=(200, 204), headers=HTMX):
            _record("draft_saves", 1)

    @task(1)
    def submit_request(self):
        """Fill in the whole form and submit it: one request (a second tab of the same person
        submitting the same draft is answered with the request made)."""
        page = self.get("/requests/new", name="/requests/new")
        token = re.search(r'name="draft_token" value="([^"]+)"', page.text)
        form = {"draft_token": token.group(1) if token else "",
                "location_id": str(self.account["location"]),
                "asset": str(random.choice(self.account["assets"])),
                "desired_date": "", "urgency": "routine", "asset_description": "",
                "description": f"Load test request {random.randrange(10**9)}"}
        response = self.post("/requests/new", form, "/requests/new (submit)")
        if response is None:
            return
        location = response.headers.get("Location", "")
        found = REQUEST_ID.search(location)
        if found:  # made, or (the other tab won) answered with the one made
            _record("requests", int(found.group(1)))
        elif location.endswith("/requests/new"):
            _record("submits_changed_elsewhere", 1)  # the other tab changed the draft: no write
        else:
            response.failure(f"submit answered {location}")

    @task(2)
    def comment(self):
        if not _may_comment(self.account["email"]):
            return self.requests()
        request_id = random.choice(self.account["requests"])
        if self.post(f"/requests/{request_id}/comments", {"body": "Any news on this one?"},
                     "/requests/<id>/comments (htmx)", expect=(200,), headers=HTMX):
            _record("comments", request_id)

    @task(1)
    def approve_estimate(self):
        """Approve a sent estimate (issue 9), where the app and the account have them."""
        estimates = self.account.get("estimates") or []
        if not estimates:
            return self.dashboard()
        estimate_id = estimates.pop()
        page = self.get(f"/estimates/{estimate_id}", name="/estimates/<id>")
        form = decision_form(page.text, f"/estimates/{estimate_id}/decision",
                             signer=self.account.get("name", "Load Person"))
        if form is None:
            return None
        response = self.post(f"/estimates/{estimate_id}/decision", form,
                             "/estimates/<id>/decision", expect=(303, 409))
        if response is not None and response.status_code == 303:  # 409: decided meanwhile
            _record("approvals", estimate_id)


class Staff(Person):
    weight = 1
    kind = "staff"
    wait_time = WAIT

    @task(3)
    def dashboard(self):
        self.get("/staff/")

    @task(4)
    def invoices(self):
        self.get(random.choice(["/staff/invoices", "/staff/invoices?status=unpaid",
                                "/staff/invoices?status=overdue", "/staff/invoices?q=load",
                                "/staff/invoices?status=paid"]), name="/staff/invoices?...")

    @task(2)
    def customers(self):
        self.get(random.choice(["/staff/customers", "/staff/customers?q=load"]),
                 name="/staff/customers(?q=...)")

    @task(2)
    def inbox(self):
        self.get("/staff/requests")

    @task(4)
    def mark_paid(self):
        """"Mark as paid" with a small amount on one of the open invoices (many staff at once
        on few invoices: the stored balances must add every payment up)."""
        invoice_id = random.choice(self.account["invoices"])
        if self.post(f"/staff/invoices/{invoice_id}/payments",
                     {"amount": "1.00", "method": "check", "reference": "load",
                      "paid_on": time.strftime("%Y-%m-%d")}, "/staff/invoices/<id>/payments"):
            _record("payments", invoice_id)

    @task(1)
    def reply(self):
        if not _may_comment(self.account["email"]):
            return self.inbox()
        request_id = random.choice(self.account["requests"])
        if self.post(f"/staff/requests/{request_id}/reply", {"body": "We are on it."},
                     "/staff/requests/<id>/reply (htmx)", expect=(200,), headers=HTMX):
            _record("comments", request_id)


class _Forms(HTMLParser):
    """The inputs of every form on a page, and its buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {},
                               "buttons": []})
        elif self.forms and tag in ("input", "textarea") and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1]["buttons"].append((attrs["name"], attrs.get("value", "")))


def decision_form(html: str, action: str, signer: str) -> dict | None:
    """The fields of the page's decision form, signed with the person's name and its "Approve
    all" button pressed (the first approving button when there is none)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"].endswith(action):
            fields = dict(form["fields"])
            approving = [(n, v) for n, v in form["buttons"] if "approve" in v.lower()]
            approving.sort(key=lambda button: button[1] != "approve_all")
            if approving:
                fields[approving[0][0]] = approving[0][1]
            fields["signed_name"] = signer  # the signature: the person's full name
            fields.pop("csrf_token", None)
            return fields
    return None
