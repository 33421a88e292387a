"""The waiting-list capacity planner: NHSRwaitinglist's worked examples, properties, the simulation, the Store's
inputs per service and locality, and the planner view."""
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import capacity as cap
from metrics.store import build_store

DATA = Path(__file__).resolve().parents[2] / "data"
SLT = "Speech and language therapy"


# -- NHSRwaitinglist's documented examples, exactly ----------------------------------------------------------------

def test_queue_load_30_a_week_in_27_out():
    assert round(cap.queue_load(30, 27), 3) == 1.111


def test_target_queue_size_30_a_week_52_week_target_factor_4():
    assert cap.target_queue_size(30, 52, 4) == 390


def test_relief_capacity_1200_to_390_in_26_weeks():
    assert cap.relief_capacity(30, 1200, 390, 26) == pytest.approx(61.153846, abs=5e-7)
    assert cap.relief_capacity(30, 1200, 390) == cap.relief_capacity(30, 1200, 390, 26)  # 26 weeks by default


def test_target_capacity_with_cvs():
    assert cap.target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(30.076442, abs=5e-7)
    assert cap.target_capacity(30, 52) == pytest.approx(30 + 1 * 4 / 52)  # factor 4, both cvs 1 by default


def test_target_mean_wait_quarter_and_sixth_of_the_target():
    assert cap.target_mean_wait(52, 4) == 13
    assert round(cap.target_mean_wait(52, 6), 2) == 8.67


def test_factor_for_92_percent_within_the_target():
    assert round(cap.standard_factor(0.92), 3) == 2.526
    assert cap.share_within(4) == pytest.approx(1 - math.exp(-4))  # factor 4 is about 98.2% within
    assert round(cap.share_within(4), 3) == 0.982


def test_pressure_is_in_weeks_over_weeks():
    assert cap.waiting_list_pressure(63, 52) == pytest.approx(2 * 63 / 52)  # NHSRwaitinglist's example
    assert cap.waiting_list_pressure(13, 52) == 0.5  # a mean wait at the factor-4 target: half the pressure limit


@pytest.mark.parametrize("demand, capacity, queue, target, expected", [
    (30, 40, 1200, 390, 81.0),  # 810 excess at 10 a week net
    (30, 27, 1200, 390, math.inf),  # more join than leave: never
    (30, 30, 1200, 390, math.inf),
    (30, 27, 300, 390, 0.0),  # already below the target
])
def test_weeks_to_target(demand, capacity, queue, target, expected):
    assert cap.weeks_to_target(demand, capacity, queue, target) == expected


# -- bad input: a ValueError naming the argument -------------------------------------------------------------------

@pytest.mark.parametrize("call, argument", [
    (lambda: cap.queue_load(-1, 27), "demand"),
    (lambda: cap.queue_load(30, 0), "capacity"),
    (lambda: cap.queue_load(30, -2), "capacity"),
    (lambda: cap.queue_load("30", 27), "demand"),
    (lambda: cap.queue_load(True, 27), "demand"),
    (lambda: cap.queue_load(float("nan"), 27), "demand"),
    (lambda: cap.target_queue_size(30, 0), "target_wait"),
    (lambda: cap.target_queue_size(30, 52, 0), "factor"),
    (lambda: cap.target_queue_size(30, 52, -4), "factor"),
    (lambda: cap.relief_capacity(30, -5, 390), "queue_size"),
    (lambda: cap.relief_capacity(30, 1200, -1), "target_queue_size"),
    (lambda: cap.relief_capacity(30, 1200, 390, 0), "time_to_target"),
    (lambda: cap.target_capacity(30, 52, 4, -1, 1), "cv_arrival"),
    (lambda: cap.target_capacity(30, 52, 4, 1, float("inf")), "cv_service"),
    (lambda: cap.standard_factor(1.0), "share"),
    (lambda: cap.standard_factor(0), "share"),
    (lambda: cap.standard_factor(92), "share"),
    (lambda: cap.waiting_list_pressure(-1, 52), "mean_wait"),
    (lambda: cap.simulate(demand=-1, capacity=1, initial_waits=[]), "demand"),
    (lambda: cap.simulate(demand=1, capacity=1, initial_waits=[], withdrawal_rate=1.5), "withdrawal_rate"),
    (lambda: cap.simulate(demand=1, capacity=1, initial_waits=[-3]), "initial_waits"),
    (lambda: cap.simulate(demand=1, capacity=1, initial_waits=[], weeks=0), "weeks"),
    (lambda: cap.WhatIf(extra_sessions=-1), "extra_sessions"),
    (lambda: cap.WhatIf(demand_growth_pct=-150), "demand_growth_pct"),
])
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}:"):
        call()


