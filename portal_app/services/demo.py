"""Demo data: a shop a newcomer can click through. Its logins exist only here."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from portal_app.extensions import db
from portal_app.models import (
    Asset,
    Comment,
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Location,
    Payment,
    PaymentSettings,
    PortalUser,
    ServiceRequest,
    Shop,
    WorkOrder,
    StaffUser,
    unit_number_key,
    utcnow,
)
from portal_app.files.processing import prepare
from portal_app.services import (approvals, attachments, comments, demo_photos, estimates, inbox,
                                 invoices, pricing, taxes, work_orders)
from portal_app.services.accounts import invite_contact
from portal_app.services.invoice_balances import recompute
from portal_app.services.passwords import hash_password

DEMO_LOGINS = [
    ("Administrator", "admin@demo-fleet.example", "demo-admin-pass", "/staff/login"),
    ("Staff", "staff@demo-fleet.example", "demo-staff-pass", "/staff/login"),
    ("Customer contact of Acme Logistics", "dana@acme-logistics.example", "demo-customer-pass",
     "/login"),
]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Shop)) == 0


def load_demo() -> Shop:
    """Create the demo shop with staff, customers, contacts in every portal state, locations,
    assets and service requests."""
    shop = Shop(name="Demo Fleet Services", slug="demo-fleet", brand_color="#1f5f8b",
                timezone="America/Chicago", support_email="service@demo-fleet.example",
                support_phone="(510) 555-0100", address="1200 Harbor Road\nOakland, CA 94607",
                billing_email="billing@demo-fleet.example",
                remit_to="Demo Fleet Services\nPO Box 4471\nOakland, CA 94623",
                payment_terms_days=30, tax_name="Sales tax", tax_rate=Decimal("8.25"))
    db.session.add(shop)
    db.session.flush()
    db.session.add_all([
        StaffUser(shop=shop, email="admin@demo-fleet.example", name="Alex Admin", role="admin",
                  password_hash=hash_password("demo-admin-pass")),
        StaffUser(shop=shop, email="staff@demo-fleet.example", name="Sam Service",
                  role="staff", password_hash=hash_password("demo-staff-pass")),
    ])

    acme = Customer(shop_id=shop.id, name="Acme Logistics", account_number="C-1001",
                    billing_address="Accounts payable\n1200 Harbor Road\nOakland, CA 94607")
    birch = Customer(shop_id=shop.id, name="Birch Construction", account_number="C-1002",
                     billing_address="14 Birch Lane\nFresno, CA 93701")
    # A county housing authority: no sales tax, its certificate on every document.
    cedar = Customer(shop_id=shop.id, name="Cedar Property Services", account_number="C-1003",
                     billing_address="500 Cedar Avenue\nSan Jose, CA 95112", tax_exempt=True,
                     tax_exempt_number="CA-EX-20417")
    db.session.add_all([acme, birch, cedar])
    db.session.flush()
    sites_by_name = {}
    for customer, sites in (
        (acme, [("Main depot", "1200 Harbor Road, Oakland, CA 94607"),
                ("North yard", "88 Industrial Way, Richmond, CA 94804")]),
        (birch, [("Head office", "14 Birch Lane, Fresno, CA 93701")]),
        (cedar, [("Maintenance shed", "500 Cedar Avenue, San Jose, CA 95112")]),
    ):
        for name, address in sites:
            sites_by_name[name] = Location(shop_id=shop.id, customer=customer, name=name,
                                           address=address)
            db.session.add(sites_by_name[name])

    now = utcnow()
    dana_login = PortalUser(email="dana@acme-logistics.example",
                            password_hash=hash_password("demo-customer-pass"),
                            password_changed_at=now)
    db.session.add(dana_login)
    db.session.add_all([
        Contact(shop_id=shop.id, customer=acme, name="Dana Ortiz",
                email="dana@acme-logistics.example", phone="+1 510 555 0142", is_billing=True,
                portal_user=dana_login, invited_at=now, activated_at=now),
        Contact(shop_id=shop.id, customer=acme, name="Lee Park",
                email="lee@acme-logistics.example", is_billing=False),
        Contact(shop_id=shop.id, customer=cedar, name="Chris Cedar",
                email="chris@cedar-property.example", is_billing=True),
    ])
    dana = db.session.scalar(select(Contact).where(Contact.email == "dana@acme-logistics.example"))
    _demo_assets_and_requests(shop, acme, dana, sites_by_name)
    ben = Contact(shop_id=shop.id, customer=birch, name="Ben Birch",
                  email="ben@birch-construction.example", is_billing=True)
    db.session.add(ben)
    db.session.flush()
    invite_contact(ben)
    load_demo_invoices(shop, acme)
    load_demo_estimates(shop, acme, dana)
    return shop


def load_demo_invoices(shop: Shop, customer: Customer) -> None:
    """Invoices of every status for Acme Logistics: open, overdue, paid, void, and a draft.
    Its statement has money in two aging buckets (Current and 31-60), and the paid one a
    receipt for a check staff recorded."""
    today = utcnow().date()
    db.session.add(PaymentSettings(shop_id=shop.id, stripe_state="not_connected",
                                   bank_transfer_enabled=True, invoice_notifications=True,
                                   # the phone comes from the shop's settings, never typed here
                                   pay_instead_text="We take checks by mail, and cards by "
                                   "phone: call us and quote the invoice number."))
    specs = [  # number, issued days ago, due in days, state, lines (description, kind, qty,
        # cents, and for parts and fees taxed as the shop's settings say)
        ("INV-0001", 75, -45, "open", [("Brake service, unit T-101", "labour", "3.5", 12000),
                                       ("Brake pads (axle set)", "parts", 2, 12950)]),
        ("INV-0002", 12, 18, "open", [("DOT annual inspection", "labour", 3, 18500)]),
        ("INV-0003", 45, -15, "open", [("Oil and filter change", "labour", 4, 6000),
                                       ("Oil and filters", "parts", 4, 3800)]),
        ("INV-0004", 30, 0, "void", [("Duplicate of INV-0003", "labour", 1, 9800)]),
        ("INV-0005", 2, 28, "open", [("Tire rotation", "labour", "1.25", 9600),
                                     ("Wheel alignment", "labour", 1, 14900),
                                     ("Tire disposal", "fee", 4, 500)]),
        ("INV-0006", 0, 30, "draft", [("Coolant flush (draft)", "labour", "1.5", 9600),
                                      ("Coolant, 20 l", "parts", 1, 6600)]),
    ]
    for number, ago, due_in, state, lines in specs:
        invoice = Invoice(shop_id=shop.id, customer_id=customer.id, number=number, state=state,
                          issued_on=None if state == "draft" else today - timedelta(days=ago),
                          due_on=None if state == "draft" else today + timedelta(days=due_in),
                          void_reason="Issued twice by mistake." if state == "void" else None,
                          lines=[InvoiceLine(position=i, **pricing.line_fields({
                              "description": d, "kind": kind, "quantity": q,
                              "unit_price_cents": c,
                              "taxable": shop.taxable_by_default(kind)}))
                                 for i, (d, kind, q, c) in enumerate(lines)])
        taxes.fix(invoice)
        db.session.add(invoice)
    db.session.flush()
    for number, unit in (("INV-0001", "T-101"), ("INV-0002", "T-201")):  # service history
        db.session.execute(update(Invoice).where(
            Invoice.shop_id == shop.id, Invoice.number == number).values(
            asset_id=select(Asset.id).where(Asset.customer_id == customer.id,
                                            Asset.unit_number_key == unit_number_key(unit))
            .scalar_subquery()))
    paid = db.session.scalar(select(Invoice).where(Invoice.shop_id == shop.id,
                                                   Invoice.number == "INV-0003"))
    admin = db.session.scalar(select(StaffUser).where(StaffUser.shop_id == shop.id,
                                                      StaffUser.role == "admin"))
    db.session.add(Payment(shop_id=shop.id, invoice_id=paid.id, amount_cents=40454,
                           method="check", status="succeeded", reference="Check 10422",
                           paid_on=today - timedelta(days=20), recorded_by_id=admin.id))
    recompute(db.session.scalars(select(Invoice.id).where(Invoice.shop_id == shop.id)).all())


def _demo_assets_and_requests(shop: Shop, acme: Customer, dana: Contact,
                              sites: dict[str, Location]) -> None:
    """Acme's units at both of its locations, one open request and one already scheduled."""
    db.session.flush()
    units = {}
    for unit, site, make, model, year, vin in (
        ("T-101", "Main depot", "Freightliner", "Cascadia", 2019, "1FUJGLDR5KLBC1234"),
        ("T-102", "Main depot", "Kenworth", "T680", 2021, "1XKYD49X7MJ445566"),
        ("T-201", "North yard", "Isuzu", "NPR-HD", 2018, "JALC4W169J7000321"),
        ("F-7", "North yard", "Toyota", "8FGU25 forklift", 2016, "SN 8FGU25-61234"),
    ):
        units[unit] = Asset(shop_id=shop.id, customer_id=acme.id, unit_number=unit,
                            unit_number_key=unit_number_key(unit), location=sites[site],
                            make=make, model=model, year=year, vin_serial=vin)
    db.session.add_all(units.values())
    admin = db.session.scalar(select(StaffUser).where(StaffUser.shop_id == shop.id,
                                                      StaffUser.role == "admin"))
    today = utcnow().date()
    db.session.add_all([
        waiting := ServiceRequest(
            shop_id=shop.id, customer_id=acme.id, contact=dana, location=sites["Main depot"],
            asset=units["T-102"], urgency="soon", desired_date=today + timedelta(days=5),
            description="Check engine light on since Monday; loses power uphill. It also "
                        "leaves a puddle of oil under the engine overnight (photo)."),
        scheduled := ServiceRequest(
            shop_id=shop.id, customer_id=acme.id, contact=dana, location=sites["North yard"],
            asset=units["T-201"], urgency="routine", status=ServiceRequest.SCHEDULED,
            desired_date=today + timedelta(days=10), scheduled_for=today + timedelta(days=12),
            description="Annual DOT inspection."),
    ])
    db.session.flush()
    _photo(demo_photos.oil_leak(), "IMG_2041.jpg", waiting, by=dana)
    for request in (scheduled, waiting):  # the staff inbox heard of both
        inbox.request_submitted(request)
    db.session.add(Comment(shop_id=shop.id, service_request_id=scheduled.id,
                           author_staff_id=admin.id,
                           body="We can do the inspection at the North yard on the date shown. "
                                "Please leave the keys at the gate office."))
    inbox.replied(scheduled, admin)  # answered: only the open request waits in the inbox


