"""All models, imported here so Alembic and the app see one complete metadata."""

from portal_app.models.asset import Asset, unit_number_key
from portal_app.models.audit import AuditEntry, LoginLockout
from portal_app.models.base import Base, utcnow
from portal_app.models.customer import Contact, Customer, Location
from portal_app.models.invoice import (
    STATUS_LABELS,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentSettings,
    StripeEvent,
    status_case,
)
from portal_app.models.outbound_email import OutboundEmail
from portal_app.models.portal_user import PortalUser
from portal_app.models.service_request import (
    URGENCIES,
    Comment,
    ServiceRequest,
    ServiceRequestDraft,
)
from portal_app.models.shop import Shop, StaffUser
from portal_app.models.token import Token

__all__ = [
    "Asset",
    "AuditEntry",
    "LoginLockout",
    "Comment",
    "ServiceRequest",
    "ServiceRequestDraft",
    "URGENCIES",
    "unit_number_key",
    "Base",
    "Contact",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "Location",
    "OutboundEmail",
    "Payment",
    "PaymentSettings",
    "PortalUser",
    "Shop",
    "STATUS_LABELS",
    "StaffUser",
    "StripeEvent",
    "Token",
    "status_case",
    "utcnow",
]
