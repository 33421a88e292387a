"""The demonstration data generator: deterministic, complete, valid, and shaped by the dated interventions."""
import importlib.util
import sys
from datetime import date
from pathlib import Path

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


def test_every_metric_values_metric_gets_rows_with_comparators_where_published(out):
    catalogue, area = load_catalogue(), load_area()
    values = pl.read_parquet(out / "metric_values.parquet")
    assert values["synthetic"].all() and set(values["source"]) == {gen.SYNTHETIC_SOURCE}
    for metric in catalogue.metrics:
        rows = values.filter(pl.col("metric_id") == metric.id)
        if metric.input != "metric_values":
            assert rows.is_empty(), metric.id
            continue
        areas = set(rows["area"])
        assert area.name in areas, metric.id
        assert ({"England", "Statistical neighbours"} <= areas) == metric.comparators, metric.id
        assert set(rows["period_type"]) == {metric.frequency}, metric.id
        assert rows.filter(pl.col("area") == area.name).height >= 5, metric.id  # a series, not a point


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


def test_demand_rises_with_an_august_dip(series):
    referrals = series.filter((pl.col("metric_id") == "therapy_referrals") & (pl.col("area") == "Blackpool")
                              & (pl.col("breakdown") == "All"))
    by_month = dict(referrals.group_by(pl.col("period_start").dt.month()).agg(pl.col("value").mean()).iter_rows())
    assert by_month[8] < 0.75 * by_month[10]
    by_year = yearly(series, "therapy_referrals")
    assert by_year[2025] > by_year[2022]


def test_ehcp_volumes_and_timeliness_follow_published_levels(series):
    requests = series.filter((pl.col("metric_id") == "ehcp_requests") & (pl.col("area") == "Blackpool"))
    per_year = dict(requests.group_by(pl.col("period_start").dt.year()).agg(pl.col("value").sum()).iter_rows())
    assert 180 <= per_year[2021] <= 260 and 330 <= per_year[2024] <= 480  # published: 216 and 423
    within = yearly(series, "ehcp_20wk_excl")
    assert within[2024] < within[2023] and within[2026] > within[2024]  # worse in 2024, better after restructure


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
