"""components.page.view_from: what every page callback redrawing from the page-state Store decodes its input with.

A callback body can be forged, so the Store's data is input like a URL: anything that is not a State of the page
stops the callback, values off the whitelist fall back as a link's would, and the view handed back to the browser
is the decoded one, never the raw value.
"""
import pytest
from dash.exceptions import PreventUpdate

from components.page import page_state_data, view_from, view_of
from metrics import urlstate

SCRIPT = "<script>alert(1)</script>"
VIEW = ("service", "locality", "start", "end", "metric")


@pytest.fixture(scope="module")
def vocab():
    return urlstate.vocabulary()


def therapy(vocab, **query) -> dict:
    """The page-state data the therapy page writes for `query` (as components.page.page does)."""
    state, notices = urlstate.decode("therapy", query, vocab)
    return page_state_data(state, notices, vocab, "Therapy waiting lists")


def test_a_page_state_gives_its_state_and_view(vocab):
    data = therapy(vocab, service="slt", locality="central", **{"from": "2023-04"})
    state, now = view_from(data, "therapy", None, VIEW)
    assert (state.page, state.service, state.locality, state.start) == ("therapy", "slt", "central", "2023-04")
    assert now == {"service": "slt", "locality": "central", "start": "2023-04", "end": None, "metric": None}
    assert now == view_of(state, VIEW)


def test_an_unchanged_view_stops_the_redraw(vocab):
    data = therapy(vocab, service="slt")
    _, drawn = view_from(data, "therapy", None, VIEW)
    with pytest.raises(PreventUpdate):
        view_from(data, "therapy", drawn, VIEW)
    # A change outside the view (a notice, the breakdown) is no reason to redraw this part either.
    with pytest.raises(PreventUpdate):
        view_from({**therapy(vocab, service="slt", breakdown="age_band"), "notices": ["x"]}, "therapy", drawn, VIEW)
    # A change inside it is.
    _, now = view_from(therapy(vocab, service="ot"), "therapy", drawn, VIEW)
    assert now["service"] == "ot"


def test_without_a_view_only_the_page_is_checked(vocab):
    data = therapy(vocab)
    state, now = view_from(data, "therapy")  # as pages/report.py redraws: on every new State of its page
    assert now == {} and state.page == "therapy"
    with pytest.raises(PreventUpdate):
        view_from(data, "ehcp")


NOT_A_STATE = [
    ("None", None),
    ("a list", ["therapy"]),
    ("a string", "therapy"),
    ("an empty object", {}),
    ("page missing", {"locality": "central"}),
    ("page not a string", {"page": ["therapy"]}),
    ("page with markup", {"page": SCRIPT}),
    ("page too long", {"page": "t" * 10_000}),
    ("another page", {"page": "ehcp", "locality": "central"}),
    ("page in full-width letters", {"page": "ｔｈｅｒａｐｙ"}),
]


@pytest.mark.parametrize("name, data", NOT_A_STATE, ids=[n for n, _ in NOT_A_STATE])
def test_what_is_no_state_of_the_page_stops_the_callback(name, data):
    with pytest.raises(PreventUpdate):
        view_from(data, "therapy", None, VIEW)


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
    data = {"page": "therapy", "service": value, "locality": value, "start": value, "end": value, "metric": value}
    state, now = view_from(data, "therapy", None, VIEW)
    assert now == {"service": urlstate.SERVICE_ALL, "locality": urlstate.LOCALITY_DEFAULT, "start": None,
                   "end": None, "metric": None}
    assert state == urlstate.State(page="therapy")


@pytest.mark.parametrize("drawn", [SCRIPT, ["service"], 5, {"service": {"$ne": 1}}, {"service": "x" * 10_000}])
def test_a_forged_drawn_value_only_means_redraw(vocab, drawn):
    state, now = view_from(therapy(vocab, service="slt"), "therapy", drawn, VIEW)
    assert now["service"] == "slt" and state.service == "slt"
