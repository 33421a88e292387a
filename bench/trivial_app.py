"""The in-run baseline: a throwaway Dash app whose one callback returns a short string (the framework's floor).

Served by the same gunicorn settings as the real app (`bench/server.py`), hardened and logged the same way
(`components.security.harden`, whose `send.requests` lines give the server's time per request) and sent the same way
(`components.serving`: compressed, fingerprinted files cached for good), so the ratio of a real chart callback's
requests/s to this one's, and of a page's load in the browser to this one's, says how close the app comes to what
Dash itself costs.
"""
from dash import Dash, Input, Output, dcc, html

from components import security, serving

security.configure_logging()  # as app.py does: the request log is what bench/load.py reads

app = Dash(__name__)
app.layout = html.Div([dcc.Input(id="text", value="a"), html.Div(id="echo")])


@app.callback(Output("echo", "children"), Input("text", "value"))
def echo(value):
    return f"You typed {value}"


server = security.harden(app.server, dash_app=app)
serving.serve_lean(app)
