"""Staff sign-in, dashboard and the email delivery log."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal_app.mail import outbox
from portal_app.auth.login import end_session, is_staff_user, safe_next, start_session
from portal_app.auth.limits import login_limits
from portal_app.blueprints.auth.forms import LoginForm
from portal_app.blueprints.auth.links import login_page
from portal_app.blueprints.estimates.views import latest
from portal_app.blueprints.inbox.views import SHOWN, document_link
from portal_app.blueprints.staff import bp
from portal_app.extensions import db
from portal_app.models import Contact, Customer, InboxItem, OutboundEmail
from portal_app.clock import today
from portal_app.web.audience import CONSOLE
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render
from portal_app.services import accounts, health, inbox, stripe_gateway
from portal_app.services.invoices import open_summary, payment_settings
from portal_app.data.tenancy import shop_select


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Log a staff member in to the console."""
    home = url_for("staff.dashboard")
    if is_staff_user():
        return redirect(home)

    def signed_in(email: str, password: str) -> str | None:
        user = accounts.authenticate_staff(email, password)
        if user is None:
            return None
        db.session.commit()
        start_session(user)
        target = safe_next(request.args.get("next"), home)
        return target if target.startswith("/staff") else home

    return login_page(LoginForm(), signed_in, "staff/login.html",
                      "That email and password don't match a staff account.")


@bp.post("/logout")
def logout():
    """End this staff login's sessions."""
    accounts.logout_everywhere(current_user)
    db.session.commit()
    end_session()
    flash("You're logged out.", "info")
    return redirect(url_for("staff.login"), 303)


def _counted(query):
    return select(func.count()).select_from(query.subquery())


def dashboard_counts(shop) -> dict:
    """The dashboard's own numbers, beside the health checks' facts."""
    live = (Contact.shop_id == shop.id, Contact.portal_disabled.is_(False))
    return {
        "customers": _counted(select(Customer.id).where(Customer.shop_id == shop.id)),
        "contacts_total": _counted(select(Contact.id).where(*live)),
        "contacts_active": _counted(select(Contact.id).where(
            *live, Contact.activated_at.is_not(None))),
        "contacts_invited": _counted(select(Contact.id).where(
            *live, Contact.invited_at.is_not(None), Contact.activated_at.is_(None))),
        "failed_emails": _counted(select(OutboundEmail.id).where(
            OutboundEmail.shop_id == shop.id, OutboundEmail.status == OutboundEmail.FAILED)),
        "inbox_open": _counted(select(InboxItem.id).where(
            InboxItem.shop_id == shop.id, InboxItem.handled_at.is_(None))),
    }


@bp.get("/")
def dashboard():
    """Show the shop's portal at a glance."""
    facts = health.gather(g.shop, dashboard_counts(g.shop))  # one query: numbers and health facts
    settings = payment_settings(g.shop)
    problems = [c for c in health.run_checks(g.shop, facts=facts, settings=settings,
                                             detail=False) if c.state != health.OK]
    return render(
        "staff/dashboard.html",
        invoices=open_summary(g.shop.id),
        stuck_payments=facts["stuck_bank_payments"],
        stripe_state=settings.stripe_state if stripe_gateway.configured() else None,
        stripe_label=stripe_gateway.STATE_LABELS[settings.stripe_state],
        customers=facts["customers"],
        contacts_total=facts["contacts_total"],
        contacts_active=facts["contacts_active"],
        contacts_invited=facts["contacts_invited"],
        failed_emails=facts["failed_emails"],
        mail_configured=outbox.mail_configured(),
        health_problems=problems,
        failing_domains=health.failing_domains(g.shop),
        latest_estimates=latest(CONSOLE, 5), audience=CONSOLE, today=today(),
        inbox_open=facts["inbox_open"], inbox_labels=inbox.KIND_LABELS, inbox_link=document_link,
        inbox_items=db.session.scalars(  # the first open ones: urgent requests, then the oldest
            inbox.open_items(g.shop.id).options(*SHOWN).limit(5)).all(),
    )


@bp.get("/email-log")
def email_log():
    """List every message the portal sent or tried to send, filterable by status and domain."""
    status = request.args.get("status", "")
    domain = (request.args.get("domain") or "").strip().lower()[:254]
    query = shop_select(OutboundEmail)
    if status in OutboundEmail.STATUSES:
        query = query.where(OutboundEmail.status == status)
    else:
        status = ""
    if domain:
        query = query.where(OutboundEmail.recipient_domain == domain)
    page = paginate(query.order_by(OutboundEmail.id.desc()), 25)
    failures_by_domain = db.session.execute(
        select(OutboundEmail.recipient_domain, func.count())
        .where(OutboundEmail.shop_id == g.shop.id, OutboundEmail.status == OutboundEmail.FAILED)
        .group_by(OutboundEmail.recipient_domain)
        .order_by(func.count().desc(), OutboundEmail.recipient_domain)
        .limit(10)
    ).all()
    return render(
        "staff/email_log.html",
        "log_results",
        page=page,
        status_filter=status,
        domain=domain,
        statuses=OutboundEmail.STATUSES,
        failures_by_domain=failures_by_domain,
        show_bodies=outbox.bodies_visible_to(current_user),
        mail_configured=outbox.mail_configured(),
    )
