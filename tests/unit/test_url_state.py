"""URL query state: the whitelists, the fallbacks and their notices, and the canonical encoding."""
import pytest

from metrics import urlstate as u
from metrics.urlstate import State, Vocabulary, decode, describe, encode

VOCAB = Vocabulary(
    area_name="Blackpool",
    localities={"area": "Blackpool", "north": "North", "central": "Central", "south": "South"},
    first_month="2020-04", last_month="2026-03",
    services={"slt": "Speech and language therapy", "ot": "Occupational therapy"},
    metrics={"waiting_list": "therapy", "ks2_rwm": "outcome-2", "ehcp_20wk": "ehcp"},
    pages={"outcome-1": "Help at the right time", "outcome-2": "Learning and achieving"},
    plan_refs=("1.1", "3.1", "WSoA 2.1.2"),
)


def dec(page, query):
    return decode(page, query, VOCAB)


@pytest.mark.parametrize("page, query, expected", [
    ("overview", "", State()),
    ("overview", "?", State()),
    ("overview", "?locality=central", State(locality="central")),
    ("overview", "locality=north&from=2022-04&to=2024-03",
     State(locality="north", start="2022-04", end="2024-03")),
    ("therapy", "?service=slt&locality=central&from=2022-04",
     State(page="therapy", service="slt", locality="central", start="2022-04")),
    ("therapy", "?breakdown=sen_status&metric=waiting_list",
     State(page="therapy", breakdown="sen_status", metric="waiting_list")),
    ("outcome-2", "?metric=ks2_rwm", State(page="outcome-2", metric="ks2_rwm")),
    ("report", "?quarter=2025-Q2", State(page="report", quarter="2025-Q2")),
    ("overview", "?outcome=outcome-1&variation=concern&assurance=fail&plan=WSoA+2.1.2&sort=change",
     State(outcome="outcome-1", variation="concern", assurance="fail", plan="WSoA 2.1.2", sort="change")),
    # The data range's own ends are the defaults, stored as None so links follow new data.
    ("overview", "?from=2020-04&to=2026-03", State()),
    # An emptied parameter is as if absent.
    ("overview", "?locality=", State()),
    # Another page's parameter is ignored quietly (a therapy link edited to the overview still works).
    ("overview", "?service=slt&locality=south", State(locality="south")),
    # A dict, as Dash Pages passes query parameters to layout(**kwargs).
    ("overview", {"locality": "central", "to": "2025-12"}, State(locality="central", end="2025-12")),
])
def test_valid_links_decode_without_notices(page, query, expected):
    state, notices = dec(page, query)
    assert state == expected
    assert notices == []


