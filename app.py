"""SEND Partnership Outcomes Dashboard: the Dash app.

`python app.py` serves it on HOST:PORT (127.0.0.1:8050 by default); gunicorn serves `app:server` (see Procfile).
Each gunicorn worker loads the data store at import (no --preload: Polars' thread pool does not survive a fork).
"""
from __future__ import annotations

import os

import dash
import plotly.io as pio

from components import cache as response_cache
from components import downloads, shell
from metrics import summary
from metrics.edition import APP_EDITION, get_store

# Figures are plain dicts; plotly's default orjson path first walks them in pure Python, while the stdlib engine
# encodes them directly. Measured in bench/ (chart vs trivial callback ratio 0.34 -> 0.43-0.55).
pio.json.config.default_engine = "json"

EDITION = APP_EDITION  # board | public, from APP_EDITION (anything but exactly "board" is public: fail closed)
store = get_store()
for _area in store.areas:  # the board overview's rows for every locality, computed once (issue 5: < 100 ms)
    summary.overview(store, _area)

app = dash.Dash(
    __name__,
    use_pages=True,
    external_stylesheets=[],  # Bootstrap is vendored under assets/: the browser may have no internet
    suppress_callback_exceptions=True,  # pages are drawn by the router, so their components come and go
    title=f"{store.area.name} SEND outcomes dashboard",
    update_title=None,
    serve_locally=True,
    # Dash Pages would copy the request URL into <meta twitter:url>: a link's query string is untrusted input
    # and the tags serve no purpose on an internal dashboard.
    include_pages_meta=False,
)
server = app.server
app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
# The router in components/shell.py draws pages (Dash Pages' registry and layout(**query) contract, redrawing on a
# change of path only). Dash's own router would be a second, unused callback open to forged bodies: never register it.
app._got_first_request["pages"] = True
app.layout = lambda: shell.layout(get_store().area.name)
response_cache.init(server)
downloads.register(server)
shell.not_found_status(server)

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