# -- properties ------------------------------------------------------------------------------------------------------

rates = st.floats(0.1, 500, allow_nan=False)
waits = st.floats(1, 104, allow_nan=False)
factors = st.floats(1, 8, allow_nan=False)


@given(demand=rates, wait=waits, factor=factors, over=st.floats(1.001, 10), weeks=st.floats(1, 104))
def test_relief_capacity_exceeds_demand_when_the_list_is_above_target(demand, wait, factor, over, weeks):
    target = cap.target_queue_size(demand, wait, factor)
    assert cap.relief_capacity(demand, target * over, target, weeks) > demand


@given(demand=rates, wait=waits, longer=st.floats(0.01, 52), factor=factors)
def test_target_queue_grows_with_the_target_wait_and_demand(demand, wait, longer, factor):
    assert cap.target_queue_size(demand, wait + longer, factor) > cap.target_queue_size(demand, wait, factor)
    assert cap.target_queue_size(demand * 1.1, wait, factor) > cap.target_queue_size(demand, wait, factor)


@given(demand=rates, wait=waits, factor=factors, cva=st.floats(0, 3), cvs=st.floats(0, 3))
def test_maintenance_capacity_is_demand_plus_a_variability_margin(demand, wait, factor, cva, cvs):
    needed = cap.target_capacity(demand, wait, factor, cva, cvs)
    assert needed >= demand
    assert cap.target_capacity(demand, wait, factor, cva + 0.5, cvs) > needed  # more variable, more capacity


@given(share=st.floats(0.01, 0.999))
def test_factor_and_share_are_inverse(share):
    assert cap.share_within(cap.standard_factor(share)) == pytest.approx(share)


# -- the simulation --------------------------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(demand=st.floats(0.5, 60), seed=st.integers(0, 2 ** 32 - 1))
def test_simulated_arrivals_average_the_demand(demand, seed):
    t = cap.simulate(demand=demand, capacity=demand, initial_waits=[], weeks=40, runs=200, seed=seed)
    n = 40 * 200
    assert abs(t.mean_arrivals - demand) < 5 * math.sqrt(demand / n)  # five standard errors of a Poisson mean


@settings(max_examples=15, deadline=None)
@given(demand=st.floats(0, 40), capacity=st.floats(0, 40), rate=st.floats(0, 0.2), seed=st.integers(0, 1000))
def test_simulation_conserves_children(demand, capacity, rate, seed):
    start = np.arange(60) / 2
    t = cap.simulate(demand=demand, capacity=capacity, initial_waits=start, withdrawal_rate=rate, weeks=20,
                     runs=50, seed=seed)
    assert t.mean_queue[0] == 60
    flow = 20 * (t.mean_arrivals - t.mean_seen - t.mean_withdrawn)
    assert t.mean_queue[-1] - t.mean_queue[0] == pytest.approx(flow, abs=1e-9)
    lo, mid, hi = (t.band(level) for level in (10, 50, 90))
    assert all(a <= b <= c for a, b, c in zip(lo, mid, hi))


def test_simulation_sees_the_longest_waiting_first():
    # 40 have waited 30 weeks and 40 have just joined; about 40 are seen in the first week. First in, first out
    # leaves mostly the new ones, so half of those left have waited 1 week (the oldest would leave 31).
    t = cap.simulate(demand=0, capacity=40, initial_waits=[30] * 40 + [0] * 40, weeks=1, runs=400, seed=1,
                     wait_share=0.5)
    assert t.band(50, "wait") == (0.0, 1.0)  # at the start, 40 of 80 have waited 0 weeks


