"""Disclosure control: small counts and complements never shown, hidden cells never recoverable by subtraction
(within a measure, across measures that count the same children, across nested counts and across time), the
public store without numerators or denominators and rounded, and the rules from data/disclosure.toml.

Expected values are worked by hand in the comments from the rules in data/disclosure.toml (min_count 6,
min_denominator 10). The property tests check results with the attack suite's attacker (tests/attack), which
works from what is published only.
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import disclosure
from metrics.catalogue import load_catalogue
from metrics.disclosure import (PROTECTED, Relations, Rules, Thresholds, describe, load_rules, load_thresholds,
                                public_value, publish, suppress, suppress_counts)
from tests.attack.attacker import Attack, observe
from tests.attack.knowledge import Knowledge

AREA, LOCALITIES = "Blackpool", ("North", "Central", "South")
UNITS = {"waits": "count", "pct": "percent", "median": "weeks"}
PERIOD = pd.Timestamp("2025-03-01")


def frame(rows):
    """Long metric-values rows from (metric, area, breakdown, value[, numerator, denominator[, status]])."""
    out = []
    for r in rows:
        metric, area, breakdown, value, *rest = r
        num, den, status = (list(rest) + [np.nan, np.nan, "ok"][len(rest):])[:3]
        out.append({"metric_id": metric, "period_start": PERIOD, "period_type": "month", "area": area,
                    "breakdown": breakdown, "value": value, "numerator": num, "denominator": den,
                    "status": status, "source": "test", "synthetic": True, "series_break": False})
    return pd.DataFrame(out)


def hidden(result) -> set[tuple[str, str]]:
    return {(r.area, r.breakdown) for r in result.itertuples() if r.status == "suppressed"}


def cell(result, area, breakdown="All"):
    return result[(result["area"] == area) & (result["breakdown"] == breakdown)].iloc[0]


def determined(result, metric) -> set[tuple[str, str]]:
    """Hidden cells an attacker can work out exactly from every published total = sum of parts equation.

    Independent of the module's own check: builds the equations over all (area, breakdown) cells, substitutes
    shown values, and tests whether each hidden cell's unit vector lies in the row space (rank comparison).
    """
    r = result[result["metric_id"] == metric]
    places, breakdowns = list(dict.fromkeys(r["area"])), list(dict.fromkeys(r["breakdown"]))
    status = {(x.area, x.breakdown): x.status for x in r.itertuples()}
    unknown = [k for k, s in status.items() if s == "suppressed"]
    col = {k: j for j, k in enumerate(unknown)}
    eqs = []
    lines = [[(AREA, b)] + [(p, b) for p in places if p != AREA] for b in breakdowns]
    lines += [[(p, "All")] + [(p, b) for b in breakdowns if b != "All"] for p in places]
    for total, *parts in lines:
        if total not in status or not any(p in status for p in parts):
            continue
        row = np.zeros(len(unknown))
        for p in parts:
            if p in col:
                row[col[p]] += 1
        if total in col:
            row[col[total]] -= 1
        eqs.append(row)
    if not eqs or not unknown:
        return set()
    a = np.array(eqs)
    rank = np.linalg.matrix_rank(a)
    return {k for k, j in col.items() if np.linalg.matrix_rank(np.vstack([a, np.eye(len(unknown))[j]])) == rank}


# -- primary suppression -------------------------------------------------------------------------------------

@pytest.mark.parametrize("count, shown", [(0, True), (1, False), (2, False), (3, False), (4, False), (5, False),
                                          (6, True), (7, True), (250, True)])
def test_counts_1_to_5_hidden_0_and_6_up_shown(count, shown):
    # A comparator row has no total or siblings, so only the primary rule applies.
    out = suppress(frame([("waits", "England", "All", float(count))]), UNITS, area=AREA, localities=LOCALITIES)
    row = out.iloc[0]
    assert (row["status"] == "ok") is shown
    if shown:
        assert row["value"] == count
    else:
        assert math.isnan(row["value"]) and row["suppression"] == "small_count"


@pytest.mark.parametrize("num, den, reason", [
    (3, 50, "small_count"),        # 6% of 50: with the denominator, 3 children are given away
    (0, 50, ""),                   # 0% is safe: nobody to identify
    (0, 9, "small_denominator"),   # 9 < min_denominator 10
    (8, 9, "small_count"),         # and its complement, 1 child, is small too
    (6, 10, "small_count"),        # 60% of 10: 4 were not, a small complement
    (45, 50, "small_count"),       # 90% of 50: 5 were not
    (44, 50, ""),                  # 88% of 50: 6 were not
    (6, 12, ""),                   # numerator and complement both 6: shown
    (40, 40, ""),                  # 100%: a complement of 0 identifies nobody
])
def test_percentages_with_small_numerators_or_denominators_hidden(num, den, reason):
    out = suppress(frame([("pct", "England", "All", 100 * num / den, num, den)]), UNITS, area=AREA,
                   localities=LOCALITIES)
    row = out.iloc[0]
    assert row["suppression"] == reason
    assert (row["status"] == "ok") is (reason == "")
    if reason:  # nothing of the hidden cell leaks through its other columns either
        assert row[["value", "numerator", "denominator"]].isna().all()


def test_median_over_few_children_hidden_but_not_a_count():
    # 4.0 weeks is not a count (unit weeks): only its denominator (7 waiting < 10) hides it.
    out = suppress(frame([("median", "England", "All", 4.0, np.nan, 7), ("median", "North West", "All", 4.0,
                                                                        np.nan, 70)]),
                   UNITS, area=AREA, localities=LOCALITIES)
    assert list(out["status"]) == ["suppressed", "ok"]
    assert list(out["suppression"]) == ["small_denominator", ""]


def test_unknown_metric_treated_as_a_count():
    # Fail closed: with no unit to go on, a 3 is assumed to be 3 children.
    out = suppress(frame([("mystery", "England", "All", 3.0)]), UNITS, area=AREA, localities=LOCALITIES)
    assert out.iloc[0]["status"] == "suppressed"


def test_suppressed_and_missing_stay_distinct():
    f = frame([("waits", "England", "All", np.nan, np.nan, np.nan, "not_available"),
               ("waits", "North West", "All", np.nan, np.nan, np.nan, "suppressed"),  # `c` in the published file
               ("waits", "Torbay", "All", 2.0)])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert list(out["status"]) == ["not_available", "suppressed", "suppressed"]
    assert list(out["suppression"]) == ["", "source", "small_count"]


# -- secondary suppression -----------------------------------------------------------------------------------

def test_small_locality_cannot_be_recovered_from_area_total():
    # Blackpool 120 = North 3 + Central 50 + South 67. North (3) is hidden; alone it would be 120 - 50 - 67.
    # The next-smallest non-zero sibling, Central (50), is hidden too: 120 - 67 = 53 = North + Central.
    f = frame([("waits", AREA, "All", 120.0), ("waits", "North", "All", 3.0), ("waits", "Central", "All", 50.0),
               ("waits", "South", "All", 67.0)])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "All"), ("Central", "All")}
    assert cell(out, "Central")["suppression"] == "secondary"
    assert cell(out, AREA)["value"] == 120 and cell(out, "South")["value"] == 67
    # The attack the issue names: area total minus the other localities no longer gives North.
    shown_others = out[(out["area"].isin(LOCALITIES)) & (out["area"] != "North")]["value"]
    assert shown_others.isna().any()
    assert determined(out, "waits") == set()


def test_zero_sibling_skipped_for_a_non_zero_one():
    # North 4 hidden; Central 0 protects nothing (a zero is often known), so South 30 is hidden instead.
    f = frame([("waits", AREA, "All", 34.0), ("waits", "North", "All", 4.0), ("waits", "Central", "All", 0.0),
               ("waits", "South", "All", 30.0)])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "All"), ("South", "All")}
    assert cell(out, "Central")["value"] == 0


def test_total_hidden_when_no_other_part_can_be():
    # Blackpool 40 = North 5 + Central (x, not available). North is hidden. Missing is treated as if known
    # (it may be published elsewhere later), so 40 - Central would give North; Central is not a number that
    # can be hidden, so the total is.
    f = frame([("waits", AREA, "All", 40.0), ("waits", "North", "All", 5.0),
               ("waits", "Central", "All", np.nan, np.nan, np.nan, "not_available")])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {(AREA, "All"), ("North", "All")}
    assert cell(out, AREA)["suppression"] == "secondary"


def test_breakdown_and_locality_hidden_as_a_rectangle():
    #          All   a    b        N.a = 3 is hidden. Alone on line "a" it is 23 - 10 - 10, so Central a (10,
    # Blackpool 60  23   37       the first of the two tens by name) goes. Then N.a is alone on North's line
    # North     20   3   17       (20 - 17) and C.a on Central's (20 - 10): North b and Central b go. The four
    # Central   20  10   10       hidden cells form a rectangle: every line through them has two, and no
    # South     20  10   10       combination of the published totals pins any of them down.
    rows = []
    for area, (tot, a, b) in {AREA: (60, 23, 37), "North": (20, 3, 17), "Central": (20, 10, 10),
                              "South": (20, 10, 10)}.items():
        rows += [("waits", area, "All", float(tot)), ("waits", area, "a", float(a)), ("waits", area, "b", float(b))]
    out = suppress(frame(rows), UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "a"), ("Central", "a"), ("North", "b"), ("Central", "b")}
    assert determined(out, "waits") == set()


def test_bridge_between_two_hidden_blocks_is_closed():
    #            All   a   b   c   d    e      Primary hides the nine cells 1-5 (marked *). Every line then has
    # Blackpool  178  12  12  3*  1*  150      two or more hidden cells, yet North c is still determined:
    # North       54  1*  1*  2*   0   50      Blackpool row: B.c + B.d = 178-12-12-150 = 4; South row:
    # Central     52  1*  1*   0   0   50      S.c + S.d = 72-10-10-50 = 2; column d: B.d = S.d; so
    # South       72  10  10  1*  1*   50      B.c - S.c = 2, and column c: N.c = B.c - 0 - S.c = 2.
    # Hiding South a (10, the smallest non-zero cell that closes a cycle through North c) stops it.
    grid = {AREA: (178, 12, 12, 3, 1, 150), "North": (54, 1, 1, 2, 0, 50), "Central": (52, 1, 1, 0, 0, 50),
            "South": (72, 10, 10, 1, 1, 50)}
    rows = [("waits", area, b, float(v)) for area, vals in grid.items() for b, v in zip("All a b c d e".split(), vals)]
    out = suppress(frame(rows), UNITS, area=AREA, localities=LOCALITIES)
    primary = {("North", "a"), ("North", "b"), ("Central", "a"), ("Central", "b"), ("North", "c"), ("South", "c"),
               ("South", "d"), (AREA, "c"), (AREA, "d")}
    assert hidden(out) == primary | {("South", "a")}
    assert determined(out, "waits") == set()
    # Without the exact check the rule alone leaves North c exposed: the same cells minus South a give it away.
    no_bridge_fix = out.copy()
    south_a = (no_bridge_fix["area"] == "South") & (no_bridge_fix["breakdown"] == "a")
    no_bridge_fix.loc[south_a, ["status", "value"]] = ["ok", 10.0]
    assert determined(no_bridge_fix, "waits") == {("North", "c")}


def test_percentages_protected_through_their_numerators():
    # North 4/20 is hidden (numerator 4). Numerators add up: 45 = 4 + 20 + 21, so Central (20, the smaller
    # numerator) is hidden too; South 21/35 and the area 45/90 stay.
    f = frame([("pct", AREA, "All", 50.0, 45, 90), ("pct", "North", "All", 20.0, 4, 20),
               ("pct", "Central", "All", 100 * 20 / 35, 20, 35), ("pct", "South", "All", 60.0, 21, 35)])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "All"), ("Central", "All")}


def test_medians_get_no_secondary_suppression():
    # A median cannot be worked out from the area's median and the other localities' medians.
    f = frame([("median", AREA, "All", 10.0, np.nan, 60), ("median", "North", "All", 4.0, np.nan, 8),
               ("median", "Central", "All", 12.0, np.nan, 30), ("median", "South", "All", 9.0, np.nan, 22)])
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "All")}


def test_metrics_and_periods_protected_separately():
    # The same places in another month, all large: nothing there is hidden because March has a small cell.
    f = frame([("waits", AREA, "All", 120.0), ("waits", "North", "All", 3.0), ("waits", "Central", "All", 50.0),
               ("waits", "South", "All", 67.0)])
    april = f.assign(period_start=pd.Timestamp("2025-04-01"), value=[130.0, 40.0, 45.0, 45.0])
    out = suppress(pd.concat([f, april], ignore_index=True), UNITS, area=AREA, localities=LOCALITIES)
    assert (out.loc[4:, "status"] == "ok").all()


def test_idempotent_and_input_unchanged():
    rows = []
    for area, (tot, a, b) in {AREA: (60, 23, 37), "North": (20, 3, 17), "Central": (20, 10, 10),
                              "South": (20, 10, 10)}.items():
        rows += [("waits", area, "All", float(tot)), ("waits", area, "a", float(a)), ("waits", area, "b", float(b))]
    f = frame(rows)
    before = f.copy()
    once = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    pd.testing.assert_frame_equal(f, before)
    pd.testing.assert_frame_equal(suppress(once, UNITS, area=AREA, localities=LOCALITIES), once)


# -- property: any consistent table --------------------------------------------------------------------------

@st.composite
def tables(draw):
    """A (locality x breakdown) table of counts with consistent totals, some cells small."""
    parts = draw(st.lists(st.text("abcd", min_size=1, max_size=1), min_size=1, max_size=4, unique=True))
    small = st.integers(0, 7)
    grid = {loc: {b: draw(st.one_of(small, st.integers(0, 60))) for b in parts} for loc in LOCALITIES}
    rows = []
    for loc in LOCALITIES:
        rows += [("waits", loc, b, float(v)) for b, v in grid[loc].items()]
        rows.append(("waits", loc, "All", float(sum(grid[loc].values()))))
    for b in parts:
        rows.append(("waits", AREA, b, float(sum(grid[loc][b] for loc in LOCALITIES))))
    rows.append(("waits", AREA, "All", float(sum(sum(g.values()) for g in grid.values()))))
    return frame(rows)


@settings(max_examples=100, deadline=None)
@given(tables())
def test_any_table_safe(f):
    out = suppress(f, UNITS, area=AREA, localities=LOCALITIES)
    shown = out.loc[out["status"] == "ok", "value"]
    assert not ((shown > 0) & (shown < 6)).any()                      # no count 1-5 is shown
    assert (f.loc[out["status"] == "ok", "value"] == shown).all()     # what is shown is the true value
    sensitive = {(r.area, r.breakdown) for r in out.itertuples() if r.suppression == "small_count"}
    assert not (determined(out, "waits") & sensitive)                 # no small count can be worked out
    pd.testing.assert_frame_equal(suppress(out, UNITS, area=AREA, localities=LOCALITIES), out)


# -- generic count tables ------------------------------------------------------------------------------------

def test_suppress_counts_protects_each_column_against_its_total():
    # Waiters by weeks band: 2 is hidden; the column total (known) minus the rest would give it back, so the
    # smallest other non-zero band (7) goes too. 0 and 31 stay.
    table = pd.DataFrame({"band": ["0-6", "6-18", "18-52", "52+"], "children": [31, 7, 2, 0]})
    out, reasons = suppress_counts(table, ["children"])
    assert list(reasons["children"]) == ["", "secondary", "small_count", ""]
    assert out["children"].tolist()[0] == 31 and out["children"].tolist()[3] == 0
    assert out["children"].isna().tolist() == [False, True, True, False]


# -- thresholds from configuration ---------------------------------------------------------------------------

def test_shipped_config_is_the_documented_default():
    assert load_thresholds() == Thresholds(min_count=6, min_denominator=10)
    assert disclosure.DEFAULT_PATH.name == "disclosure.toml" and disclosure.DEFAULT_PATH.exists()


def test_missing_config_stops_the_public_edition(tmp_path):
    # Fail closed: without its rules (thresholds, and the links between measures) the public edition does not start.
    with pytest.raises(ValueError, match="none.toml: not found"):
        load_thresholds(tmp_path / "none.toml")


def test_thresholds_from_config_change_what_is_hidden(tmp_path):
    path = tmp_path / "disclosure.toml"
    path.write_text("min_count = 11\nmin_denominator = 30\n")
    t = load_thresholds(path)
    assert t == Thresholds(11, 30)
    out = suppress(frame([("waits", "England", "All", 10.0), ("pct", "England", "All", 50.0, 12, 24)]), UNITS,
                   area=AREA, localities=LOCALITIES, thresholds=t)
    assert list(out["suppression"]) == ["small_count", "small_denominator"]
    assert describe("small_count", "count", t) == "fewer than 11"


@pytest.mark.parametrize("text, message", [
    ("min_count = 1\n", "'min_count' = 1 must be a whole number from 2 to 100"),   # would switch control off
    ("min_count = 5.5\n", "'min_count' = 5.5"),
    ("min_count = true\n", "'min_count' = True"),
    ("min_denominator = 0\n", "'min_denominator' = 0"),
    ("min_cuont = 6\n", "unknown setting 'min_cuont'"),
    ("min_count = \n", "not valid TOML"),
    # the relations: a typo must not quietly switch a protection off
    ('[[same]]\nquantities = ["plans_isued.value", "ehcp_20wk_incl.denominator"]\n',
     "[same] names 'plans_isued', which is neither a metric id nor a derivation"),
    ('[[same]]\nquantities = ["plans_issued.count", "ehcp_20wk_incl.denominator"]\n', "must be NAME.QUANTITY"),
    ('[[same]]\nquantities = ["plans_issued.value"]\n', "needs at least two quantities"),
    ('[[same]]\nquanities = ["a.value", "b.value"]\n', "unknown key(s) quanities"),
    ('[[partition]]\natoms = ["plans_issued.value", "plans_issued.value *"]\n', "joined by + and -"),
    ("[precision]\npercent = 5\n", "percent = 5 must be a whole number from 0 to 3"),
    ("[precision]\nfurlongs = 1\n", "unknown unit 'furlongs'"),
    ('[cumulative]\nehcp_plans_issued = "fortnight"\n', "[cumulative] must map"),
])
def test_bad_config_refused_naming_file_and_setting(tmp_path, text, message):
    path = tmp_path / "disclosure.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="disclosure.toml") as err:
        load_rules(path, catalogue=load_catalogue())
    assert message in str(err.value)


@pytest.mark.parametrize("reason, unit, text", [
    ("small_count", "count", "fewer than 6"),
    ("small_count", "percent", "not shown (fewer than 6 children)"),
    ("small_denominator", "percent", "not shown (fewer than 10 children)"),
    ("secondary", "count", "not shown (so that a small number elsewhere cannot be worked out)"),
    ("source", "count", "not shown (to protect confidentiality)"),
])
def test_describe(reason, unit, text):
    assert describe(reason, unit) == text


# -- linked measures, nested counts, time (data/disclosure.toml's relations) -------------------------------------

PLANS = Relations(same=((("plans", "value"), ("pct20", "denominator")),))
LINKED_UNITS = {"plans": "count", "pct20": "percent", "wl": "count", "o18": "percent", "w52": "count",
                "req": "count", "ytd": "count", "outc": "percent", "p": "percent"}


def pct(metric, area, breakdown, k, n):
    return (metric, area, breakdown, 100 * k / n, float(k), float(n))


def attack(published, truth, knowledge, area=AREA, localities=LOCALITIES):
    """The attack suite's attacker on what was published; its report against the true frame."""
    seen, leaks, _ = observe(published, [])
    assert not leaks
    a = Attack(seen, LINKED_UNITS, knowledge, area, localities)
    a.run()
    return a.evaluate(truth)


