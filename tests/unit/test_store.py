"""The store over the embedded default data, and how it behaves when an input goes bad."""
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import store as store_module
from metrics.store import build_store, data_version, get_store

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def default_store():
    return build_store(DATA)


def test_default_data_validates_cleanly(default_store):
    assert [str(p) for p in default_store.problems if p.severity == "error"] == []
    assert all(info["available"] for info in default_store.inputs.values())


def test_every_catalogue_metric_resolves_to_data(default_store):
    assert default_store.unavailable == {}
    for metric in default_store.catalogue.metrics:
        areas = [a for a in default_store.areas if default_store.breakdowns(metric.id, a)]
        assert default_store.area.name in areas, f"{metric.id} has no data for the whole area"
        breakdown = default_store.breakdowns(metric.id, default_store.area.name)[0]
        a = default_store.analysis(metric.id, default_store.area.name, breakdown)
        # Charted, or every value published with a typed status (e.g. `x`: the area did not return data).
        assert not a.empty or set(a.series["status"]) - {"ok"} == set(a.series["status"]), metric.id


def test_every_page_has_metrics(default_store):
    for page in default_store.catalogue.pages:
        assert default_store.catalogue.by_page(page.id), page.id


def test_record_level_series_exist_for_every_locality(default_store):
    for area in default_store.areas:
        assert len(default_store.series("therapy_waiting_list", area)) >= 60, area
        assert "Speech and language therapy" in default_store.breakdowns("therapy_waiting_list", area)


def test_every_series_is_labelled_published_or_synthetic(default_store):
    v = default_store.values
    assert set(v.loc[v["synthetic"], "source"].str.contains("ynthetic")) == {True}
    published = v.loc[~v["synthetic"], "source"]
    assert len(published) and not published.str.contains("ynthetic").any()


def test_analysis_uses_the_catalogue_frequency_only(default_store):
    # ehcp_20wk_excl is monthly from case records; DfE's annual figure for the area sits beside it.
    a = default_store.analysis("ehcp_20wk_excl", default_store.area.name)
    assert set(a.series["period_type"]) == {"month"}
    assert a.chart == "p"


def test_period_window_recomputes_limits(default_store):
    area = default_store.area.name
    full = default_store.analysis("therapy_referrals", area)
    window = default_store.analysis("therapy_referrals", area, "All", "2024-01-01", "2025-12-01")
    assert len(window.series) == 24 and len(full.series) > 24
    assert window.series["period_start"].min() == full.series["period_start"][
        full.series["period_start"] >= "2024-01-01"].min()


def test_whole_series_are_kept_for_good_and_windows_only_the_latest(default_store):
    # An analyst trying many windows must not grow a worker without bound: windows are a bounded LRU.
    area = default_store.area.name
    whole = default_store.analysis("therapy_referrals", area)
    kept = store_module.WINDOWED_KEPT
    for k in range(kept + 5):
        default_store.analysis("therapy_referrals", area, "All", f"{2022 + k // 12}-{k % 12 + 1:02d}-01", None)
    assert len(default_store._analysis_cached.memo.windowed) == kept
    assert default_store.analysis("therapy_referrals", area) is whole


