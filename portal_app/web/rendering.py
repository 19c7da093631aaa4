"""Rendering: one predicate decides between the whole page and one named block of it (an htmx
fragment), one helper renders either, and one answers a successful POST; template filters."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, g, make_response, redirect, render_template, request
from htmx_flask import make_response as htmx_response
from jinja2 import pass_context
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape

from portal_app.clock import local


def wants_fragment() -> bool:
    """True for an htmx request that is neither boosted nor a history restore: it swaps a part
    of the page, so it gets a fragment (or an htmx header) where a browser gets a page (or a
    redirect). Every view and template decides by this one predicate."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    """Render the page, or only `block` of it when htmx asked for a fragment."""
    if block is not None and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


_URL = re.compile(r"https?://[^\s<>\"']+")


@pass_context
def day(context, value: date | datetime | None) -> str:
    """Format a date as people read it: 24 Nov 2026 (a timestamp on the shop's calendar)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local(value, context.get("shop"))
    return value.strftime("%-d %b %Y")


@pass_context
def moment(context, value: datetime | None) -> str:
    """Format a timestamp to the minute on the shop's clock: 24 Nov 2026 11:05 EST."""
    if not value:
        return ""
    return local(value, context.get("shop")).strftime("%-d %b %Y %H:%M %Z")


def linkify(text: str | None) -> Markup:
    """Escape text and make its http(s) links clickable."""
    escaped = str(escape(text or ""))
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


def init_app(app: Flask) -> None:
    from portal_app.models import ESTIMATE_LABELS, STATUS_LABELS, WORK_ORDER_LABELS
    from portal_app.services import attachments, filing, pricing
    from portal_app.services.estimates import listed_amount
    from portal_app.services.invoices import money
    from portal_app.web.forms import form_problems

    app.add_template_filter(money)
    app.add_template_filter(pricing.quantity_text, "qty")
    app.add_template_filter(pricing.line_terms, "terms")
    app.add_template_filter(pricing.line_totals)  # an email's additional work
    app.add_template_filter(filing.po_numbers)
    app.add_template_filter(filing.remit_to)
    app.add_template_filter(listed_amount)
    app.add_template_global(STATUS_LABELS, "STATUS_LABELS")
    app.add_template_global(ESTIMATE_LABELS, "ESTIMATE_LABELS")
    app.add_template_global(WORK_ORDER_LABELS, "WORK_ORDER_LABELS")
    app.add_template_filter(day)
    app.add_template_filter(attachments.size_label, "file_size")
    app.add_template_filter(moment)
    app.add_template_filter(linkify)
    app.add_template_global(wants_fragment)
    app.add_template_global(form_problems)

    @app.context_processor
    def branding():
        shop = g.get("shop")
        return {"shop": shop, "brand_color": shop.brand_color if shop else "#1f5f8b"}


def see_other(location: str):
    """Answer a successful POST: 303 for a plain form, HX-Redirect for htmx (no swap)."""
    if wants_fragment():
        return htmx_response("", 204, redirect=location)
    return redirect(location, 303)