def test_withdrawals_happen_at_the_given_rate():
    t = cap.simulate(demand=0, capacity=0, initial_waits=[5] * 1000, withdrawal_rate=0.1, weeks=1, runs=300, seed=2)
    assert t.mean_withdrawn == pytest.approx(100, rel=0.03)
    assert t.band(50)[1] == pytest.approx(900, abs=10)
    assert t.mean_seen == 0


def test_simulation_is_reproducible_from_its_seed():
    kwargs = dict(demand=12, capacity=11, initial_waits=range(50), withdrawal_rate=0.01, weeks=30, runs=100)
    assert cap.simulate(seed=7, **kwargs) == cap.simulate(seed=7, **kwargs)
    assert cap.simulate(seed=7, **kwargs).queue != cap.simulate(seed=8, **kwargs).queue


def test_a_list_served_faster_than_it_fills_shrinks():
    t = cap.simulate(demand=10, capacity=15, initial_waits=[20] * 300, weeks=52, runs=200, seed=3)
    assert t.band(90)[-1] < 100 < 300  # the 90th percentile run is well down
    assert t.band(50, "wait")[-1] < 20  # and the old waiters are gone


# -- flows from case records, by hand ------------------------------------------------------------------------------

def test_flows_hand_checked():
    d0 = (date(2025, 1, 6) - cap.EPOCH).days  # a 14-day window: 2 weeks
    arrived = np.array([d0, d0 + 1, d0 + 5, d0 - 3, d0 + 13], dtype=float)
    left = np.array([d0 + 3, np.nan, d0 + 10, d0 + 2, np.nan])
    treated = np.array([True, False, False, True, False])
    f = cap.flows(arrived, left, treated, start=date(2025, 1, 6), end=date(2025, 1, 19))
    assert f["demand"] == 4 / 2  # four arrived in the window (one arrived before it)
    assert f["seen"] == 2 / 2  # two seen in it, including the one who arrived before
    assert f["withdrawn"] == 1 / 2
    assert f["queue"] == 2  # two still open at the end: waited 12 and 0 days
    assert f["wait_days"][12] == 1 and f["wait_days"][0] == 1 and sum(f["wait_days"]) == 2
    # Week ends: day 6 has 3 on the list (the 4th arrived before, left day 2); day 13 has 2.
    assert f["mean_queue"] == (2 + 2) / 2


def test_wait_percentiles_and_exact_median():
    inputs = _inputs(wait_days=(0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1))  # 7, 7, 14, 21
    assert inputs.median_wait == (7 + 14) / 2 / 7
    assert inputs.wait_percentile(0.5) == 1.0  # inverted CDF: 2 of 4 have waited 1 week or less
    assert inputs.wait_percentile(0.75) == 2.0
    assert inputs.wait_percentile(0.92) == 3.0
    assert inputs.mean_wait == (7 + 7 + 14 + 21) / 4 / 7


# -- the planner view ------------------------------------------------------------------------------------------------

def _inputs(**changes):
    base = dict(pipeline=cap.THERAPY, service=SLT, area="Blackpool", start=date(2025, 10, 1), end=date(2026, 9, 30),
                demand=30.0, seen=27.0, withdrawn=0.0, queue=1200, mean_queue=1100.0,
                wait_days=tuple([10] * 120 * 7), cv_arrival=1.0, cv_service=1.0, source="records")
    base.update(changes)
    return cap.PlannerInputs(**base)


def test_planner_view_of_the_worked_example():
    v = cap.plan(_inputs(), target_wait=52, factor=4, simulate_weeks=0)
    assert round(v.load, 3) == 1.111
    assert v.target_queue == 390
    assert v.relief_capacity == pytest.approx(61.153846, abs=5e-7)
    assert v.extra_needed == pytest.approx(61.153846 - 27, abs=5e-7)
    assert v.weeks_to_target == math.inf and v.reach_date is None
    assert v.trajectory is None
    text = " ".join(v.sentences)
    assert "Queue load 1.11" in text and "390" in text and "61.2 removals a week" in text
    assert "never reaches the target size" in text


