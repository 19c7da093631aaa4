"""Portal dashboard."""

from flask import g
from sqlalchemy import func, select

from portal_app.blueprints.dashboard import bp
from portal_app.blueprints.estimates.views import latest
from portal_app.services.invoices import open_summary
from portal_app.extensions import db
from portal_app.models import Asset, Estimate, ServiceRequest, WorkOrder
from portal_app.web.audience import PORTAL
from portal_app.web.rendering import render
from portal_app.clock import today

OPEN = (ServiceRequest.SUBMITTED, ServiceRequest.SCHEDULED)


def _count(model, *where):
    """How many of the customer's rows of `model` match, as a scalar subquery."""
    return (select(func.count()).select_from(model)
            .where(model.shop_id == g.shop.id, model.customer_id == g.customer.id, *where)
            .scalar_subquery())


@bp.get("/")
def index():
    """Show the customer what needs attention."""
    # The four counts of the customer's home page, in one query.
    open_requests, assets, estimates, work_orders = db.session.execute(select(
        _count(ServiceRequest, ServiceRequest.status.in_(OPEN)),
        _count(Asset, Asset.archived.is_(False)),
        _count(Estimate, Estimate.waits(today())),
        _count(WorkOrder, WorkOrder.status == WorkOrder.AWAITING))).one()
    return render("dashboard/index.html", open_requests=open_requests, assets=assets,
                  estimates_waiting=estimates, work_orders_waiting=work_orders,
                  latest_estimates=latest(PORTAL, 3), audience=PORTAL, today=today(),
                  invoices=open_summary(g.shop.id, g.customer.id))