def test_shared_denominator_hides_the_count_and_the_percentage_together():
    # The attack: plans issued, North = Blackpool 34 - Central 15 - South 15 = 4, with a 15 read from a
    # 20-week percentage's denominator. North's count (4) and percentage (3 of 4) are hidden. The numerators,
    # 18 = 3 + 8 + 7, would give North's 3 back, so South's percentage (7, the cheaper part) goes. The counts,
    # 34 = 4 + 15 + 15, need a second hidden part: South's 15 now shows in one cell (its count), Central's in two
    # (the count and its percentage's denominator), so South's count goes. The count and the percentage that
    # share a denominator are hidden together.
    f = frame([("plans", AREA, "All", 34.0), ("plans", "North", "All", 4.0), ("plans", "Central", "All", 15.0),
               ("plans", "South", "All", 15.0), pct("pct20", AREA, "All", 18, 34), pct("pct20", "North", "All", 3, 4),
               pct("pct20", "Central", "All", 8, 15), pct("pct20", "South", "All", 7, 15)])
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES, relations=PLANS)
    assert {(r.metric_id, r.area) for r in out.itertuples() if r.status == "suppressed"} == {
        ("plans", "North"), ("pct20", "North"), ("plans", "South"), ("pct20", "South")}
    knowledge = Knowledge(same=((("plans", "value"), ("pct20", "denominator")),), shares=frozenset(), nested=(),
                          differences=())
    assert attack(publish(f, LINKED_UNITS, area=AREA, localities=LOCALITIES,
                          rules=Rules(relations=PLANS)), f, knowledge).findings == []
    # Without the relation the hidden count's denominator twin stays: North's 4 comes back.
    unlinked = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES)
    found = attack(unlinked.assign(numerator=np.nan, denominator=np.nan), f, knowledge).findings
    assert ("hidden cell", ("plans", "month", PERIOD, "North", "All"), 4.0) in {(x.what, x.cell, x.value)
                                                                                for x in found}


