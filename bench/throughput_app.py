"""The apps bench/throughput.py serves with gunicorn: the portal plus a trivial endpoint that
passes through all of its request hooks (the portal's login guard included), and a bare Flask
hello on the same server settings."""

from __future__ import annotations

from flask import Blueprint, Flask

from portal_app import create_app
from portal_app.auth_session import require_portal_login
from portal_app.rendering import render

app = create_app()
trivial = Blueprint("bench", __name__, template_folder="templates")
trivial.before_request(require_portal_login)


@trivial.get("/_bench/trivial")
def ok():
    """The least a logged-in page can do."""
    return "ok"


@trivial.get("/_bench/empty")
def empty():
    """An empty page in the portal's layout (reported, not judged): what every page costs
    before its own queries and markup."""
    return render("bench_empty.html")


app.register_blueprint(trivial)

bare = Flask("bare")


@bare.get("/")
def hello():
    return "Hello, World!"
