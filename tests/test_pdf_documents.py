"""Download PDF of invoices, estimates and work orders (issue 20, item 1), through HTTP: the
print view rendered by WeasyPrint for both audiences, named by the document's number, holding
what a business files (the shop, the customer, the unit and PO numbers, every line, Subtotal, Tax
and Total, an invoice's amount due and how to pay, an estimate's approval receipt); another
customer's or shop's document is a 404; typed markup prints as text and fetches nothing; a
one-page invoice stays under 150 KB; invoice emails attach the PDF (a setting), estimate and
work-order emails link to it.

PDF_RENDERS=10 PDF_SAMPLES=/tmp/pdfs pytest -s -k render_time prints the median render time
and size of each kind (and keeps the PDFs)."""

from __future__ import annotations

import io
import os
import re
import socket
import statistics
import time
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from portal_app.extensions import db
from portal_app.mail.outbox import deliver
from portal_app.models import Invoice, OutboundEmail, Shop
from tests.conftest import wait_for
from tests.factories import PASSWORD
from tests.test_billing_settings import _settings, _text

ADDRESS = "1 Harbor Road\nPortsmouth, NH 03801"
BILLING = "Accounts payable\n400 Dock Street\nBoston, MA 02110"
TAXED = {"kind": "parts", "taxable": True}
LABOUR = {"kind": "labour", "taxable": False}
HOSTILE = '<img src="file:///etc/passwd"> <link href="http://127.0.0.1:{port}/">'


@pytest.fixture
def world(make):
    shop = make.logo(make.shop("Harbor Diesel", slug="harbor-diesel", address=ADDRESS,
                               support_phone="+1 603 555 0100",
                               billing_email="billing@harbor.example"))
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001",
                         billing_address=BILLING)
    dana = make.active_contact(acme, name="Dana Ortiz", email="dana@acme.example",
                               is_billing=True)
    unit = make.asset(acme, "T-101")
    tax = {"tax_name": "Sales tax", "tax_rate": Decimal("8.25")}
    invoice = make.invoice(acme, number="INV-0007", po_number="PO-7731", asset_id=unit.id,
                           lines=[("Brake job", 2, 10000, LABOUR),
                                  ("Oil filter", 1, 5000, TAXED)], **tax)
    estimate = make.estimate(acme, number="EST-0003", asset_id=unit.id, **tax,
                             lines=[("Brake job", 1, 50000, False),
                                    ("Wiper blades", 2, 2500, True),
                                    ("Cabin air filter", 1, 4000, False)])
    make.approval(estimate, dana, decision="partially_approved", po_number="PO-8800")
    work_order = make.work_order(acme, number="WO-0002", asset_id=unit.id,
                                 estimate_id=estimate.id, **tax,
                                 lines=[("Brake job", 1, 50000), ("Cabin air filter", 1, 4000)])
    return {"shop": shop, "acme": acme, "dana": dana, "unit": unit, "invoice": invoice,
            "estimate": estimate, "work_order": work_order,
            "admin": make.staff(shop, role="admin", email="ava@harbor.example", name="Ava")}


@pytest.fixture
def staff(app, world):
    client = app.test_client()
    client.login_staff(world["admin"].email, PASSWORD)
    return client


@pytest.fixture
def portal(app, world):
    client = app.test_client()
    client.login_portal(world["dana"].email, PASSWORD)
    return client