def test_small_complement_hidden_and_protected_across_localities():
    # North 7 of 10 (3 were not: a small complement) is hidden. Its numerator line 40 = 7 + 15 + 18 would give it
    # back, so Central (15, the smaller numerator) goes too; the denominators 60 = 10 + 25 + 25 then have two
    # unknowns as well.
    f = frame([pct("p", AREA, "All", 40, 60), pct("p", "North", "All", 7, 10), pct("p", "Central", "All", 15, 25),
               pct("p", "South", "All", 18, 25)])
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES)
    assert hidden(out) == {("North", "All"), ("Central", "All")}
    assert cell(out, "North")["suppression"] == "small_count"
    knowledge = Knowledge(same=(), shares=frozenset(), nested=(), differences=())
    assert attack(out.assign(numerator=np.nan, denominator=np.nan), f, knowledge).findings == []


WAITS = Relations(same=((("wl", "value"), ("o18", "denominator")),),
                  partitions=(((( 1, "wl", "value"), (-1, "o18", "numerator")),
                               ((1, "o18", "numerator"), (-1, "w52", "value")),
                               ((1, "w52", "value"),)),))
WAITS_KNOWN = Knowledge(same=((("wl", "value"), ("o18", "denominator")),), shares=frozenset(),
                        nested=((("o18", "numerator"), ("w52", "value")), (("wl", "value"), ("w52", "value"))),
                        differences=())


