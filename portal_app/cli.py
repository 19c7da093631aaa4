"""Operator commands: flask --app wsgi demo | outbox run | roles restore-admin | shop create |
stripe sync | stripe attach | invoices check."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal_app.mail import outbox
from portal_app.extensions import db
from portal_app.models import Shop, StaffUser
from portal_app.services import demo, staff_users
from portal_app.services.accounts import normalize_email
from portal_app.services.passwords import hash_password, password_problem

outbox_cli = AppGroup("outbox", help="The email outbox.")
roles_cli = AppGroup("roles", help="Staff roles.")
shop_cli = AppGroup("shop", help="Shops (tenants).")
stripe_cli = AppGroup("stripe", help="Stripe payments.")
invoices_cli = AppGroup("invoices", help="Invoices and their stored balances.")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has a shop.")
def demo_command(if_empty: bool) -> None:
    """Load the demo shop and print its logins."""
    if not demo.database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo not loaded.")
            _print_logins()
            return
        raise click.ClickException("The database is not empty; the demo needs an empty one.")
    demo.load_demo()
    db.session.commit()
    click.echo("Demo shop “Demo Fleet Services” loaded.")
    _print_logins()


def _print_logins() -> None:
    click.echo("Demo logins (they exist only in the demo data):")
    for role, email, password, path in demo.DEMO_LOGINS:
        click.echo(f"  {role:<36} {email:<30} {password:<20} at {path}")


@outbox_cli.command("run")
@click.option("--loop", is_flag=True, help="Keep running, delivering due messages.")
@click.option("--interval", default=15.0, show_default=True, help="Seconds between passes.")
def outbox_run(loop: bool, interval: float) -> None:
    """Send queued emails that are due; retry failures with back-off."""
    if not outbox.mail_configured():
        raise click.ClickException("MAIL_SERVER is not set: nothing can be sent.")
    while True:
        report = outbox.deliver()
        click.echo(f"outbox: {report}")
        if not loop:
            return
        time.sleep(interval)


@roles_cli.command("restore-admin")
@click.argument("email")
def restore_admin(email: str) -> None:
    """Give a staff user the Administrator role back (support's fix for FAQ entry 9)."""
    user = staff_users.restore_admin(email)
    if user is None:
        raise click.ClickException(f"No staff user with email {email}.")
    db.session.commit()  # with its audit log entry
    click.echo(f"{user.email} is an Administrator of {user.shop.name} again.")


@shop_cli.command("create")
@click.option("--name", required=True, help="The shop's name, shown on every portal page.")
@click.option("--slug", required=True, help="Short name used in links, e.g. acme-repair.")
@click.option("--admin-email", required=True)
@click.option("--admin-name", required=True)
@click.password_option("--admin-password", help="Asked for when not given.")
def shop_create(name: str, slug: str, admin_email: str, admin_name: str,
                admin_password: str) -> None:
    """Create a shop with its first Administrator (a real deployment's first step)."""
    problem = password_problem(admin_password, email=admin_email, name=admin_name)
    if problem:
        raise click.ClickException(problem)
    if db.session.scalar(select(Shop).where(Shop.slug == slug)) is not None:
        raise click.ClickException(f"A shop with slug {slug} exists.")
    shop = Shop(name=name, slug=slug)
    db.session.add(shop)
    db.session.add(StaffUser(shop=shop, email=normalize_email(admin_email), name=admin_name,
                             role="admin", password_hash=hash_password(admin_password)))
    db.session.commit()
    click.echo(f"Shop {name} created; {admin_email} can log in at /staff/login.")


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(roles_cli)
    app.cli.add_command(shop_cli)
    app.cli.add_command(stripe_cli)
    app.cli.add_command(invoices_cli)


@stripe_cli.command("sync")
def stripe_sync() -> None:
    """Ask Stripe about every payment still pending or processing, and apply the answer."""
    from portal_app.services.payments import sync_open_payments

    results = sync_open_payments()
    for line in results:
        click.echo(line)
    click.echo(f"{len(results)} checkout session(s) checked.")


@stripe_cli.command("attach")
@click.argument("shop_slug")
@click.argument("account_id")
def stripe_attach(shop_slug: str, account_id: str) -> None:
    """Attach a Stripe account the platform already owns to a shop (the only way an account id
    is given to the portal; shops set up theirs with "Set up online payments")."""
    from sqlalchemy.exc import IntegrityError

    from portal_app.services import payments, stripe_connect, stripe_gateway
    from portal_app.services.invoices import payment_settings

    shop = db.session.scalar(select(Shop).where(Shop.slug == shop_slug))
    if shop is None:
        raise click.ClickException(f"No shop with slug {shop_slug}.")
    try:
        attached = stripe_connect.attach(shop, account_id.strip())
        db.session.commit()
    except stripe_connect.AttachRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from refused
    except IntegrityError as clash:  # attached to another shop a moment ago
        db.session.rollback()
        raise click.ClickException(f"{account_id} was just attached to another shop. "
                                   "Nothing changed.") from clash
    if attached.warning:
        click.echo(f"Warning: {attached.warning}", err=True)
    state = stripe_gateway.STATE_LABELS[payment_settings(shop).stripe_state]
    click.echo(f"{account_id.strip()} is attached to {shop.name} ({shop.slug}); "
               f"Stripe status: {state}.")
    if attached.former and stripe_gateway.configured():
        # Checkouts opened on the former account would be paid to it: close them there. Any
        # it cannot close stay payable, and what that account reports is still applied.
        completed = payments.expire_sessions_of_former_account(shop.id, attached.former)
        click.echo(f"Open checkouts on the former account {attached.former} are closed where "
                   f"Stripe could close them ({len(completed)} had just been paid: applied).")


@invoices_cli.command("check")
@click.option("--repair", is_flag=True,
              help="Also correct what differs (after the database was changed by hand).")
def invoices_check(repair: bool) -> None:
    """Recompute every invoice from its lines and payments, and the open-invoice totals from the
    invoices; exit 1 listing any stored figure that differs (they have one writer: this should
    never find one)."""
    from sqlalchemy import func

    from portal_app.models import Invoice
    from portal_app.services.invoice_balances import differences, total_differences
    from portal_app.services.invoice_balances import repair as repair_all

    checked = db.session.scalar(select(func.count()).select_from(Invoice)) or 0
    found = 0
    for invoice_id, number, stored, expected in differences():
        found += 1
        wrong = ", ".join(f"{column} {stored[column]!r} (should be {expected[column]!r})"
                          for column in stored if stored[column] != expected[column])
        click.echo(f"invoice {invoice_id} {number}: {wrong}")
    totals = total_differences()
    for line in totals:
        click.echo(line)
    if found or totals:
        click.echo(f"{checked} invoices checked, {found} differ from their lines and payments; "
                   f"{len(totals)} open-invoice totals differ from the invoices.")
        if repair:
            corrected = repair_all()
            db.session.commit()
            click.echo(f"Repaired: {corrected} invoices recomputed, open-invoice totals rebuilt.")
        raise SystemExit(1)
    click.echo(f"{checked} invoices checked, all match.")
