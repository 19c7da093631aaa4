"""Download PDF in Chromium (issue 20, item 1), at 360 x 640 and 1280 x 800: the button on an
invoice's page and the link on its print view download INV-0007.pdf, with JavaScript on and
off (a plain link); the console's Settings carry "Attach the PDF to invoice emails". Pages are
screenshot and checked by axe-core and the Nu Html Checker.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.browser.test_screenshots import SCREENSHOTS, Camera

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def world(make):
    shop = make.logo(make.shop("Harbor Diesel Service", slug="harbor-diesel",
                               address="1 Harbor Road\nPortsmouth, NH 03801",
                               support_phone="+1 603 555 0100"))
    admin = make.staff(shop, role="admin", name="Ava Alvarez", email="ava@harbor.example")
    acme = make.customer(shop, "Acme Logistics", billing_address="400 Dock Street\nBoston, MA")
    unit = make.asset(acme, "T-101")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz",
                               is_billing=True)
    invoice = make.invoice(acme, number="INV-0007", po_number="PO-7731", asset_id=unit.id,
                           tax_name="Sales tax", tax_rate=Decimal("8.25"),
                           lines=[("Front brake pads and rotors", 1, 68000,
                                   {"kind": "parts", "taxable": True}),
                                  ("Labour", 3, 12500, {"kind": "labour"})])
    return {"admin": admin, "dana": dana, "invoice": invoice}


def _downloads_the_pdf(page, link, tmp_path: Path, name: str) -> None:
    with page.expect_download() as event:
        link.click()
    download = event.value
    assert download.suggested_filename == "INV-0007.pdf"
    saved = tmp_path / name
    download.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_download_pdf_from_the_invoice_and_its_print_view(new_context, watch, world, tmp_path,
                                                          size):
    camera = Camera(watch, tmp_path)
    page = camera.open(new_context, **SIZES[size], accept_downloads=True)
    login_portal(page, world["dana"].email)
    page.goto(f"/invoices/{world['invoice'].id}")
    button = page.get_by_role("link", name="Download PDF")
    expect(button).to_have_attribute("href", f"/invoices/{world['invoice'].id}/pdf")
    box = button.bounding_box()
    assert box["height"] >= 44 or size == "desktop", box
    camera.shoot(page, size, "invoice-download-pdf", "Invoice INV-0007 Unpaid")
    _downloads_the_pdf(page, button, tmp_path, f"page-{size}.pdf")

    page.get_by_role("link", name="Printable view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice INV-0007")
    page.screenshot(path=str(SCREENSHOTS / f"invoice-print-view-{size}.png"), full_page=True)
    _downloads_the_pdf(page, page.get_by_role("link", name="Download PDF"), tmp_path,
                       f"print-{size}.pdf")

    # JavaScript off: the same plain link downloads the same file.
    still = camera.open(new_context, **SIZES[size], accept_downloads=True,
                        java_script_enabled=False)
    login_portal(still, world["dana"].email)
    still.goto(f"/invoices/{world['invoice'].id}")
    _downloads_the_pdf(still, still.get_by_role("link", name="Download PDF"), tmp_path,
                       f"no-js-{size}.pdf")

    staff = camera.open(new_context, **SIZES[size])
    login_staff(staff, world["admin"].email)
    staff.goto("/staff/settings")
    attach = staff.get_by_label("Attach the PDF to invoice emails")
    expect(attach).to_be_checked()
    attach.scroll_into_view_if_needed()
    camera.shoot(staff, size, "settings-attach-pdf", "Settings")
    camera.validate_html()
    assert not camera.problems, "\n".join(camera.problems)
