"""Words the public edition must get right: the not-found pages name no board, and a card's list of interventions
says where the limits restart in the board's words and nothing of limits in the families'."""
import re

from bs4 import BeautifulSoup

from components.card import card_html
from metrics.edition import public_store
from metrics.view.measure import Scope, measure_view

JARGON = re.compile(r"special cause|common cause|control limit|\bxmr\b|\bspc\b", re.IGNORECASE)


def _text(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return "".join(_text(c) for c in children)
    return children if isinstance(children, str) else _text(children) if hasattr(children, "children") else ""


def test_not_found_pages_say_the_same_edition_neutral_words():
    from components import security, shell

    server_page = security.error_page(404).get_data(as_text=True)
    router_page = _text(shell.not_found())
    assert "Go to the dashboard home page" in server_page
    assert router_page == "Page not foundThere is no page at this address. Go to the dashboard home page."
    assert not re.search(r"\bboard\b", server_page + router_page, re.IGNORECASE)  # "dashboard" is neutral


def events_text(view) -> str:
    """The card's list of the events on its chart, as read out."""
    soup = BeautifulSoup(card_html(view), "lxml")
    return " | ".join(" ".join(li.get_text(" ", strip=True).split()) for ul in soup.select("ul.events")
                      for li in ul.find_all("li"))


def test_interventions_say_where_the_limits_restart_in_each_editions_words(rebased):
    # The log's event 9 (a rebase for physiotherapy on 3 July 2023): July began before it, so the new limits start
    # in August (tests/unit/test_chart.py).
    board = measure_view(rebased, "waits", Scope(), "Physiotherapy", "board")
    assert events_text(board) == "9 July 2023: Physiotherapy triage (limits recalculated from August 2023)"
    public = measure_view(public_store(rebased), "waits", Scope(), "Physiotherapy", "public")
    assert events_text(public) == "9 July 2023: Physiotherapy triage"
    page = BeautifulSoup(card_html(public), "lxml").get_text(" ")
    assert not JARGON.search(page) and "limits" not in page.lower()
    assert events_text(measure_view(rebased, "waits", Scope(), "All", "board")) == ""  # not on the total
