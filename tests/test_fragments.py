"""render() answers with a block only where a template swaps that block: an htmx GET of any page
gets the whole page, except the lists whose filter or search form swaps #results in place.
(An htmx GET of /invoices/<id> used to get only its payment panel.)"""

from __future__ import annotations

import pytest

from tests.security.helpers import A1, ADMIN_S1, ANON, HTMX, build_world, issue_invitation, \
    issue_reset, representative_url
from tests.security.test_access_matrix import OK, RULES, _rules

SWAPPED_ON_GET = {"invoices.index", "staff.invoices", "assets.index", "staff.customer_assets",
                  "staff.customers", "estimates.index", "staff.estimates", "work_orders.index",
                  "staff.work_orders"}


@pytest.mark.parametrize("principal", [ANON, A1, ADMIN_S1])
def test_an_htmx_get_of_a_page_gets_the_page(app, make, principal):
    world = build_world(app, make)
    tokens = {"auth.accept_invitation": issue_invitation(app, world.pending_a1),
              "auth.reset_password": issue_reset(app, world.a1)}
    client = world.client(principal)
    seen, problems = 0, []
    for rule in _rules(app):
        if "GET" not in rule.methods or RULES[rule.endpoint][principal] != OK or \
                rule.endpoint in ("auth.accept_invitation", "auth.reset_password"):
            continue
        url = representative_url(app, world, rule, tokens)
        body = client.get(url, headers=HTMX).get_data(as_text=True)
        seen += 1
        if rule.endpoint in SWAPPED_ON_GET:
            page = client.get(url).get_data(as_text=True)
            if 'hx-target="#results"' not in page or "<html" in body or \
                    not body.lstrip().startswith('<div id="results">'):
                problems.append(f"{url}: the list's results block is not what htmx gets")
        elif "<html" not in body:
            problems.append(f"{url}: an htmx GET got a fragment of a page that swaps none")
    assert seen >= 3
    assert not problems, "\n".join(problems)


def test_the_invoice_page_is_whole_for_htmx(portal, make, acme):
    invoice = make.invoice(acme)
    body = portal.get(f"/invoices/{invoice.id}", headers=HTMX).get_data(as_text=True)
    assert "<html" in body and 'id="payment-panel"' in body and "<h1>" in body
