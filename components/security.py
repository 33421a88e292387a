"""Production hardening at the Flask level, the same for both editions (no Dash callbacks here).

`harden(server, dash_app=app, ...)` adds:
- security headers on every response: a Content-Security-Policy that Dash and Plotly work under (scripts only
  from this origin plus the hashes of Dash's own inline scripts; no 'unsafe-eval'; inline *styles* are allowed
  because Dash components and plotly.js set them at run time), frame-ancestors 'none', X-Content-Type-Options,
  Referrer-Policy, Permissions-Policy;
- checks on every POST to Dash's callback endpoint (size, JSON shape, a registered server-side callback with the
  declared outputs, inputs and state) so a malformed or hostile body gets a 400 (413 when too big), never a 500;
- Flask's debug mode off (whatever FLASK_DEBUG says) and error handlers so no traceback ever reaches a client: a
  plain page, the detail only in the server log;
- optionally, a page allowlist: any other path that is not Dash's own plumbing is a 404 (the public edition uses
  this so board-only URLs do not exist);
- request logging without personal data: method, path without query string, status, duration (no IP address,
  no user name, no query string), and the development server's own access log (which has both) turned down;
- optionally, an auth-proxy header gate for the board edition: with `auth_header="X-Forwarded-User"` every request
  that does not carry exactly one user in that header is refused with 401, whatever its method (see `signed_in_user`
  for the rule). The proxy in front (oauth2-proxy, nginx `auth_request`, Azure App Service authentication...) signs
  people in and sets the header; the app must be reachable only through it, and the proxy must strip the header
  from incoming requests, since anyone who can reach the app directly can set it;
- 404, not 500 or the app shell, for addresses under Dash's own prefixes and `open_prefixes` that no route of their
  own serves (an unregistered component-suite file, `/download/anything-but-a-csv`);
- optionally (`no_store=True`, the board edition), `Cache-Control: no-store` on every response but static files,
  so no browser or shared cache keeps a copy of board data (pages, callback responses, CSV downloads).
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Collection

from dash.exceptions import DependencyException
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("send.requests")
error_log = logging.getLogger("send.errors")


def configure_logging() -> None:
    """Warnings, and this module's request log (no query strings, addresses or user names), to stderr, which
    gunicorn and `python app.py` both show; libraries' own INFO lines stay out. bench/ reads the request log."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("send").setLevel(logging.INFO)

MAX_BODY_BYTES = 1_000_000  # the largest callback body the pages send is a few KB: 1 MB is generous
CALLBACK_ROUTE = "_dash-update-component"
# Dash's own routes and static files, always served (the page allowlist only covers pages).
DASH_PREFIXES = ("_dash-", "_reload-hash", "_favicon.ico", "assets/")
# Files that are the same for everyone and carry no data: the only responses `no_store` leaves cacheable.
STATIC_PREFIXES = ("_dash-component-suites/", "_favicon.ico", "assets/")
CATCH_ALL = "<path:path>"  # Dash's route for any other address: it serves the app shell
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_USER_LENGTH = 256  # an e-mail address or user principal name fits (RFC 5321 caps a path at 256)

