"""components.page: `state_from`, which every callback redrawing from the page-state Store decodes its input with,
and `sync_url`, which keeps the State, the filters and the address bar in step.

A callback body can be forged, so the Store's data and the filters' values are input like a URL: anything that is
not a State stops the callback, values off the whitelist fall back as a link's would, and what goes back to the
browser is the decoded State, never the raw value.
"""
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from components.page import page_state_data, state_from, sync_url
from metrics import urlstate

SCRIPT = "<script>alert(1)</script>"
THERAPY_FILTERS = ("locality", "from", "to", "service", "breakdown")


@pytest.fixture(scope="module")
def vocab():
    return urlstate.vocabulary()


def page_data(vocab, page="therapy", **query) -> dict:
    """The page-state data a page writes for `query` (as components.page.layout does)."""
    state, notices = urlstate.decode(page, query, vocab)
    return page_state_data(state, notices, vocab, "A page")


@pytest.mark.parametrize("page, query", [
    ("therapy", {"service": "slt", "locality": "central", "from": "2023-04"}),
    ("therapy", {}),
    ("overview", {"variation": "concern", "sort": "title", "to": "2025-06"}),
    ("report", {"quarter": "2025-Q2", "locality": "south"}),
])
def test_a_page_state_gives_its_state_back(vocab, page, query):
    state, _ = urlstate.decode(page, query, vocab)
    assert state_from(page_data(vocab, page, **query)) == state
    assert state_from({"page": page, **{k: v for k, v in state.to_dict().items() if k != "page"}}) == state


NOT_A_STATE = [
    ("None", None),
    ("a list", ["therapy"]),
    ("a string", "therapy"),
    ("an empty object", {}),
    ("page missing", {"locality": "central"}),
    ("page not a string", {"page": ["therapy"]}),
    ("page with markup", {"page": SCRIPT}),
    ("page too long", {"page": "t" * 10_000}),
    ("page in full-width letters", {"page": "ｔｈｅｒａｐｙ"}),
    ("page with a path", {"page": "../data"}),
]


@pytest.mark.parametrize("name, data", NOT_A_STATE, ids=[n for n, _ in NOT_A_STATE])
def test_what_is_no_state_gives_none(name, data):
    assert state_from(data) is None


HOSTILE_VALUES = [
    ("markup", SCRIPT),
    ("SQL-ish", "central' OR '1'='1'; DROP TABLE referrals; --"),
    ("very long", "c" * 10_000),
    ("full-width look-alike", "ｃｅｎｔｒａｌ"),
    ("control characters", "central\u202e\u0000"),
    ("a number", 12345),
    ("a list (a repeated key)", ["north", "south"]),
    ("an object", {"$gt": ""}),
    ("true", True),
]


@pytest.mark.parametrize("name, value", HOSTILE_VALUES, ids=[n for n, _ in HOSTILE_VALUES])
def test_hostile_values_fall_back_to_the_default_and_never_come_back(name, value):
    # Every setting of the view forged at once: each falls back to what a link without it would show.
    data = {"page": "therapy", **{attr: value for attr in urlstate.PARAM_ATTR.values()}}
    assert state_from(data) == urlstate.State(page="therapy")


# -- sync_url -------------------------------------------------------------------------------------------------

def filters(names=THERAPY_FILTERS) -> list[dict]:
    return [{"id": {"type": "filter", "name": n}, "property": "value"} for n in names]


def sync(values, data, *, popped=None, names=THERAPY_FILTERS, outputs=None):
    """Call sync_url as Dash would: a filter changed, or (with `popped`) the URL changed under the page."""
    trigger = '{"name":"service","type":"filter"}.value' if popped is None else "url-popped.data"
    context_value.set(AttributeDict(
        triggered_inputs=[{"prop_id": trigger, "value": None}],
        inputs_list=[filters(names), {"id": "url-popped", "property": "data"}],
        outputs_list=[{"id": "page-state", "property": "data"}, filters(outputs or names),
                      {"id": "view-description", "property": "children"}, {"id": "page-body", "property": "children"}]))
    from dash import no_update
    new, shown, described, body = sync_url(values, popped, data)
    sync.body = body  # the page's body drawn for the new State, in the same callback
    sync.left_alone = all(s is no_update for s in shown)  # the controls already show the State: not redrawn
    return new, values if sync.left_alone else shown, described


