"""Assets and locations, in the portal and in the staff console."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal_app.extensions import db
from portal_app.models import Asset, Location
from tests.factories import PASSWORD

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(make):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    birch = make.customer(shop, "Birch Construction")
    depot, yard = make.location(acme, "Main depot"), make.location(acme, "North yard")
    return {"shop": shop, "acme": acme, "birch": birch, "depot": depot, "yard": yard,
            "dana": make.active_contact(acme, name="Dana Ortiz"),
            "ben": make.active_contact(birch, name="Ben Birch"),
            "birch_site": make.location(birch, "Head office"),
            "staff": make.staff(shop)}


@pytest.fixture
def portal(client, world):
    client.login_portal(world["dana"].email, PASSWORD)
    return client


def _units(read, customer_id):
    return read(lambda: db.session.scalars(select(Asset.unit_number).where(
        Asset.customer_id == customer_id).order_by(Asset.id)).all())


def test_add_asset_form_has_a_required_unit_number(portal, world, read):
    page = portal.get("/assets/new").get_data(as_text=True)
    assert '<label for="unit_number">Unit Number</label>' in page and ">Add asset</button>" in page
    response = portal.post_form("/assets/new", {"unit_number": "  ", "make": "Kenworth",
                                                "model": "T680", "year": "2021",
                                                "location_id": str(world["depot"].id)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the Unit Number" in body
    assert 'value="Kenworth"' in body and 'value="T680"' in body and 'value="2021"' in body
    assert f'<option selected value="{world["depot"].id}">' in body
    response = portal.post_form("/assets/new", {"unit_number": " T-101 ", "make": "Kenworth",
                                                "location_id": str(world["depot"].id)})
    assert response.status_code == 303
    asset = read(lambda: db.session.scalar(select(Asset)))
    assert (asset.unit_number, asset.unit_number_key, asset.location_id) == \
        ("T-101", "t-101", world["depot"].id)
    assert response.headers["Location"] == f"/assets/{asset.id}"


@pytest.mark.parametrize("typed", ["T-101", "t-101", "  T-101  ", "T-101\t"])
def test_duplicate_unit_number_is_a_message_next_to_the_field(portal, world, make, read, typed):
    make.asset(world["acme"], "T-101", world["depot"])
    make.asset(world["birch"], "T-102")  # another customer's number is no conflict
    for headers in ({}, HTMX):
        response = portal.post_form("/assets/new", {"unit_number": typed, "make": "Isuzu",
                                                    "notes": "Reefer unit"}, headers=headers)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert "already has a unit numbered" in body and 'id="unit_number-msg"' in body
        assert 'value="Isuzu"' in body and "Reefer unit" in body
    assert _units(read, world["acme"].id) == ["T-101"]
    assert portal.post_form("/assets/new", {"unit_number": "T-102"}).status_code == 303


def test_duplicate_unit_number_race_is_a_form_error_not_a_500(portal, world, make, read,
                                                              monkeypatch):
    """Two saves past the form's check at once: the unique constraint answers, same message."""
    from portal_app.services import assets

    make.asset(world["acme"], "T-101")
    monkeypatch.setattr(assets, "unit_number_taken", lambda *a, **k: False)
    response = portal.post_form("/assets/new", {"unit_number": "t-101 ", "make": "Volvo"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "already has a unit numbered" in body and 'value="Volvo"' in body
    assert _units(read, world["acme"].id) == ["T-101"]


def test_edit_keeps_own_number_and_refuses_a_siblings(portal, world, make, read):
    first = make.asset(world["acme"], "T-101")
    make.asset(world["acme"], "T-102")
    url = f"/assets/{first.id}/edit"
    assert portal.post_form(url, {"unit_number": "t-101", "make": "Mack"}).status_code == 303
    response = portal.post_form(url, {"unit_number": "T-102 ", "make": "Mack"})
    assert response.status_code == 422 and "already has a unit numbered" in \
        response.get_data(as_text=True)
    assert _units(read, world["acme"].id) == ["t-101", "T-102"]


def test_foreign_location_is_refused_on_the_asset_form(portal, world, read):
    response = portal.post_form("/assets/new", {"unit_number": "T-9",
                                                "location_id": str(world["birch_site"].id)})
    assert response.status_code == 422
    assert "Choose one of your locations." in response.get_data(as_text=True)
    assert _units(read, world["acme"].id) == []


def test_overlong_text_gets_a_clear_message(portal, world, read):
    response = portal.post_form("/assets/new", {"unit_number": "T" * 41, "make": "x" * 61})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count("Field cannot be longer than") == 4  # at each field and in the summary
    assert _units(read, world["acme"].id) == []


def test_list_search_filter_and_page(portal, world, make):
    for n in range(30):
        make.asset(world["acme"], f"T-{n:03d}", world["depot"] if n % 2 else world["yard"],
                   make="Kenworth" if n == 7 else "Freightliner", model="Cascadia")
    make.asset(world["birch"], "T-999", make="Kenworth")
    page = portal.get("/assets").get_data(as_text=True)
    assert page.count('class="row"') == 25 and "Page 1<" in page and 'rel="next"' in page
    assert "T-999" not in page
    fragment = portal.get("/assets?q=kenworth", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and "T-007" in fragment and fragment.count('class="row"') == 1
    yard = portal.get(f"/assets?location={world['yard'].id}").get_data(as_text=True)
    assert yard.count('class="row"') == 15 and "T-001<" not in yard
    foreign = portal.get(f"/assets?location={world['birch_site'].id}").get_data(as_text=True)
    assert foreign.count('class="row"') == 25  # a foreign location filter is ignored
    assert portal.get("/assets?q=%25_").status_code == 200


def test_archive_hides_and_restore_brings_back(portal, world, make):
    asset = make.asset(world["acme"], "T-101")
    assert portal.post_form(f"/assets/{asset.id}/archive").status_code == 303
    assert "T-101" not in portal.get("/assets").get_data(as_text=True).split('id="results"')[1]
    assert "T-101" in portal.get("/assets?archived=1").get_data(as_text=True)
    detail = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "This asset is archived" in detail and ">Restore</button>" in detail
    assert portal.post_form(f"/assets/{asset.id}/restore").status_code == 303
    assert "T-101" in portal.get("/assets").get_data(as_text=True)


def test_foreign_assets_are_404(portal, world, make, read):
    theirs = make.asset(world["birch"], "B-1")
    for url in (f"/assets/{theirs.id}", f"/assets/{theirs.id}/edit"):
        for headers in ({}, HTMX):
            assert portal.get(url, headers=headers).status_code == 404
    for action in ("edit", "archive", "restore"):
        assert portal.post_form(f"/assets/{theirs.id}/{action}",
                                {"unit_number": "Hijack"}).status_code == 404
    assert _units(read, world["birch"].id) == ["B-1"]


def test_detail_shows_service_history(portal, world, make):
    asset = make.asset(world["acme"], "T-101", world["depot"])
    make.service_request(world["dana"], world["depot"], asset, description="Brake check")
    page = portal.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Service history" in page and "Main depot" in page
    assert re.search(r'href="/requests/\d+"', page)


def test_customer_adds_a_location(portal, world, read):
    page = portal.get("/locations").get_data(as_text=True)
    assert "Main depot" in page and "North yard" in page and "Head office" not in page
    response = portal.post_form("/locations", {"name": "", "address": "1 Dock St"})
    assert response.status_code == 422 and "1 Dock St" in response.get_data(as_text=True)
    assert portal.post_form("/locations", {"name": "Harbor lot"}).status_code == 303
    names = read(lambda: db.session.scalars(select(Location.name).where(
        Location.customer_id == world["acme"].id).order_by(Location.name)).all())
    assert names == ["Harbor lot", "Main depot", "North yard"]


def test_staff_manage_assets_of_any_customer_of_their_shop(client, world, make, read):
    client.login_staff(world["staff"].email, PASSWORD)
    acme = world["acme"]
    make.asset(acme, "T-101")
    assert "Add asset" in client.get(f"/staff/customers/{acme.id}").get_data(as_text=True)
    response = client.post_form(f"/staff/customers/{acme.id}/assets/new",
                                {"unit_number": "t-101", "make": "Volvo"})
    assert response.status_code == 422
    assert "Acme Logistics already has a unit numbered" in response.get_data(as_text=True)
    response = client.post_form(f"/staff/customers/{acme.id}/assets/new",
                                {"unit_number": "T-102", "location_id": str(world["yard"].id)})
    assert response.status_code == 303
    asset_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "T-102" in client.get(f"/staff/customers/{acme.id}/assets").get_data(as_text=True)
    assert client.post_form(f"/staff/assets/{asset_id}/edit",
                            {"unit_number": "T-103"}).status_code == 303
    assert client.post_form(f"/staff/assets/{asset_id}/archive").status_code == 303
    assert _units(read, acme.id) == ["T-101", "T-103"]
    # a location of another customer is refused for this customer's asset
    response = client.post_form(f"/staff/assets/{asset_id}/edit",
                                {"unit_number": "T-103",
                                 "location_id": str(world["birch_site"].id)})
    assert response.status_code == 422