BASE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],  # plotly's PNG export and SVG icons as data: URLs
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # The full address to this origin only (never to another site): Dash's request for the layout then names the
    # page it is for, and the layout comes with that page drawn (components/shell.py).
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{text}</p><p><a href="/">{home}</a></p></main></body></html>
"""
# The way back, in words for either edition (the public one is not a board's): this page and the router's own
# not-found page (components.shell.not_found) both say it.
HOME_LINK = "Go to the dashboard home page"
MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in needed", "This dashboard is for partnership board members. Please sign in to see it."),
    404: ("Page not found", "There is no page at this address."),
    405: ("Not allowed", "This address cannot be used in that way."),
    413: ("Request too large", "The request was too large."),
    500: ("Something went wrong", "Sorry, something went wrong on our side. Please try again later."),
}


def csp_header(script_hashes: Collection[str] = ()) -> str:
    policy = {k: list(v) for k, v in BASE_CSP.items()}
    policy["script-src"] += list(script_hashes)
    return "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items())


def error_page(status: int) -> Response:
    title, text = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    return Response(PAGE.format(title=title, text=text, home=HOME_LINK), status=status, mimetype="text/html")


def check_callback_body(body, callback_map: dict | None) -> str | None:
    """Why a callback request body is unacceptable, or None. Checks the shape Dash's renderer sends and, given
    the app's callback map, that it names a server-side callback with the outputs, inputs and state it declares
    (Dash itself answers 500 to a body that does not match its callback)."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or not output:
        return "output missing"
    for key in ("inputs", "state", "changedPropIds"):
        if not isinstance(body.get(key, []), list):
            return f"{key} is not a list"
    if not all(isinstance(p, str) for p in body.get("changedPropIds", [])):
        return "changedPropIds holds a non-string"
    if not isinstance(body.get("outputs"), (dict, list)):
        return "outputs missing"
    for key in ("inputs", "state"):
        for item in body.get(key, []):
            if not _is_dependency(item):
                return f"{key} holds a malformed item"
    if not _outputs_ok(body["outputs"]):
        return "outputs malformed"
    if callback_map is None:
        return None
    spec = callback_map.get(output)
    if spec is None or "callback" not in spec:
        return "no such server-side callback"
    declared = spec["output"]
    if isinstance(declared, (list, tuple)):  # several outputs: a list of them, one item each
        if not isinstance(body["outputs"], list) or len(body["outputs"]) != len(declared):
            return "outputs: not the declared number"
        pairs = zip(declared, body["outputs"])
    else:
        pairs = [(declared, body["outputs"])]
    for want, got in pairs:
        if not _matches(want.component_id_str(), want.component_property, got):
            return f"outputs: does not match the declared {want.component_id_str()}.{want.component_property}"
    for key in ("inputs", "state"):
        declared, sent = spec.get(key, []), body.get(key, [])
        if len(declared) != len(sent):
            return f"{key}: {len(sent)} sent, {len(declared)} declared"
        for want, got in zip(declared, sent):
            if not _matches(want["id"], want["property"], got):
                return f"{key}: does not match the declared {want['id']}.{want['property']}"
    return None


def _matches(declared_id: str, prop: str, got) -> bool:
    """Whether `got` is the dependency `declared_id`.`prop` as the callback map spells it. A pattern-matching id
    (JSON, wildcards as ["MATCH"], ["ALL"], ["ALLSMALLER"]) arrives as a dict with the same keys, the same fixed
    values and a plain value for each wildcard; ALL and ALLSMALLER as a list of them."""
    if not declared_id.startswith("{"):
        return isinstance(got, dict) and got.get("id") == declared_id and got.get("property") == prop
    pattern = json.loads(declared_id)
    several = any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())
    if several != isinstance(got, list):
        return False
    return all(isinstance(item, dict) and item.get("property") == prop and _id_matches(pattern, item.get("id"))
               for item in (got if several else [got]))


def _id_matches(pattern: dict, cid) -> bool:
    if not isinstance(cid, dict) or cid.keys() != pattern.keys():
        return False
    return all(isinstance(cid[k], (str, int, float, bool)) if isinstance(v, list) else cid[k] == v
               for k, v in pattern.items())


def _is_dependency(item) -> bool:
    """{"id": str | dict, "property": str, ...}, or a list of them (a pattern-matching ALL / ALLSMALLER input)."""
    if isinstance(item, list):
        return all(_is_dependency(i) and not isinstance(i, list) for i in item)
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def _outputs_ok(outputs) -> bool:
    if isinstance(outputs, list):
        return all(_is_dependency(o) for o in outputs)
    return _is_dependency(outputs)


def signed_in_user(headers, name: str) -> str | None:
    """The user the signing-in proxy named in header `name`, or None: then the request is not signed in.

    A proxy sets the header once, to one user. The rule, so that nothing else passes for a user:
    - exactly one copy of the header (a WSGI server hands repeated fields over as one value joined with commas:
      gunicorn `a,b`, werkzeug `a, b`; `getlist` catches a server that keeps them apart);
    - no comma in it at all (so two copies, even empty ones, which gunicorn turns into `,`, never pass; a proxy
      must therefore pass an identifier such as an e-mail address or user principal name, not a display name
      like "Smith, Jo");
    - after trimming spaces, at least one letter or digit (so empty, blank and separator-only values fail), no
      control character, at most MAX_USER_LENGTH characters.
    """
    values = headers.getlist(name)
    if len(values) != 1:
        return None
    user = values[0].strip()
    if (len(user) > MAX_USER_LENGTH or "," in user or CONTROL.search(user)
            or not any(ch.isalnum() for ch in user)):
        return None
    return user