def test_what_if_extra_sessions_and_demand_growth():
    more = cap.WhatIf(extra_sessions=4, per_session=5)
    v = cap.plan(_inputs(), target_wait=52, factor=4, what_if=more, simulate_weeks=0)
    assert v.capacity == 47 and v.demand == 30
    assert v.weeks_to_target == pytest.approx(810 / 17)
    assert v.reach_date == date(2026, 9, 30) + (date(2026, 1, 8) - date(2026, 1, 1)) * 48
    grown = cap.plan(_inputs(), target_wait=52, factor=4, what_if=cap.WhatIf(demand_growth_pct=10), simulate_weeks=0)
    assert grown.demand == pytest.approx(33) and grown.target_queue == pytest.approx(33 * 13)
    assert any(s.startswith("What if: demand 10% higher") for s in grown.sentences)


@settings(max_examples=25, deadline=None)
@given(sessions=st.floats(0, 10), per=st.floats(0, 12))
def test_more_sessions_never_slow_the_list_down(sessions, per):
    base = cap.plan(_inputs(seen=35.0), target_wait=18, simulate_weeks=0)
    more = cap.plan(_inputs(seen=35.0), target_wait=18, what_if=cap.WhatIf(sessions, per), simulate_weeks=0)
    assert more.weeks_to_target <= base.weeks_to_target
    assert more.load <= base.load


def test_default_standards_per_pipeline():
    therapy = cap.plan(_inputs(), simulate_weeks=0)
    assert therapy.target_wait == 18 and round(therapy.factor, 3) == 2.526 and therapy.standard_share == 0.92
    ehcp = cap.plan(_inputs(pipeline=cap.EHCP, service=None), simulate_weeks=0)
    assert ehcp.target_wait == 20 and ehcp.factor == 4
    with pytest.raises(ValueError, match="^standard:"):
        cap.plan(_inputs(), standard=0.9, factor=3)


def test_planner_simulation_starts_from_the_observed_list():
    v = cap.plan(_inputs(queue=840, wait_days=tuple([1] * 840)), runs=50, simulate_weeks=10, seed=4)
    assert v.trajectory.mean_queue[0] == 840
    # 92% of 840 is 772.8: the 773rd shortest wait, 772 days, is 110 whole weeks.
    assert v.trajectory.band(50, "wait")[0] == 110


# -- the planner's inputs from the Store ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store():
    return build_store(DATA, precompute=False)


def _window_sum(store, metric_id, area, breakdown, inputs):
    s = store.series(metric_id, area, breakdown, inputs.start, inputs.end, period_type="month")
    assert len(s) == inputs.months
    return s["value"].sum()


@pytest.mark.parametrize("area", ["Blackpool", "North", "Central", "South"])
@pytest.mark.parametrize("service", [SLT, "Neurodevelopmental pre-school", "Wheelchair service"])
def test_therapy_inputs_agree_with_the_stores_series(store, service, area):
    i = cap.therapy_inputs(store, service, area)
    last = store.series("therapy_waiting_list", area, service).iloc[-1]
    assert i.end == last["period_start"].date().replace(day=30) and i.months == 12
    assert i.queue == last["value"]
    assert i.demand * i.weeks == pytest.approx(_window_sum(store, "therapy_referrals", area, service, i))
    median = store.series("therapy_median_wait", area, service).iloc[-1]["value"]
    assert i.median_wait == pytest.approx(median) if i.queue else i.median_wait is None
    assert i.cv_arrival > 0 and i.cv_service > 0


