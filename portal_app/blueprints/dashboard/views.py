"""Portal dashboard."""

from flask import g
from sqlalchemy import bindparam, func, select

from portal_app.blueprints.dashboard import bp
from portal_app.blueprints.estimates.estimate_pages import waiting
from portal_app.blueprints.invoices.views import open_invoice_summary
from portal_app.extensions import db
from portal_app.models import Asset, Estimate, ServiceRequest, WorkOrder
from portal_app.rendering import render
from portal_app.services.invoices import today

OPEN = (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED)


def _count(model, *where):
    return (select(func.count()).select_from(model)
            .where(model.shop_id == bindparam("shop_id"),
                   model.customer_id == bindparam("customer_id"), *where).scalar_subquery())


# Built once: the four counts of the customer's home page in one query.
COUNTS = select(
    _count(ServiceRequest, ServiceRequest.status.in_(OPEN)),
    _count(Asset, Asset.archived.is_(False)),
    _count(Estimate, waiting(bindparam("today"))),
    _count(WorkOrder, WorkOrder.status == WorkOrder.AWAITING))


@bp.get("/")
def index():
    """Show the customer what needs attention."""
    open_requests, assets, estimates, work_orders = db.session.execute(COUNTS, {
        "shop_id": g.shop.id, "customer_id": g.customer.id, "today": today()}).one()
    return render("dashboard/index.html", open_requests=open_requests, assets=assets,
                  estimates_waiting=estimates, work_orders_waiting=work_orders,
                  invoices=open_invoice_summary())
