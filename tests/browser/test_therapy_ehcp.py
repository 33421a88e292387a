"""The therapy waiting lists and EHCP timeliness pages in a real browser: every locality draws without console
errors; the service is in the URL and a pasted link shows the same service and the same figures; a malformed
service shows the notice; the drill-downs follow the filters and are not in the public edition; and the
screenshots the README uses."""
import json

import pytest
from editions import http, public_url  # noqa: F401  (public_url: fixture)

from components.chart_card import card_key
from conftest import LOCALITIES
from metrics import urlstate

SLT = "Speech and language therapy"
OVER_18 = "therapy_over_18wk_pct"
DEMAND, BANDS, FUNNEL, OUTCOMES = "therapy-demand", "therapy-waiting-weeks-band", "ehcp-funnel", "ehcp-review-outcomes"


def drawn(figure) -> bool:
    """A figure with at least one plotted value."""
    return bool(figure) and any(v is not None for trace in figure for v in (trace.get("y") or []))


def annotation_texts(board, key: str) -> list[str]:
    return board.driver.execute_script(
        "var g = document.querySelector('#chart-' + arguments[0] + ' .js-plotly-plot');"
        "return g ? (g.layout.annotations || []).map(a => a.text) : null;", key)


def drilldowns(board) -> list[str]:
    return board.attrs("#therapy-drilldowns [data-drilldown]", "data-drilldown")


@pytest.mark.parametrize("locality", LOCALITIES)
def test_both_pages_draw_for_every_locality(board, locality):
    query = "" if locality == "area" else f"?locality={locality}"
    for path, keys in (("/therapy", (DEMAND, BANDS, OVER_18)), ("/ehcp", (FUNNEL, OUTCOMES, "ehcp_20wk_excl"))):
        board.visit(path + query)
        assert board.filter_value("locality") == locality
        for key in keys:
            assert drawn(board.figure_data(key)), f"{path}{query}: {key} has no data"
        assert not board.find_all(".url-notice.alert"), f"{path}{query}: unexpected notice"
        assert board.severe_logs() == [], f"{path}{query}: console errors"


def test_service_change_is_in_the_url_and_the_link_reopens_the_same_view(board, store):
    board.visit("/therapy?locality=central&from=2022-04")
    assert board.filter_value("service") == "all"
    all_services = board.figure_data(DEMAND)
    board.driver.execute_script("window.__no_reload = true;")

    board.choose("service", "slt")
    assert board.search == "?locality=central&from=2022-04&service=slt"
    assert board.driver.execute_script("return window.__no_reload === true;")
    slt_key = card_key(OVER_18, SLT)
    # The service-level cards are now the service's, and the total's are gone.
    assert board.attrs(f"[data-metric='{OVER_18}']", "data-breakdown") == [SLT]
    shown = {key: board.figure_data(key) for key in (DEMAND, slt_key, BANDS)}
    assert all(drawn(f) for f in shown.values())
    assert shown[DEMAND] != all_services
    # Limits restart at the interventions the analyst marked for this service, and are drawn as such.
    rebased = [d for d in store.rebase_dates(OVER_18, "Central", SLT) if str(d)[:10] > "2022-04-01"]
    assert ("Limits recalculated" in annotation_texts(board, slt_key)) is bool(rebased)

    board.visit("/therapy?service=slt&locality=central&from=2022-04")  # the link as pasted, keys in any order
    assert board.filter_value("service") == "slt"
    assert (board.filter_value("locality"), board.filter_value("from")) == ("central", "2022-04")
    assert {key: board.figure_data(key) for key in shown} == shown
    assert board.severe_logs() == []


@pytest.mark.parametrize("value", ["<script>window.__pwned=1</script>", "SLT"])
def test_malformed_service_shows_the_notice_and_all_services(board, value):
    board.visit("/therapy?" + urlstate.urlencode({"service": value, "locality": "south"}))
    notice = board.dc.wait_for_element(".url-notice.alert")
    assert notice.text == urlstate.FALLBACK["service"]
    assert board.filter_value("service") == "all"
    assert board.filter_value("locality") == "south"  # the good parameter is kept
    assert drawn(board.figure_data(DEMAND)) and drawn(board.figure_data(OVER_18))
    assert not board.driver.execute_script("return window.__pwned === 1;")
    assert board.severe_logs() == []


