"""render() answers with a block only where a template swaps that block: an htmx GET of any page
gets the whole page, except the lists whose filter or search form swaps their results in place.
(An htmx GET of /invoices/<id> used to get only its payment panel.)"""

from __future__ import annotations

import pytest

from tests.security.helpers import A1, ADMIN_S1, ANON, HTMX, build_world, live_tokens, \
    representative_url
from tests.security.test_access_matrix import OK, RULES, _rules

SWAPPED_ON_GET = {endpoint: "results" for endpoint in (
    "invoices.index", "staff.invoices.index", "assets.index", "staff.assets.index", "staff.customers",
    "estimates.index", "staff.estimates.index", "work_orders.index", "staff.work_orders.index",
    "requests.index", "staff.requests.index")}
SWAPPED_ON_GET["admin.preview"] = "customers"
SWAPPED_ON_GET["staff.email_log"] = "log-results"


@pytest.mark.parametrize("principal", [ANON, A1, ADMIN_S1])
def test_an_htmx_get_of_a_page_gets_the_page(app, make, principal):
    world = build_world(app, make)
    tokens = live_tokens(app, world)
    client = world.client(principal)
    seen, problems = 0, []
    for rule in _rules(app):
        if "GET" not in rule.methods or RULES[rule.endpoint][principal] != OK or \
                rule.endpoint in tokens:
            continue
        url = representative_url(app, world, rule, tokens)
        response = client.get(url, headers=HTMX)
        if response.mimetype != "text/html":
            continue  # the shop's logo
        body = response.get_data(as_text=True)
        seen += 1
        if rule.endpoint in SWAPPED_ON_GET:
            target = SWAPPED_ON_GET[rule.endpoint]
            page = client.get(url).get_data(as_text=True)
            if f'hx-target="#{target}"' not in page or "<html" in body or \
                    f'id="{target}"' not in body.split(">", 1)[0]:
                problems.append(f"{url}: the list's results block is not what htmx gets")
        elif "<html" not in body:
            problems.append(f"{url}: an htmx GET got a fragment of a page that swaps none")
    assert seen >= 3
    assert not problems, "\n".join(problems)


def test_the_invoice_page_is_whole_for_htmx(portal, make, acme):
    invoice = make.invoice(acme)
    body = portal.get(f"/invoices/{invoice.id}", headers=HTMX).get_data(as_text=True)
    assert "<html" in body and 'id="payment-panel"' in body and "<h1>" in body