@pytest.mark.parametrize("area", ["Blackpool", "South"])
def test_monthly_series_give_the_same_flows_as_the_records(store, area):
    """Removals from the balance of the monthly series (in + list before - list after) equal the removals
    counted from the records: the two paths define the list the same way."""
    records = cap.therapy_inputs(store, SLT, area)
    series = cap._therapy_from_series(store, SLT, area, records.start, records.end)
    assert series.source == "monthly series" and series.notes
    assert series.demand == pytest.approx(records.demand)
    assert series.capacity == pytest.approx(records.capacity)
    assert series.queue == records.queue


def test_therapy_inputs_fall_back_to_the_series_without_records(store):
    import dataclasses
    without = dataclasses.replace(store, records={})
    i = cap.therapy_inputs(without, SLT, "Central")
    assert i.source == "monthly series" and i.withdrawn == 0


def test_ehcp_inputs_agree_with_the_stores_series(store):
    i = cap.ehcp_inputs(store, "Blackpool")
    assert i.pipeline == cap.EHCP and i.service is None
    assert i.demand * i.weeks == pytest.approx(_window_sum(store, "ehcp_requests", "Blackpool", "All", i))
    assert i.seen * i.weeks == pytest.approx(_window_sum(store, "ehcp_plans_issued", "Blackpool", "All", i))
    assert i.withdrawn > 0 and i.queue > 0
    localities = [cap.ehcp_inputs(store, loc) for loc in store.area.localities]
    assert sum(x.queue for x in localities) == i.queue
    assert sum(x.demand for x in localities) == pytest.approx(i.demand)


def test_planner_inputs_with_an_earlier_window(store):
    i = cap.planner_inputs(store, "therapy", "North", SLT, end=date(2023, 3, 15), months=6)
    assert (i.start, i.end) == (date(2022, 10, 1), date(2023, 3, 31))


@pytest.mark.parametrize("call, argument", [
    (lambda s: cap.therapy_inputs(s, "Dentistry", "Blackpool"), "service"),
    (lambda s: cap.therapy_inputs(s, SLT, "Narnia"), "area"),
    (lambda s: cap.planner_inputs(s, "dentistry", "Blackpool"), "pipeline"),
    (lambda s: cap.therapy_inputs(s, SLT, "Blackpool", months=0), "months"),
])
def test_bad_planner_requests_name_the_argument(store, call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}:"):
        call(store)


def test_every_list_plans_with_sentences(store):
    for service in (s.name for s in store.catalogue.services):
        v = cap.plan(cap.therapy_inputs(store, service, "Blackpool"), runs=20, simulate_weeks=8)
        assert v.sentences[0].startswith(f"{service}, Blackpool: over the 12 months to September 2026")
        assert len(v.trajectory.weeks) == 9
    v = cap.plan(cap.ehcp_inputs(store, "North"), runs=20, simulate_weeks=8)
    assert v.sentences[-1].startswith("A request that ended without a plan")


def test_a_refused_referrals_extract_leaves_the_planner_page_open_saying_why(tmp_path):
    # A bad extract must not take a page down: the planner opens with its filters and says there is nothing to plan
    # from; its chart and download have nothing to serve (routes answer 404 when the page has no fan chart).
    import shutil

    from metrics import urlstate
    from metrics.view.planner import planner_page

    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (data / "therapy_referrals.parquet").write_bytes(b"not a parquet file")
    store = build_store(data, precompute=False)
    assert store.inputs["therapy_referrals"]["available"] is False
    with pytest.raises(cap.NoDataToPlan):
        cap.therapy_inputs(store, SLT, "Blackpool")
    state, _ = urlstate.decode("planner", {}, urlstate.vocabulary(store))
    pv = planner_page(store, state)
    assert pv.extra["fan"] is None and pv.extra["table"] is None
    assert pv.extra["unavailable"] == ("There are no figures for the speech and language therapy waiting list in "
                                       "Blackpool to plan from: the data page says which extract is missing or "
                                       "was refused.")
    assert [f.name for f in pv.filters][:3] == ["locality", "pipeline", "service"]
    # The EHC needs assessment list has its own data: still planned.
    ehcp, _ = urlstate.decode("planner", {"pipeline": "ehcp"}, urlstate.vocabulary(store))
    assert planner_page(store, ehcp).extra["fan"] is not None
