"""Portal dashboard."""

from flask import g
from sqlalchemy import func, select

from portal_app.blueprints.dashboard import bp
from portal_app.blueprints.estimates.estimate_pages import waiting
from portal_app.blueprints.invoices.views import open_invoice_summary
from portal_app.extensions import db
from portal_app.models import Asset, Estimate, ServiceRequest, WorkOrder
from portal_app.rendering import render
from portal_app.services.invoices import today

OPEN = (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED)


@bp.get("/")
def index():
    """Show the customer what needs attention."""
    scope = {"shop_id": g.shop.id, "customer_id": g.customer.id}
    open_requests, assets, estimates, work_orders = db.session.execute(select(
        select(func.count()).select_from(ServiceRequest).filter_by(**scope)
        .where(ServiceRequest.status.in_(OPEN)).scalar_subquery(),
        select(func.count()).select_from(Asset).filter_by(**scope)
        .where(Asset.archived.is_(False)).scalar_subquery(),
        select(func.count()).select_from(Estimate).filter_by(**scope)
        .where(waiting(today())).scalar_subquery(),
        select(func.count()).select_from(WorkOrder).filter_by(**scope)
        .where(WorkOrder.status == WorkOrder.AWAITING).scalar_subquery(),
    )).one()
    return render("dashboard/index.html", open_requests=open_requests, assets=assets,
                  estimates_waiting=estimates, work_orders_waiting=work_orders,
                  invoices=open_invoice_summary())
