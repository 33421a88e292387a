"""Fewer bytes to the browser: compressed responses, long-lived caching of fingerprinted files, and a plotly.js
holding only the trace types the app draws. `serve_lean(app)` adds all three to a Dash app (app.py calls it once,
after `security.harden`, so the request log's time includes compressing).

How the pinned Dash (4.4.1) finds plotly.js: `Dash()` appends to `dcc._js_dist` the full bundle of plotly.py
(`plotly/package_data/plotly.min.js`, 4.8 MB) as an `async: "eager"` resource, which with Dash's default
`eager_loading=False` is *dynamic*: not in the page, but registered under `/_dash-component-suites/plotly/...`.
The renderer sets `window._dashPlotlyJSURL` to that path, and dcc.Graph's loader uses `window.Plotly` if it exists,
else injects a script tag for that URL. So the partial bundle, vendored as `assets/vendor/plotly-basic-<v>.min.js`
(npm `plotly.js-basic-dist-min`, the same plotly.js version as plotly.py bundles: scatter, bar and pie traces),
is served from assets/ but not part of the page (`LAZY_ASSETS`, Dash's `assets_ignore`): the SPC charts come
drawn as SVG (components/spc_svg.py), and assets/dashboard.js loads the bundle, from the address in
`<meta name="plotly-src">`, the first time a chart drawn with plotly.js is needed. No dcc.Graph is used, so nothing
else asks for `window.Plotly`. The full bundle is taken out of `dcc._js_dist` and its path answers 404.
"""
from __future__ import annotations

import os

from dash import dcc
from dash.fingerprint import check_fingerprint
from flask import Response, request
from flask_compress import Compress
from plotly.offline import get_plotlyjs_version

YEAR_S = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR_S}, immutable"
PLOTLY_NAMESPACE = "plotly"
FULL_PLOTLY = "package_data/plotly.min.js"
COMPONENT_SUITES = "_dash-component-suites/"
ASSETS = "assets/"
PLOTLY_BUNDLE = f"vendor/plotly-basic-{get_plotlyjs_version()}.min.js"  # the version plotly.py bundles
LAZY_ASSETS = r"^plotly-basic-"  # Dash's assets_ignore (matched against file names): loaded when needed
COMPRESS = {
    # Chromium offers zstd, br and gzip alike, and gets the first listed here: zstd at level 3 makes the plotly
    # bundle and a callback's JSON about as small as brotli at level 4, in a quarter of the time; gzip for the rest.
    "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
    "COMPRESS_STREAMS": False,  # nothing is streamed: see _whole
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_ZSTD_LEVEL": 3,
    "COMPRESS_MIN_SIZE": 500,
}


def drop_full_plotly() -> None:
    """Take plotly.py's full bundle out of dcc's resources (every Dash() adds it again), so it is never registered."""
    dcc._js_dist[:] = [r for r in dcc._js_dist if r.get("namespace") != PLOTLY_NAMESPACE]


def fingerprinted(path: str, query: dict) -> bool:
    """Whether a request's URL names one version of a file, so the browser may keep it for good: Dash's component
    suites carry the version in the name (`dash_core_components.v4_4_1m1718000000.js`), assets a `?m=` stamp of
    the file's modification time, and the vendored bundle its version."""
    if path.startswith(COMPONENT_SUITES):
        return check_fingerprint(path)[1]
    return path.startswith(ASSETS) and "m" in query


def plotly_src(app) -> str | None:
    """The partial bundle's address, stamped with its modification time as Dash stamps assets (cached for good);
    None for an app without it (the benchmark's trivial app)."""
    path = os.path.join(app.config.assets_folder, PLOTLY_BUNDLE)
    if not os.path.isfile(path):
        return None
    return f"{app.get_asset_url(PLOTLY_BUNDLE)}?m={int(os.path.getmtime(path))}"


def serve_lean(app) -> None:
    src = plotly_src(app)
    if src:
        app.index_string = app.index_string.replace(
            "{%metas%}", '{%metas%}<meta name="plotly-src" content="' + src + '">', 1)
    drop_full_plotly()
    server = app.server
    server.config.update({k: v for k, v in COMPRESS.items() if k not in server.config})
    prefix = app.config.routes_pathname_prefix
    full_plotly = f"{prefix}{COMPONENT_SUITES}{PLOTLY_NAMESPACE}/{FULL_PLOTLY}"

    @server.before_request
    def _no_full_plotly():
        if request.path == full_plotly:
            return Response("Not found", status=404, mimetype="text/plain")
        return None

    # Flask runs after_request hooks last registered first: _whole before Compress, both before the request log
    # (security.harden, registered earlier), whose time then includes compressing.
    Compress(server)

    @server.after_request
    def _whole(response: Response) -> Response:
        path = request.path[len(prefix):] if request.path.startswith(prefix) else ""
        if response.status_code in (200, 304) and fingerprinted(path, request.args):
            response.headers["Cache-Control"] = IMMUTABLE
            response.expires = None
        if response.is_streamed and path.startswith(ASSETS):
            # Flask sends files under assets/ as a stream, which flask-compress would compress chunk by chunk and
            # never with gzip: read them whole (at most the 1.2 MB plotly bundle) to compress them like the rest.
            response.direct_passthrough = False
            response.make_sequence()
        return response
