"""Words the public edition must get right outside the chart cards: the not-found pages name no board, and the
therapy page's list of interventions says what a rebase means without SPC jargon."""
import importlib
import re
from datetime import date
from types import SimpleNamespace

import pytest

JARGON = re.compile(r"special cause|common cause|control limit|\bxmr\b|\bspc\b", re.IGNORECASE)


def _text(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return "".join(_text(c) for c in children)
    return children if isinstance(children, str) else _text(children) if hasattr(children, "children") else ""


@pytest.fixture(scope="module")
def therapy_page():
    import dash

    dash.Dash("page_text_test", use_pages=True, pages_folder="")
    return importlib.import_module("pages.therapy")  # see tests/unit/test_report.py for why import_module


def test_not_found_pages_say_the_same_edition_neutral_words():
    from components import security, shell

    server_page = security.error_page(404).get_data(as_text=True)
    router_page = _text(shell.not_found())
    assert "Go to the dashboard home page" in server_page
    assert router_page == "Page not foundThere is no page at this address. Go to the dashboard home page."
    assert not re.search(r"\bboard\b", server_page + router_page, re.IGNORECASE)  # "dashboard" is neutral


def test_interventions_say_what_a_rebase_means_in_each_editions_words(therapy_page):
    events = [SimpleNamespace(date=date(2023, 1, 9), title="Triage clinic", rebase=True),
              SimpleNamespace(date=date(2024, 1, 7), title="Sunday clinics", rebase=False)]
    public = therapy_page._events_text(events, "public")
    assert public == ("Interventions: 1. January 2023, Triage clinic (the charts below work out a new usual range "
                      "from here); 2. January 2024, Sunday clinics.")
    assert not JARGON.search(public)
    board = therapy_page._events_text(events, "board")
    assert "(the SPC charts below restart their limits here)" in board
    assert therapy_page._events_text([], "public") == ""
