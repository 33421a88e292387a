"""SEND Partnership Outcomes Dashboard: the Dash app.

`python app.py` serves it on HOST:PORT (127.0.0.1:8050 by default); gunicorn serves `app:server` (see Procfile).
Each gunicorn worker loads the data store at import (no --preload: Polars' thread pool does not survive a fork).
"""
from __future__ import annotations

import logging
import os

import dash
import flask
import plotly.io as pio

from components import serving
from components import cache as response_cache
from components import routes, security, shell
from metrics import palette
from metrics import store as loaded_store
from metrics.edition import APP_EDITION, BOARD, get_store, public_store
from metrics.view.measure import Scope
from metrics.view.overview import overview

security.configure_logging()

# Dash encodes callback responses (the page bodies) through plotly.io.json: its orjson engine does it in one C call.
# Charts come as GET /figure/<id>.json, encoded by orjson itself (components/routes.py).
pio.json.config.default_engine = "orjson"

EDITION = APP_EDITION  # board | public, from APP_EDITION (anything but exactly "board" is public: fail closed)


def _warm_overview(loaded) -> None:
    """The overview's views for every locality, computed once per data version, in the background so the first page
    is served at once and the overview is a lookup moments later."""
    # The store just loaded, as this edition serves it: asking get_store() here could load another data folder.
    served = loaded if EDITION == BOARD else public_store(loaded)
    for locality in served.area.locality_slugs:
        overview(served, Scope(locality), EDITION)


loaded_store.warm_after_load(_warm_overview)
store = get_store()

app = dash.Dash(
    __name__,
    use_pages=True,
    external_stylesheets=[],  # Bootstrap is vendored under assets/: the browser may have no internet
    suppress_callback_exceptions=True,  # pages are drawn by the router, so their components come and go
    title=f"{store.area.name} SEND outcomes dashboard",
    update_title=None,
    serve_locally=True,
    assets_ignore=serving.LAZY_ASSETS,  # plotly.js: loaded by dashboard.js when a chart needs it
    # Dash Pages would copy the request URL into <meta twitter:url>: a link's query string is untrusted input
    # and the tags serve no purpose on an internal dashboard.
    include_pages_meta=False,
)
server = app.server
app.index_string = (app.index_string.replace("<html>", '<html lang="en-GB">', 1)
                    .replace("{%css%}", "{%css%}<style>" + palette.css_variables() + "</style>", 1))
# The router in components/shell.py draws pages (Dash Pages' registry and layout(**query) contract, redrawing on a
# change of path only). Dash's own router would be a second, unused callback open to forged bodies: never register it.
app._got_first_request["pages"] = True
app.layout = lambda: shell.layout(get_store().area.name, shell.has_synthetic(get_store()),
                                  flask.request.referrer if flask.has_request_context() else None)
shell.vary_layout(server)
response_cache.init(server)
routes.register(server)

# BOARD_AUTH_HEADER (e.g. X-Forwarded-User) puts the board edition behind a signing-in proxy: every request without
# that header is refused with 401. Set but not a valid header name (empty too): refuse to start rather than serve
# the board unguarded. The public edition is for everyone and ignores it: what keeps board data out of it is that
# it has no board page, callback or data to serve, not a sign-in.
AUTH_ENV = "BOARD_AUTH_HEADER"
auth_header = os.environ.get(AUTH_ENV)
if auth_header is not None and EDITION != BOARD:
    logging.getLogger("send").warning("%s is set but this is the public edition, which needs no sign-in: ignored",
                                      AUTH_ENV)
    auth_header = None
try:
    # Headers, checked callback bodies, no tracebacks to clients, request log; a page allowlist so any address
    # that is no page of this edition (a board page in the public edition) is 404; board data never cached.
    security.harden(server, dash_app=app, auth_header=auth_header, pages=shell.served_paths(),
                    open_prefixes=("download/", "figure/", "chart/", "table/"), no_store=EDITION == BOARD)
except ValueError as e:
    raise ValueError(f"{AUTH_ENV}: {e}") from None
serving.serve_lean(app)  # compression, long-lived caching of fingerprinted files, the partial plotly.js bundle

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
