"""/help answers a customer's own questions and names the shop's support contact; the logo is
served from the database under a URL that changes with it (so it can be cached for a year)."""

from __future__ import annotations

from flask import abort, g, make_response, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer

from portal_app.blueprints.support import bp
from portal_app.extensions import db
from portal_app.models import Shop
from portal_app.web.rendering import render


@bp.get("/help", endpoint="help")
def help_page():
    """Help for customers: logging in, paying, requesting service, adding a unit."""
    if current_user.is_authenticated:
        shop = g.get("shop")  # set by the login (the customer's or the previewing staff's)
    else:
        slug = (request.args.get("shop") or "")[:60]
        shop = db.session.scalar(select(Shop).where(Shop.slug == slug)) if slug else None
        if shop is not None:
            g.shop = shop
    return render("support/help.html", help_shop=shop)


@bp.get("/logo/<int:shop_id>/<logo_hash>")
def logo(shop_id: int, logo_hash: str):
    """The shop's logo (a re-encoded PNG or JPEG)."""
    shop = db.session.scalar(select(Shop).options(undefer(Shop.logo))
                             .where(Shop.id == shop_id, Shop.logo_hash == logo_hash[:16]))
    if shop is None or shop.logo is None:
        abort(404)
    response = make_response(shop.logo)
    response.headers["Content-Type"] = shop.logo_type
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = "inline"
    return response
