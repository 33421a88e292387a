"""The data contract: each kind of bad input is reported with its file, column and row."""
from datetime import date, datetime

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import schemas
from metrics.validate import duplicated, published_supersedes_synthetic, validate_dir, validate_file

SERVICES = frozenset({"Speech and language therapy", "Occupational therapy"})


def referral(i, **over):
    row = dict(referral_id=f"R{i}", service="Speech and language therapy", locality="North",
               referral_date=date(2024, 1, 10), first_contact_date=date(2024, 3, 1), discharge_date=None,
               age_band="5-10", sen_status="none", first_language_english=True, did_not_attend_count=0)
    row.update(over)
    return row


def write(tmp_path, rows, schema, name="extract.parquet"):
    path = tmp_path / name
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def check(path, name="therapy_referrals", **kw):
    return validate_file(path, name, services=SERVICES, **kw)


def test_good_referrals_pass(tmp_path):
    table, problems = check(write(tmp_path, [referral(1), referral(2)], schemas.THERAPY_REFERRALS))
    assert problems == [] and table.num_rows == 2


# (row overrides for row 2 of 3, column expected in the report, words expected in the message)
BAD_REFERRALS = [
    (dict(locality="Westminster"), "locality", "unknown locality 'Westminster'"),
    (dict(service="Dentistry"), "service", "unknown service 'Dentistry'"),
    (dict(first_contact_date=date(2023, 12, 1)), "first_contact_date", "first contact before referral"),
    (dict(discharge_date=date(2024, 2, 1)), "discharge_date", "discharge before first contact"),
    (dict(did_not_attend_count=-1), "did_not_attend_count", "negative value"),
    (dict(sen_status="EHCP"), "sen_status", "unknown sen_status 'EHCP'"),
    (dict(age_band="0-99"), "age_band", "unknown age_band"),
    (dict(referral_id="R1"), "referral_id", "duplicate referral_id"),
]


@pytest.mark.parametrize("override, column, words", BAD_REFERRALS)
def test_bad_referral_is_named_by_file_column_and_row(tmp_path, override, column, words):
    rows = [referral(1), referral(2, **override), referral(3)]
    path = write(tmp_path, rows, schemas.THERAPY_REFERRALS)
    table, problems = check(path)
    assert table is None
    messages = [str(p) for p in problems]
    assert any(p.column == column and 2 in p.rows and words in p.message for p in problems), messages
    assert all(str(path) in m for m in messages)


def test_duplicate_ids_list_every_copy(tmp_path):
    rows = [referral(1), referral(2), referral(1), referral(3)]
    _, problems = check(write(tmp_path, rows, schemas.THERAPY_REFERRALS))
    (p,) = problems
    assert p.rows == (1, 3) and "row" in str(p) and "'referral_id'" in str(p)


@pytest.mark.parametrize("keys, expected", [
    # Worked by hand: a key is a duplicate when every column matches another row's.
    ({"id": ["a", "b", "a", "c"]}, [True, False, True, False]),
    ({"id": ["a", "b", "c"]}, [False, False, False]),
    ({"plan": ["P1", "P1", "P2", "P1"], "due": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1),
                                                date(2024, 1, 1)]}, [True, False, False, True]),
])
def test_duplicated_flags_every_copy_of_a_repeated_key(keys, expected):
    assert duplicated(pl.DataFrame(keys)).tolist() == expected


def test_duplicated_is_not_fooled_by_a_hash_collision(monkeypatch):
    # Every row hashing alike forces the full comparison: only the truly repeated key may be flagged.
    monkeypatch.setattr(pl.DataFrame, "hash_rows", lambda self, *a, **k: pl.Series([7] * self.height, dtype=pl.UInt64))
    assert duplicated(pl.DataFrame({"id": ["x", "y", "x", "z"]})).tolist() == [True, False, True, False]


def test_missing_column_and_wrong_type_reported_together(tmp_path):
    table = pa.Table.from_pylist([referral(1)], schema=schemas.THERAPY_REFERRALS)
    table = table.drop_columns(["age_band"]).set_column(
        table.schema.get_field_index("referral_date") - 0, "referral_date", pa.array(["2024-01-10"]))
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)
    _, problems = check(path)
    text = "\n".join(map(str, problems))
    assert "column 'age_band': missing column; expected string" in text
    assert "column 'referral_date': wrong type string; expected date32[day]" in text


def test_compatible_types_are_converted_not_rejected(tmp_path):
    # int64 counts and timestamp dates are what pandas writes by default: accept them.
    rows = [referral(1)]
    t = pa.Table.from_pylist(rows, schema=schemas.THERAPY_REFERRALS)
    t = t.set_column(t.schema.get_field_index("did_not_attend_count"), "did_not_attend_count",
                     pa.array([2], pa.int64()))
    t = t.set_column(t.schema.get_field_index("referral_date"), "referral_date",
                     pa.array([datetime(2024, 1, 10)], pa.timestamp("us")))
    path = tmp_path / "x.parquet"
    pq.write_table(t, path)
    table, problems = check(path)
    assert problems == [] and table.schema == schemas.THERAPY_REFERRALS


