"""The data contract: each kind of bad input is reported with its file, column and row; `python -m metrics.validate
DIR` checks the folder's configuration files too."""
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.faults import annotation_line
from metrics import schemas
from metrics.validate import CONFIG_FILES, duplicated, published_supersedes_synthetic, validate_dir, validate_file
from metrics.validate import main as validate_main

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


# -- plausible values (metrics.schemas "Plausible values"; data/README.md) -------------------------------------------

UNITS = {"m1": "percent", "c1": "count", "r1": "rate", "s1": "score", "d1": "days"}
AS_OF = date(2024, 6, 15)


class FakeCatalogue:
    """The parts of a Catalogue validate_file reads: ids, services and each metric's unit."""

    def __init__(self, units):
        from types import SimpleNamespace
        self.metrics = tuple(SimpleNamespace(id=k, unit=u) for k, u in units.items())
        self.ids = frozenset(units)
        self.services = ()


def check_values(tmp_path, rows, **kw):
    path = write(tmp_path, rows, schemas.METRIC_VALUES)
    return path, validate_file(path, "metric_values", catalogue=FakeCatalogue(UNITS), as_of=AS_OF, **kw)


NAN, INF = float("nan"), float("inf")
# (overrides for row 2, column named, words in the message)
IMPLAUSIBLE_VALUES = [
    (dict(value=NAN), "value", "not a finite number"),
    (dict(value=INF), "value", "not a finite number"),
    (dict(value=-INF, status="suppressed"), "value", "not a finite number"),  # infinity is never a figure
    (dict(numerator=INF), "numerator", "not a finite number"),
    (dict(denominator=NAN), "denominator", "not a finite number"),
    (dict(value=100.5), "value", "outside the plausible range for unit 'percent': 0 to 100"),
    (dict(value=-0.1), "value", "outside the plausible range for unit 'percent'"),
    (dict(metric_id="c1", value=-1.0, numerator=None, denominator=None), "value", "unit 'count'"),
    (dict(metric_id="c1", value=2.5, numerator=None, denominator=None), "value", "not a whole number"),
    (dict(metric_id="c1", value=2_147_483_647.0, numerator=None, denominator=None), "value",
     "outside the plausible range for unit 'count': 0 to 20,000,000"),
    (dict(metric_id="r1", value=1e308, numerator=None, denominator=None), "value", "unit 'rate'"),
    (dict(metric_id="s1", value=-1e9, numerator=None, denominator=None), "value", "unit 'score'"),
    (dict(metric_id="d1", value=-3.0, numerator=None, denominator=None), "value", "unit 'days'"),
    (dict(numerator=2.5, denominator=5.0), "numerator", "not a whole number"),
    (dict(denominator=2_147_483_647.0), "denominator", "implausibly large count"),
    (dict(period_start=date(2024, 2, 15)), "period_start", "2024-02-15 does not begin a month"),
    (dict(period_type="quarter", period_start=date(2024, 2, 1)), "period_start",
     "does not begin a quarter; a quarter starts on the 1st of January, April, July, October"),
    (dict(period_type="academic_year", period_start=date(2023, 1, 1)), "period_start",
     "does not begin an academic year; an academic year starts on the 1st of September"),
    (dict(period_type="financial_year", period_start=date(2023, 1, 1)), "period_start", "1st of April"),
    (dict(period_type="calendar_year", period_start=date(2023, 4, 1)), "period_start", "1st of January"),
    (dict(period_start=date(1900, 1, 1)), "period_start", "period before 2000-01-01"),
    (dict(period_start=date(2024, 7, 1)), "period_start", "after the extract's month (June 2024)"),
    (dict(metric_id="zz", value=1e300), "value", "implausibly large value"),  # unknown metric: still bounded
]


@pytest.mark.parametrize("override, column, words", IMPLAUSIBLE_VALUES,
                         ids=[f"{c}: {w[:40]}" for _, c, w in IMPLAUSIBLE_VALUES])
def test_implausible_metric_values_are_refused_by_file_column_and_row(tmp_path, override, column, words):
    second = value_row(**{"period_start": date(2024, 3, 1), **override})
    path, (table, problems) = check_values(tmp_path, [value_row(), second])
    assert table is None
    hits = [p for p in problems if p.column == column and p.rows == (2,) and words in p.message]
    assert hits, [str(p) for p in problems]
    assert str(path) in str(hits[0]) and "row 2" in str(hits[0])


