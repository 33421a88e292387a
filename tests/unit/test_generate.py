"""The demonstration data generator: deterministic, complete, valid, and shaped by the dated interventions."""
import importlib.util
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from metrics import schemas
from metrics.annotations import load_annotations
from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.derive import derive_series
from metrics.validate import validate_file

REPO = Path(__file__).resolve().parents[2]
FILES = ("therapy_referrals.parquet", "ehc_requests.parquet", "annual_reviews.parquet", "metric_values.parquet",
         "annotations.csv")
SCHEMAS = {"therapy_referrals": schemas.THERAPY_REFERRALS, "ehc_requests": schemas.EHC_REQUESTS,
           "annual_reviews": schemas.ANNUAL_REVIEWS, "metric_values": schemas.METRIC_VALUES}


def load_generator():
    spec = importlib.util.spec_from_file_location("data_generate", REPO / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


gen = load_generator()


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("generated")
    gen.generate(path)
    return path


def test_same_seed_writes_identical_bytes(out, tmp_path):
    gen.generate(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_another_seed_writes_other_data(tmp_path):
    gen.generate(tmp_path, seed=7)
    other = pl.read_parquet(tmp_path / "therapy_referrals.parquet")
    default = pl.read_parquet(REPO / "data" / "therapy_referrals.parquet")
    assert not other.equals(default)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_files_have_the_declared_schemas_and_compression(out, name):
    path = out / f"{name}.parquet"
    assert pq.read_schema(path).remove_metadata() == SCHEMAS[name]
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


@pytest.mark.parametrize("name", ["therapy_referrals", "ehc_requests", "metric_values"])
def test_files_pass_validation(out, name):
    catalogue = load_catalogue()
    table, problems = validate_file(out / f"{name}.parquet", name, area=load_area(), metric_ids=catalogue.ids,
                                    services=frozenset(s.name for s in catalogue.services))
    assert problems == [] and table is not None


def test_annual_reviews_follow_the_contract(out):
    reviews = pl.read_parquet(out / "annual_reviews.parquet")
    assert reviews.select("plan_id", "review_due_date").is_unique().all()
    assert set(reviews["outcome"].drop_nulls()) == set(schemas.REVIEW_OUTCOMES)
    assert set(reviews["locality"]) == set(load_area().localities)
    amended = reviews.filter(pl.col("amended_plan_issued_date").is_not_null())
    assert (amended["outcome"] == "amended").all()
    assert (amended["amended_plan_issued_date"] >= amended["meeting_date"]).all()
    # An outcome is only recorded for a review that met.
    assert reviews.filter(pl.col("meeting_date").is_null())["outcome"].null_count() == \
        reviews.filter(pl.col("meeting_date").is_null()).height


@pytest.fixture(scope="module")
def published():
    """What data/build_published.py ingested (tests/unit/test_ingest_reference.py checks it against the
    reference files): the figures the demonstration data must reproduce."""
    values = pd.read_parquet(REPO / "data" / "metric_values" / "published.parquet")
    return values[values["area"] == load_area().name]


def test_synthetic_series_only_where_nothing_is_published(out, published):
    catalogue, area = load_catalogue(), load_area()
    values = pl.read_parquet(out / "metric_values.parquet")
    assert values["synthetic"].all() and set(values["source"]) == {gen.SYNTHETIC_SOURCE}
    real = set(published["metric_id"])
    assert {"suspension_rate_ehcp", "suspension_rate_sen_support", "chs_waiting_list"} <= real
    for metric in catalogue.metrics:
        rows = values.filter(pl.col("metric_id") == metric.id)
        if metric.input != "metric_values" or metric.id in real:
            assert rows.is_empty(), metric.id  # real before synthetic: published figures are never stood in for
            continue
        areas = set(rows["area"])
        assert area.name in areas, metric.id
        assert ({"England", "Statistical neighbours"} <= areas) == metric.comparators, metric.id
        assert set(rows["period_type"]) == {metric.frequency}, metric.id
        assert rows.filter(pl.col("area") == area.name).height >= 5, metric.id  # a series, not a point
    assert set(gen.PARAMS).isdisjoint(real)  # no parameters left for series that are never drawn


def test_local_measures_add_up_across_localities(out):
    values = pl.read_parquet(out / "metric_values.parquet").filter(pl.col("metric_id") == "engagement_participants")
    assert set(values["area"]) == {"Blackpool", "North", "Central", "South"}
    totals = values.group_by("period_start", pl.col("area") == "Blackpool").agg(pl.col("value").sum())
    wide = totals.pivot(on="area", index="period_start", values="value")
    assert (wide["true"] == wide["false"]).all()


def test_real_world_structure_in_the_synthetic_series(out):
    values = pl.read_parquet(out / "metric_values.parquet")
    visits = values.filter((pl.col("metric_id") == "local_offer_visits") & (pl.col("area") == "Blackpool"))
    assert date(2022, 6, 1) not in set(visits["period_start"])  # a couple of missing months
    fft = values.filter((pl.col("metric_id") == "fft_responses") & (pl.col("period_start") == date(2022, 12, 1)))
    assert fft["status"].to_list() == ["not_available"] and fft["value"].null_count() == 1
    attendance = values.filter(pl.col("metric_id") == "attendance_mainstream_ehcp")
    assert 8 not in set(attendance["period_start"].dt.month())  # no school in August
    small = values.filter(pl.col("metric_id") == "perm_exclusions_mainstream_send", pl.col("area") != "Blackpool")
    assert small["value"].min() == 0 and small["value"].max() < 10  # small counts in small breakdowns


@pytest.fixture(scope="module")
def series(out):
    inputs = {n: pl.read_parquet(out / f"{n}.parquet") for n in ("therapy_referrals", "ehc_requests",
                                                                 "annual_reviews")}
    return derive_series(inputs, load_catalogue(), "Blackpool", since=gen.START)


def yearly(series, metric_id, breakdown="All", area="Blackpool"):
    rows = series.filter((pl.col("metric_id") == metric_id) & (pl.col("area") == area)
                         & (pl.col("breakdown") == breakdown))
    return dict(rows.group_by(pl.col("period_start").dt.year()).agg(pl.col("value").mean()).iter_rows())


def test_slt_waits_worsen_then_improve_after_the_triage_clinic(series):
    slt = "Speech and language therapy"
    size = yearly(series, "therapy_waiting_list", slt)
    over = yearly(series, "therapy_over_18wk_pct", slt)
    assert size[2022] > size[2021] and size[2024] < size[2022] / 2  # the triage clinic started January 2023
    assert over[2024] < over[2022] / 2


def test_demand_rises_with_an_august_dip_and_falls_where_referrals_are_diverted(series):
    referrals = series.filter((pl.col("metric_id") == "therapy_referrals") & (pl.col("area") == "Blackpool"))
    by_month = dict(referrals.filter(pl.col("breakdown") == "All")
                    .group_by(pl.col("period_start").dt.month()).agg(pl.col("value").mean()).iter_rows())
    assert by_month[8] < 0.75 * by_month[10]
    total = yearly(series, "therapy_referrals")
    slt = yearly(series, "therapy_referrals", "Speech and language therapy")
    # graduated approach (March 2023): schools support children before referring them to speech and language
    assert slt[2024] < 0.85 * slt[2022]
    assert total[2025] - slt[2025] > total[2022] - slt[2022]  # every other service's demand rises


# -- calibrated to the published figures ----------------------------------------------------------------------

def per_year(series, metric_id):
    rows = series.filter((pl.col("metric_id") == metric_id) & (pl.col("area") == "Blackpool"))
    return {y: (n, d) for y, n, d in rows.group_by(pl.col("period_start").dt.year())
            .agg(pl.col("numerator").sum(), pl.col("denominator").sum()).iter_rows()}


def published_years(published, metric_id):
    """Published calendar years the extract covers in full (it starts in October 2020)."""
    rows = published[(published["metric_id"] == metric_id) & (published["period_type"] == "calendar_year")]
    return {d.year: (v, n, den) for d, v, n, den in zip(rows["period_start"], rows["value"], rows["numerator"],
                                                        rows["denominator"]) if d >= gen.START}


def test_published_figures_are_the_ones_in_the_reference_files(published):
    # SOURCES.md: Blackpool within 20 weeks excl. exceptions 2023 85, 2024 61.6; RXL speech and language
    # therapy January 2023: 616 waiting, (260 + 10) / 616 = 43.8% over 18 weeks, 10 over 52 weeks
    assert published_years(published, "ehcp_20wk_excl")[2023][0] == 85.0
    assert published_years(published, "ehcp_20wk_excl")[2024][0] == 61.6
    jan = published[(published["breakdown"] == "Speech and language therapy")
                    & (published["period_start"] == date(2023, 1, 1))].set_index("metric_id")["value"]
    assert (jan["chs_waiting_list"], round(jan["chs_over_18wk_pct"], 1), jan["chs_52wk_waiters"]) == (616, 43.8, 10)


@pytest.mark.parametrize("metric_id, tolerance", [
    ("ehcp_20wk_excl", 1.0),  # the calibrated measure: the published share to the nearest plan
    ("ehcp_20wk_incl", 2.0),  # follows from it, with exceptions (1 to 4 a year) always late
])
def test_ehc_casework_reproduces_the_published_20_week_rates(series, published, metric_id, tolerance):
    years = published_years(published, metric_id)
    assert sorted(years) == [2021, 2022, 2023, 2024]
    synthetic = per_year(series, metric_id)
    for year, (value, _, _) in years.items():
        n, d = synthetic[year]
        assert abs(100 * n / d - value) <= tolerance, (year, 100 * n / d, value)


def test_ehc_requests_follow_published_volumes_and_timeliness_improves_after_the_restructure(series):
    requests = series.filter((pl.col("metric_id") == "ehcp_requests") & (pl.col("area") == "Blackpool"))
    per_year_requests = dict(requests.group_by(pl.col("period_start").dt.year()).agg(pl.col("value").sum()).iter_rows())
    assert 180 <= per_year_requests[2021] <= 260 and 330 <= per_year_requests[2024] <= 480  # published: 216, 423
    within = yearly(series, "ehcp_20wk_excl")
    assert within[2026] > within[2024]  # the EHC team's restructure, January 2025


def test_ehc_plan_volumes_stay_near_the_published_ones(series, published):
    years = published_years(published, "ehcp_20wk_incl")
    synthetic = per_year(series, "ehcp_20wk_incl")
    for year, (_, _, plans) in years.items():
        assert 0.65 * plans <= synthetic[year][1] <= 1.25 * plans, (year, synthetic[year][1], plans)


def test_therapy_lists_reproduce_rxl_published_lists_within_ten_percent(series, published):
    lists = published[published["metric_id"] == "chs_waiting_list"]
    ok = lists[lists["status"] == "ok"]
    months = [date(2023, m, 1) for m in range(1, 11)]
    services = {"Speech and language therapy", "Occupational therapy", "Physiotherapy"}
    assert set(zip(ok["breakdown"], ok["period_start"])) == {(s, m) for s in services for m in months}
    # RXL submitted nothing for community paediatrics: not available, and nothing is invented for it
    assert set(lists.loc[lists["status"] != "ok", "breakdown"]) == {"Community paediatrics"}
    synthetic = {(b, d): v for b, d, v in series.filter(
        (pl.col("metric_id") == "therapy_waiting_list") & (pl.col("area") == "Blackpool"))
        .select("breakdown", "period_start", "value").iter_rows()}
    for service, month, value in zip(ok["breakdown"], ok["period_start"], ok["value"]):
        assert abs(synthetic[service, month] / value - 1) <= 0.10, (service, month, synthetic[service, month], value)


# Plausible bounds for every month of the series, to the end: (list size), (referrals a month), longest median
# wait in weeks. Lists never empty out, demand never dries up, and no typical wait passes a year.
BOUNDS = {
    "Speech and language therapy": ((120, 900), (15, 200), 40),
    "Occupational therapy": ((20, 150), (3, 90), 26),
    "Physiotherapy": ((25, 150), (0, 30), 52),
    "Community paediatrics": ((80, 400), (10, 120), 26),
    "Neurodevelopmental pre-school": ((60, 350), (0, 60), 52),
    "Neurodevelopmental school-age": ((100, 600), (5, 100), 52),
    "Wheelchair service": ((25, 150), (0, 25), 52),
}


@pytest.mark.parametrize("service", list(BOUNDS))
def test_no_series_drifts_into_an_implausible_state(series, service):
    (lo, hi), (ref_lo, ref_hi), median = BOUNDS[service]

    def values(metric_id):
        rows = series.filter((pl.col("metric_id") == metric_id) & (pl.col("area") == "Blackpool")
                             & (pl.col("breakdown") == service)).sort("period_start")
        assert rows["period_start"].max() == date(2026, 9, 1)  # every bound holds to the end of the series
        return rows["value"]
    size = values("therapy_waiting_list")
    assert lo <= size.min() and size.max() <= hi, (size.min(), size.max())
    referrals = values("therapy_referrals")
    assert ref_lo <= referrals.min() and referrals.max() <= ref_hi, (referrals.min(), referrals.max())
    assert values("therapy_median_wait").max() <= median
    assert values("therapy_over_18wk_pct").max() < 95
    assert size.tail(12).min() >= lo  # and the last year is not the start of a slide


def test_the_backlog_open_in_october_2020_is_in_the_extract(out):
    referrals = pl.read_parquet(out / "therapy_referrals.parquet")
    before = referrals.filter(pl.col("referral_date") < gen.START)
    assert before.height > 500
    left = pl.min_horizontal("first_contact_date", "discharge_date")
    assert before.filter(left.is_not_null() & (left < gen.START)).is_empty()  # only ones still open then


def test_annotations_come_from_the_interventions(out):
    log = load_annotations(out / "annotations.csv", catalogue=load_catalogue(), localities=load_area().localities)
    assert [a.date for a in log] == sorted(e.date for e in gen.INTERVENTIONS.values())
    assert {a.title for a in log if a.rebase} >= {gen.INTERVENTIONS["slt_triage"].title}


@pytest.mark.parametrize("n", [1, 2500])
def test_exactly_n_referrals(tmp_path, n):
    assert gen.main(["--referrals", str(n), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["therapy_referrals.parquet"]  # nothing else, no temp files
    frame = pl.read_parquet(tmp_path / "therapy_referrals.parquet")
    assert frame.height == n and frame["referral_id"].is_unique().all()
    table, problems = validate_file(tmp_path / "therapy_referrals.parquet", "therapy_referrals", area=load_area(),
                                    services=frozenset(s.name for s in load_catalogue().services))
    assert problems == []


def test_a_chunked_run_keeps_ids_unique_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "CHUNK_SCALE", 0.05)  # ~1,000 referrals a chunk, so 3,000 takes several chunks
    gen.generate_referrals(tmp_path, 3000)
    frame = pl.read_parquet(tmp_path / "therapy_referrals.parquet")
    assert frame.height == 3000 and frame["referral_id"].is_unique().all()
    assert pq.ParquetFile(tmp_path / "therapy_referrals.parquet").num_row_groups > 1


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        gen.main(["--referrals", "0", "--out", str(tmp_path)])
