"""The audit log: one row per administrative act, written in the transaction of the act."""

from __future__ import annotations

from portal_app.extensions import db
from portal_app.models import AuditEntry, StaffUser

OPERATOR = "Operator (command line)"

ACTIONS = {
    "role_changed": "Role changed",
    "staff_invited": "Staff member invited",
    "staff_joined": "Staff member set a password",
    "staff_password_reset": "Staff member reset their password",
    "staff_deactivated": "Staff member deactivated",
    "staff_reactivated": "Staff member reactivated",
    "admin_restored": "Administrator role restored",
    "preview_started": "Customer portal previewed",
    "settings_changed": "Portal settings changed",
    "estimate_draft_deleted": "Draft estimate deleted",
    "invoice_draft_deleted": "Draft invoice deleted",
    "customers_imported": "Customers imported from CSV",
    "assets_imported": "Assets imported from CSV",
    "import_contacts_invited": "Imported contacts invited",
}


def record(shop_id: int, actor: StaffUser | None, action: str, detail: str) -> AuditEntry:
    """Add an entry; actor None is the operator at the command line."""
    entry = AuditEntry(shop_id=shop_id, action=action, detail=detail[:2000],
                       actor_staff_id=actor.id if actor is not None else None,
                       actor_label=f"{actor.name} <{actor.email}>" if actor is not None
                       else OPERATOR)
    db.session.add(entry)
    db.session.flush()
    return entry