PLAUSIBLE_VALUES = [  # the controls: the edges of each range, and what the contract allows
    dict(value=0.0, numerator=0.0),
    dict(value=100.0, numerator=10.0),
    dict(value=NAN, numerator=None, status="suppressed"),  # NaN where no number is promised: a missing value
    dict(metric_id="c1", value=19_999_999.0, numerator=None, denominator=None),
    dict(metric_id="c1", value=933.9, area="Statistical neighbours", numerator=None, denominator=None),
    dict(metric_id="r1", value=444.5, numerator=None, denominator=None),  # a rate per 100 may exceed 100
    dict(metric_id="s1", value=-1.97, numerator=None, denominator=None),
    dict(period_type="quarter", period_start=date(2024, 4, 1)),
    dict(period_type="academic_year", period_start=date(2023, 9, 1)),
    dict(period_type="financial_year", period_start=date(2000, 4, 1)),
    dict(period_start=date(2024, 6, 1)),  # the as-of month itself
]


@pytest.mark.parametrize("override", PLAUSIBLE_VALUES)
def test_plausible_metric_values_pass(tmp_path, override):
    _, (table, problems) = check_values(tmp_path, [value_row(**override)])
    assert problems == [] and table.num_rows == 1


def test_default_as_of_is_today(tmp_path):
    from datetime import timedelta
    next_month = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    rows = [value_row(period_start=date.today().replace(day=1)), value_row(period_start=next_month)]
    _, problems = validate_file(write(tmp_path, rows, schemas.METRIC_VALUES), "metric_values",
                                metric_ids=frozenset({"m1"}))
    assert [(p.column, p.rows) for p in problems] == [("period_start", (2,))]


def test_an_undeclared_column_is_refused_as_possible_personal_data(tmp_path):
    table = pa.Table.from_pylist([referral(1)], schema=schemas.THERAPY_REFERRALS)
    table = table.append_column("child_name", pa.array(["Jane Doe"]))
    path = tmp_path / "x.parquet"
    pq.write_table(table, path)
    result, problems = check(path)
    assert result is None
    (p,) = problems
    assert p.column == "child_name" and "may hold personal data" in p.message and str(path) in str(p)


# (row overrides for row 2, column, words): record-level plausibility, as of AS_OF
IMPLAUSIBLE_RECORDS = [
    (dict(did_not_attend_count=2_147_483_647), "did_not_attend_count", "implausibly large count; expected below 100"),
    (dict(did_not_attend_count=100), "did_not_attend_count", "implausibly large count"),
    (dict(referral_date=date(1900, 1, 1), first_contact_date=None), "referral_date", "date before 2000-01-01"),
    (dict(first_contact_date=date(2024, 7, 1)), "first_contact_date", "after the extract's month (June 2024)"),
    (dict(discharge_date=date(2031, 1, 1)), "discharge_date", "after the extract's month"),
]


@pytest.mark.parametrize("override, column, words", IMPLAUSIBLE_RECORDS)
def test_implausible_records_are_refused(tmp_path, override, column, words):
    path = write(tmp_path, [referral(1), referral(2, **override)], schemas.THERAPY_REFERRALS)
    table, problems = check(path, as_of=AS_OF)
    assert table is None
    assert any(p.column == column and p.rows == (2,) and words in p.message for p in problems), \
        [str(p) for p in problems]


def test_planned_dates_may_lie_ahead_but_not_far(tmp_path):
    row = {f.name: None for f in schemas.EHC_REQUESTS}
    row.update(request_id="Q1", locality="South", request_date=date(2024, 1, 1), exception_applies=False)
    rows = [dict(row, phase_transfer_deadline=date(2027, 2, 15)),  # within PLANNED_YEARS of June 2024
            dict(row, request_id="Q2", phase_transfer_deadline=date(2030, 3, 31))]
    _, problems = validate_file(write(tmp_path, rows, schemas.EHC_REQUESTS), "ehc_requests", as_of=AS_OF)
    assert [(p.column, p.rows) for p in problems] == [("phase_transfer_deadline", (2,))]
    assert "more than 5 years after the extract's month" in problems[0].message


def test_the_shipped_data_is_plausible():
    from metrics.catalogue import load_catalogue
    _, problems = validate_dir(DATA, catalogue=load_catalogue(DATA / "catalogue.toml"))
    assert problems == []


# -- the folder's configuration files ----------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def folder(tmp_path):
    """A copy of data/ (Parquet hard-linked: the tests only replace files, never write into them)."""
    import os
    import shutil
    for f in DATA.rglob("*"):
        target = tmp_path / f.relative_to(DATA)
        if f.is_dir():
            target.mkdir(exist_ok=True)
        elif f.suffix == ".parquet":
            os.link(f, target)
        elif f.suffix != ".py":
            shutil.copy(f, target)
    return tmp_path


