"""Signing in, shared by the portal's and the console's login pages, and the pages behind a
one-time link (a contact's invitation, a staff member's invitation, a password reset), where
the person chooses a password; each link works once."""

from __future__ import annotations

from flask import flash, g, redirect, request

from portal_app.blueprints.auth.forms import SetPasswordForm
from portal_app.extensions import db
from portal_app.models import Shop
from portal_app.services import tokens
from portal_app.services.passwords import password_problem
from portal_app.web.audience import PORTAL
from portal_app.web.headers import no_referrer
from portal_app.web.rendering import render


def login_page(form, signed_in, template: str, refused: str):
    """A login form. On a valid post signed_in(email, password) logs the person in and returns
    where they go, or None when the email and password don't match (the same message for an
    unknown address as for a wrong password)."""
    if form.validate_on_submit():
        target = signed_in(form.email.data, form.password.data)
        if target is not None:
            return redirect(target, 303)
        form.form_errors.append(refused)
    return render(template, form=form, status=422 if request.method == "POST" else 200)


def link_problem(kind: str, problem: str, audience=PORTAL):
    """The page of a link that can't be used (unknown: 404; used or expired: 410), with the
    login and Forgot password? of the audience's side."""
    status = 404 if problem == "unknown" else 410
    return no_referrer(render("auth/link_problem.html", kind=kind, problem=problem,
                              audience=audience, status=status))


def set_password_page(token_kind: str, raw: str, *, link: str, person, accept, welcome,
                      audience=PORTAL, belongs=None):
    """The page behind a one-time link of `token_kind` (`link`: "invitation" or "reset"), in
    the audience's layout (a customer's in the portal, a staff member's in the console); a
    link for which belongs(token) is false (the other side's) is an unknown link. The page,
    and the page of a used or expired link, wear the brand of the link's shop.

    person(token) is (who, heading, intro): whom the link is for (an email, a name if they
    have one, a shop whose brand the page wears if they have one) and the page's words, or None
    when the link no longer leads anywhere. On a valid post accept(token, password) sets the
    password and returns the login, or None when another request used the link first; after the
    commit welcome(token, login) logs them in and returns (where they go, what to tell them)."""
    check = tokens.check_token(token_kind, raw)
    if check.token is not None and belongs is not None and not belongs(check.token):
        check = tokens.TokenCheck(None, "unknown")
    if check.token is not None and check.token.shop_id is not None and "shop" not in g:
        g.shop = db.session.get(Shop, check.token.shop_id)
    if not check.ok:
        return link_problem(link, check.problem, audience)
    found = person(check.token)
    if found is None:
        return link_problem(link, "used", audience)
    who, heading, intro = found
    if getattr(who, "shop", None) is not None:
        g.shop = who.shop
    form = SetPasswordForm()
    if request.method == "POST" and form.validate_on_submit():
        problem = password_problem(form.new_password.data, email=who.email,
                                   name=getattr(who, "name", ""))
        if problem:
            form.new_password.errors = [problem]
        else:
            login = accept(check.token, form.new_password.data)
            if login is None:
                db.session.rollback()
                return link_problem(link, "used", audience)
            db.session.commit()
            target, message = welcome(check.token, login)
            db.session.commit()  # the session row welcome() began
            flash(message, "success")
            return redirect(target, 303)
    return no_referrer(render("auth/set_password.html", form=form, heading=heading,
                              intro=intro, audience=audience,
                              status=422 if request.method == "POST" else 200))
