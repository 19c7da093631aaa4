"""The apps bench/throughput.py serves with gunicorn (gunicorn.conf.py):

- `app`: the portal plus two routes behind the portal's own login guard, so that they pass
  through all of its request hooks: /_bench/empty, an empty page in the portal's layout
  rendered through the same render helper as every real page (the yardstick each page is
  measured against), and /_bench/trivial, which returns "ok" (reported, not judged);
- `bare`: a bare Flask hello, served with the same server settings (the yardstick of the
  empty page).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from portal_app import create_app

# --- The portal's login guard and render helper: the only imports of portal_app internals. ---
# (Moving to portal_app.auth.guards and portal_app.web.rendering: change these two lines.)
from portal_app.auth.guards import require_portal_login
from portal_app.web.rendering import render
# ----------------------------------------------------------------------------------------------

app = create_app()
bench = Blueprint("bench", __name__, template_folder="templates")
bench.before_request(require_portal_login)


@bench.get("/_bench/empty")
def empty():
    """An empty page in the portal's layout, logged in: what every page pays for the login,
    the layout, the template machinery and compression before its own queries and markup."""
    return render("bench_empty.html")


@bench.get("/_bench/trivial")
def trivial():
    """The least a logged-in request can do."""
    return "ok"


app.register_blueprint(bench)

bare = Flask("bare")


@bare.get("/")
def hello():
    return "Hello, World!"