def test_small_difference_between_nested_counts_is_hidden():
    # 30 waiting, 20 of them over 18 weeks, 17 over 52 weeks: 20 - 17 = 3 waited 18 to 52 weeks. Both figures that
    # give it away are shown, so the cheaper one, the 17, is hidden (a single place: no sums to protect).
    f = frame([("wl", AREA, "All", 30.0), pct("o18", AREA, "All", 20, 30), ("w52", AREA, "All", 17.0)])
    out = suppress(f, LINKED_UNITS, area=AREA, localities=(), relations=WAITS)
    assert {r.metric_id for r in out.itertuples() if r.status == "suppressed"} == {"w52"}
    assert cell(out[out["metric_id"] == "w52"], AREA)["suppression"] == "secondary"
    report = attack(out.assign(numerator=np.nan, denominator=np.nan), f, WAITS_KNOWN, localities=())
    assert report.findings == [] and report.tried["nested differences tested"] == 2


def test_a_year_and_its_months():
    # Requests by month and for the year (both published). March (3) is hidden; the year minus the other eleven
    # months would give it back, so the smallest other month, June (18), is hidden too.
    counts = [20, 25, 3, 22, 30, 18, 26, 24, 28, 19, 27, 29]
    rows = frame([("req", AREA, "All", float(v)) for v in counts])
    rows["period_start"] = pd.date_range("2025-01-01", periods=12, freq="MS")
    year = frame([("req", AREA, "All", float(sum(counts)))]).assign(period_start=pd.Timestamp("2025-01-01"),
                                                                      period_type="calendar_year")
    f = pd.concat([rows, year], ignore_index=True)
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES)
    gone = out[out["status"] == "suppressed"]
    assert [(d.month, t) for d, t in zip(gone["period_start"], gone["period_type"])] == [(3, "month"), (6, "month")]
    # Eleven months (one missing from the data) are no sum of the year: nothing more is hidden.
    out = suppress(f.drop(index=11), LINKED_UNITS, area=AREA, localities=LOCALITIES)
    assert (out["status"] == "suppressed").sum() == 1


