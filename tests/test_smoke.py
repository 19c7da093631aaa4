"""First contact: the app starts, serves its pages and refuses what it should."""

from tests import factories as f


def test_login_page_has_contract_labels(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<label for="email">Email</label>' in body
    assert '<label for="password">Password</label>' in body
    assert ">Log in</button>" in body
    assert "HX-Request" in response.headers["Vary"]


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_portal_login_lands_on_dashboard(client, make):
    shop = make.shop("Harbor Diesel")
    contact = make.active_contact(make.customer(shop, "Acme"), name="Dana Ortiz")
    response = client.login_portal(contact.email, f.PASSWORD)
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Dana" in page
    assert "Harbor Diesel" in page


def test_navigation_links_follow_the_script_root(app, make):
    """A portal mounted under a prefix and one at the root, served by the same process, each
    get their own links."""
    contact = make.active_contact(make.customer(make.shop()))
    browser = app.test_client()
    browser.login_portal(contact.email, f.PASSWORD)
    plain = browser.get("/requests").get_data(as_text=True)
    assert 'href="/invoices"' in plain and 'href="/assets"' in plain
    assert '/static/css/portal-' in plain
    mounted = browser.get("/requests", environ_overrides={"SCRIPT_NAME": "/portal"})
    page = mounted.get_data(as_text=True)
    assert mounted.status_code == 200
    assert 'href="/portal/invoices"' in page and 'href="/portal/assets"' in page
    assert 'href="/invoices"' not in page
    assert '/portal/static/css/portal-' in page
    assert 'href="/invoices"' in browser.get("/requests").get_data(as_text=True)
