"""/healthz for the host's health checks (load balancer, container runtime, systemd)."""

from flask import Blueprint

bp = Blueprint("probes", __name__)

from portal_app.blueprints.probes import views  # noqa: E402,F401
