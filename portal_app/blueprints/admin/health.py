"""Portal health (/staff/health): every troubleshooting entry of the support guide, checked."""

from __future__ import annotations

from flask import g

from portal_app.blueprints.admin import bp
from portal_app.web.rendering import render
from portal_app.services import health as checks


@bp.get("/health")
def health():
    """Each check with OK, Warning or Action needed, what it found and how to fix it."""
    results = checks.run_checks(g.shop)
    return render("admin/health.html", checks=results,
                  failing=sum(1 for check in results if check.state != checks.OK))