def test_children_can_be_split_by_one_characteristic(board):
    board.visit("/therapy?service=ot")
    both = {"therapy-waiting-weeks-band"} | {f"therapy-{kind}-{by}" for kind in ("waiting", "missed")
                                             for by in ("sen-status", "age-band", "first-language")}
    assert set(drilldowns(board)) == both
    board.choose("breakdown", "age_band")
    assert board.search == "?service=ot&breakdown=age_band"
    assert drilldowns(board) == ["therapy-waiting-weeks-band", "therapy-waiting-age-band", "therapy-missed-age-band"]
    ages = board.figure_data("therapy-missed-age-band")
    assert drawn(ages) and ages[0]["y"] == ["0-4", "5-10", "11-15", "16-18", "19-25"]
    assert board.severe_logs() == []


FUNNEL_OUT = "..ehcp-drilldowns.children...ehcp-drilldowns-drawn.data.."
OUTCOMES_OUT = "..ehcp-review-outcomes.children...ehcp-review-outcomes-drawn.data.."


def redraw(board, output: str, locality: str, drawn: dict) -> tuple[int, str]:
    """(status, body) of one of the EHCP page's redraw callbacks for a page showing `locality`, asked as the
    browser asks it. (A filter change in the browser also redraws the page's 30 cards: too slow to repeat here.)"""
    from components.page import page_state_data
    from metrics.store import get_store

    data = page_state_data(urlstate.State(page="ehcp", locality=locality), [],
                           urlstate.vocabulary(get_store()), "")
    ids = [part.rsplit(".", 1) for part in output.strip(".").split("...")]
    body = {"output": output, "outputs": [{"id": i, "property": p} for i, p in ids],
            "inputs": [{"id": "page-state", "property": "data", "value": data}],
            "state": [{"id": ids[1][0], "property": "data", "value": drawn}],
            "changedPropIds": ["page-state.data"]}
    status, text, _ = http(board.url("/_dash-update-component"), json.dumps(body).encode(),
                           {"Content-Type": "application/json"})
    return status, text


def test_ehcp_drilldowns_are_redrawn_for_a_new_locality(board):
    drawn = {"locality": "area", "start": None, "end": None, "metric": None}
    status, funnel = redraw(board, FUNNEL_OUT, "north", drawn)
    assert status == 200 and "(North locality), " in funnel and "(Blackpool (whole area))" not in funnel
    status, outcomes = redraw(board, OUTCOMES_OUT, "north", drawn)
    assert status == 200 and "North locality: share of reviews by month" in outcomes
    # Asked again for the view already drawn (page-state is rewritten for other reasons too): nothing to do.
    assert redraw(board, FUNNEL_OUT, "north", {**drawn, "locality": "north"})[0] == 204


def test_public_edition_has_no_drilldowns(board, public_url):  # noqa: F811
    for path in ("/therapy?service=slt", "/ehcp"):
        board.driver.get(public_url + path)
        board.wait_drawn()
        assert board.find_all(".chart .main-svg")
        assert not board.find_all("[data-drilldown^='therapy-waiting'], [data-drilldown^='therapy-missed'], "
                                  "#ehcp-drilldowns, #therapy-drilldowns")
        assert not board.find_all("select[id*='\"name\":\"breakdown\"']")  # no splitting children by group
        assert board.severe_logs() == []
    outputs = http(public_url + "/_dash-dependencies")[1]
    assert "therapy-demand" in outputs and "drilldowns" not in outputs


def test_screenshots_for_the_readme(board):
    """The views the README points to: "Did the SLT clinic change reduce waits?" and "Are we issuing plans within
    20 weeks?"."""
    board.driver.set_window_size(1280, 2300)
    try:
        for name, path in (("therapy", "/therapy?service=slt"), ("ehcp", "/ehcp")):
            board.visit(path)
            assert board.screenshot(name).stat().st_size > 0
    finally:
        board.driver.set_window_size(1280, 1000)
