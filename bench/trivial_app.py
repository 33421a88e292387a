"""The in-run baselines: a throwaway Dash app whose one callback returns a short string (the framework's floor for a
callback), and one plain Flask GET route returning a short JSON body (the floor for a GET such as the app's
`/figure/<id>.json`, which is not a Dash callback).

Served by the same gunicorn settings as the real app (`bench/server.py`), hardened and logged the same way
(`components.security.harden` with a page allowlist, the data prefix open and `no-store`, as app.py hardens the board
edition; its `send.requests` lines give the server's time per request) and sent the same way (`components.serving`:
compressed, fingerprinted files cached for good), so the ratio of a real chart request's requests/s to these, and of
a page's load in the browser to this one's, says how close the app comes to what Dash and Flask themselves cost.
"""
from dash import Dash, Input, Output, dcc, html
from flask import Response

from components import security, serving

security.configure_logging()  # as app.py does: the request log is what bench/load.py reads

GET_PATH = "/figure/trivial.json"  # under the prefix the app's figures use, so the same hooks run for it
GET_BODY = b'{"figure":{"data":[],"layout":{}},"config":{}}'

app = Dash(__name__)
app.layout = html.Div([dcc.Input(id="text", value="a"), html.Div(id="echo")])


@app.callback(Output("echo", "children"), Input("text", "value"))
def echo(value):
    return f"You typed {value}"


app.server.add_url_rule(GET_PATH, "trivial_json", lambda: Response(GET_BODY, mimetype="application/json"))
server = security.harden(app.server, dash_app=app, pages={"/"}, open_prefixes=("figure/",), no_store=True)
serving.serve_lean(app)
