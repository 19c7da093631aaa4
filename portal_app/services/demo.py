"""Demo data: a shop a newcomer can click through. Its logins exist only here."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import (
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Location,
    Payment,
    PaymentSettings,
    PortalUser,
    Shop,
    StaffUser,
    utcnow,
)
from portal_app.services.accounts import invite_contact
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
    """Create the demo shop with staff, customers, contacts in every portal state, locations."""
    shop = Shop(name="Demo Fleet Services", slug="demo-fleet", brand_color="#1f5f8b")
    db.session.add(shop)
    db.session.flush()
    db.session.add_all([
        StaffUser(shop=shop, email="admin@demo-fleet.example", name="Alex Admin", role="admin",
                  password_hash=hash_password("demo-admin-pass")),
        StaffUser(shop=shop, email="staff@demo-fleet.example", name="Sam Service",
                  role="staff", password_hash=hash_password("demo-staff-pass")),
    ])

    acme = Customer(shop_id=shop.id, name="Acme Logistics", account_number="C-1001")
    birch = Customer(shop_id=shop.id, name="Birch Construction", account_number="C-1002")
    cedar = Customer(shop_id=shop.id, name="Cedar Property Services", account_number="C-1003")
    db.session.add_all([acme, birch, cedar])
    db.session.flush()
    for customer, sites in (
        (acme, [("Main depot", "1200 Harbor Road, Oakland, CA 94607"),
                ("North yard", "88 Industrial Way, Richmond, CA 94804")]),
        (birch, [("Head office", "14 Birch Lane, Fresno, CA 93701")]),
        (cedar, [("Maintenance shed", "500 Cedar Avenue, San Jose, CA 95112")]),
    ):
        for name, address in sites:
            db.session.add(Location(shop_id=shop.id, customer=customer, name=name,
                                    address=address))

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
    ben = Contact(shop_id=shop.id, customer=birch, name="Ben Birch",
                  email="ben@birch-construction.example", is_billing=True)
    db.session.add(ben)
    db.session.flush()
    invite_contact(ben)
    load_demo_invoices(shop, acme)
    return shop


def load_demo_invoices(shop: Shop, customer: Customer) -> None:
    """Invoices of every status for Acme Logistics: open, overdue, paid, void, and a draft."""
    today = utcnow().date()
    db.session.add(PaymentSettings(shop_id=shop.id, stripe_state="not_connected",
                                   bank_transfer_enabled=True, invoice_notifications=True,
                                   pay_instead_text="Mail a check to Demo Fleet Services, "
                                   "1200 Harbor Road, Oakland, CA 94607, or call "
                                   "(510) 555-0100 to pay by phone."))
    specs = [  # number, issued days ago, due in days, state, lines (description, qty, cents)
        ("INV-0001", 60, -30, "open", [("Brake service, unit T-101", 1, 48000),
                                       ("Brake pads (axle set)", 2, 12950)]),
        ("INV-0002", 12, 18, "open", [("DOT annual inspection", 3, 18500)]),
        ("INV-0003", 45, -15, "open", [("Oil and filter change", 4, 9800)]),
        ("INV-0004", 30, 0, "void", [("Duplicate of INV-0003", 1, 9800)]),
        ("INV-0005", 2, 28, "open", [("Tire rotation", 2, 6500), ("Wheel alignment", 1, 14900)]),
        ("INV-0006", 0, 30, "draft", [("Coolant flush (draft)", 1, 21000)]),
    ]
    for number, ago, due_in, state, lines in specs:
        invoice = Invoice(shop_id=shop.id, customer_id=customer.id, number=number, state=state,
                          issued_on=None if state == "draft" else today - timedelta(days=ago),
                          due_on=None if state == "draft" else today + timedelta(days=due_in),
                          void_reason="Issued twice by mistake." if state == "void" else None,
                          lines=[InvoiceLine(position=i, description=d, quantity=q,
                                             unit_price_cents=c)
                                 for i, (d, q, c) in enumerate(lines)])
        db.session.add(invoice)
    db.session.flush()
    paid = db.session.scalar(select(Invoice).where(Invoice.shop_id == shop.id,
                                                   Invoice.number == "INV-0003"))
    db.session.add(Payment(shop_id=shop.id, invoice_id=paid.id, amount_cents=39200,
                           method="check", status="succeeded", reference="Check 10422",
                           paid_on=today - timedelta(days=20)))
