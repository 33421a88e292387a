"""The in-run baseline: a throwaway Dash app whose one callback returns a short string (the framework's floor).

Served by the same gunicorn settings as the real app (`bench/server.py`), so the ratio of a real chart callback's
requests/s to this one's says how close the app comes to what Dash itself costs.
"""
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
app.layout = html.Div([dcc.Input(id="text", value="a"), html.Div(id="echo")])


@app.callback(Output("echo", "children"), Input("text", "value"))
def echo(value):
    return f"You typed {value}"


server = app.server
