"""Accessibility statement (`/accessibility`), in the structure of the GOV.UK model statement that UK public sector
websites publish under the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018. It says what is tested and how, and what is known not to work, without claiming more.
"""
from __future__ import annotations

import dash
from dash import dcc, html

from components import page
from metrics.view.pages import registration

# When this statement was written and when its list of known problems was last checked against the app.
PREPARED = "23 November 2026"
REVIEWED = "23 November 2026"
ABILITYNET = "https://mcmw.abilitynet.org.uk/"
EASS = "https://www.equalityadvisoryservice.com/"
WCAG = "https://www.w3.org/TR/WCAG22/"
REGULATIONS = "https://www.legislation.gov.uk/uksi/2018/952/contents/made"



def _link(text: str, href: str) -> html.A:
    return html.A(text, href=href, rel="noopener noreferrer")


def _contact(x):
    """Where to reach the partnership: the area's Local Offer, which the catalogue already links families to."""
    name = f"{x['area']} SEND Local Offer"
    return _link(name, x["contact"]) if x["contact"] else name


def statement(pv):
    x = pv.extra
    area = x["area"]
    site = f"the {area} SEND Partnership outcomes dashboard"
    board = x["board"]
    return [html.P("How accessible this dashboard is, what we test, what we know does not work yet, and how to tell "
                   "us about a problem.", className="lead fs-6 mb-3"), html.Div([
        html.P([f"This accessibility statement applies to {site}"
                + (" (board edition, for partnership board members)." if board else " (public edition).")]),
        html.P(f"This dashboard is run by the {area} SEND Partnership. We want as many people as possible to be "
               "able to use it. For example, that means you should be able to:"),
        html.Ul([
            html.Li("change colours, contrast levels and fonts using your browser or device settings"),
            html.Li("zoom in up to 300% without the text spilling off the screen"),
            html.Li("navigate every page, filter and chart control using just a keyboard"),
            html.Li("navigate most of the dashboard using speech recognition software"),
            html.Li("listen to every page using a screen reader, with every chart's numbers also given as a "
                    "table"),
        ]),
        html.P("We have also made the text as simple as we can, and every chart says in words what good looks "
               "like and what has changed, so meaning never depends on colour alone."),
        html.P(["AbilityNet has ", _link("advice on making your device easier to use", ABILITYNET),
                " if you have a disability."]),

        html.H2("How accessible this dashboard is", className="h4 mt-4"),
        html.P("We know some parts of this dashboard are not fully accessible:"),
        html.Ul([
            html.Li("the charts themselves cannot be explored point by point with a keyboard or screen reader: "
                    "the same numbers are in the table under each chart, and in its CSV download"),
            html.Li("the chart image you can download (PNG) has no text alternative: use the table or CSV "
                    "download instead"),
            html.Li("some wide tables scroll sideways on small screens or at high zoom, rather than reflowing"),
            *([html.Li("the quarterly board report's PDF version may not work well with assistive technology: "
                       "the same report is on its web page")] if board else []),
        ]),

        html.H2("Feedback and contact information", className="h4 mt-4"),
        html.P(["If you need information on this dashboard in a different format, such as accessible PDF, large "
                "print, easy read, audio recording or braille, contact the partnership through the ",
                _contact(x), ". We will consider your request and get back to you within 10 working days."]),

        html.H2("Reporting accessibility problems with this dashboard", className="h4 mt-4"),
        html.P(["We are always looking to improve the accessibility of this dashboard. If you find any problems "
                "not listed on this page, or think we are not meeting accessibility requirements, contact the "
                "partnership through the ", _contact(x), "."]),

        html.H2("Enforcement procedure", className="h4 mt-4"),
        html.P(["The Equality and Human Rights Commission (EHRC) is responsible for enforcing the ",
                _link("Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations "
                      "2018", REGULATIONS),
                " (the 'accessibility regulations'). If you are not happy with how we respond to your complaint, ",
                _link("contact the Equality Advisory and Support Service (EASS)", EASS), "."]),

        html.H2("Technical information about this dashboard's accessibility", className="h4 mt-4"),
        html.P(f"The {area} SEND Partnership is committed to making its websites accessible, in accordance with "
               "the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations "
               "2018."),

        html.H3("Compliance status", className="h5 mt-3"),
        html.P(["This dashboard is partially compliant with the ",
                _link("Web Content Accessibility Guidelines version 2.2", WCAG),
                " AA standard, due to the non-compliances listed below."]),

        html.H3("Non-accessible content", className="h5 mt-3"),
        html.P("The content listed below is non-accessible for the following reasons."),
        html.H4("Non-compliance with the accessibility regulations", className="h6"),
        html.Ul([
            html.Li("Individual points on the interactive charts cannot be reached with a keyboard; their values "
                    "appear on hover only. This fails WCAG 2.2 success criterion 2.1.1 (Keyboard) for the chart "
                    "itself. Every chart has a table of the same data, with a caption and headers, and a CSV "
                    "download, which are fully keyboard accessible."),
            html.Li("The PNG image a chart can be saved as has no text alternative (success criterion 1.1.1, "
                    "Non-text content). The table and CSV download give the same information."),
        ]),
        html.H4("Content that is not within the scope of the accessibility regulations", className="h6"),
        html.P("Links to other organisations' websites, such as the Local Offer pages we link to for support "
               "while you wait, are covered by those organisations' own accessibility statements."),

        html.H2("What we're doing to improve accessibility", className="h4 mt-4"),
        html.P("Every change to the dashboard is tested automatically before it is released:"),
        html.Ul([
            html.Li("every page of both editions, for the whole area and each locality, is checked in a real "
                    "browser (headless Chromium) with the axe-core accessibility engine (version 4, pinned), "
                    "and a release is stopped by any serious or critical failure of a WCAG 2.0, 2.1 or 2.2 "
                    "level A or AA rule"),
            html.Li("keyboard-only tests check that every filter can be reached and used with Tab, Enter and the "
                    "arrow keys, that focus is always visible, and that the skip link moves focus to the main "
                    "content"),
            html.Li("chart colours are checked to have at least 3:1 contrast against the background, and every "
                    "chart uses letters, shapes and words as well as colour"),
        ]),
        html.P("Automated tools find only some accessibility problems. The dashboard has not yet been audited by "
               "an accessibility specialist or tested with disabled users; we plan to do both, and will update "
               "this statement with what we find."),

        html.H2("Preparation of this accessibility statement", className="h4 mt-4"),
        html.P(f"This statement was prepared on {PREPARED}. It was last reviewed on {REVIEWED}."),
        html.P("This dashboard is tested on every change to its code, by the automated checks described above, "
               "run by the dashboard's developers."),
        html.P(dcc.Link("Back to the dashboard", href="/")),
    ], className="statement")]


dash.register_page(__name__, layout=lambda **kwargs: page.layout("accessibility", kwargs),
                   **registration("accessibility"))
page.register("accessibility", statement)