def test_consecutive_periods_of_a_cumulative_count():
    # Plans issued so far this financial year: 10, 17, 24, 27, 34, 41 from April. June to July adds 3 children:
    # the cheaper of the two, June (24), is hidden. With the measure not declared cumulative, nothing is.
    f = frame([("ytd", AREA, "All", float(v)) for v in (10, 17, 24, 27, 34, 41)])
    f["period_start"] = pd.date_range("2025-04-01", periods=6, freq="MS")
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES,
                   relations=Relations(cumulative=(("ytd", "financial_year"),)))
    assert out.loc[out["status"] == "suppressed", "period_start"].dt.month.tolist() == [6]
    assert (suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES)["status"] == "ok").all()
    knowledge = Knowledge(same=(), shares=frozenset(), nested=(), differences=(),
                          cumulative={"ytd": "financial_year"})
    seen, _, _ = observe(out.assign(numerator=np.nan, denominator=np.nan), [])
    a = Attack(seen, LINKED_UNITS, knowledge, AREA, LOCALITIES)
    a.run()
    report = a.evaluate(f)
    assert report.findings == [] and report.tried["consecutive periods tested"] == 5


def test_shares_of_one_group_have_one_denominator():
    # Review outcomes: maintained 25, amended 12, ceased 3 of the same 40 reviews. Ceased (3) is hidden; the
    # numerators add up (40 = 25 + 12 + 3), so amended (12) goes too. The denominators are one number (40), not a
    # sum, so they need nothing more.
    f = frame([pct("outc", AREA, "All", 40, 40), pct("outc", AREA, "Maintained", 25, 40),
               pct("outc", AREA, "Amended", 12, 40), pct("outc", AREA, "Ceased", 3, 40)])
    shares = Relations(shares=frozenset({"outc"}))
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES, relations=shares)
    assert hidden(out) == {(AREA, "Ceased"), (AREA, "Amended")}
    knowledge = Knowledge(same=(), shares=frozenset({"outc"}), nested=(), differences=())
    assert attack(out.assign(numerator=np.nan, denominator=np.nan), f, knowledge).findings == []


