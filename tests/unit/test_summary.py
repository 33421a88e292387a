"""Overview rows and chart rows, on a small hand-made data folder whose answers are worked out below."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import schemas, summary
from metrics.store import build_store

REPO_DATA = Path(__file__).resolve().parents[2] / "data"

CATALOGUE = '''
[pages.outcome-1]
title = "Outcome 1 – help at the right time"
nav = "Help at the right time"
intro = "Help at the right time."

[pages.therapy]
title = "Therapy waiting lists"
nav = "Therapy waits"
intro = "Waits."

[[service]]
slug = "slt"
name = "Speech and language therapy"
while_you_wait = "https://example.org/slt"
while_you_wait_text = "Ideas while you wait."

[[metric]]
id = "pct_on_time"
title = "Plans on time"
description = "Share of plans finished on time."
public_text = { improving = "Better.", worsening = "Worse.", no_change = "Same." }
page = "outcome-1"
unit = "percent"
frequency = "month"
improvement = "increase"
target = 80.0
target_source = "Test plan"
chart = "p"
input = "metric_values"
breakdown = "none"
source = "Test source"
plan_refs = ["3.1", "WSoA 2.1.2"]
owner = "Head of SEND"
comparators = true
public = true

[[metric]]
id = "complaints"
title = "Complaints"
description = "Complaints received."
public_text = { improving = "Fewer.", worsening = "More.", no_change = "Same." }
page = "outcome-1"
unit = "count"
frequency = "month"
improvement = "decrease"
chart = "xmr"
input = "metric_values"
breakdown = "none"
source = "Test source"
plan_refs = []
comparators = false
public = true

[[metric]]
id = "waiting"
title = "Waiting list"
description = "Children waiting."
public_text = { improving = "Fewer.", worsening = "More.", no_change = "Same." }
page = "therapy"
unit = "count"
frequency = "month"
improvement = "decrease"
chart = "xmr"
input = "therapy_referrals"
derivation = "waiting_list_size"
breakdown = "service"
source = "Test extract"
plan_refs = []
comparators = false
public = true
'''

# complaints, Blackpool, Jan 2023 - Jan 2024: the figures test's worked example. Mean 152/13 = 11.69, limits
# 5.04 .. 18.34; the last point (20) is above the upper limit and lower is better: special cause concern, high.
COMPLAINTS = [10, 12] * 6 + [20]
# pct_on_time, Blackpool and Central, Nov 2022 - Jan 2024 (15 months): 40 of 50 (80%) each month, March 2023
# suppressed, Jan 2024 42 of 50 (84%). The p chart's centre is 562/700 = 80.29% with limits about 80.3 ± 16.9,
# which straddle the 80% target: assurance is inconsistent.
MONTHS_PCT = pd.date_range("2022-11-01", "2024-01-01", freq="MS")


def rows_for(metric_id, area, dates, values, *, numerators=None, denominators=None, status=None, synthetic=False):
    n = len(dates)
    return pd.DataFrame({
        "metric_id": metric_id, "period_start": [d.date() for d in dates], "period_type": "month", "area": area,
        "breakdown": "All", "value": np.asarray(values, dtype=float),
        "numerator": np.asarray(numerators if numerators is not None else [np.nan] * n, dtype=float),
        "denominator": np.asarray(denominators if denominators is not None else [np.nan] * n, dtype=float),
        "status": status or ["ok"] * n, "source": "Test source", "synthetic": synthetic, "series_break": False,
    })


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    shutil.copy(REPO_DATA / "area.toml", d / "area.toml")
    (d / "catalogue.toml").write_text(CATALOGUE)
    (d / "inputs.toml").write_text("")
    num = [40.0] * len(MONTHS_PCT)
    num[4], num[-1] = np.nan, 42.0  # March 2023 suppressed; January 2024 is 42 of 50
    pct = [np.nan if np.isnan(x) else x / 50 * 100 for x in num]
    status = ["suppressed" if np.isnan(x) else "ok" for x in num]
    complaint_months = pd.date_range("2023-01-01", periods=13, freq="MS")
    frames = [
        rows_for("pct_on_time", "Blackpool", MONTHS_PCT, pct, numerators=num,
                 denominators=[np.nan if np.isnan(x) else 50.0 for x in num], status=status),
        rows_for("pct_on_time", "Central", MONTHS_PCT, pct, numerators=num,
                 denominators=[np.nan if np.isnan(x) else 50.0 for x in num], status=status),
        # Published comparators are annual and a year behind: the latest is what the row shows.
        rows_for("pct_on_time", "England", pd.to_datetime(["2022-01-01", "2023-01-01"]), [55.0, 50.2]),
        rows_for("pct_on_time", "Statistical neighbours", pd.to_datetime(["2023-01-01"]), [47.5]),
        rows_for("complaints", "Blackpool", complaint_months, COMPLAINTS, synthetic=True),
    ]
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), schema=schemas.METRIC_VALUES,
                                 preserve_index=False)
    pq.write_table(table, d / "metric_values.parquet")
    return build_store(d)


def row(rows, metric_id):
    return next(r for r in rows if r.metric_id == metric_id)


def test_one_row_per_catalogue_metric_in_catalogue_order(store):
    rows = summary.overview(store, "Blackpool")
    assert [r.metric_id for r in rows] == ["pct_on_time", "complaints", "waiting"]
    assert summary.overview(store, "Blackpool") is rows  # computed once per (version, area, window)


def test_count_row_latest_icons_change_and_provenance(store):
    r = row(summary.overview(store, "Blackpool"), "complaints")
    assert (r.latest_value, r.latest_status, r.latest_period, r.latest_text) == (20.0, "ok", "January 2024", "20")
    assert r.variation == "concern_high"  # 20 > 18.34 and lower is better
    assert r.assurance is None and r.target_text == ""  # no target
    assert r.change == 10.0 and r.change_text == "up 10 on January 2023"  # 20 - 10
    assert r.spark == tuple(float(v) for v in COMPLAINTS)
    assert r.synthetic is True and r.comparators == () and r.owner is None and r.unavailable == ""


def test_percentage_row_target_assurance_comparators(store):
    r = row(summary.overview(store, "Blackpool"), "pct_on_time")
    assert (r.latest_value, r.latest_text, r.latest_period) == (84.0, "84.0%", "January 2024")
    assert r.target_text == "80.0%"
    assert r.assurance == "inconsistent"  # the 80% target is inside the p chart's limits
    assert r.change == pytest.approx(4.0)  # 84% against 80% in January 2023
    assert r.change_text == "up 4.0 percentage points on January 2023"
    assert r.spark[4] is None and len(r.spark) == len(MONTHS_PCT)  # the suppressed month is a gap
    england, neighbours = r.comparators
    assert (england.name, england.value, england.period, england.text) == ("England", 50.2, "January 2023", "50.2%")
    assert (neighbours.name, neighbours.text) == ("Statistical neighbours", "47.5%")
    assert r.plan_refs == ("3.1", "WSoA 2.1.2") and r.owner == "Head of SEND" and r.synthetic is False


def test_window_and_locality(store):
    # To June 2023: the latest is June 2023 (80%), the year before (June 2022) is outside the data: no change.
    r = row(summary.overview(store, "Central", None, "2023-06-01"), "pct_on_time")
    assert (r.latest_period, r.latest_text, r.change, r.change_text) == ("June 2023", "80.0%", None, "")
    assert r.comparators[0].period == "January 2023"  # England's latest up to June 2023
    assert row(summary.overview(store, "Central"), "complaints").latest_text == "No data"


def test_unavailable_metric_says_why(store):
    r = row(summary.overview(store, "Blackpool"), "waiting")
    assert "therapy referrals" in r.unavailable and r.variation is None and r.spark == ()


def test_change_words():
    assert summary.change_words(-2.5, "percent", "March 2025") == "down 2.5 percentage points on March 2025"
    assert summary.change_words(3, "count", "2023/24") == "up 3 on 2023/24"
    assert summary.change_words(0.0, "weeks", "May 2024") == "no change on May 2024"


def test_chart_rows_table_and_csv_agree(store):
    metric = store.catalogue.get("pct_on_time")
    analysis = store.analysis("pct_on_time", "Blackpool")
    rows = summary.chart_rows(analysis, metric)
    assert len(rows) == len(MONTHS_PCT)  # the suppressed month is a row too
    suppressed = rows.iloc[4]
    assert (suppressed["period"], suppressed["status"], suppressed["point_type"]) == ("March 2023", "suppressed", "")
    text = summary.table_text(rows, metric)
    assert text[4][:2] == ("March 2023", "Suppressed to protect confidentiality")
    assert text[-1][0] == "January 2024" and text[-1][1] == "84.0%"
    # p chart centre over the 14 unsuppressed months: (13 * 40 + 42) / (14 * 50) = 562/700 = 80.29%
    assert rows["centre"].iloc[-1] == pytest.approx(562 / 700 * 100)
    csv_lines = summary.chart_csv(rows, analysis, metric).splitlines()
    assert csv_lines[0].startswith("metric_id,area,breakdown,period,period_start,value")
    assert len(csv_lines) == len(rows) + 1
    assert csv_lines[5].split(",")[5] == "c"  # GSS symbol for suppressed
    assert csv_lines[-1].split(",")[3:6] == ["January 2024", "2024-01-01", "84"]


@pytest.mark.parametrize("edition, header, last", [
    # Board: the SPC lines too; the centre is the p chart's 562/700 = 80.2857% (worked out above), to 3 places.
    ("board", "metric_id,area,breakdown,period,period_start,value,unit,centre,lower_limit,upper_limit,point_type",
     "pct_on_time,Blackpool,All,January 2024,2024-01-01,84,percent,80.286,"),
    # Public: plain columns only, no SPC lines (issue 8: no SPC jargon, and no decimals from 1 to 5 for counts).
    ("public", "metric_id,area,breakdown,period,period_start,value,unit",
     "pct_on_time,Blackpool,All,January 2024,2024-01-01,84,percent"),
])
def test_chart_csv_columns_follow_the_edition(store, edition, header, last):
    metric = store.catalogue.get("pct_on_time")
    analysis = store.analysis("pct_on_time", "Blackpool")
    lines = summary.chart_csv(summary.chart_rows(analysis, metric), analysis, metric, edition).splitlines()
    assert lines[0] == header
    assert lines[-1].startswith(last) and len(lines[-1].split(",")) == len(header.split(","))
    assert lines[5].split(",")[5:7] == ["c", "percent"]  # March 2023 is suppressed: GSS symbol c


def test_inputs_rows_report_coverage_and_missing_inputs(store):
    by_name = {r.name: r for r in summary.inputs_rows(store)}
    mv = by_name["metric_values"]
    assert mv.available and mv.rows == 15 + 15 + 2 + 1 + 13
    assert (mv.first, mv.last) == ("2022-01-01", "2024-01-01")
    assert not by_name["therapy_referrals"].available and by_name["therapy_referrals"].rows == 0
    assert summary.synthetic_metrics(store) == {"pct_on_time": False, "complaints": True, "waiting": False}


def test_neighbour_ranks_and_ingested_files_on_the_default_data():
    from metrics import benchmarking, summary
    from metrics.store import build_store

    store = build_store(precompute=False)
    found = summary.benchmarks(store)
    metric = store.catalogue.get("ehcp_20wk_excl")
    expected = benchmarking.neighbour_rank(store.values, metric.id, store.area, improvement=metric.improvement)
    assert found[metric.id].rank == expected and 1 <= expected.rank <= expected.n <= 11
    table = found[metric.id].table
    assert list(table["area"][:2]) == [store.area.name, store.area.neighbours[0].name]
    assert table.loc[0, "value"] == expected.value
    assert set(found) <= {m.id for m in store.catalogue.metrics if m.comparators}
    words = summary.rank_words(expected, metric)
    assert words.startswith(f"Ranked {expected.rank}") and f"of {expected.n}" in words
    files = summary.ingested_files(store)
    assert {f.file for f in files} >= {"lait_send_indicators_blackpool_sn_england.csv",
                                       "ees_ehcp_2025_timeliness_20_week.csv"}
    assert all(len(f.sha256) == 12 and f.rows_written >= 0 for f in files)