def _photo(data: bytes, filename: str, document, part=None, *, by) -> None:
    """Store a demo photo on `document` (and `part`) as an upload would be: checked, cleaned
    and thumbnailed by files.processing, kept by the app's storage (services.attachments)."""
    prepared = prepare(data, filename)
    ready = attachments.Ready(filename=attachments.display_name(filename),
                              digest=hashlib.sha256(data).hexdigest(), prepared=prepared)
    attachments.attach([ready], document, part, by=by)


def _line(shop: Shop, description: str, kind: str, quantity, cents: int,
          optional: bool = False, discount: str = "0") -> dict:
    """A line as a form posts it, taxed as the shop's settings say for its kind."""
    return {"description": description, "kind": kind, "quantity": Decimal(str(quantity)),
            "unit_price_cents": cents, "discount": Decimal(discount),
            "taxable": shop.taxable_by_default(kind), "optional": optional}


def _estimate(shop: Shop, acme: Customer, unit: str, lines: list, notes: str, admin: StaffUser,
              send: bool = True):
    asset = db.session.scalar(select(Asset).where(Asset.customer_id == acme.id,
                                                  Asset.unit_number == unit))
    estimate = estimates.create_draft(shop.id, {
        "customer_id": acme.id, "asset_id": asset.id, "location_id": asset.location_id,
        "valid_until": estimates.default_valid_until(), "notes": notes},
        [_line(shop, *line) for line in lines], None)
    if send:
        estimates.send(estimate, admin)
    return estimate


