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