def copy_data(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_bad_input_leaves_every_other_metric_served(tmp_path):
    data = copy_data(tmp_path)
    table = pq.read_table(data / "therapy_referrals.parquet")
    ids = table.column("referral_id").to_pylist()
    ids[5] = ids[4]  # a duplicate id makes the extract invalid
    pq.write_table(table.set_column(0, "referral_id", pa.array(ids)), data / "therapy_referrals.parquet")
    s = build_store(data, precompute=False)
    assert not s.inputs["therapy_referrals"]["available"]
    assert "duplicate referral_id" in s.inputs["therapy_referrals"]["reason"]
    therapy = {m.id for m in s.catalogue.metrics if m.input == "therapy_referrals"}
    assert set(s.unavailable) == therapy
    assert "therapy referrals input failed validation" in s.unavailable["therapy_waiting_list"]
    assert s.analysis("therapy_waiting_list", s.area.name).empty
    assert not s.analysis("ehcp_20wk_excl", s.area.name).empty


def test_get_store_reloads_on_new_data_and_keeps_the_last_good_one(tmp_path, monkeypatch):
    data = copy_data(tmp_path)
    monkeypatch.setattr(store_module, "RELOAD_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(store_module, "_current", None)
    monkeypatch.setattr(store_module, "_warmers", [])  # app.py's, if another test imported it, are not the point
    first = get_store(data)
    assert get_store(data) is first  # unchanged data: the same store
    # A new extract (atomic replace bumps the mtime) gives a new store.
    path = data / "annual_reviews.parquet"
    pq.write_table(pq.read_table(path).slice(0, 100), path)
    second = get_store(data)
    assert second is not first and second.version == data_version(data) != first.version
    assert second.inputs["annual_reviews"]["rows"] == 100
    # A rebuild that fails outright (a broken catalogue) keeps serving the last good store.
    (data / "catalogue.toml").write_text("[[metric]]\nid = 'broken'\n")
    assert get_store(data) is second


def test_record_tables_are_kept_lean_and_answer_drill_downs_as_the_extract_does(default_store):
    import polars as pl

    from metrics.derive import ehcp_funnel, therapy_current_waiters, therapy_dna_by

    referrals = default_store.records["therapy_referrals"]
    # Ids only make rows unique (checked by validation); closed vocabularies are one-byte Enum codes (issue 5).
    assert not store_module.ROW_IDS & {c for f in default_store.records.values() for c in f.columns}
    assert referrals.schema["service"] == pl.Enum([s.name for s in default_store.catalogue.services])
    assert isinstance(default_store.records["annual_reviews"].schema["outcome"], pl.Enum)
    raw = pl.read_parquet(DATA / "therapy_referrals.parquet")
    as_of, seen = referrals["referral_date"].max(), (referrals["referral_date"].min(), referrals["referral_date"].max())
    for by in ("weeks_band", "sen_status", "age_band", "first_language"):
        for scope in ({}, {"service": "Physiotherapy", "locality": "South"}, {"locality": "Nowhere"}):
            lean = therapy_current_waiters(referrals, as_of=as_of, by=by, **scope)
            assert lean.equals(therapy_current_waiters(raw, as_of=as_of, by=by, **scope)), (by, scope)
        if by != "weeks_band":
            assert therapy_dna_by(referrals, start=seen[0], end=seen[1], by=by).equals(
                therapy_dna_by(raw, start=seen[0], end=seen[1], by=by)), by
    requests = pl.read_parquet(DATA / "ehc_requests.parquet")
    window = dict(start=requests["request_date"].min(), end=requests["request_date"].max(), locality="North")
    assert ehcp_funnel(default_store.records["ehc_requests"], **window).equals(ehcp_funnel(requests, **window))


def test_get_store_warms_in_the_background_on_every_load_and_a_failing_warmer_stops_nothing(tmp_path, monkeypatch):
    import threading

    data = copy_data(tmp_path)
    monkeypatch.setattr(store_module, "RELOAD_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(store_module, "_current", None)
    monkeypatch.setattr(store_module, "_warmers", [])
    warmed, done, gate = [], threading.Event(), threading.Event()

    def broken(store):
        raise RuntimeError("a warmer that fails")

    def overview(store):
        gate.wait(10)  # held until the load has returned: warming never delays serving
        warmed.append(store.version)

    monkeypatch.setattr(store_module.Store, "precompute", lambda self: done.set())
    store_module.warm_after_load(broken)
    store_module.warm_after_load(overview)
    first = get_store(data)
    assert warmed == [] and not done.is_set()
    gate.set()
    assert done.wait(10) and warmed == [first.version]  # after the broken one, and the SPC after both
    done.clear()
    path = data / "annual_reviews.parquet"
    pq.write_table(pq.read_table(path).slice(0, 100), path)
    second = get_store(data)
    assert done.wait(10) and warmed == [first.version, second.version]


def test_a_windows_columns_are_its_series_rows_whether_sliced_or_filtered(default_store):
    # A window of one period type is a slice of that series' Columns, found by binary search in its dates: the rows
    # a filter of the long frame gives, in its (date) order. A store whose rows are out of order (a frame given to
    # with_values) is filtered instead: the same rows, in its frame's order.
    import numpy as np
    from metrics.store import with_values
    shuffled = with_values(default_store, default_store.values.sample(frac=1, random_state=3).reset_index(drop=True))
    windows = [(None, "2021-06-01"), ("2019-04-01", "2023-03-01"), ("2023-02-01", None), ("2030-01-01", None),
               ("2022-07-01", "2022-07-01"), ("2020-01-15", "2020-12-31")]
    keys = default_store.values.groupby(["metric_id", "area", "breakdown", "period_type"], sort=False).size().index
    for store in (default_store, shuffled):
        values = store.values
        for metric_id, area, breakdown, ptype in keys[::7]:
            for start, end in windows:
                rows = values[(values.metric_id == metric_id) & (values.area == area)
                              & (values.breakdown == breakdown) & (values.period_type == ptype)
                              & (values.period_start >= (start or "1900-01-01"))
                              & (values.period_start <= (end or "2100-01-01"))]
                got = store.columns(metric_id, area, breakdown, start, end, ptype)
                assert got.dates.tolist() == rows.period_start.to_numpy("datetime64[ns]").tolist()
                assert np.array_equal(got.value, rows.value.to_numpy(float, na_value=np.nan), equal_nan=True)
                assert got.status.tolist() == rows.status.astype(str).tolist()
                assert got.source.tolist() == rows.source.astype(str).tolist()
    # the default store's windows were slices; the shuffled store's took the filter's path
    assert all(default_store._in_order(*k) for k in keys[::7]) and not all(shuffled._in_order(*k) for k in keys[::7])
