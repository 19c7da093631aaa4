"""No input is a 500 (issue 8, item 6): every route of app.url_map, walked with ids no column can
hold, non-ASCII digits, absurd page numbers and odd posted ids, answers 4xx or a page.

The walk reads app.url_map, so a route added later is walked too without editing this file."""

from __future__ import annotations

import re

import pytest

from portal_app.web.ids import IdConverter

from tests.security.helpers import A1, ADMIN_S1, ANON, build_world, live_tokens, \
    representative_url
from tests.security.test_access_matrix import _rules

ODD_IDS = ("2147483648", "9223372036854775808", "99999999999999999999", "0", "٣", "²", "1e3")
ODD_QUERY = ("page=400000000000000000&customer_id=2147483648&location=%C2%B2&status=%00"
             "&q=%27%22%3C&session_id=" + "x" * 300)
ODD_FORM = {"location_id": "²", "asset": "٣", "invoice": "99999999999999999999",
            "contact_id": "9223372036854775808", "customer_id": "²", "quantity": "²",
            "page": "400000000000000000", "method": "card", "desired_date": "٢٠٢٧-٠١-٠١",
            "amount": "²", "year": "99999999999999999999", "based_on": "²", "version": "99999999999999999999",
            "line": "²", "unit_price": "٣", "lines-0-description": "Odd",
            "lines-0-quantity": "²", "lines-0-unit_price": "²", "valid_until": "٢٠٢٧-٠١-٠١",
            "scheduled_for": "²", "paid_on": "²", "decision": "approve_all",
            "signed_name": "Odd", "role": "²", "status": "²", "timezone": "²"}
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def _has_id(rule) -> bool:
    return any(isinstance(c, IdConverter) for c in rule._converters.values())


def _odd_urls(rule, odd: str) -> str:
    return ARGUMENT.sub(lambda _: odd, rule.rule)


def _problems(client, rule, url: str) -> list[str]:
    found = []
    if "GET" in rule.methods:
        for headers in ({}, {"HX-Request": "true"}):
            status = client.get(url, headers=headers).status_code
            if status >= 500:
                found.append(f"GET {url} {headers or ''}: {status}")
    if "POST" in rule.methods:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, data={"csrf_token": client.csrf_token(), **ODD_FORM},
                                   headers=headers)
            if response.status_code >= 500:
                found.append(f"POST {url} {headers or ''}: {response.status_code}")
    return found


@pytest.mark.parametrize("principal", [ANON, A1, ADMIN_S1])
def test_every_route_with_impossible_ids_and_pages_is_never_a_500(app, make, principal):
    world = build_world(app, make)
    tokens = live_tokens(app, world)
    client = world.client(principal)
    problems = []
    for rule in _rules(app):
        if rule.endpoint in ("auth.logout", "staff.logout"):
            continue  # walked last below, once: logging out ends the walk's session
        if rule.arguments:
            for odd in ODD_IDS:
                url = _odd_urls(rule, odd)
                if "GET" in rule.methods and _has_id(rule):
                    status = client.get(url).status_code
                    if status not in (302, 404):  # 302: the principal is sent to log in
                        problems.append(f"GET {url}: {status}, want 404")
                problems += _problems(client, rule, url)
        # the real ids, with hostile query strings and posted fields
        url = representative_url(app, world, rule, tokens)
        joiner = "&" if "?" in url else "?"
        problems += _problems(client, rule, url + joiner + ODD_QUERY)
    assert not problems, f"{principal}:\n" + "\n".join(problems)


@pytest.mark.parametrize("odd", ODD_IDS)
def test_an_impossible_id_in_a_route_is_a_404(app, make, odd):
    """Out-of-range and non-ASCII ids name no row: 404, on SQLite and PostgreSQL alike."""
    world = build_world(app, make)
    portal, staff = world.client(A1), world.client(ADMIN_S1)
    for client, path in ((portal, "/invoices/{}"), (portal, "/assets/{}"),
                         (portal, "/requests/{}"), (staff, "/staff/customers/{}"),
                         (staff, "/staff/invoices/{}"), (staff, "/staff/assets/{}")):
        assert client.get(path.format(odd)).status_code == 404, path.format(odd)


@pytest.mark.parametrize("path", ["/requests", "/invoices", "/assets"])
def test_a_huge_page_number_clamps_in_the_portal(app, make, path):
    world = build_world(app, make)
    client = world.client(A1)
    for page in ("400000000000000000", "-3", "²", "abc", "0"):
        response = client.get(f"{path}?page={page}")
        assert response.status_code == 200, (path, page)


@pytest.mark.parametrize("path", ["/staff/customers", "/staff/requests", "/staff/email-log",
                                  "/staff/invoices", "/staff/invoices?customer_id=2147483648"])
def test_a_huge_page_number_or_customer_id_clamps_in_the_console(app, make, path):
    world = build_world(app, make)
    client = world.client(ADMIN_S1)
    joiner = "&" if "?" in path else "?"
    for page in ("400000000000000000", "-3", "²", "0"):
        response = client.get(f"{path}{joiner}page={page}")
        assert response.status_code == 200, (path, page)