def _loggable(path: str) -> str:
    """A path safe for one log line: control characters (a forged newline) replaced, length capped."""
    return CONTROL.sub("?", path)[:200]


def harden(server: Flask, *, dash_app=None, auth_header: str | None = None, pages: Collection[str] | None = None,
           open_prefixes: Collection[str] = (), max_body_bytes: int = MAX_BODY_BYTES, no_store: bool = False) -> Flask:
    """Add the protections in this module's docstring to `server` (and return it).

    `dash_app` lets the Content-Security-Policy carry the hashes of its inline scripts and lets callback bodies be
    checked against its callback map; `auth_header` turns on the proxy header gate; `pages` turns on the page
    allowlist (paths such as "/" and "/therapy"), with `open_prefixes` (such as "download/") served as well, but
    only by their own routes; `no_store` marks every response but static files `Cache-Control: no-store`.
    """
    if auth_header is not None and not HEADER_NAME.match(auth_header):
        raise ValueError(f"auth header name {auth_header!r} is not a valid HTTP header name")
    server.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    server.debug = False  # whatever FLASK_DEBUG says; only an explicit run(debug=True) turns it back on
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its access log has client IPs and query strings
    prefix = dash_app.config.routes_pathname_prefix if dash_app is not None else "/"
    allowed = None if pages is None else {p.rstrip("/") or "/" for p in pages}
    always = DASH_PREFIXES + tuple(open_prefixes)
    hashes: list[str] = []
    csp = [csp_header()]  # the header as sent, written once the app's inline-script hashes are known

    @server.before_request
    def _gate():
        g.started = time.perf_counter()
        if auth_header is not None and signed_in_user(request.headers, auth_header) is None:
            return error_page(401)
        path = request.path
        tail = path[len(prefix):] if path.startswith(prefix) else None
        if tail is not None and tail.startswith(always) and _by_catch_all():
            return error_page(404)  # e.g. /download/x.html or /_dash-anything: no route of its own, not a page
        if tail == CALLBACK_ROUTE and request.method == "POST":
            if request.content_length is not None and request.content_length > max_body_bytes:
                return error_page(413)
            try:
                body = request.get_json(silent=True)
            except HTTPException:
                raise
            except Exception:  # e.g. nesting too deep for the JSON parser
                body = None
            problem = check_callback_body(body, dash_app.callback_map if dash_app is not None else None)
            if problem:
                log.warning("refused callback request: %s", problem)
                return error_page(400)
        elif allowed is not None and request.method in ("GET", "HEAD") and not (
                tail is not None and tail.startswith(always)) and (path.rstrip("/") or "/") not in allowed:
            return error_page(404)
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        if dash_app is not None and not hashes:
            hashes[:] = dash_app.csp_hashes()  # after every page module registered its inline scripts
            csp[0] = csp_header(hashes)
        response.headers["Content-Security-Policy"] = csp[0]
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if no_store and not _static(request.path):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
        started = g.get("started")
        ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        log.info("%s %s %s %.0fms", request.method, _loggable(request.path), response.status_code, ms)
        return response

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is not None and exc.code < 400:  # routing redirects (a trailing slash) stay as they are
            return exc
        return error_page(exc.code or 500)

    @server.errorhandler(DependencyException)
    def _unknown_component_file(exc: DependencyException):
        # Dash raises this for a component-suite file it never registered: an address that does not exist.
        log.warning("no such component-suite file: %s", _loggable(request.path))
        return error_page(404)

    @server.errorhandler(Exception)
    def _server_error(exc: Exception):
        error_log.exception("unhandled error on %s %s", request.method, _loggable(request.path))
        return error_page(500)

    def _by_catch_all() -> bool:
        rule = request.url_rule
        return rule is None or rule.rule == prefix + CATCH_ALL

    def _static(path: str) -> bool:
        return path.startswith(prefix) and path[len(prefix):].startswith(STATIC_PREFIXES)

    return server
