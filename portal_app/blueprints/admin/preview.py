"""Preview as customer: an Administrator sees one customer's portal read-only (the console's
"Customer Portal" menu item opens this page in a new tab with a plain link)."""

from __future__ import annotations

from flask import g, request, session, url_for
from flask_login import current_user
from sqlalchemy import or_

from portal_app.blueprints.admin import bp
from portal_app.blueprints.admin.forms import PreviewSearchForm
from portal_app.extensions import db
from portal_app.models import Customer
from portal_app.web.pagination import paginate
from portal_app.web.rendering import render, see_other
from portal_app.services import audit
from portal_app.data.tenancy import shop_get_or_404, shop_select


@bp.get("/preview")
def preview():
    """Pick the customer whose portal to look at."""
    form = PreviewSearchForm(request.args)
    q = form.q.data if form.validate() and form.q.data else ""
    query = shop_select(Customer)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(Customer.name.ilike(pattern),
                                Customer.account_number.ilike(pattern)))
    page = paginate(query.order_by(Customer.name, Customer.id), 25)
    return render("admin/preview.html", "customers", form=form, q=q, page=page)


@bp.post("/preview/<int:customer_id>")
def start_preview(customer_id: int):
    """Open the customer's portal as its contacts see it; every action there is refused."""
    customer = shop_get_or_404(Customer, customer_id)
    session["preview_customer_id"] = customer.id
    audit.record(g.shop.id, current_user, "preview_started",
                 f"{customer.name} (customer #{customer.id})")
    db.session.commit()
    return see_other(url_for("dashboard.index"))


@bp.post("/preview/end")
def end_preview():
    """Leave the preview and go back to the console."""
    session.pop("preview_customer_id", None)
    return see_other(url_for("admin.preview"))