@pytest.fixture(scope="module")
def registered():
    """Every page module registered its layout (as the app imports them)."""
    import app  # noqa: F401
    from components.page import LAYOUTS
    assert "therapy" in LAYOUTS


def test_a_filter_change_is_decoded_and_pushed(vocab, registered):
    new, shown, described = sync(["central", "2023-04", vocab.last_month, "ot", "age_band"], page_data(vocab))
    assert state_from(new) == urlstate.State(page="therapy", locality="central", start="2023-04", service="ot",
                                             breakdown="age_band")
    assert new["push"] is True and new["search"] == "?locality=central&from=2023-04&service=ot&breakdown=age_band"
    assert new["common"] == "?locality=central&from=2023-04"  # what links to other pages carry
    assert shown == ["central", "2023-04", vocab.last_month, "ot", "age_band"] and sync.left_alone
    assert described == new["describe"] == (f"Central locality, April 2023 to {urlstate.month_name(vocab.last_month)}, "
                                            "occupational therapy, by age band")
    # The body for that State comes back with it (one round trip), as the page's layout would draw it.
    from components.page import body
    from metrics.edition import get_store
    state = state_from(new)
    assert sync.body == body(get_store(), state)
    markup = sync.body[0].to_plotly_json()["props"]["data-html"]
    assert "locality=central&amp;from=2023-04" in markup and "part=Occupational+therapy" in markup


def test_any_is_no_filter(vocab):
    new, shown, _ = sync(["area", vocab.first_month, vocab.last_month, "all", "any"],
                         page_data(vocab, breakdown="sen_status"))
    assert state_from(new) == urlstate.State(page="therapy") and shown[-1] == "any"


@pytest.mark.parametrize("name, value", HOSTILE_VALUES, ids=[n for n, _ in HOSTILE_VALUES])
def test_hostile_filter_values_fall_back_and_are_never_echoed(vocab, name, value):
    # A forged text falls back to its default, as the same text in a link would; a value that is not text is no
    # filter value at all, so the view stays as it was.
    new, shown, described = sync([value] * 5, page_data(vocab, service="slt", locality="north"))
    kept = not isinstance(value, str)
    assert state_from(new) == (urlstate.State(page="therapy", service="slt", locality="north") if kept
                               else urlstate.State(page="therapy"))
    assert shown == ["north" if kept else "area", vocab.first_month, vocab.last_month, "slt" if kept else "all", "any"]
    assert not sync.left_alone  # the controls are set back to what the State is
    assert SCRIPT not in repr((new, shown, described)) and "DROP" not in repr(new)


def test_back_and_forward_redraw_from_the_url_and_push_nothing(vocab):
    new, shown, _ = sync([None] * 5, page_data(vocab, service="slt"),
                         popped={"path": "/therapy", "search": "?locality=north&service=physio"})
    assert state_from(new) == urlstate.State(page="therapy", locality="north", service="physio")
    assert new["push"] is False and shown[0] == "north" and shown[3] == "physio"


@pytest.mark.parametrize("popped", [
    {"path": "/therapy", "search": "?service=slt"},  # the page already shows it (e.g. only the #fragment moved)
    {"path": "/ehcp", "search": "?locality=north"},  # another page's URL: the router's business
    {"path": "/therapy", "search": ["?locality=north"]},
    "/therapy?locality=north",
    None,
])
def test_a_url_change_that_is_not_this_pages_new_view_does_nothing(vocab, popped):
    with pytest.raises(PreventUpdate):
        sync([None] * 5, page_data(vocab, service="slt"), popped=popped if popped is not None else "x")


