"""All models, imported here so Alembic and the app see one complete metadata."""

from portal_app.models.asset import Asset, unit_number_key
from portal_app.models.attachment import Attachment
from portal_app.models.audit import AuditEntry, LoginLockout
from portal_app.models.base import Base, utcnow
from portal_app.models.comment import Comment
from portal_app.models.customer import Contact, Customer, Location
from portal_app.models.estimate import (
    ESTIMATE_LABELS,
    Approval,
    Estimate,
    EstimateLine,
    EstimateVersion,
)
from portal_app.models.import_upload import ImportUpload
from portal_app.models.inbox import InboxItem
from portal_app.models.invoice import (
    NO_DUE_DATE,
    STATUS_LABELS,
    CustomerInvoiceTotal,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentSettings,
    ShopInvoiceTotal,
    StripeEvent,
)
from portal_app.models.login_session import LoginSession
from portal_app.models.outbound_email import OutboundEmail
from portal_app.models.portal_user import PortalUser
from portal_app.models.service_request import (
    URGENCIES,
    ServiceRequest,
    ServiceRequestDraft,
)
from portal_app.models.shop import Shop, StaffUser
from portal_app.models.token import Token
from portal_app.models.work_order import WORK_ORDER_LABELS, WorkOrder, WorkOrderLine

__all__ = [
    "Approval",
    "Asset",
    "Attachment",
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
    "CustomerInvoiceTotal",
    "Estimate",
    "ESTIMATE_LABELS",
    "EstimateLine",
    "EstimateVersion",
    "ImportUpload",
    "InboxItem",
    "Invoice",
    "NO_DUE_DATE",
    "InvoiceLine",
    "Location",
    "LoginSession",
    "OutboundEmail",
    "Payment",
    "PaymentSettings",
    "PortalUser",
    "Shop",
    "ShopInvoiceTotal",
    "STATUS_LABELS",
    "StaffUser",
    "StripeEvent",
    "Token",
    "utcnow",
    "WorkOrder",
    "WORK_ORDER_LABELS",
    "WorkOrderLine",
]
