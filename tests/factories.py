"""Factories: one method per model. Each call commits in its own app context and returns a
detached object whose columns stay readable, so tests never hold an app context while they
make requests (a held context would share `g` and the session between requests)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from functools import lru_cache

from flask import Flask
from sqlalchemy.orm import Session, selectinload

from portal_app.extensions import db
from portal_app.models import (
    Approval,
    Asset,
    Comment,
    Contact,
    Customer,
    Estimate,
    EstimateLine,
    EstimateVersion,
    InboxItem,
    Invoice,
    InvoiceLine,
    Location,
    LoginSession,
    Payment,
    PaymentSettings,
    PortalUser,
    ServiceRequest,
    Shop,
    StaffUser,
    WorkOrder,
    WorkOrderLine,
    unit_number_key,
    utcnow,
)
from portal_app.services.invoice_balances import recompute
from portal_app.services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@lru_cache(maxsize=None)
def password_hash(password: str = PASSWORD) -> str:
    return hash_password(password)


class Factories:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def _save(self, *objects):
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                session.add_all(objects)
                session.commit()
        return objects[0]

    def shop(self, name: str | None = None, **kw) -> Shop:
        n = next(_seq)
        return self._save(Shop(name=name or f"Shop {n}", slug=kw.pop("slug", f"shop-{n}"), **kw))

    def logo(self, shop: Shop, color: tuple = (31, 95, 139)) -> Shop:
        """Give the shop a small logo (as an upload would, re-encoded); returns the shop."""
        import io

        from PIL import Image

        from portal_app.services.branding import prepare_logo

        raw = io.BytesIO()
        Image.new("RGB", (120, 40), color).save(raw, "PNG")
        data, mime, digest = prepare_logo(raw.getvalue())
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                found = session.get(Shop, shop.id)
                found.logo, found.logo_type, found.logo_hash = data, mime, digest
                session.commit()
                session.refresh(found)
                session.expunge(found)
        return found

    def staff(self, shop: Shop, role: str = "staff", email: str | None = None, **kw) -> StaffUser:
        n = next(_seq)
        return self._save(StaffUser(
            shop_id=shop.id, role=role, email=email or f"staff{n}@shop.example",
            name=kw.pop("name", f"Staff {n}"), password_hash=password_hash(), **kw))

    def customer(self, shop: Shop, name: str | None = None, **kw) -> Customer:
        return self._save(Customer(shop_id=shop.id, name=name or f"Customer {next(_seq)}", **kw))

    def location(self, customer: Customer, name: str | None = None, **kw) -> Location:
        return self._save(Location(
            shop_id=customer.shop_id, customer_id=customer.id, name=name or f"Site {next(_seq)}",
            address=kw.pop("address", "1 Harbor Road"), **kw))

    def contact(self, customer: Customer, email: str | None = None, **kw) -> Contact:
        n = next(_seq)
        return self._save(Contact(
            shop_id=customer.shop_id, customer_id=customer.id,
            name=kw.pop("name", f"Contact {n}"), email=email or f"contact{n}@cust.example", **kw))

    def active_contact(self, customer: Customer, email: str | None = None,
                       password: str = PASSWORD, **kw) -> Contact:
        """A contact who accepted the invitation: a portal login with a known password."""
        n = next(_seq)
        email = email or f"contact{n}@cust.example"
        now = utcnow()
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                user = session.query(PortalUser).filter_by(email=email).one_or_none()
                if user is None:
                    user = PortalUser(email=email, password_hash=password_hash(password),
                                      password_changed_at=now)
                    session.add(user)
                contact = Contact(shop_id=customer.shop_id, customer_id=customer.id,
                                  name=kw.pop("name", f"Contact {n}"), email=email,
                                  portal_user=user, invited_at=now, activated_at=now, **kw)
                session.add(contact)
                session.commit()
        return contact

    def login_session(self, contact: Contact, user_agent: str = "Mozilla/5.0 (Windows NT 10.0; "
                      "Win64; x64) Gecko/20100101 Firefox/128.0", ip_address: str = "203.0.113.9",
                      **kw) -> LoginSession:
        """A session row of the contact's login, as another browser's login would write it."""
        now = utcnow()
        return self._save(LoginSession(
            portal_user_id=contact.portal_user_id, user_agent=user_agent, ip_address=ip_address,
            created_at=kw.pop("created_at", now), last_seen_at=kw.pop("last_seen_at", now), **kw))

    def _recompute(self, invoice_id: int) -> None:
        """The invoice's stored balances, by their one writer (as every code path does)."""
        with self.app.app_context():
            recompute([invoice_id])
            db.session.commit()
            db.session.remove()

    def invoice(self, customer: Customer, lines=(("Service", 1, 10000),), state: str = "open",
                due_in_days: int | None = 30, number: str | None = None, **kw) -> Invoice:
        """An invoice with lines (description, quantity, unit price in cents, and optionally a
        dict of kind, discount and taxable), its balances written by
        invoice_balances.recompute() (tax_name and tax_rate in kw: the tax it charges)."""
        today = utcnow().date()
        invoice = self._save(Invoice(
            shop_id=customer.shop_id, customer_id=customer.id,
            number=number or f"T-{next(_seq):05d}", state=state,
            issued_on=kw.pop("issued_on", None if state == "draft" else today),
            due_on=kw.pop("due_on", None if due_in_days is None
                          else today + timedelta(days=due_in_days)),
            lines=[InvoiceLine(position=i, description=d, quantity=q, unit_price_cents=c,
                               **(extra[0] if extra else {}))
                   for i, (d, q, c, *extra) in enumerate(lines)], **kw))
        self._recompute(invoice.id)
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                found = session.get(Invoice, invoice.id, options=[
                    selectinload(Invoice.lines), selectinload(Invoice.payments)])
                session.expunge_all()
        return found

    def payment(self, invoice: Invoice, amount_cents: int, method: str = "check",
                status: str = "succeeded", **kw) -> Payment:
        """A payment of the invoice; the invoice's balances follow (recompute())."""
        payment = self._save(Payment(shop_id=invoice.shop_id, invoice_id=invoice.id,
                                     amount_cents=amount_cents, method=method, status=status,
                                     paid_on=kw.pop("paid_on", date.today()), **kw))
        self._recompute(invoice.id)
        return payment

    def payment_settings(self, shop: Shop, **kw) -> PaymentSettings:
        """The shop's payment settings; stripe_account_id given means a connected, Active
        account (card and ACH capabilities) unless stripe_state says otherwise."""
        if kw.get("stripe_account_id"):
            kw.setdefault("stripe_state", "active")
            kw.setdefault("stripe_card_active", True)
            kw.setdefault("stripe_ach_active", True)
            kw.setdefault("stripe_checked_at", utcnow())
        kw.setdefault("stripe_state", "not_connected")
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                settings = session.merge(PaymentSettings(shop_id=shop.id, **kw))
                session.commit()
        return settings

    def asset(self, customer: Customer, unit_number: str | None = None,
              location: Location | None = None, **kw) -> Asset:
        unit = unit_number or f"U-{next(_seq)}"
        return self._save(Asset(
            shop_id=customer.shop_id, customer_id=customer.id, unit_number=unit,
            unit_number_key=unit_number_key(unit), location_id=location.id if location else None,
            make=kw.pop("make", "Freightliner"), model=kw.pop("model", "M2 106"), **kw))

    def service_request(self, contact: Contact, location: Location | None = None,
                        asset: Asset | None = None, **kw) -> ServiceRequest:
        return self._save(ServiceRequest(
            shop_id=contact.shop_id, customer_id=contact.customer_id, contact_id=contact.id,
            location_id=location.id if location else None, asset_id=asset.id if asset else None,
            description=kw.pop("description", "Brakes squeal when cold."), **kw))

    def estimate(self, customer: Customer, lines=(("Brake job", 1, 50000, False),),
                 status: str = "sent", number: str | None = None, valid_in_days: int = 30,
                 **kw) -> Estimate:
        """An estimate with lines (description, quantity, unit price in cents, optional). A sent
        one is at version 1 with its snapshot, as "Send to customer" leaves it."""
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                estimate = Estimate(
                    shop_id=customer.shop_id, customer_id=customer.id,
                    number=number or f"EST-{next(_seq):04d}", status=status,
                    version=0 if status == "draft" else 1, notes=kw.pop("notes", ""),
                    valid_until=utcnow().date() + timedelta(days=valid_in_days), **kw)
                estimate.lines = [EstimateLine(position=i, description=d, quantity=q,
                                               unit_price_cents=c, optional=o)
                                  for i, (d, q, c, o) in enumerate(lines)]
                session.add(estimate)
                session.flush()
                if status != "draft":
                    session.add(EstimateVersion(
                        estimate_id=estimate.id, version=1, valid_until=estimate.valid_until,
                        notes=estimate.notes, changes=[],
                        lines=[line.snapshot() for line in estimate.lines]))
                session.commit()
                session.refresh(estimate)
                estimate.lines  # loaded, so the detached object keeps them
        return estimate

    def work_order(self, customer: Customer, lines=(("Inspection", 1, 18500),), pending=(),
                   number: str | None = None, **kw) -> WorkOrder:
        """A work order with approved lines, and `pending` lines of additional work awaiting
        the customer's approval (round 1) when given."""
        rows = [WorkOrderLine(position=i, description=d, quantity=q, unit_price_cents=c)
                for i, (d, q, c) in enumerate(lines)]
        rows += [WorkOrderLine(position=len(rows) + i, description=d, quantity=q,
                               unit_price_cents=c, approval_state="pending", approval_round=1)
                 for i, (d, q, c) in enumerate(pending)]
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                work_order = WorkOrder(
                    shop_id=customer.shop_id, customer_id=customer.id,
                    number=number or f"WO-{next(_seq):04d}",
                    status="awaiting_approval" if pending else kw.pop("status", "in_progress"),
                    approval_round=1 if pending else 0, lines=rows, **kw)
                session.add(work_order)
                session.commit()
                work_order.lines
        return work_order

    def attachment(self, document, data: bytes, filename: str = "photo.jpg", part=None,
                   by=None):
        """A photo or file on `document` (and `part`), checked and stored by the app's own
        service (services.attachments), as an upload leaves it; returns the row."""
        from portal_app.models import Attachment
        from portal_app.services import attachments
        from portal_app.services.attachments import Ready
        import hashlib
        from portal_app.files.processing import prepare

        with self.app.test_request_context():
            prepared = prepare(data, filename)
            ready = Ready(attachments.display_name(filename.rsplit(".", 1)[0] + "."
                                                   + prepared.extension),
                          hashlib.sha256(data).hexdigest(), prepared)
            author = by if by is not None else StaffUser(id=None)
            ident, = attachments.attach([ready], document, part, by=author)
            db.session.commit()
            found = db.session.get(Attachment, ident)
            db.session.expunge(found)
            db.session.remove()
        return found

    def approval(self, estimate: Estimate, contact: Contact, decision: str = "approved",
                 **kw) -> Approval:
        """A decision on the estimate's version 1 (and the estimate moved to that status); a
        partial approval declines the optional lines."""
        with self.app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                row = session.get(Estimate, estimate.id)
                row.status = decision
                declined = {"declined": lambda line: True, "approved": lambda line: False,
                            "partially_approved": lambda line: line.optional}[decision]
                lines = [{**line.snapshot(), "decision": "declined" if declined(line)
                          else "approved"} for line in row.lines]
                approval = Approval(
                    shop_id=row.shop_id, estimate_id=row.id, version=row.version,
                    contact_id=contact.id, decision=decision,
                    signed_name=kw.pop("signed_name", contact.name), lines=lines,
                    total_approved_cents=sum(l["amount_cents"]
                                             for l in lines if l["decision"] == "approved"),
                    **kw)
                session.add(approval)
                session.commit()
        return approval

    def inbox_item(self, document, contact: Contact | None = None, kind: str = "comment",
                   summary: str = "Commented: “Hello”", **kw) -> InboxItem:
        """An open staff inbox item about a request, estimate, work order, invoice or customer
        (as services/inbox.record() writes it)."""
        from portal_app.services.inbox import DOCUMENT_TYPES, document_number

        return self._save(InboxItem(
            shop_id=document.shop_id, kind=kind, summary=summary,
            customer_id=document.id if isinstance(document, Customer) else document.customer_id,
            contact_id=contact.id if contact else None,
            document_type=DOCUMENT_TYPES[type(document)], document_id=document.id,
            document_number=document_number(document), **kw))

    def comment(self, document, body: str = "A comment", staff: StaffUser | None = None,
                contact: Contact | None = None) -> Comment:
        """A comment on a service request, estimate, work order or invoice, by staff or a
        contact."""
        column = {"Estimate": "estimate_id", "WorkOrder": "work_order_id",
                  "Invoice": "invoice_id",
                  "ServiceRequest": "service_request_id"}[type(document).__name__]
        return self._save(Comment(shop_id=document.shop_id, body=body,
                                  author_staff_id=staff.id if staff else None,
                                  author_contact_id=contact.id if contact else None,
                                  **{column: document.id}))