def test_a_zero_gives_away_its_neighbours():
    #            All      s1        s2        A total published as 0 (North: nobody waited over 18 weeks) tells a
    # Blackpool  32/106   12/40     20/66     reader that North s1 is 0 too, hidden or not. Then s1's column gives
    # North       0/30    0/8*      0/22      Central s1 back: 12 - 0 - 7 = 5. Zeros count as known, so that column
    # Central    15/40    5/16*    10/24      needs another hidden part (South s1). A zero itself identifies no
    # South      17/36    7/16     10/20      child: North s1 may be worked out as 0, and the attack says so.
    grid = {AREA: ((32, 106), (12, 40), (20, 66)), "North": ((0, 30), (0, 8), (0, 22)),
            "Central": ((15, 40), (5, 16), (10, 24)), "South": ((17, 36), (7, 16), (10, 20))}
    f = frame([pct("p", area, b, k, n) for area, cells in grid.items()
               for b, (k, n) in zip(("All", "s1", "s2"), cells)])
    out = suppress(f, LINKED_UNITS, area=AREA, localities=LOCALITIES)
    assert {("North", "s1"), ("Central", "s1"), ("South", "s1")} <= hidden(out)
    report = attack(out.assign(numerator=np.nan, denominator=np.nan), f,
                    Knowledge(same=(), shares=frozenset(), nested=(), differences=()))
    assert report.findings == []
    assert {z.cell[3:] for z in report.zeros} <= {("North", "s1")}


