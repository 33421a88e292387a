"""The therapy page's "While you wait" box: for each service shown, the catalogue's link to what families can do
while their child waits."""
from __future__ import annotations

from dash import html


def while_you_wait(services) -> html.Section:
    items = [html.Li([html.Strong(f"{s.name}: "),
                      html.A(s.while_you_wait_text, href=s.while_you_wait, className="while-you-wait",
                             rel="noopener noreferrer", **{"data-service": s.slug})])
             for s in services]
    return html.Section([
        html.H2("While you wait", className="h4", id="while-you-wait-heading"),
        html.P("Help and ideas for your child while they are waiting for a service.", className="mb-2"),
        html.Ul(items, className="mb-0"),
    ], className="while-you-wait-box mb-4", id="while-you-wait", **{"aria-labelledby": "while-you-wait-heading"})