def _pdf(response) -> list[str]:
    """The text of each page of a PDF download (after checking it is one)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"
    return [" ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(response.get_data())).pages]


# What each kind's PDF must say: its URL name, id key, number, total and its own facts.
KINDS = {
    "invoice": ("invoices", "INV-0007", "Total $254.13",
                ["Invoice INV-0007", "Subtotal $250.00", "Tax: Sales tax (8.25%) $4.13",
                 "Amount due $254.13", "How to pay", "Quote invoice INV-0007"]),
    "estimate": ("estimates", "EST-0003", "Total approved $540.00",
                 ["Estimate EST-0003", "Subtotal $540.00", "Tax: Sales tax (8.25%)"]),
    "work_order": ("work-orders", "WO-0002", "Total of approved work $540.00",
                   ["Work order WO-0002", "Subtotal $540.00"]),
}


@pytest.mark.parametrize("side", ["portal", "console"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_download_pdf_of_each_document_for_both_audiences(world, staff, portal, kind, side):
    path, number, total, facts = KINDS[kind]
    client, prefix = (portal, "") if side == "portal" else (staff, "/staff")
    page_url = f"{prefix}/{path}/{world[kind].id}"
    pdf_url = page_url + "/pdf"
    # The link on the document's page and on its print view: a plain link (no JavaScript).
    for url in (page_url, page_url + "/print"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'<a [^>]*href="%s"[^>]*>Download PDF</a>' % re.escape(pdf_url),
                         html), url
    response = client.get(pdf_url)
    text = " ".join(_pdf(response))
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    for expected in [number, "Harbor Diesel", "1 Harbor Road Portsmouth, NH 03801",
                     "+1 603 555 0100", "Acme Logistics", "Account C-1001",
                     "Accounts payable 400 Dock Street Boston, MA 02110", "Unit T-101",
                     "PO number", "Brake job", total, *facts]:
        assert expected in text, (expected, text)
    assert ("PO-7731" if kind == "invoice" else "PO-8800") in text
    assert "Back" not in text and "Print command" not in text  # no screen-only parts


def test_a_decided_estimates_pdf_holds_the_approval_receipt(world, portal):
    text = " ".join(_pdf(portal.get(f"/estimates/{world['estimate'].id}/pdf")))
    for expected in ("Partially approved", "Signed by Dana Ortiz (Dana Ortiz, dana@acme.example)",
                     "Version 1", "PO number PO-8800", "Total approved $540.00",
                     "Wiper blades", "declined", "approved"):
        assert expected in text, (expected, text)
    assert re.search(r"When \d{1,2} \w{3} \d{4} \d\d:\d\d", text), text


def test_an_undecided_estimate_has_no_receipt(world, staff, make):
    estimate = make.estimate(world["acme"], number="EST-0004")
    text = " ".join(_pdf(staff.get(f"/staff/estimates/{estimate.id}/pdf")))
    assert "EST-0004" in text and "Signed by" not in text and "Total $500.00" in text


def test_another_customers_or_shops_document_pdf_is_a_404(world, staff, portal, make):
    bayside = make.customer(world["shop"], "Bayside Freight")
    other_shop = make.shop("Other Garage", slug="other-garage")
    stranger = make.customer(other_shop, "Stranger Co")
    theirs = {"invoices": [make.invoice(c, number=f"INV-9{i}") for i, c in
                           enumerate((bayside, stranger))],
              "estimates": [make.estimate(c, number=f"EST-9{i}") for i, c in
                            enumerate((bayside, stranger))],
              "work-orders": [make.work_order(c, number=f"WO-9{i}") for i, c in
                              enumerate((bayside, stranger))]}
    for path, (same_shop, other) in theirs.items():
        assert portal.get(f"/{path}/{same_shop.id}/pdf").status_code == 404, path
        assert portal.get(f"/{path}/{other.id}/pdf").status_code == 404, path
        assert staff.get(f"/staff/{path}/{other.id}/pdf").status_code == 404, path
        assert staff.get(f"/staff/{path}/{same_shop.id}/pdf").status_code == 200, path
        assert portal.get(f"/{path}/999999/pdf").status_code == 404, path
    draft = make.invoice(world["acme"], number="INV-0099", state="draft")
    assert portal.get(f"/invoices/{draft.id}/pdf").status_code == 404  # hidden from customers
    assert staff.get(f"/staff/invoices/{draft.id}/pdf").status_code == 200


def test_markup_typed_in_a_line_prints_as_text_and_fetches_nothing(world, portal, make):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        hostile = HOSTILE.format(port=port)
        invoice = make.invoice(world["acme"], number="INV-0666", lines=[(hostile, 1, 1000)],
                               memo=f'<img src="http://127.0.0.1:{port}/memo.png">')
        estimate = make.estimate(world["acme"], number="EST-0666",
                                 lines=[(hostile, 1, 1000, False)])
        for url in (f"/invoices/{invoice.id}/pdf", f"/estimates/{estimate.id}/pdf"):
            text = "".join("".join(_pdf(portal.get(url))).split())
            assert '<imgsrc="file:///etc/passwd">' in text, text
            assert f'<linkhref="http://127.0.0.1:{port}/">' in text, text
            assert "root:" not in text
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing connected to it
    finally:
        listener.close()


def test_a_one_page_invoice_with_a_logo_is_under_150_kb(world, portal):
    response = portal.get(f"/invoices/{world['invoice'].id}/pdf")
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    assert reader.pages[0].images, "the shop's logo"
    assert len(response.get_data()) < 150 * 1024, len(response.get_data())


def test_a_long_invoice_runs_onto_numbered_pages(world, staff, make):
    invoice = make.invoice(world["acme"], number="INV-0100",
                           lines=[(f"Part number {n}", 1, 1000) for n in range(80)])
    pages = _pdf(staff.get(f"/staff/invoices/{invoice.id}/pdf"))
    assert len(pages) >= 2
    assert "Part number 79" in pages[-1] and "Amount due $800.00" in pages[-1]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert all("Invoice INV-0100" in page for page in pages)  # the footer names it
    assert all("DESCRIPTION QTY UNIT PRICE AMOUNT" in page for page in pages)  # the heading
    assert not any("Subtotal" in page for page in pages[:-1])  # the totals once, at the end


# --- emails ---------------------------------------------------------------------------------

def _mail(mailbox, address: str, subject: str):
    messages = wait_for(lambda: [m for m in mailbox.to(address)
                                 if m.subject.startswith(subject)], timeout=10)
    assert messages, subject
    return messages[-1]


def _attachments(message) -> list:
    return list(message.message.iter_attachments())


def _new_invoice(staff, world, number: str) -> int:
    response = staff.post_form("/staff/invoices/new", {
        "customer_id": world["acme"].id, "number": number, "issued_on": "", "due_on": "",
        "unit_number": "T-101", "memo": "", "lines-0-description": "Brake job",
        "lines-0-kind": "labour", "lines-0-quantity": "2", "lines-0-unit_price": "100.00",
        "lines-0-discount": ""})
    assert response.status_code == 303, _text(response)[:1500]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def test_the_invoice_email_attaches_the_pdf_unless_the_setting_is_off(world, staff, mailbox,
                                                                     read):
    page = staff.get("/staff/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="attach_invoice_pdf" name="attach_invoice_pdf" '
                     r'type="checkbox" value="y">\s*<label for="attach_invoice_pdf">Attach the '
                     r'PDF to invoice emails</label>', page), "on by default"
    invoice_id = _new_invoice(staff, world, "INV-0201")
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    email = _mail(mailbox, "dana@acme.example", "New invoice")
    attached, = _attachments(email)
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == "INV-0201.pdf"
    text = " ".join(PdfReader(io.BytesIO(attached.get_content())).pages[0].extract_text()
                    .split())
    for expected in ("Invoice INV-0201", "Harbor Diesel", "Acme Logistics", "Total $200.00"):
        assert expected in text, expected
    assert "attached" in email.text and f"/invoices/{invoice_id}/pdf" in email.text
    assert read(lambda: db.session.scalars(select(OutboundEmail.kind).where(
        OutboundEmail.recipient == "dana@acme.example", OutboundEmail.status == "sent",
        OutboundEmail.last_error.is_(None))).all()) == ["invoice_issued"]

    # Off: the email comes without it (and says nothing of an attachment).
    assert staff.post_form("/staff/settings", _settings(
        address=ADDRESS, attach_invoice_pdf=None)).status_code == 303
    assert read(lambda: db.session.get(Shop, world["shop"].id).attach_invoice_pdf) is False
    page = staff.get("/staff/settings").get_data(as_text=True)
    assert '<input id="attach_invoice_pdf" name="attach_invoice_pdf" type="checkbox"' in page
    mailbox.clear()
    invoice_id = _new_invoice(staff, world, "INV-0202")
    assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    email = _mail(mailbox, "dana@acme.example", "New invoice")
    assert _attachments(email) == [] and "attached" not in email.text
    assert staff.post_form("/staff/settings", _settings(
        address=ADDRESS, attach_invoice_pdf="y")).status_code == 303
    assert read(lambda: db.session.get(Shop, world["shop"].id).attach_invoice_pdf) is True


def test_an_invoice_email_whose_pdf_cannot_be_rendered_still_goes_out(app, world, staff,
                                                                      mailbox, read, make):
    """The PDF is rendered when the email is sent, from the invoice the outbox row names: one
    that cannot be rendered then (gone, or no longer the recipient's customer's) leaves the
    email as it was written, with its links, sent, never lost or stuck; the delivery log says
    why."""
    birch = make.customer(world["shop"], "Birch Construction")
    app.config["OUTBOX_SEND_AFTER_REQUEST"] = False
    try:
        invoice_id = _new_invoice(staff, world, "INV-0203")
        assert staff.post_form(f"/staff/invoices/{invoice_id}/issue").status_code == 303
    finally:
        app.config["OUTBOX_SEND_AFTER_REQUEST"] = True

    def lose_the_invoice():
        queued = db.session.scalars(select(OutboundEmail)).one()
        assert queued.kind == "invoice_issued" and queued.status == "queued"
        assert queued.attach_invoice_id == invoice_id
        assert f"http://portal.test/invoices/{invoice_id}/pdf" in queued.body_text
        db.session.execute(update(Invoice).where(Invoice.id == invoice_id)  # another's now
                           .values(customer_id=birch.id))
        db.session.commit()
        return deliver().sent
    assert read(lose_the_invoice) == 1
    email = _mail(mailbox, "dana@acme.example", "New invoice")
    assert _attachments(email) == []
    assert "INV-0203" in email.text and f"/invoices/{invoice_id}" in email.text
    sent = read(lambda: db.session.scalars(select(OutboundEmail)).one())
    assert sent.status == "sent" and sent.last_error.startswith("Sent without its PDF")


def test_estimate_and_work_order_emails_link_to_their_pdf(world, staff, mailbox, make):
    estimate = make.estimate(world["acme"], number="EST-0301", status="draft")
    assert staff.post_form(f"/staff/estimates/{estimate.id}/send").status_code == 303
    email = _mail(mailbox, "dana@acme.example", "An estimate")
    link = f"http://portal.test/estimates/{estimate.id}/pdf"
    assert link in email.text and f'href="{link}' in email.html
    assert _attachments(email) == []

    work_order = make.work_order(world["acme"], number="WO-0301")
    page = staff.get(f"/staff/work-orders/{work_order.id}/additional-work").get_data(
        as_text=True)
    round_ = re.search(r'name="based_on" type="hidden" value="(\d+)"', page)
    asked = staff.post_form(f"/staff/work-orders/{work_order.id}/additional-work", {
        **({"based_on": round_.group(1)} if round_ else {}), "note": "",
        "lines-0-description": "Air hose", "lines-0-kind": "parts", "lines-0-quantity": "1",
        "lines-0-unit_price": "40.00", "lines-0-discount": ""})
    assert asked.status_code == 303, _text(asked)[:1500]
    email = _mail(mailbox, "dana@acme.example", "Harbor Diesel asks")
    link = f"http://portal.test/work-orders/{work_order.id}/pdf"
    assert link in email.text and f'href="{link}' in email.html


# --- figures for the note -------------------------------------------------------------------

def test_render_time_and_size(world, staff, make):
    """Median render time and size of a one-page invoice, a 3-line estimate and a work order
    (PDF_RENDERS renders each, 3 by default; printed with -s)."""
    renders = int(os.environ.get("PDF_RENDERS", "3"))
    keep = os.environ.get("PDF_SAMPLES")
    for kind, (path, number, _total, _facts) in KINDS.items():
        url = f"/staff/{path}/{world[kind].id}/pdf"
        times, cpu, body = [], [], b""
        for _ in range(renders):
            started, used = time.perf_counter(), time.process_time()
            response = staff.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)  # less moved by the machine's other work
            body = response.get_data()
        assert response.status_code == 200 and len(body) < 150 * 1024
        print(f"\n{number}: median {statistics.median(times) * 1000:.0f} ms "
              f"(CPU {statistics.median(cpu) * 1000:.0f} ms) of {renders}, "
              f"{len(body) / 1024:.1f} KB, {len(PdfReader(io.BytesIO(body)).pages)} page(s)")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            (Path(keep) / f"{number}.pdf").write_bytes(body)
