"""The account page and its actions: every form is a plain POST that comes back to the page
(PRG), so all of it works with JavaScript off; a form with errors comes back with them next to
its fields, and the other forms as they were."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, url_for
from flask_login import current_user

from portal_app.auth.limits import current_password_limits
from portal_app.auth.login import end_session, keep_session
from portal_app.blueprints.account import bp
from portal_app.blueprints.account.forms import ChangePasswordForm, NotificationsForm
from portal_app.extensions import db
from portal_app.models import PortalUser, utcnow
from portal_app.services import accounts, login_sessions, notifications
from portal_app.services.passwords import password_problem, verify_password
from portal_app.web.rendering import render

WRONG_PASSWORD = "That is not your current password."


def _person() -> PortalUser:
    return db.session.get(PortalUser, current_user.id)


def _page(person: PortalUser, *, password_form=None, notifications_form=None, status=200):
    if notifications_form is None:
        notifications_form = NotificationsForm(formdata=None, data={
            f"notify_{kind}": wanted for kind, wanted in notifications.choices(person).items()})
    sessions = login_sessions.live(person.id, utcnow() - current_app.permanent_session_lifetime)
    sessions.sort(key=lambda row: row.id != current_user.session_id)  # this one first
    return render("account/index.html", person=person, contact=g.contact, sessions=sessions,
                  this_session=current_user.session_id, browser=login_sessions.browser,
                  password_form=password_form or ChangePasswordForm(formdata=None),
                  notifications_form=notifications_form, status=status)


@bp.get("/account")
def index():
    """The person's name and email, Change password, their sessions and email choices."""
    return _page(_person())


@bp.post("/account/password")
@current_password_limits
def change_password():
    """Change the password with the current one: every other session ends, this one stays."""
    person = _person()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(person.password_hash, form.current_password.data):
            g.password_refused = True  # counted like a failed login
            form.current_password.errors = [WRONG_PASSWORD]
        elif problem := password_problem(form.new_password.data, email=person.email,
                                         name=g.contact.name):
            form.new_password.errors = [problem]
        else:
            accounts.change_password(person, form.new_password.data,
                                     keep_session_id=current_user.session_id)
            db.session.commit()
            keep_session(person)
            flash("Your password was changed. Your other sessions were logged out.", "success")
            return redirect(url_for("account.index"), 303)
    return _page(person, password_form=form, status=422)


@bp.post("/account/sessions/<int:session_id>/end")
def end_one_session(session_id: int):
    """End one of the person's sessions (another person's, or no such session: 404); ending
    this browser's own is logging out."""
    row = login_sessions.find(current_user.id, session_id)
    if row is None:
        abort(404)
    if row.id == current_user.session_id:
        shop = g.shop.slug
        login_sessions.end(current_user.id, row.id)
        db.session.commit()
        end_session()
        flash("You're logged out.", "info")
        return redirect(url_for("auth.login", shop=shop), 303)
    if login_sessions.end(current_user.id, row.id):
        db.session.commit()
        flash(f"The session of {login_sessions.browser(row.user_agent)} was logged out.",
              "success")
    else:
        flash("That session had ended already.", "info")
    return redirect(url_for("account.index"), 303)


@bp.post("/account/sessions/end-others")
def end_other_sessions():
    """Log out every session of the person but this one."""
    ended = login_sessions.end_all(current_user.id, keep=current_user.session_id)
    db.session.commit()
    flash(f"{ended} other session{'s were' if ended != 1 else ' was'} logged out." if ended
          else "No other session was open.", "success" if ended else "info")
    return redirect(url_for("account.index"), 303)


@bp.post("/account/notifications")
def save_notifications():
    """Save which kinds of email the person wants."""
    person = _person()
    form = NotificationsForm()
    if not form.validate_on_submit():
        return _page(person, notifications_form=form, status=422)
    notifications.choose(person, {kind: form[f"notify_{kind}"].data
                                  for kind in notifications.CHOICES})
    db.session.commit()
    flash("Your email choices are saved.", "success")
    return redirect(url_for("account.index"), 303)