@pytest.mark.parametrize("values, data, names, outputs", [
    (["north"] * 5, None, THERAPY_FILTERS, None),  # no State to start from
    (["north"] * 5, {"page": SCRIPT}, THERAPY_FILTERS, None),
    (["north"] * 4, "ok", THERAPY_FILTERS, None),  # fewer values than filters
    ("north", "ok", THERAPY_FILTERS, None),
    (["north"] * 5, "ok", ("locality", "from", "to", "service", "shoe_size"), None),  # not a URL parameter
    (["north"] * 5, "ok", THERAPY_FILTERS, THERAPY_FILTERS[:2]),  # outputs that do not match the inputs
])
def test_a_malformed_change_does_nothing(vocab, values, data, names, outputs):
    with pytest.raises(PreventUpdate):
        sync(values, page_data(vocab) if data == "ok" else data, names=names, outputs=outputs)



@pytest.mark.parametrize("page", ["outcome-1", "therapy", "ehcp"])
def test_the_first_screens_charts_come_drawn_in_the_body_and_the_rest_on_sight(vocab, page):
    # The first FIRST_SCREEN_CHARTS SPC charts of the page, in reading order, are drawn in the body (marked drawn
    # from their own address, so dashboard.js fetches nothing for them); every other chart box waits to be seen.
    import re
    from html import unescape

    from components.page import FIRST_SCREEN_CHARTS, sections_html
    from metrics.edition import APP_EDITION, get_store
    from metrics.view.pages import build_page
    state, _ = urlstate.decode(page, {}, vocab)
    pv = build_page(get_store(), page, state, (), APP_EDITION)
    body = sections_html(pv)
    boxes = re.findall(r'<div id="chart-([^"]+)" class="chart" data-src="([^"]+)"( data-drawn="([^"]+)")?[^>]*>'
                       r'(<div class="chart-ytitle">|<div class="svg-chart">|<div class="chart-placeholder)', body)
    assert len(boxes) > FIRST_SCREEN_CHARTS
    drawn = [b for b in boxes if b[2]]
    spc = [b for b in boxes if b[1].startswith("/chart/")]
    assert drawn == spc[:FIRST_SCREEN_CHARTS]
    assert all(src == seen and start != '<div class="chart-placeholder' for _, src, _, seen, start in drawn)
    assert all(start == '<div class="chart-placeholder' for _, _, seen, _, start in boxes if not seen)
    assert [b[0] for b in drawn] == [c.key for s in pv.sections for v in s.cards for c in v.charts
                                     if c.figure_href.startswith("/chart/")][:FIRST_SCREEN_CHARTS]
    assert all(unescape(src).startswith(f"/chart/") for _, src, *_ in drawn)


def test_a_pages_view_is_built_once_per_view_and_only_the_latest_windows_kept(vocab, monkeypatch):
    # Every load and filter change asks for the page's PageView: the same view of the same data is the same object;
    # another view, another window or a new data version is built anew, and windows are kept only a few at a time.
    from metrics.edition import APP_EDITION, get_store
    from metrics.view import pages
    monkeypatch.setattr(pages._page_views, "windowed_max", 2)
    store = get_store()
    state, _ = urlstate.decode("therapy", {}, vocab)
    first = pages.build_page(store, "therapy", state, (), APP_EDITION)
    assert pages.build_page(store, "therapy", state, (), APP_EDITION) is first
    north, _ = urlstate.decode("therapy", {"locality": "north"}, vocab)
    assert pages.build_page(store, "therapy", north, (), APP_EDITION).describe != first.describe
    windows = [urlstate.decode("therapy", {"from": f"2023-{m:02d}"}, vocab)[0] for m in (1, 2, 3)]
    built = [pages.build_page(store, "therapy", w, (), APP_EDITION) for w in windows]
    assert pages.build_page(store, "therapy", windows[-1], (), APP_EDITION) is built[-1]
    again = pages.build_page(store, "therapy", windows[0], (), APP_EDITION)
    assert again is not built[0] and again == built[0]  # dropped, built again to the same view
    assert len(pages._page_views.windowed) == 2 and pages.build_page(store, "therapy", state, (), APP_EDITION) is first
