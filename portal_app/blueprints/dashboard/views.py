"""Portal dashboard."""

from portal_app.blueprints.dashboard import bp
from portal_app.blueprints.invoices.views import open_invoice_summary
from portal_app.rendering import render


@bp.get("/")
def index():
    """Show the customer what needs attention."""
    return render("dashboard/index.html", invoices=open_invoice_summary())
