"""From watching to acting (issue 15), as a commissioner and a board chair use it: the capacity planner's what-if
panel and its URL round trip, the improvement-plan tracker in both editions, and meeting mode's keys.

What the page shows is compared with what the view model computes for the same URL (metrics.view.pages.build_page),
so a sentence on the page is the one the metrics layer wrote for those settings, not a remembered string."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from selenium.webdriver.common.keys import Keys

from metrics import urlstate
from metrics.plan import PUBLIC_STATUS, STATUSES
from metrics.view.pages import build_page


def view(store, page: str, query: dict, audience: str = "board"):
    state, _ = urlstate.decode(page, query, urlstate.vocabulary(store))
    return build_page(store, page, state, (), audience)


def query(board) -> dict:
    return dict(parse_qsl(urlsplit(board.driver.current_url).query))


PLANNER_SENTENCES = "return Array.from(document.querySelectorAll('.chart-summary li')).map(li => li.innerText.trim());"


# -- the capacity planner ----------------------------------------------------------------------------------------

def test_the_planners_what_if_is_in_the_url_and_a_fresh_load_shows_the_same_plan(board, store):
    board.visit("/planner?service=slt")
    before = board.driver.execute_script(PLANNER_SENTENCES)
    assert before == list(view(store, "planner", {"service": "slt"}).extra["sentences"])
    box = board.draw_first_chart()
    assert "sessions" not in box.get_attribute("data-drawn")

    board.choose("sessions", "4")  # four extra clinic sessions a week
    board.wait_for("return location.search.includes('sessions=4');", timeout=10, what="the what-if in the URL")
    assert query(board) == {"service": "slt", "sessions": "4"}
    after = board.driver.execute_script(PLANNER_SENTENCES)
    expected = list(view(store, "planner", query(board)).extra["sentences"])
    assert after == expected and after != before
    assert any(s.startswith("What if: 4.0 extra sessions a week") for s in after)
    box = board.draw_first_chart()  # the fan chart is the what-if's too
    assert "sessions=4" in box.get_attribute("data-drawn")

    url = board.driver.current_url
    board.driver.get(url)  # the link a commissioner pastes into a business case
    board.wait_drawn()
    assert board.filter_value("sessions") == "4" and board.driver.execute_script(PLANNER_SENTENCES) == expected

    board.driver.back()  # the what-if was a history entry: Back is the plan without it
    board.wait_for("return !location.search.includes('sessions');", timeout=10, what="the plan before")
    board.wait_drawn()
    assert board.driver.execute_script(PLANNER_SENTENCES) == before


def test_a_what_if_outside_its_range_falls_back_with_a_notice(board):
    board.visit("/planner?service=slt&sessions=999&growth=-80")
    notice = board.dc.wait_for_element(".url-notice.alert").text
    assert notice and board.filter_value("sessions") == "0" and board.filter_value("growth") == "0"
    board.wait_for("return location.search === '?service=slt';", timeout=10, what="the canonical address")


# -- the improvement-plan tracker --------------------------------------------------------------------------------

ROWS = """
return Array.from(document.querySelectorAll('table.plan-table')).map(t => ({
  caption: t.caption.innerText,
  rows: Array.from(t.querySelectorAll('tbody tr')).map(r => ({
    id: r.dataset.action, overdue: r.classList.contains('overdue'), status: r.querySelector('.status').innerText,
    lead: r.cells[0].innerText, action: r.querySelector('th').innerText, measures: r.querySelectorAll('a').length,
    notes: r.querySelectorAll('th .small').length}))}));
