"""Search: a prefix match on normalized, indexed keys (portal_app/search.py). Both ways of
answering (the matched ids when they are few, a walk of the list when they are many) give the
same page, in the list's order."""

from __future__ import annotations

import re

import pytest

from portal_app.data import search
from portal_app.models.base import search_key
from tests.factories import PASSWORD

ROW = re.compile(r'class="row"[^>]*>\s*<strong>([^<]+)</strong>')
UNIT = re.compile(r">(T-\d+|K-\d+|AT-\d+|Ö-\d+)<")


@pytest.fixture
def staff(app, make, shop):
    client = app.test_client()
    client.login_staff(make.staff(shop).email, PASSWORD)
    return client


def units(response) -> list[str]:
    return UNIT.findall(response.get_data(as_text=True).split('id="results"')[1])


def test_keys_and_ranges():
    assert search_key("  T-101 \t Cab ") == "t-101 cab"
    assert search_key("STRASSE") == search_key("straße")  # case folded, not just lowered
    assert search._after("t-1") == "t-2"
    assert search._after("a\U0010ffff") == "b"
    assert search._after("\ud7ff") == "\ue000"
    assert search._after("") is None


@pytest.mark.parametrize("probe", [2, 500])  # many matches (walk) and few (ids)
def test_asset_search_is_a_prefix_of_unit_number_make_or_model(portal, dana, acme, make,
                                                               monkeypatch, probe):
    monkeypatch.setattr(search, "PROBE", probe)
    for n, (unit, brand, model) in enumerate([
            ("T-101", "Freightliner", "Cascadia"), ("T-102", "Kenworth", "T680"),
            ("T-201", "Kenworth", "W900"), ("AT-100", "Isuzu", "NPR"),
            ("K-7", "Toyota", "Kenworth-like"), ("Ö-1", "Özdemir", "Öko")]):
        make.asset(acme, unit, make=brand, model=model)
    assert units(portal.get("/assets?q=t-1")) == ["T-101", "T-102"]  # not AT-100
    assert units(portal.get("/assets?q=T-1")) == ["T-101", "T-102"]  # case folded
    assert units(portal.get("/assets?q=kenw")) == ["K-7", "T-102", "T-201"]  # make or model
    assert units(portal.get("/assets?q=t")) == ["K-7", "T-101", "T-102", "T-201"]  # Toyota
    assert units(portal.get("/assets?q=ö")) == ["Ö-1"]
    assert units(portal.get("/assets?q=101")) == []  # not inside a word
    assert units(portal.get("/assets?q=%25")) == [] and units(portal.get("/assets?q=_")) == []


@pytest.mark.parametrize("probe", [1, 500])
def test_a_page_of_a_common_search_is_the_same_either_way(portal, acme, make, monkeypatch,
                                                          probe):
    monkeypatch.setattr(search, "PROBE", probe)
    for n in range(45):
        make.asset(acme, f"T-{n:03d}", make="Kenworth" if n % 3 else "Mack")
    first = units(portal.get("/assets?q=kenworth"))
    second = units(portal.get("/assets?q=kenworth&page=2"))
    expected = [f"T-{n:03d}" for n in range(45) if n % 3]
    assert first + second == expected and (len(first), len(second)) == (25, 5)


@pytest.mark.parametrize("probe", [1, 500])
def test_staff_search_by_invoice_number_customer_name_and_contact(staff, make, shop, acme,
                                                                  monkeypatch, probe):
    monkeypatch.setattr(search, "PROBE", probe)
    birch = make.customer(shop, "Birch Construction", account_number="C-2002")
    make.contact(birch, email="ben@birch.example", name="Ben Birch")
    make.invoice(acme, number="INV-0101")
    make.invoice(acme, number="INV-0102")
    make.invoice(birch, number="INV-0201")
    other = make.shop("Elsewhere")
    make.invoice(make.customer(other, "Acme Elsewhere"), number="INV-0103")  # another shop

    def numbers(url):
        return re.findall(r">(INV-\d+)</a>", staff.get(url).get_data(as_text=True))

    assert numbers("/staff/invoices?q=inv-01") == ["INV-0102", "INV-0101"]
    assert numbers("/staff/invoices?q=010") == ["INV-0102", "INV-0101"]  # by its digits
    assert numbers("/staff/invoices?q=acme") == ["INV-0102", "INV-0101"]
    assert numbers("/staff/invoices?q=birch") == ["INV-0201"]
    assert numbers("/staff/invoices?q=construction") == []  # the start of the name only
    assert numbers("/staff/invoices?q=acme&status=overdue") == []

    def customers(url):
        body = staff.get(url).get_data(as_text=True).split('id="results"')[1]
        return re.findall(r">(Acme Logistics|Birch Construction|Acme Elsewhere)<", body)

    assert customers("/staff/customers?q=c-2002") == ["Birch Construction"]
    assert customers("/staff/customers?q=ben@") == ["Birch Construction"]
    assert customers("/staff/customers?q=ben birch") == ["Birch Construction"]
    assert customers("/staff/customers?q=a") == ["Acme Logistics"]


def test_a_renamed_customer_is_found_by_its_new_name(app, staff, make, shop):
    from portal_app.extensions import db
    from portal_app.models import Customer

    customer = make.customer(shop, "Old Name Freight")
    with app.app_context():
        found = db.session.get(Customer, customer.id)
        found.name = "Harbor Haulage"
        db.session.commit()
        assert found.name_key == "harbor haulage"
    page = staff.get("/staff/customers?q=harbor").get_data(as_text=True)
    assert "Harbor Haulage" in page