# -- property: linked tables of any shape -------------------------------------------------------------------------

@st.composite
def waiting_lists(draw):
    """Waiting list, % over 18 weeks and 52+ week waiters for places x services, consistent, often small."""
    services = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    cells = {}
    for loc in LOCALITIES:
        for s in services:
            w = draw(st.one_of(st.integers(0, 12), st.integers(0, 60)))
            k = draw(st.integers(0, w))
            cells[(loc, s)] = (w, k, draw(st.integers(0, k)))
    rows = []

    def add(place, b, w, k, x):
        rows.extend([("wl", place, b, float(w)), ("w52", place, b, float(x))])
        rows.append(pct("o18", place, b, k, w) if w else ("o18", place, b, np.nan, 0.0, 0.0, "not_applicable"))
    for place in (AREA, *LOCALITIES):
        for b in ("All", *services):
            parts = [v for (loc, s), v in cells.items() if (place == AREA or loc == place) and (b == "All" or s == b)]
            add(place, b, *(sum(p[i] for p in parts) for i in range(3)))
    return frame(rows)


@settings(max_examples=40, deadline=None)
@given(waiting_lists())
def test_linked_waiting_lists_give_nothing_away(f):
    rules = Rules(relations=WAITS)
    out = publish(f, LINKED_UNITS, area=AREA, localities=LOCALITIES, rules=rules)
    shown = out["status"] == "ok"
    assert (np.abs(out.loc[shown, "value"] - f.loc[shown, "value"]) <= 0.05 + 1e-9).all()  # true, to 1 decimal
    counts = out["metric_id"].isin(["wl", "w52"]) & shown
    assert not ((out.loc[counts, "value"] > 0) & (out.loc[counts, "value"] < 6)).any()
    report = attack(out, f, WAITS_KNOWN)
    assert report.findings == [], report.text()


