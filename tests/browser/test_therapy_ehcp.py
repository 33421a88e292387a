"""The therapy waiting lists and EHCP timeliness pages in a real browser: every locality draws without console
errors; the service is in the URL and a pasted link shows the same service and the same figures; a malformed
service shows the notice; the drill-downs follow the filters and are not in the public edition; and the
screenshots the README uses."""
import pytest
from editions import http, public_url  # noqa: F401  (public_url: fixture)

from conftest import LOCALITIES
from metrics import urlstate
from metrics.view.measure import card_key

SLT = "Speech and language therapy"
OVER_18 = "therapy_over_18wk_pct"
DEMAND, BANDS, FUNNEL, OUTCOMES = "therapy-demand", "therapy-waiting-weeks-band", "ehcp-funnel", "ehcp-review-outcomes"


def drawn(figure) -> bool:
    """A figure with at least one plotted value."""
    return bool(figure) and any(v is not None for trace in figure for v in (trace.get("y") or []))


def annotation_texts(board, key: str) -> list[str]:
    return board.notes_of(key)


def drilldowns(board) -> list[str]:
    """The record-level drill-down cards shown, in page order."""
    return board.attrs("section.chart-card[data-metric^='therapy-waiting'], "
                       "section.chart-card[data-metric^='therapy-missed']", "data-metric")


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
    recalculated = [t for t in annotation_texts(board, slt_key) if t.startswith("Limits recalculated from ")]
    assert bool(recalculated) is bool(rebased)

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


def test_ehcp_drilldowns_are_redrawn_for_a_new_locality(board):
    # One callback redraws the page's body for the new State: the funnel and the review outcomes follow it.
    board.visit("/ehcp")
    funnel = board.driver.find_element("css selector", "#metric-ehcp-funnel").text
    assert "(Blackpool (whole area))" in funnel
    board.choose("locality", "north")
    funnel = board.driver.find_element("css selector", "#metric-ehcp-funnel").text
    assert "(North locality), " in funnel and "(Blackpool (whole area))" not in funnel
    outcomes = board.driver.find_element("css selector", "#metric-ehcp-review-outcomes details.table-toggle")
    board.click(outcomes.find_element("css selector", "summary"))
    board.wait_for("return !!arguments[0].querySelector('.lazy-table table caption');", outcomes, what="the table")
    assert "North locality: share of reviews by month" in outcomes.find_element("css selector", "caption").text
    assert board.severe_logs() == []


def test_public_edition_has_no_drilldowns(board, public_url):  # noqa: F811
    for path in ("/therapy?service=slt", "/ehcp"):
        board.driver.get(public_url + path)
        board.wait_drawn()
        assert board.draw_first_chart() is not None
        assert not board.find_all("[data-metric^='therapy-waiting'], [data-metric^='therapy-missed'], "
                                  "[data-metric='ehcp-funnel']")
        assert not board.find_all("select[id*='\"name\":\"breakdown\"']")  # no splitting children by group
        assert board.severe_logs() == []
    # The record-level views do not exist in the public edition (the aggregate ones do); the board has them all.
    for view in ("therapy-waiting-age-band", "therapy-missed-sen-status", "therapy-waiting-weeks-band", "ehcp-funnel"):
        for kind, ext in (("figure", "json"), ("table", "html"), ("download", "csv")):
            assert http(f"{public_url}/{kind}/{view}.{ext}")[0] == 404, (kind, view)
            assert http(board.url(f"/{kind}/{view}.{ext}"))[0] == 200, (kind, view)
    assert http(f"{public_url}/figure/therapy-demand.json")[0] == 200


def test_screenshots_for_the_readme(board):
    """The views the README points to: "Did the SLT clinic change reduce waits?" and "Are we issuing plans within
    20 weeks?"."""
    with board.viewport(1280, 2300):
        for name, path in (("therapy", "/therapy?service=slt"), ("ehcp", "/ehcp")):
            board.visit(path)
            assert board.screenshot(name).stat().st_size > 0