def load_demo_estimates(shop: Shop, acme: Customer, dana: Contact) -> None:
    """Acme's estimates (one waiting with two optional lines, one approved, one declined, one
    more waiting to try a change while Dana has it open, a draft) and a work order in progress
    with additional work awaiting approval, with comments from both sides."""
    admin = db.session.scalar(select(StaffUser).where(StaffUser.shop_id == shop.id,
                                                      StaffUser.role == "admin"))
    signature = approvals.Signature(contact=dana, signed_name="Dana Ortiz", po_number="PO-7731",
                                    reason=None, ip_address="127.0.0.1", user_agent="demo")
    waiting = _estimate(shop, acme, "T-101", [
        ("Replace front brake pads and rotors", "labour", "2.5", 12000),
        ("Brake pads and rotors (front axle)", "parts", 1, 38000),
        ("Brake fluid flush", "labour", "0.75", 12000),
        ("Brake fluid, 1 l", "parts", 2, 1450),
        ("Wiper blades (pair)", "parts", 1, 4500, True),
        ("Cabin air filter", "parts", 1, 3900, True)],
        "Pads are at 2 mm. The optional lines are worth doing while the truck is in.", admin)
    pads = next(line for line in waiting.lines if line.description.startswith("Replace front"))
    _photo(demo_photos.worn_brake_pads(), "Inspection T-101 front brakes.jpg", waiting, pads,
           by=admin)
    comments.post(waiting, dana, "Can you do it on Thursday? The truck is free that day.")
    comments.post(waiting, admin, "Thursday works. Drop it off by 8 am at the Main depot.")
    approved = _estimate(shop, acme, "T-102", [
        ("Replace alternator", "labour", "1.5", 12000),
        ("Alternator (remanufactured)", "parts", 1, 36000, False, "10"),
        ("Serpentine belt", "parts", 1, 8900, True)],
        "A fleet discount of 10 % applies to the alternator.", admin)
    approvals.decide_estimate(approved, 1, "approve_all", set(), signature)
    declined = _estimate(shop, acme, "F-7", [
        ("Rebuild mast hydraulics", "labour", 12, 12000),
        ("Hydraulic seal kit", "parts", 1, 96000)], "", admin)
    approvals.decide_estimate(declined, 1, "decline", set(), approvals.Signature(
        contact=dana, signed_name="Dana Ortiz", po_number=None, ip_address="127.0.0.1",
        user_agent="demo", reason="Too expensive for this forklift; we are replacing it."))
    _estimate(shop, acme, "T-201", [("Replace headlight assembly (left)", "parts", 1, 25000),
                                    ("Fit and aim headlights", "labour", "0.5", 12000)],
              "", admin)
    _estimate(shop, acme, "T-102", [("Coolant flush (draft)", "labour", "1.5", 12000),
                                    ("Coolant, 20 l", "parts", 1, 6600)], "", admin,
              send=False)
    partial = _estimate(shop, acme, "T-201", [
        ("Replace clutch", "labour", 4, 12000),
        ("Clutch kit", "parts", 1, 28500),
        ("Replace flywheel while open", "parts", 1, 22000, True),
        ("Resurface flywheel", "labour", "0.75", 12000, True)],
        "Resurfacing is enough if the flywheel is not cracked; we check when it is out.", admin)
    approvals.decide_estimate(partial, 1, "approve_selected", {
        line.id for line in partial.lines if line.description == "Resurface flywheel"},
        signature)
    request = db.session.scalar(select(ServiceRequest).where(
        ServiceRequest.customer_id == acme.id, ServiceRequest.status == ServiceRequest.SCHEDULED))
    work_order = work_orders.for_request(request, admin, None)
    work_order.status = WorkOrder.IN_PROGRESS
    work_orders.update_lines(work_order, "Annual DOT inspection at the North yard.", [
        _line(shop, "DOT annual inspection", "labour", "1.5", 12000),
        _line(shop, "Shop supplies", "fee", 1, 1850)])
    work_orders.request_approval(work_order, [
        _line(shop, "Replace cracked air brake hose", "parts", 1, 9300),
        _line(shop, "Fit air brake hose", "labour", "0.5", 12000),
        _line(shop, "Replace marker lights (set of 4)", "parts", 1, 9600)],
        "The inspection found a cracked air hose (the unit fails DOT without it) and two "
        "marker lights out.", 0)
    comments.post(work_order, admin, "The hose is the urgent one: the unit can't pass without "
                                     "it. The lights can wait if you prefer.")
    comments.post(work_order, dana, "Thanks, I'll look at it this afternoon.")
    _demo_work_to_invoice(shop, acme, approved, admin)


def _demo_work_to_invoice(shop: Shop, acme: Customer, approved, admin: StaffUser) -> None:
    """The approved alternator job done and invoiced (the work order reads "Invoiced"), and
    a completed tire job waiting for its invoice."""
    done, _ = work_orders.from_estimate(approved)
    done.status = WorkOrder.COMPLETED
    invoice, _ = invoices.from_work_order(done)
    invoices.issue(invoice)
    asset = db.session.scalar(select(Asset).where(Asset.customer_id == acme.id,
                                                  Asset.unit_number == "T-201"))
    tires = work_orders.open_for(shop, acme, asset=asset, status=WorkOrder.COMPLETED,
                                 description="Replace the steer tires of T-201.")
    work_orders.update_lines(tires, tires.description, [
        _line(shop, "Steer tires 295/75R22.5", "parts", 2, 42500, False, "5"),
        _line(shop, "Mount and balance", "labour", 1, 12000),
        _line(shop, "Tire disposal", "fee", 2, 500)])
    comments.post(tires, admin, "Done: both steer tires replaced and balanced. The invoice "
                                "follows.")