"""


def test_the_tracker_lists_every_action_of_both_plans_overdue_first(board, store):
    board.visit("/plan")
    tables = board.driver.execute_script(ROWS)
    ids = [r["id"] for t in tables for r in t["rows"]]
    assert sorted(ids) == sorted(a.id for a in store.plans.actions)  # every action, once
    assert {r["status"] for t in tables for r in t["rows"]} <= set(STATUSES)
    for t in tables:  # within each area for improvement, overdue actions come first
        flags = [r["overdue"] for r in t["rows"]]
        assert flags == sorted(flags, reverse=True), t["caption"]
    assert any(r["measures"] for t in tables for r in t["rows"])  # actions link to the measures that evidence them
    assert not board.severe_logs()


def test_families_read_each_actions_status_in_plain_words_and_no_internal_note(board, store, public_url):
    board.driver.get(public_url + "/plan")
    board.wait_drawn()
    tables = board.driver.execute_script(ROWS)
    rows = [r for t in tables for r in t["rows"]]
    assert sorted(r["id"] for r in rows) == sorted(a.id for a in store.plans.actions)
    assert {r["status"] for r in rows} <= set(PUBLIC_STATUS.values())
    assert not any(r["notes"] for r in rows)
    notes = [a.note for a in store.plans.actions if a.note]
    text = board.driver.find_element("css selector", "#page-content").text
    assert notes and not any(n in text for n in notes)


def test_a_measures_card_lists_the_actions_it_evidences(board, store):
    action = next(a for a in store.plans.actions if a.measures and a.measures[0] in store.catalogue.ids)
    metric = store.catalogue.get(action.measures[0])
    board.visit(f"/{metric.page}?metric={metric.id}")
    card = board.driver.find_element("css selector", f'section.chart-card[data-metric="{metric.id}"]')
    assert action.id in card.text


# -- meeting mode --------------------------------------------------------------------------------------------------

SLIDE = """
var m = document.querySelector('.meeting');
return m && {number: +m.dataset.slide, total: +m.dataset.total,
             title: (m.querySelector('.meeting-title') || {}).innerText,
             kind: (m.querySelector('.meeting-kind') || {className: ''}).className};
"""


def slide(board, number: int) -> dict:
    board.wait_for(f"var m = document.querySelector('.meeting'); return !!m && m.dataset.slide === '{number}';",
                   timeout=15, what=f"slide {number}")
    board.wait_drawn()
    return board.driver.execute_script(SLIDE)


def press(board, key) -> None:
    board.driver.find_element("css selector", "body").send_keys(key)


def test_meeting_mode_moves_with_the_keys_and_keeps_the_slide_in_the_url(board, store):
    board.visit("/meeting?locality=central")
    expected = view(store, "meeting", {"locality": "central"}).extra
    first = slide(board, 1)
    total = first["total"]
    assert total == len(expected["exceptions"]) + 1 > 2  # one exception a slide, then the summary
    assert first["title"] == expected["exceptions"][0].title
    press(board, Keys.ARROW_RIGHT)
    assert slide(board, 2)["title"] == expected["exceptions"][1].title
    assert query(board) == {"locality": "central", "slide": "2"}
    press(board, Keys.ARROW_LEFT)
    slide(board, 1)
    press(board, Keys.END)
    last = slide(board, total)
    assert last["title"] == "Summary"
    rows = board.find_all(".meeting table.exception-table tbody tr")
    assert len(rows) == total - 1
    press(board, Keys.HOME)
    slide(board, 1)
    board.driver.get(board.url("/meeting?locality=central&slide=2"))  # a paper links to a slide
    assert slide(board, 2)["title"] == expected["exceptions"][1].title
    press(board, Keys.ESCAPE)
    board.wait_for("return !document.querySelector('.meeting');", timeout=15, what="leaving meeting mode")
    assert board.path == "/"


def test_meeting_mode_orders_concern_then_failing_then_improvement(board, store):
    order = {"concern": 0, "fail": 1, "improvement": 2}
    kinds = [e.kind for e in view(store, "meeting", {}).extra["exceptions"]]
    assert kinds == sorted(kinds, key=order.__getitem__)
    board.visit(f"/meeting?slide={len(kinds) + 1}")  # the closing slide: the summary table
    slide(board, len(kinds) + 1)
    shown = [r.get_attribute("data-kind") for r in board.find_all(".meeting table.exception-table tbody tr")]
    assert shown == kinds


@pytest.mark.parametrize("number", [1, 2])
def test_meeting_mode_on_a_projector_reads_at_24px_with_its_chart_on_the_screen(board, number):
    with board.viewport(1920, 1080):
        board.visit(f"/meeting?slide={number}")
        slide(board, number)
        got = board.driver.execute_script("""
            var m = document.querySelector('.meeting'), text = m.querySelector('.meeting-text p');
            var chart = m.querySelector('.chart');
            return {px: parseFloat(getComputedStyle(text).fontSize),
                    chartBottom: chart ? chart.getBoundingClientRect().bottom : null,
                    drawn: chart ? chart.getAttribute('data-drawn') === chart.getAttribute('data-src') : null};""")
    assert got["px"] >= 24
    if got["chartBottom"] is not None:
        assert got["drawn"] and got["chartBottom"] <= 1080