HOSTILE = [
    "<script>alert(1)</script>",
    "central' OR '1'='1",
    "central; DROP TABLE metric_values;--",
    "x" * 10_000,
    "Central",  # whitelists are exact: the slug is lower case
    "céntral",
    "ｃｅｎｔｒａｌ",  # full-width letters
    "central\x00",
    " central",
    "../../etc/passwd",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("param, page", [
    ("locality", "overview"), ("from", "overview"), ("to", "outcome-1"), ("service", "therapy"),
    ("breakdown", "therapy"), ("metric", "outcome-2"), ("quarter", "report"), ("outcome", "overview"),
    ("variation", "overview"), ("assurance", "overview"), ("plan", "overview"), ("sort", "overview"),
])
def test_hostile_values_fall_back_with_a_fixed_notice(param, page, value):
    for query in ({param: value}, "?" + u.urlencode({param: value})):
        state, notices = dec(page, query)
        assert state == State(page=page)
        assert notices == [u.FALLBACK[param]]
        # The notice is one of the fixed sentences: nothing from the link reaches the page.
        assert "<" not in notices[0] and "DROP" not in notices[0] and "alert" not in notices[0]


@pytest.mark.parametrize("query, notice", [
    ("?from=2019-01", u.FALLBACK["from"]),  # before the data starts (2020-04)
    ("?to=2026-04", u.FALLBACK["to"]),  # after it ends (2026-03)
    ("?from=2022-13", u.FALLBACK["from"]),  # no 13th month
    ("?from=2022-4", u.FALLBACK["from"]),  # YYYY-MM only
    ("?to=2024-03-01", u.FALLBACK["to"]),
    ("?from=2024-04&to=2023-04", u.ORDER),
])
def test_months_outside_the_range_or_out_of_order(query, notice):
    state, notices = dec("overview", query)
    assert (state.start, state.end) == (None, None)
    assert notices == [notice]


def test_from_after_to_keeps_the_other_settings():
    state, notices = dec("overview", "?locality=north&from=2024-04&to=2023-04")
    assert state == State(locality="north")
    assert notices == [u.ORDER]


@pytest.mark.parametrize("query, expected_quarter", [
    ("?quarter=2020-Q2", "2020-Q2"),  # April-June 2020: the data starts in April 2020
    ("?quarter=2026-Q1", "2026-Q1"),  # ends March 2026
    ("?quarter=2020-Q1", None),  # January-March 2020: before the data
    ("?quarter=2026-Q2", None),
    ("?quarter=2025-Q5", None),
    ("?quarter=2025Q1", None),
])
def test_quarters_must_overlap_the_data(query, expected_quarter):
    state, notices = dec("report", query)
    assert state.quarter == expected_quarter
    assert notices == ([] if expected_quarter else [u.FALLBACK["quarter"]])


def test_metric_must_belong_to_the_page():
    # ks2_rwm is an outcome-2 measure: on outcome-1 it is not this page's measure.
    state, notices = dec("outcome-1", "?metric=ks2_rwm")
    assert state.metric is None and notices == [u.FALLBACK["metric"]]


def test_repeated_keys_use_the_default_and_say_so():
    state, notices = dec("overview", "?locality=north&locality=south&from=2022-04")
    assert state == State(start="2022-04")
    assert notices == ["The link gave the locality more than once, so the default is used."]
    state, notices = dec("overview", {"locality": ["north", "south"]})  # Dash Pages' form of the same
    assert state == State() and len(notices) == 1


def test_unknown_parameters_are_ignored_with_one_notice():
    state, notices = dec("overview", "?locality=north&utm_source=x&<b>=1")
    assert state == State(locality="north")
    assert notices == [u.UNKNOWN]


@pytest.mark.parametrize("query", ["?" + "a=1&" * 5000, "&".join(f"k{i}=v" for i in range(40))])
def test_queries_with_too_many_fields_are_not_read(query):
    state, notices = dec("overview", query)
    assert state == State()
    assert notices == [u.UNREADABLE]


@pytest.mark.parametrize("state, expected", [
    (State(), ""),
    (State(locality="central"), "?locality=central"),
    (State(page="therapy", service="slt", locality="central", start="2022-04"),
     "?locality=central&from=2022-04&service=slt"),
    (State(plan="WSoA 2.1.2"), "?plan=WSoA+2.1.2"),
    # A parameter the page does not use is not written.
    (State(page="overview", service="slt"), ""),
])
def test_encode_writes_only_non_defaults_in_a_fixed_order(state, expected):
    assert encode(state) == expected


def test_encode_common_params_only():
    s = State(page="therapy", locality="south", service="ot", end="2025-01")
    assert encode(s, u.COMMON_PARAMS) == "?locality=south&to=2025-01"


@pytest.mark.parametrize("query", [
    "?locality=central&from=2022-04&to=2025-09",
    "?outcome=outcome-2&variation=concern&plan=3.1&sort=title",
    "",
])
def test_decode_encode_round_trip(query):
    state, _ = dec("overview", query)
    assert encode(state) == query
    assert dec("overview", encode(state)) == (state, [])


@pytest.mark.parametrize("state, expected", [
    (State(page="therapy", locality="central", start="2022-04", end="2025-09", service="slt"),
     "Central locality, April 2022 to September 2025, speech and language therapy"),
    (State(), "Blackpool (whole area), April 2020 to March 2026"),
    (State(page="therapy", breakdown="sen_status", end="2024-01"),
     "Blackpool (whole area), April 2020 to January 2024, by sen status"),
])
def test_describe(state, expected):
    assert describe(state, VOCAB) == expected


def test_window_turns_months_into_dates():
    assert State(start="2022-04").window(VOCAB) == (u.pd.Timestamp("2022-04-01"), None)
    assert State(locality="north").area(VOCAB) == "North"


@pytest.mark.parametrize("param", sorted(u.IMPLIED))
def test_a_link_spelling_out_a_default_is_the_same_view_and_the_same_canonical_url(param):
    # The planner's filters send every setting, defaults included: the address must not depend on that.
    plain, _ = dec("planner", "service=slt")
    spelt, notices = dec("planner", f"service=slt&{param}={u.IMPLIED[param]}")
    assert spelt == plain and notices == [] and encode(spelt) == encode(plain) == "?service=slt"
