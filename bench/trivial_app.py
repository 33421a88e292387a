"""The in-run baseline: a throwaway Dash app whose one callback returns a short string (the framework's floor).

Served by the same gunicorn settings as the real app (`bench/server.py`) and hardened and logged the same way
(`components.security.harden`, whose `send.requests` lines give the server's time per request), so the ratio of a
real chart callback's requests/s to this one's says how close the app comes to what Dash itself costs.
"""
from dash import Dash, Input, Output, dcc, html

from components import security

security.configure_logging()  # as app.py does: the request log is what bench/load.py reads

app = Dash(__name__)
app.layout = html.Div([dcc.Input(id="text", value="a"), html.Div(id="echo")])


@app.callback(Output("echo", "children"), Input("text", "value"))
def echo(value):
    return f"You typed {value}"


server = security.harden(app.server, dash_app=app)
