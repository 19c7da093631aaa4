"""Staff and roles (/staff/users): invite, change a role, deactivate, reactivate; the staff
invitation link (/staff/invite/<token>); the audit log (/staff/audit-log)."""

from __future__ import annotations

from flask import flash, g, url_for
from flask_login import current_user

from portal_app.auth.login import start_session
from portal_app.blueprints.admin import bp
from portal_app.blueprints.admin.forms import InviteStaffForm, RoleForm
from portal_app.blueprints.auth.links import set_password_page
from portal_app.extensions import db, limiter
from portal_app.models import AuditEntry, StaffUser, Token
from portal_app.web.audience import CONSOLE
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other
from portal_app.services import audit, staff_users
from portal_app.services.staff_users import StaffRuleError
from portal_app.data.tenancy import shop_get_or_404, shop_select


def _page(invite_form: InviteStaffForm | None = None, status: int = 200):
    return render("admin/users.html", staff=staff_users.shop_staff(g.shop),
                  form=invite_form or InviteStaffForm(formdata=None), status=status)


def _done(message: str, category: str = "success"):
    flash(message, category)
    return see_other(url_for("admin.users"))


@bp.get("/users")
def users():
    """The shop's staff with their roles and what can be done."""
    return _page()


@bp.post("/users/invite")
@limiter.limit("30 per hour")
def invite_staff():
    """"Invite staff member": a login without a password and a one-time link to set one."""
    form = InviteStaffForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        member = staff_users.invite(g.shop, current_user, email=form.email.data,
                                    name=form.name.data, role=form.role.data)
    except StaffRuleError as problem:
        db.session.rollback()
        form.email.errors = [str(problem)]
        return _page(form, 422)
    db.session.commit()
    return _done(f"Invitation sent to {member.email}. The link works once, for 7 days.")


def _member(staff_id: int) -> StaffUser:
    return shop_get_or_404(StaffUser, staff_id)


def _act(staff_id: int, action, done: str):
    member = _member(staff_id)
    try:
        action(member)
    except StaffRuleError as problem:
        db.session.rollback()
        return _done(str(problem), "error")
    db.session.commit()
    return _done(done.format(name=member.name))


@bp.post("/users/<int:staff_id>/role")
def change_role(staff_id: int):
    """"Make Administrator" / "Make Staff"."""
    _member(staff_id)  # a foreign id is a 404 before anything else
    form = RoleForm()
    if not form.validate_on_submit():
        return _done("Choose Administrator or Staff.", "error")
    label = StaffUser.ROLE_LABELS[form.role.data]
    return _act(staff_id, lambda m: staff_users.change_role(current_user, m, form.role.data),
                f"{{name}} is now {label}.")


@bp.post("/users/<int:staff_id>/deactivate")
def deactivate_staff(staff_id: int):
    """"Deactivate": their sessions and links end at once."""
    return _act(staff_id, lambda m: staff_users.deactivate(current_user, m),
                "{name} is deactivated and logged out everywhere.")


@bp.post("/users/<int:staff_id>/reactivate")
def reactivate_staff(staff_id: int):
    """"Reactivate"."""
    return _act(staff_id, lambda m: staff_users.reactivate(current_user, m),
                "{name} can log in again.")


@bp.post("/users/<int:staff_id>/resend")
@limiter.limit("10 per hour")
def resend_staff_invitation(staff_id: int):
    """"Resend invitation" to someone who has not set a password yet."""
    return _act(staff_id, lambda m: staff_users.send_invitation(m, current_user),
                "Invitation sent again to {name}. Older links no longer work.")


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_staff_invitation(token: str):
    """An invited staff member chooses a password; the link works once."""
    def invited(found: Token):
        member = db.session.get(StaffUser, found.staff_user_id)
        if member is None or not member.active:
            return None
        return (member, f"Join {member.shop.name}'s console", f"Choose a password for "
                f"{member.email} to finish setting up your {member.role_label} login.")

    def welcome(found: Token, member: StaffUser):
        start_session(member)
        return url_for("staff.dashboard"), f"Welcome, {member.name}. Your password is set."

    return set_password_page(Token.STAFF_INVITATION, token, link="invitation", person=invited,
                             accept=staff_users.accept_invitation, welcome=welcome,
                             audience=CONSOLE)


@bp.get("/audit-log")
def audit_log():
    """Role changes, invitations, previews and settings changes, newest first."""
    page = paginate(shop_select(AuditEntry).order_by(AuditEntry.id.desc()), 50)
    return render("admin/audit_log.html", page=page, actions=audit.ACTIONS)