def test_required_value_missing_names_rows(tmp_path):
    t = pa.Table.from_pylist([referral(1), referral(2)], schema=schemas.THERAPY_REFERRALS)
    schema = pa.schema([f.with_nullable(True) for f in schemas.THERAPY_REFERRALS])
    t = pa.Table.from_pylist([referral(1), referral(2, locality=None)], schema=schema)
    path = tmp_path / "x.parquet"
    pq.write_table(t, path)
    _, problems = check(path)
    assert [(p.column, p.rows) for p in problems] == [("locality", (2,))]


def test_empty_and_corrupt_files(tmp_path):
    empty = write(tmp_path, [], schemas.THERAPY_REFERRALS, "empty.parquet")
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    (p1,), (p2,) = check(empty)[1], check(corrupt)[1]
    assert "empty file" in str(p1) and "empty.parquet" in str(p1)
    assert "not a readable Parquet file" in str(p2) and "corrupt.parquet" in str(p2)


def value_row(**over):
    row = dict(metric_id="m1", period_start=date(2024, 1, 1), period_type="month", area="Blackpool",
               breakdown="All", value=50.0, numerator=5.0, denominator=10.0, status="ok", source="test",
               synthetic=False, series_break=False)
    row.update(over)
    return row


BAD_VALUES = [
    (dict(metric_id="nope"), "metric_id", "unknown metric_id"),
    (dict(period_type="fortnight"), "period_type", "unknown period_type"),
    (dict(area="Atlantis"), "area", "unknown area"),
    (dict(status="maybe"), "status", "unknown status"),
    (dict(value=None), "value", "missing value with status 'ok'"),
    (dict(numerator=11.0), "numerator", "numerator greater than denominator"),
    (dict(denominator=-1.0, numerator=None), "denominator", "negative value"),
]


@pytest.mark.parametrize("override, column, words", BAD_VALUES)
def test_bad_metric_values(tmp_path, override, column, words):
    rows = [value_row(), value_row(period_start=date(2024, 2, 1), **override)]
    path = write(tmp_path, rows, schemas.METRIC_VALUES)
    table, problems = validate_file(path, "metric_values", metric_ids=frozenset({"m1"}))
    assert table is None
    assert any(p.column == column and p.rows == (2,) and words in p.message for p in problems), problems


def test_suppressed_value_without_number_is_fine(tmp_path):
    rows = [value_row(value=None, numerator=None, status="suppressed")]
    table, problems = validate_file(write(tmp_path, rows, schemas.METRIC_VALUES), "metric_values",
                                    metric_ids=frozenset({"m1"}))
    assert problems == [] and table.num_rows == 1


def test_ehc_requests_dates_out_of_order(tmp_path):
    row = {f.name: None for f in schemas.EHC_REQUESTS}
    row.update(request_id="Q1", locality="South", request_date=date(2024, 1, 1), exception_applies=False,
               decision_to_assess_date=date(2024, 2, 1), draft_issued_date=date(2024, 4, 1),
               final_issued_date=date(2024, 3, 1), health_advice_requested_date=date(2024, 2, 5),
               health_advice_received_date=date(2024, 2, 4))
    _, problems = validate_file(write(tmp_path, [row], schemas.EHC_REQUESTS), "ehc_requests")
    found = {(p.column, p.message) for p in problems}
    assert ("final_issued_date", "final plan before draft; dates out of order") in found
    assert ("health_advice_received_date", "advice received before it was requested; dates out of order") in found


def test_annual_reviews_checks(tmp_path):
    base = dict(plan_id="P1", locality="Central", review_due_date=date(2024, 5, 1), meeting_date=date(2024, 4, 20),
                paperwork_received_date=None, outcome="maintained", amended_plan_issued_date=date(2024, 6, 1))
    rows = [base, dict(base, review_due_date=date(2025, 5, 1), outcome="rewritten", amended_plan_issued_date=None)]
    _, problems = validate_file(write(tmp_path, rows, schemas.ANNUAL_REVIEWS), "annual_reviews")
    assert {(p.column, p.rows) for p in problems} == {("amended_plan_issued_date", (1,)), ("outcome", (2,))}


def test_validate_dir_reports_missing_inputs_and_keeps_good_ones(tmp_path):
    write(tmp_path, [referral(1)], schemas.THERAPY_REFERRALS, "therapy_referrals.parquet")
    tables, problems = validate_dir(tmp_path)
    assert tables["therapy_referrals"] is not None
    assert tables["ehc_requests"] is None
    assert any("input 'ehc_requests' not found" in str(p) for p in problems)


def test_folder_inputs_are_checked_for_duplicates_across_files(tmp_path):
    (tmp_path / "therapy_referrals").mkdir()
    write(tmp_path / "therapy_referrals", [referral(1)], schemas.THERAPY_REFERRALS, "a.parquet")
    write(tmp_path / "therapy_referrals", [referral(1)], schemas.THERAPY_REFERRALS, "b.parquet")
    tables, problems = validate_dir(tmp_path)
    assert tables["therapy_referrals"] is None
    assert any("duplicate referral_id" in str(p) for p in problems)


def test_published_rows_supersede_synthetic_ones():
    t = pa.Table.from_pylist([value_row(metric_id="a", synthetic=True), value_row(metric_id="a"),
                              value_row(metric_id="b", synthetic=True)], schema=schemas.METRIC_VALUES)
    out = published_supersedes_synthetic(t).to_pylist()
    assert [(r["metric_id"], r["synthetic"]) for r in out] == [("a", False), ("b", True)]