# -- what the public store holds -----------------------------------------------------------------------------------

def test_publish_drops_numerators_rounds_and_gives_one_reason():
    f = frame([pct("p", AREA, "All", 40, 60), pct("p", "North", "All", 7, 10), pct("p", "Central", "All", 15, 25),
               pct("p", "South", "All", 18, 25), ("waits", "England", "All", 1234.4)])
    out = publish(f, {**LINKED_UNITS, "waits": "count"}, area=AREA, localities=LOCALITIES)
    assert out["numerator"].isna().all() and out["denominator"].isna().all()
    assert list(out["value"].fillna(-1)) == [66.7, -1, -1, 72.0, 1234.0]  # 40/60 = 66.67% to 66.7; 18/25 = 72%
    assert list(out["suppression"]) == ["", PROTECTED, PROTECTED, "", ""]  # small or not: one reason
    assert describe(PROTECTED, "count") == "not shown (small numbers are hidden so that no child can be identified)"


@pytest.mark.parametrize("value, unit, expected", [
    (61.905, "percent", 61.9), (0.15, "percent", 0.2), (0.25, "rate", 0.3), (-0.25, "percent", -0.3),  # half up
    (2.5, "count", 3.0), (3.5, "count", 4.0), (-2.5, "count", -3.0),  # away from zero, never to even
    (12.345, "weeks", 12.3), (40.5, "days", 41.0), (-0.125, "score", -0.13), (7.25, "mystery", 7.0),
    (float("nan"), "percent", float("nan")), (None, "count", float("nan")),
])
def test_public_value_rounds_as_official_statistics_do(value, unit, expected):
    got = public_value(value, unit)
    assert got == expected or (math.isnan(got) and math.isnan(expected))


# -- the rules file ---------------------------------------------------------------------------------------------

def test_shipped_relations_resolve_against_the_catalogue():
    rules = load_rules(catalogue=load_catalogue())
    same = {frozenset(g) for g in rules.relations.same}
    assert frozenset({("ehcp_plans_issued", "value"), ("ehcp_20wk_incl", "denominator"),
                      ("ehcp_new_plans", "value")}) in same  # derivation names became metric ids
    assert rules.relations.shares == {"ehcp_review_outcomes"}
    assert rules.precision["percent"] == 1 and rules.precision["count"] == 0
