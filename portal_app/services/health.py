"""Portal health: each troubleshooting entry of the support guide as a check the product runs.

A check is one function taking the shop and returning a Check (OK, Warning or Action needed,
what it found, and the fix in plain words). CHECKS lists them in the order the page shows;
adding a check is writing one function and adding it there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, func, or_, select

from portal_app.mail import outbox
from portal_app.clock import today
from portal_app.extensions import db
from portal_app.models import (
    Contact,
    Estimate,
    LoginLockout,
    OutboundEmail,
    Payment,
    PortalUser,
    Shop,
    StaffUser,
    WorkOrder,
    utcnow,
)
from portal_app.services import stripe_gateway
from portal_app.services.invoices import payment_settings

OK, WARNING, ACTION = "ok", "warning", "action"
STATE_LABELS = {OK: "OK", WARNING: "Warning", ACTION: "Action needed"}
INVITATION_UNANSWERED = timedelta(days=7)
BANK_PAYMENT_STUCK = timedelta(days=7)
DOMAIN_WINDOW = timedelta(hours=24)
DOMAIN_FAILURES = 3
WAITING_ESTIMATE = timedelta(days=14)
WAITING_ADDITIONAL_WORK = timedelta(days=7)


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    state: str
    found: str
    fix: str = ""
    faq: str = ""  # the support guide's entry this check answers

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def facts_queries(shop: Shop) -> dict[str, Select]:
    """What the checks decide on, each as a SELECT of the rows it counts, built with the shop
    and the moments it compares against."""
    now = utcnow()
    return {
        "failed_invitations": select(OutboundEmail.recipient).where(
            OutboundEmail.shop_id == shop.id, OutboundEmail.kind == "invitation",
            OutboundEmail.status == OutboundEmail.FAILED,
            OutboundEmail.contact_id.in_(select(Contact.id).where(
                Contact.shop_id == shop.id, Contact.activated_at.is_(None),
                Contact.portal_disabled.is_(False))))
        .distinct().order_by(OutboundEmail.recipient),
        "unanswered_invitations": select(Contact.email).where(
            Contact.shop_id == shop.id, Contact.activated_at.is_(None),
            Contact.portal_disabled.is_(False), Contact.invited_at.is_not(None),
            Contact.invited_at < now - INVITATION_UNANSWERED).order_by(Contact.invited_at),
        "failing_domains": _failing_domains(shop, now),
        "active_admins": select(StaffUser.name).where(
            StaffUser.shop_id == shop.id, StaffUser.role == "admin",
            StaffUser.active.is_(True)).order_by(StaffUser.name),
        "stuck_bank_payments": select(Payment.id).where(
            Payment.shop_id == shop.id, Payment.status == "processing",
            Payment.updated_at < now - BANK_PAYMENT_STUCK),
        "contacts_without_email": select(Contact.name).where(
            Contact.shop_id == shop.id, or_(Contact.email == "", ~Contact.email.contains("@"))
        ).order_by(Contact.name),
        "locked_out": select(LoginLockout.email).where(
            LoginLockout.locked_until > now,
            or_((LoginLockout.kind == "portal") & LoginLockout.email.in_(
                select(PortalUser.email).join(Contact, Contact.portal_user_id == PortalUser.id)
                .where(Contact.shop_id == shop.id)),
                (LoginLockout.kind == "staff") & LoginLockout.email.in_(
                    select(StaffUser.email).where(StaffUser.shop_id == shop.id)))
        ).order_by(LoginLockout.locked_until.desc()),
        # Estimates sent and neither decided nor expired for longer than WAITING_ESTIMATE.
        "waiting_estimates": select(Estimate.number).where(
            Estimate.shop_id == shop.id, Estimate.status == Estimate.SENT,
            Estimate.updated_at < now - WAITING_ESTIMATE,
            or_(Estimate.valid_until.is_(None), Estimate.valid_until >= today(shop))
        ).order_by(Estimate.updated_at),
        "waiting_additional_work": select(WorkOrder.number).where(
            WorkOrder.shop_id == shop.id, WorkOrder.status == WorkOrder.AWAITING,
            WorkOrder.updated_at < now - WAITING_ADDITIONAL_WORK).order_by(WorkOrder.updated_at),
    }


def _failing_domains(shop: Shop, now) -> Select:
    return (select(OutboundEmail.recipient_domain, func.count().label("failures")).where(
        OutboundEmail.shop_id == shop.id, OutboundEmail.created_at >= now - DOMAIN_WINDOW,
        or_(OutboundEmail.status == OutboundEmail.FAILED, OutboundEmail.last_error.is_not(None)))
        .group_by(OutboundEmail.recipient_domain).having(func.count() >= DOMAIN_FAILURES))


def _names(facts: dict, name: str, detail: bool, limit: int = 5) -> str:
    """': a, b, c and more' for the health page (the dashboard, detail=False, names nobody)."""
    if not detail:
        return ""
    rows = db.session.scalars(facts["queries"][name].limit(limit + 1)).all()
    if not rows:
        return ""
    shown = ", ".join(rows[:limit])
    return ": " + shown + (" and more" if len(rows) > limit else "")


def _counted(query):
    return select(func.count()).select_from(query.subquery()).scalar_subquery()


def gather(shop: Shop, extra: dict[str, Select] | None = None) -> dict:
    """Every count the checks decide on, in one query; the dashboard adds its own counts as
    `extra` (SELECTs of one value)."""
    queries = facts_queries(shop)
    statement = select(*[_counted(query).label(name) for name, query in queries.items()],
                       *[query.scalar_subquery().label(name)
                         for name, query in (extra or {}).items()])
    return {**db.session.execute(statement).one()._mapping, "queries": queries}


def mail_delivery(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Sending email"
    if not outbox.mail_configured():
        return Check("mail", title, ACTION, "No mail server is configured (MAIL_SERVER is "
                     "empty): invitations, resets and invoices stay queued and reach nobody.",
                     "Whoever runs the portal sets MAIL_SERVER; queued messages then go out.")
    return Check("mail", title, OK, "A mail server is configured.")


def stripe_account(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Online payment (Stripe)"
    faq = "Troubleshooting 6"
    settings = facts["settings"]
    if not stripe_gateway.configured():
        return Check("stripe", title, WARNING, "The portal's Stripe keys are not configured, "
                     "so customers can't pay online.", "Whoever runs the portal sets "
                     "STRIPE_SECRET_KEY; then press Set up online payments in Payment settings.",
                     faq)
    if settings.stripe_state == "not_connected" or not settings.stripe_account_id:
        return Check("stripe", title, WARNING, "No Stripe account is connected: customers "
                     "read how to pay instead.", "Press Set up online payments in Settings → "
                     "Payment settings: Stripe asks for the shop's details.", faq)
    if settings.stripe_state != "active":
        state = stripe_gateway.STATE_LABELS[settings.stripe_state]
        reason = stripe_gateway.reason_in_words(settings) or "Stripe gives no reason"
        return Check("stripe", title, ACTION, f"The Stripe account is {state}: {reason}. "
                     "Payment buttons are hidden from customers.", "Log in to Stripe, read "
                     "the alert at the top of the dashboard and complete the verification "
                     "steps (or press Continue setup in Payment settings). The "
                     "buttons come back by themselves once Stripe says Active.", faq)
    return Check("stripe", title, OK, "The Stripe account is Active.", faq=faq)


def invoice_notifications(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Invoice emails"
    faq = "Troubleshooting 5"
    if not facts["settings"].invoice_notifications:
        return Check("invoice_emails", title, WARNING, "Invoice email notifications are off: "
                     "billing contacts get no email when an invoice is issued.",
                     "Turn on “Email billing contacts when an invoice is issued” in Settings.",
                     faq)
    return Check("invoice_emails", title, OK, "Invoice email notifications are on.", faq=faq)


def invitations(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Invitations"
    faq = "Troubleshooting 1 and 3"
    if failed := facts["failed_invitations"]:
        names = _names(facts, "failed_invitations", detail)
        return Check("invitations", title, ACTION, f"{failed} invitation(s) could not be "
                     f"delivered{names}.", "Open the contact, check the address and press "
                     "Resend invitation; the contact's page shows the mail server's answer.",
                     faq)
    if unanswered := facts["unanswered_invitations"]:
        names = _names(facts, "unanswered_invitations", detail)
        return Check("invitations", title, WARNING, f"{unanswered} contact(s) were invited "
                     f"over 7 days ago and never set a password{names}.", "Ask them to look "
                     "in spam or junk, then press Resend invitation on the contact (links last "
                     "7 days).", faq)
    return Check("invitations", title, OK, "No failed or unanswered invitations.", faq=faq)


def failing_domains(shop: Shop) -> list[tuple[str, int]]:
    """Recipient domains with DOMAIN_FAILURES or more failed deliveries in 24 hours."""
    return db.session.execute(_failing_domains(shop, utcnow()).order_by(
        func.count().desc(), OutboundEmail.recipient_domain).limit(10)).all()


def delivery_domains(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Email domains"
    faq = "Troubleshooting 3"
    if failing := facts["failing_domains"]:
        listed = ", ".join(f"{domain} ({n} failures)" for domain, n in failing_domains(shop)) \
            if detail else f"{failing} domain(s)"
        return Check("domains", title, ACTION, f"Deliveries keep failing for {listed} in the "
                     "last 24 hours.", "That domain's mail server refuses or quarantines our "
                     "messages: ask the customer's IT to allow the portal's sender address, "
                     "and tell support if it goes on.", faq)
    return Check("domains", title, OK, "No domain had 3 or more failures in 24 hours.", faq=faq)


def administrators(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Administrators"
    faq = "Troubleshooting 9"
    if facts["active_admins"] <= 1:
        who = _names(facts, "active_admins", detail)
        return Check("admins", title, WARNING, f"Only one active Administrator{who}: if that "
                     "login is lost, nobody can change the settings or the roles.", "Make a "
                     "second trusted person an Administrator in Users.", faq)
    return Check("admins", title, OK, f"{facts['active_admins']} active Administrators.",
                 faq=faq)


def stuck_bank_payments(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Bank payments"
    faq = "Troubleshooting 7"
    if stuck := facts["stuck_bank_payments"]:
        return Check("bank_payments", title, WARNING, f"{stuck} bank payment(s) have been "
                     "processing for more than 7 days (ACH usually clears in 4 business days).",
                     "Run `flask stripe sync` (or ask whoever runs the portal), then check the "
                     "payment in Stripe; if the bank can't do ACH, ask the customer to pay by "
                     "card.", faq)
    return Check("bank_payments", title, OK, "No bank payment is processing for over 7 days.",
                 faq=faq)


def contacts_without_email(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Contact email addresses"
    if missing := facts["contacts_without_email"]:
        names = _names(facts, "contacts_without_email", detail)
        return Check("contact_emails", title, WARNING, f"{missing} contact(s) have no usable "
                     f"email address{names}.", "Open the contact and enter their email, so "
                     "they can be invited and receive invoices.", "Troubleshooting 5")
    return Check("contact_emails", title, OK, "Every contact has an email address.")


def locked_out(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Login lockouts"
    faq = "Troubleshooting 1"
    if locked := facts["locked_out"]:
        names = _names(facts, "locked_out", detail)
        return Check("lockouts", title, WARNING, f"{locked} login(s) are refused right now "
                     f"after too many wrong passwords{names}.", "The lock lifts by itself "
                     "within the hour. If it was them, send a password reset from the "
                     "contact; if not, someone is guessing passwords.", faq)
    return Check("lockouts", title, OK, "No login is refused by the rate limit now.", faq=faq)


def waiting_approvals(shop: Shop, facts: dict, detail: bool) -> Check:
    title = "Approvals customers owe"
    estimates, work = facts["waiting_estimates"], facts["waiting_additional_work"]
    if estimates or work:
        parts = []
        if estimates:
            names = _names(facts, "waiting_estimates", detail)
            parts.append(f"{estimates} estimate(s) sent over 14 days ago are still waiting for "
                         f"the customer's decision{names}")
        if work:
            names = _names(facts, "waiting_additional_work", detail)
            parts.append(f"{work} work order(s) have waited over 7 days for approval of "
                         f"additional work{names}")
        return Check("approvals", title, WARNING, "; ".join(parts) + ".", "Check that the "
                     "customer's contacts received the email (their page shows its delivery), "
                     "then remind them or post a comment on the document: they approve in "
                     "the portal with one click.")
    return Check("approvals", title, OK, "No estimate or additional work has waited long for "
                 "the customer.")


CHECKS = (mail_delivery, stripe_account, invoice_notifications, invitations, delivery_domains,
          administrators, stuck_bank_payments, contacts_without_email, locked_out,
          waiting_approvals)


def run_checks(shop: Shop, *, facts: dict | None = None, settings=None,
               detail: bool = True) -> list[Check]:
    """Every check; detail=False (the dashboard) skips the queries that only name people."""
    facts = dict(facts or gather(shop))
    facts["settings"] = settings or payment_settings(shop)
    return [check(shop, facts, detail) for check in CHECKS]


def record_lockout(kind: str, email: str, until) -> None:
    """Remember (for the health page) that logins of this address are refused until `until`.
    Called when a login limit is breached; commits on its own, as the request ends in 429."""
    email = email.strip().lower()[:254]
    if not email:
        return
    try:
        found = db.session.scalar(select(LoginLockout).where(
            LoginLockout.kind == kind, LoginLockout.email == email))
        if found is None:
            db.session.add(LoginLockout(kind=kind, email=email, locked_until=until))
        else:
            found.locked_until, found.refused = max(found.locked_until, until), found.refused + 1
        db.session.commit()
    except Exception:  # noqa: BLE001 - a lost note must never turn a 429 into a 500
        db.session.rollback()
        current_app.logger.warning("could not record a login lockout", exc_info=True)