def run_main(folder, capsys, *extra):
    code = validate_main([str(folder), *extra])
    return code, capsys.readouterr().out


def test_main_on_the_shipped_folder_finds_nothing(folder, capsys):
    code, out = run_main(folder, capsys)
    rows = sum(pl.read_parquet(f, columns=["metric_id"]).height
               for f in [folder / "metric_values.parquet", *sorted((folder / "metric_values").glob("*.parquet"))])
    assert code == 0 and "0 error(s), 0 warning(s)" in out and f"metric_values: {rows:,} rows valid" in out


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# (file, how it is spoilt, words expected on its report line)
SPOILT = [
    ("catalogue.toml", lambda p: append(p, "\n[[metric]\n"), "not valid TOML"),
    ("catalogue.toml", lambda p: append(p, '\n[[metric]]\nid = "x"\n'), "missing"),
    ("catalogue.toml", lambda p: p.unlink(), "missing: the dashboard cannot start without it"),
    ("area.toml", lambda p: p.write_text('[area]\nname = "Blackpool"\n'), "missing or malformed setting"),
    ("area.toml", lambda p: append(p, "\n[area\n"), "not valid TOML"),
    ("annotations.csv", lambda p: append(p, annotation_line(id="98", date="2024-13-01", title="A", rebase="maybe")),
     "column 'date', row"),
    ("annotations.csv", lambda p: append(p, annotation_line(id="99", date="2024-01-01", title="A",
                                                            metric_ids="no_such_metric", rebase="false")),
     "unknown metric id"),
    ("inputs.toml", lambda p: append(p, "\n[referrals]\nsynthetic = true\n"), "[referrals]: not an input"),
    ("inputs.toml", lambda p: p.write_text('[therapy_referrals]\nsynthetic = "yes"\n'), "synthetic = 'yes'"),
    ("inputs.toml", lambda p: p.write_text('[therapy_referrals]\nperiod_start = 1900-01-15\n'), "1st of a month"),
    ("disclosure.toml", lambda p: p.write_text("min_count = 1\n"), "must be a whole number from 2 to 100"),
    ("disclosure.toml", lambda p: p.write_text("min_count = \n"), "not valid TOML"),
    ("published_map.toml", lambda p: append(p, '\n[[indicator]]\nmetric_id = "nope"\n'), "published_map"),
    ("published_map.toml", lambda p: append(p, '\n[[series_break]]\nreason = "x"\n'), "'metric_id'"),
]


@pytest.mark.parametrize("name, spoil, words", SPOILT, ids=[f"{n}: {w}" for n, _, w in SPOILT])
def test_main_reports_a_spoilt_configuration_file(folder, capsys, name, spoil, words):
    spoil(folder / name)
    code, out = run_main(folder, capsys)
    assert code == 1 and "0 error(s)" not in out
    lines = [ln for ln in out.splitlines() if ln.startswith(f"ERROR: {folder / name}")]
    assert any(words in ln for ln in lines), out


def test_a_corrupt_catalogue_is_reported_and_inputs_are_not_checked_against_another(folder, capsys):
    append(folder / "catalogue.toml", "\n[[metric]\n")
    code, out = run_main(folder, capsys)
    assert code == 1 and "inputs: NOT CHECKED" in out and "rows valid" not in out


def test_main_names_a_bad_input_row_and_honours_as_of(folder, capsys):
    code, out = run_main(folder, capsys, "--as-of", "2026-08-31")  # the shipped data runs to September 2026
    assert code == 1
    assert f"ERROR: {folder / 'therapy_referrals.parquet'}, column 'referral_date', row" in out
    assert "after the extract's month (August 2026)" in out and "therapy_referrals: NOT USABLE" in out


def test_every_configuration_file_in_data_has_a_checker():
    checked = {f.name for f in CONFIG_FILES}
    assert {p.name for p in DATA.glob("*.toml")} | {"annotations.csv"} <= checked
    assert "plan.toml" in checked


def test_plan_toml_is_checked_by_metrics_plan(folder, capsys):
    append(folder / "plan.toml", '\n[[action]]\nplan = "nope"\n')
    code, out = run_main(folder, capsys)
    assert code == 1 and f"ERROR: {folder / 'plan.toml'}, line " in out and "unknown plan 'nope'" in out


def test_plan_toml_is_not_checked_without_a_catalogue(folder, capsys):
    append(folder / "catalogue.toml", "\n[[metric]\n")
    code, out = run_main(folder, capsys)
    assert code == 1 and f"WARNING: {folder / 'plan.toml'}: not checked: the catalogue must load first" in out
