"""The ShopView Customer Portal: create_app() builds the Flask application."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal_app import config as settings


def create_app(test_config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers and CLI commands.
    instance_path: another instance folder than ./instance (config.py, the development
    secret key, the default SQLite database)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    if test_config is not None:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    settings.finalize(app.config, instance_path=app.instance_path)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_cli(app)
    if app.config["PORTAL_ENV"] == "production" and not app.config.get("MAIL_SERVER"):
        app.logger.warning("MAIL_SERVER is not set: emails stay queued in the outbox and "
                           "nobody receives invitations or password resets")
    if app.config["PORTAL_ENV"] == "production" and \
            str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        app.logger.warning("RATELIMIT_STORAGE_URI is memory://: each worker counts failed logins "
                           "on its own; use redis://... with more than one worker or host")
    from portal_app.blueprints.probes.views import AnyHost

    app.wsgi_app = AnyHost(app.wsgi_app, urlsplit(app.config["PORTAL_BASE_URL"]).netloc)
    if app.config["TRUSTED_PROXY_HOPS"]:
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def register_converters(app: Flask) -> None:
    """<int:id> matches only ids a database column can hold; any other is a 404."""
    from portal_app.web.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_extensions(app: Flask) -> None:
    from portal_app.data import engine
    from portal_app.files.storage import storage_from_config
    from portal_app.auth import login
    from portal_app.web.request import PortalRequest, raise_upload_limit
    from portal_app.extensions import (
        compress,
        csrf,
        db,
        htmx,
        limiter,
        login_manager,
        mail,
        migrate,
        static_digest,
    )

    db.init_app(app)
    app.extensions["files"] = storage_from_config(app.config, app.instance_path)
    engine.configure_engines(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    login.init_app(app, login_manager)
    app.before_request(raise_upload_limit)  # before CSRF reads a form
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    app.request_class = PortalRequest
    compress.init_app(app)
    limiter.init_app(app)
    static_digest.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Each feature's portal pages are a blueprint; its console pages a blueprint nested in the
    console's (blueprints/staff), which carries them with it."""
    from portal_app.blueprints import (
        account,
        admin,
        assets,
        auth,
        dashboard,
        estimates,
        invoices,
        payments,
        probes,
        requests,
        staff,
        statements,
        support,
        work_orders,
    )

    for feature in (auth, account, dashboard, invoices, payments, assets, requests, estimates,
                    work_orders, statements, support, probes):
        app.register_blueprint(feature.bp)
    app.register_blueprint(payments.webhooks)
    from portal_app.blueprints.documents import files

    app.add_template_global(files.urls, "file_urls")  # a photo's or file's URLs on its page
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)


def register_request_hooks(app: Flask) -> None:
    from portal_app.mail import outbox
    from portal_app.web import errors, headers, rendering

    headers.init_app(app)
    outbox.init_app(app)
    errors.init_app(app)
    rendering.init_app(app)


def register_cli(app: Flask) -> None:
    from portal_app.cli import register

    register(app)
