"""Ingest as an operation: idempotent, newer releases replace only their periods, bad files change nothing,
duplicates and inconsistent rows are reported, and every ingest is logged."""
import json
from datetime import date, datetime

import pandas as pd
import pytest

from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.ingest.__main__ import main
from metrics.ingest.errors import IngestError
from metrics.ingest.log import LOG, latest_by_file, read_log
from metrics.ingest.mapping import load_map
from metrics.ingest.merge import COLUMNS, PUBLISHED, agree, break_at_switches, decimals, replace_keys, resolve
from metrics.ingest.pipeline import ingest_file
from metrics.ingest.reference import reference_dir

REFERENCE = reference_dir()
pytestmark = pytest.mark.skipif(REFERENCE is None, reason="published reference files not found "
                                                          "(data/reference/ or ../shared/reference/)")
TIMELINESS = "ees_ehcp_2025_timeliness_20_week.csv"
CASELOAD = "ees_ehcp_2025_caseload.csv"


@pytest.fixture(scope="module")
def config():
    catalogue = load_catalogue()
    return {"area": load_area(), "catalogue": catalogue, "published_map": load_map(catalogue=catalogue)}


def published(data_dir) -> pd.DataFrame:
    return pd.read_parquet(data_dir / PUBLISHED)


def value(values, metric_id, area, start, column="value"):
    hit = values[(values.metric_id == metric_id) & (values.area == area) & (values.period_start == start)]
    return hit[column].tolist()


def copy_with(tmp_path, name, edit, new_name=None):
    """A copy of a reference file with `edit(df)` applied to its text cells."""
    df = pd.read_csv(REFERENCE / name, dtype=str, keep_default_na=False)
    df = edit(df)
    path = tmp_path / (new_name or name)
    df.to_csv(path, index=False)
    return path


def first(df, **conditions) -> int:
    """Index of the first row matching every column == value."""
    mask = pd.Series(True, index=df.index)
    for col, val in conditions.items():
        mask &= df[col] == val
    return int(df.index[mask][0])


def test_reingesting_the_same_file_changes_nothing(tmp_path, config):
    data = tmp_path / "data"
    data.mkdir()
    first_run = ingest_file(REFERENCE / TIMELINESS, data_dir=data, **config)
    before = (data / PUBLISHED).read_bytes()
    mtime = (data / PUBLISHED).stat().st_mtime_ns
    again = ingest_file(REFERENCE / TIMELINESS, data_dir=data, **config)
    assert (data / PUBLISHED).read_bytes() == before  # byte-identical
    assert (data / PUBLISHED).stat().st_mtime_ns == mtime  # not even rewritten
    assert (first_run.rows_changed, again.rows_changed) == (first_run.rows_written, 0)
    log = read_log(data)
    assert len(log) == 2 and log[0]["sha256"] == log[1]["sha256"]
    assert log[1]["rows_changed"] == 0


def test_same_inputs_give_the_same_bytes_in_another_folder(tmp_path, config):
    # nothing time- or path-dependent is stamped into the Parquet file
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        for name in (TIMELINESS, CASELOAD):
            ingest_file(REFERENCE / name, data_dir=tmp_path / d, **config)
    assert (tmp_path / "a" / PUBLISHED).read_bytes() == (tmp_path / "b" / PUBLISHED).read_bytes()


def test_newer_release_replaces_its_periods_and_keeps_the_rest(tmp_path, config):
    data = tmp_path / "data"
    data.mkdir()
    ingest_file(REFERENCE / CASELOAD, data_dir=data, **config)

    def newer(df):  # a "2026 release" revising January 2025 only: Blackpool 1661 -> 1700, Hartlepool -> 1000
        df = df[(df.time_period == "202425") & (df.breakdown_topic == "All EHC plans")].copy()
        df.loc[df.la_name == "Blackpool", "ehcplans"] = "1700"
        df.loc[df.la_name == "Hartlepool", "ehcplans"] = "1000"
        return df
    before = published(data)
    result = ingest_file(copy_with(tmp_path, CASELOAD, newer, "ees_ehcp_2025_caseload_revised.csv"),
                         data_dir=data, **config)
    after = published(data)
    jan25, jan24 = date(2025, 1, 1), date(2024, 1, 1)
    assert value(after, "ehcp_caseload", "Blackpool", jan25) == [1700]
    assert value(after, "ehcp_caseload", "Blackpool", jan24) == [1462]  # SOURCES.md: kept from the first file
    old_sn = value(before, "ehcp_caseload", "Statistical neighbours", jan25)[0]
    old_hartlepool = value(before, "ehcp_caseload", "Hartlepool", jan25)[0]
    # the neighbour average for January 2025 is recomputed from the revised Hartlepool figure
    assert value(after, "ehcp_caseload", "Statistical neighbours", jan25)[0] == pytest.approx(
        old_sn + (1000 - old_hartlepool) / 10)
    assert result.rows_changed == 3  # Blackpool, Hartlepool and the neighbour average
    assert len(after) == len(before)
    assert result.periods == ["2025"]


def test_unmapped_file_is_logged_and_changes_nothing(tmp_path, config):
    result = ingest_file(REFERENCE / "ees_ehcp_2025_ceased_plans.csv", data_dir=tmp_path, **config)
    assert result.rows_written == 0
    assert any("no indicator in this file is mapped" in w for w in result.warnings)
    assert read_log(tmp_path)[0]["file"] == "ees_ehcp_2025_ceased_plans.csv"


def _bad_cell(file, where, column, text):
    """Corrupt one published cell: (file, function df -> row index, column, new text)."""
    return pytest.param(file, where, column, text, id=f"{file.split('_')[0]}:{column}")


# One corrupted copy per layout: a mapped value cell that is neither a number nor a known symbol.
BAD_CELLS = [
    _bad_cell(TIMELINESS, lambda d: first(d, la_name="Blackpool", time_period="2024",
                                          breakdown_topic="All EHC plans issued"),
              "PC_plans_issued_20_weeks_ex", "61,6%%"),
    _bad_cell("lait_send_indicators_blackpool_sn_england.csv",
              lambda d: first(d, measure_short="SEN_TotStat", la_name="Blackpool"), "value", "n/a"),
    _bad_cell("d2i_send_absence_exclusions_by_sen_la.csv",
              lambda d: first(d, la_name="Blackpool", metric="enrolments_pa_10_exact_percent",
                              education_phase="Total", send_group="EHC plan"), "send_value", "thirty"),
    _bad_cell("send_tribunal_appeal_rates_2014_2024.csv",
              lambda d: first(d, la_name="Blackpool", year="2024", measure="SEND Tribunal Appeal Rate"),
              "SEND Tribunal Appeal Rate", "1.2 pc"),
    _bad_cell("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv",
              lambda d: first(d, org_type="National", data_month="2023-01",
                              service="(CYP) Therapy interventions: Speech and language"),
              "total_waiting_list", "lots"),
    _bad_cell("dfe_inclusion_dash_chs_waiting_cyp_therapies_2023.csv",
              lambda d: first(d, **{"Organisation Type": "National", "Therapy": "Speech And Language"}),
              "Percentage waiting more than 18 weeks", "NaN%x"),
    _bad_cell("dfe_inclusion_dash_nhs_autism_13wk_blackpool.csv",
              lambda d: first(d, PRIMARY_LEVEL="Under 10"), "METRIC_VALUE", "5l"),
    _bad_cell("dfe_inclusion_dash_ks2_rwm_by_sen.csv",
              lambda d: first(d, la_name="Blackpool", characteristic="EHC plan"),
              "pt_rwm_met_expected_standard", "fifteen"),
    _bad_cell("nccis_neet_participation_by_send_2021_2025.csv",
              lambda d: first(d, la_name="Blackpool", time_period="2024"), "NEET_NK_EHCP_percent", "13.8.1"),
]


@pytest.mark.parametrize("file, where, column, text", BAD_CELLS)
def test_corrupted_copy_is_rejected_naming_file_column_row_and_nothing_changes(tmp_path, config, file, where,
                                                                              column, text):
    data = tmp_path / "data"
    data.mkdir()
    ingest_file(REFERENCE / file, data_dir=data, **config)  # a good state to protect
    before = (data / PUBLISHED).read_bytes(), (data / LOG).read_bytes()

    def corrupt(df):
        i = where(df)
        df.loc[i, "value_as_published" if file.startswith("send_tribunal") else column] = text
        return df
    bad = copy_with(tmp_path, file, corrupt)
    i = where(pd.read_csv(REFERENCE / file, dtype=str, keep_default_na=False))
    with pytest.raises(IngestError) as exc:
        ingest_file(bad, data_dir=data, **config)
    published_column = "value_as_published" if file.startswith("send_tribunal") else column
    assert f"{file}, column '{published_column}', row {i + 1}:" in str(exc.value)
    assert repr(text) in str(exc.value)
    assert ((data / PUBLISHED).read_bytes(), (data / LOG).read_bytes()) == before
    assert [p.name for p in (data / PUBLISHED).parent.iterdir()] == ["published.parquet"]  # no temp file left


def _timeliness_edit(column, text, **where):
    def edit(df):
        df.loc[first(df, **where), column] = text
        return df
    return edit


BLACKPOOL_2024 = {"la_name": "Blackpool", "time_period": "2024", "breakdown_topic": "All EHC plans issued"}


@pytest.mark.parametrize("edit, column, message", [
    (lambda d: d.drop(columns="time_period"), "time_period", "looks like a ees file"),
    (lambda d: d.drop(columns="geographic_level"), "geographic_level", "required column is missing"),
    (_timeliness_edit("old_la_code", "8g0", **BLACKPOOL_2024), "old_la_code", "unknown geography code '8g0'"),
    (_timeliness_edit("new_la_code", "E06000001", **BLACKPOOL_2024), "new_la_code", "contradicts Blackpool"),
    (_timeliness_edit("country_code", "S92000003", la_name="", time_period="2019", geographic_level="National"),
     "country_code", "unknown geography code 'S92000003'"),
    (_timeliness_edit("time_period", "2024/25", **BLACKPOOL_2024), "time_period", "not a calendar year"),
    (_timeliness_edit("time_identifier", "Autumn term", **BLACKPOOL_2024), "time_identifier",
     "'Autumn term' cannot be read as calendar year"),
])
def test_bad_structure_is_rejected_naming_the_column(tmp_path, config, edit, column, message):
    with pytest.raises(IngestError) as exc:
        ingest_file(copy_with(tmp_path, TIMELINESS, edit), data_dir=tmp_path, **config)
    assert f"{TIMELINESS}, column '{column}'" in str(exc.value)
    assert message in str(exc.value)
    assert not (tmp_path / PUBLISHED).exists() and not (tmp_path / LOG).exists()


def test_bad_row_is_named(tmp_path, config):
    src = pd.read_csv(REFERENCE / TIMELINESS, dtype=str, keep_default_na=False)
    i = first(src, **BLACKPOOL_2024)
    with pytest.raises(IngestError, match=f"column 'old_la_code', row {i + 1}:"):
        ingest_file(copy_with(tmp_path, TIMELINESS, _timeliness_edit("old_la_code", "8g0", **BLACKPOOL_2024)),
                    data_dir=tmp_path, **config)


def _duplicate_blackpool_2024(change=None):
    def edit(df):
        extra = df.loc[[first(df, **BLACKPOOL_2024)]].copy()
        if change:
            extra[change[0]] = change[1]
        return pd.concat([df, extra], ignore_index=True)
    return edit


def test_identical_duplicate_rows_are_reported_and_one_kept(tmp_path, config):
    result = ingest_file(copy_with(tmp_path, TIMELINESS, _duplicate_blackpool_2024()), data_dir=tmp_path, **config)
    assert any("identical duplicates; one kept" in w and "Blackpool" in w for w in result.warnings)
    assert value(published(tmp_path), "ehcp_20wk_excl", "Blackpool", date(2024, 1, 1)) == [61.6]


def test_conflicting_duplicate_rows_reject_the_file(tmp_path, config):
    n = len(pd.read_csv(REFERENCE / TIMELINESS))  # the duplicate is appended as the last data row
    with pytest.raises(IngestError) as exc:
        ingest_file(copy_with(tmp_path, TIMELINESS, _duplicate_blackpool_2024(("PC_plans_issued_20_weeks_ex",
                                                                               "70"))),
                    data_dir=tmp_path, **config)
    assert "conflicting duplicate rows for ehcp_20wk_excl / Blackpool" in str(exc.value)
    assert f"row {n + 1}" in str(exc.value)
    assert not (tmp_path / PUBLISHED).exists()


def test_inconsistent_row_is_reported_and_rejected_not_written(tmp_path, config):
    data = tmp_path / "data"
    data.mkdir()
    ingest_file(REFERENCE / TIMELINESS, data_dir=data, **config)
    # a percentage above 100, and one that contradicts its own counts (133 of 216 is 61.6%, not 90%)
    edit = _timeliness_edit("PC_plans_issued_20_weeks_ex", "161.6", **BLACKPOOL_2024)
    edit2 = _timeliness_edit("pc_plans_issued_within_20_weeks", "90", **BLACKPOOL_2024)
    result = ingest_file(copy_with(tmp_path, TIMELINESS, lambda d: edit2(edit(d))), data_dir=data, **config)
    assert any("percentage outside 0-100" in w and "row rejected" in w for w in result.warnings)
    assert any("does not match its numerator and denominator" in w for w in result.warnings)
    # the good value already held for that key is kept, not overwritten by the rejected row
    assert value(published(data), "ehcp_20wk_excl", "Blackpool", date(2024, 1, 1)) == [61.6]
    assert value(published(data), "ehcp_20wk_incl", "Blackpool", date(2024, 1, 1)) == [60.5]


def test_log_line_says_what_was_ingested(tmp_path, config):
    ingest_file(REFERENCE / TIMELINESS, data_dir=tmp_path, **config)
    entry = json.loads((tmp_path / LOG).read_text().splitlines()[0])
    assert entry["file"] == TIMELINESS and entry["kind"] == "ees" and entry["release"] == "2025"
    assert entry["source"] == "DfE, Education, health and care plans 2025 (EES)"
    assert len(entry["sha256"]) == 64
    assert entry["rows_read"] == 1282  # SOURCES.md: "Rows: 1282"
    # 2 metrics x 6 years x (Blackpool, England, North West, 10 neighbours, their average)
    assert entry["rows_written"] == 2 * 6 * 14
    assert entry["periods"] == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert entry["metrics"] == ["ehcp_20wk_excl", "ehcp_20wk_incl"]
    assert datetime.fromisoformat(entry["loaded_at"]).utcoffset().total_seconds() == 0
    assert latest_by_file(tmp_path) == [entry]


def test_cli(tmp_path, capsys):
    assert main([str(REFERENCE / TIMELINESS), "--data-dir", str(tmp_path)]) == 0
    assert "1282 rows read, 168 rows written" in capsys.readouterr().out
    assert main([str(REFERENCE / TIMELINESS), "--data-dir", str(tmp_path), "--kind", "lait"]) == 1
    err = capsys.readouterr().err
    assert f"ERROR: {TIMELINESS}, column 'measure_short': required column missing" in err
    assert "Nothing was changed." in err
    assert main([str(REFERENCE / "statistical_neighbours_blackpool.csv"), "--data-dir", str(tmp_path)]) == 1
    assert "not a statistics file" in capsys.readouterr().err


# -- two publications, one figure (merge.resolve): table-driven on small frames -----------------------------------

COMPARATORS = {"England", "North West"}


def rows(*specs, metric_id="absence_ehcp", year=2022):
    """(area, value, source[, status[, quality]]) -> metric_values rows for one period."""
    out = []
    for area, value, source, *rest in specs:
        status = rest[0] if rest else "ok"
        out.append({"metric_id": metric_id, "period_start": date(year, 9, 1), "period_type": "academic_year",
                    "area": area, "breakdown": "All", "value": value if status == "ok" else float("nan"),
                    "numerator": float("nan"), "denominator": float("nan"), "status": status, "source": source,
                    "synthetic": False, "series_break": False, "quality": rest[1] if len(rest) > 1 else None})
    return pd.DataFrame(out, columns=COLUMNS)


def merged(existing, new, publications=None):
    kept, new, conflicts = resolve(existing, new, COMPARATORS, publications or {})
    out = replace_keys(kept, new)
    return out.set_index("area"), conflicts


@pytest.mark.parametrize("case, existing, new, publications, kept, quality, rule", [
    ("the source that also gives England wins, even if older",
     rows(("Blackpool", 10.68, "DfE"), ("England", 12.42, "DfE")), rows(("Blackpool", 11.170811, "D2I")), {},
     (10.68, "DfE"), "sources_disagree", "comparators"),
    ("the newer source wins if it gives more comparators",
     rows(("Blackpool", 5.0, "Old")), rows(("Blackpool", 6.0, "New"), ("England", 7.0, "New")), {},
     (6.0, "New"), "sources_disagree", "comparators"),
    ("as many comparators: the newer release wins",
     rows(("Blackpool", 5.0, "Old"), ("England", 7.0, "Old")), rows(("Blackpool", 6.0, "New"), ("England", 7.0, "New")),
     {}, (6.0, "New"), "sources_disagree", "newer release"),
    ("two releases of one publication: a revision",
     rows(("Blackpool", 1661.0, "EHC plans 2025"), ("England", 1.0, "EHC plans 2025")),
     rows(("Blackpool", 1700.0, "EHC plans 2026")), {"EHC plans 2025": "EHC plans", "EHC plans 2026": "EHC plans"},
     (1700.0, "EHC plans 2026"), "revised", "same publication"),
])
def test_disagreeing_sources_are_resolved_by_rule(case, existing, new, publications, kept, quality, rule):
    out, conflicts = merged(existing, new, publications)
    r = out.loc["Blackpool"]
    assert (r.value, r.source, r.quality) == (*kept, quality)
    (c,) = conflicts
    assert c["flag"] == quality and rule in c["rule"] and c["kept"] == {"value": kept[0], "source": kept[1]}
    assert c["other"]["value"] != kept[0]  # the other figure is kept, for the ingest log


@pytest.mark.parametrize("case, existing, new, expected", [
    ("equal at the less precise figure's precision (LAIT 4.9, dashboard 4.92)",
     rows(("Blackpool", 4.9, "LAIT")), rows(("Blackpool", 4.92, "Dashboard")), (4.92, None)),
    ("a symbol beside a value is no disagreement: the newer release's word stands",
     rows(("Blackpool", 4.9, "LAIT")), rows(("Blackpool", None, "EES", "not_available")), (None, None)),
    ("a row agreeing with a flagged row keeps its flag (re-ingesting the kept file changes nothing)",
     rows(("Blackpool", 10.68, "DfE", "ok", "sources_disagree")), rows(("Blackpool", 10.68, "DfE")),
     (10.68, "sources_disagree")),
])
def test_no_disagreement(case, existing, new, expected):
    out, conflicts = merged(existing, new)
    r = out.loc["Blackpool"]
    assert conflicts == []
    assert (None if pd.isna(r.value) else r.value, r.quality) == expected


@pytest.mark.parametrize("value, places", [(85.0, 0), (10.68, 2), (11.170811, 6), (73.599999999999994, 1),
                                           (-0.07, 2), (1249, 0)])
def test_decimals(value, places):
    assert decimals(value) == places


@pytest.mark.parametrize("a, b, same", [(4.9, 4.92, True), (4.9, 4.96, False), (10.68, 11.170811, False),
                                        (28.0, 29.0, False), (85.0, 85.4, True), (1661.0, 1700.0, False)])
def test_agree(a, b, same):
    assert agree(a, b) == same == agree(b, a)


def test_a_series_joined_from_two_disagreeing_sources_breaks_where_it_switches():
    years = pd.concat([rows(("Blackpool", 10.0 + y / 10, "DfE" if y < 2023 else "D2I"), year=y)
                       for y in range(2019, 2025)], ignore_index=True)
    conflict = {"metric_id": "absence_ehcp", "area": "Blackpool", "breakdown": "All", "period_type": "academic_year",
                "flag": "sources_disagree", "kept": {"source": "DfE"}, "other": {"source": "D2I"}}
    out = break_at_switches(years, [conflict]).set_index("period_start")["series_break"]
    assert out.to_dict() == {date(y, 9, 1): y == 2023 for y in range(2019, 2025)}
    assert not break_at_switches(years, []).series_break.any()  # sources that never disagreed: no break


def test_provisional_figures_are_flagged(tmp_path, config):
    # LAIT marks provisional years "2025 (prov)" (SOURCES.md); a copy with % pupils with an EHC plan so marked
    def provisional(df):
        df = df[df.measure_short == "SEN_TotStat"].copy()
        df.loc[df.years == "2025", "years"] = "2025 (prov)"
        return df
    data = tmp_path / "data"
    data.mkdir()
    result = ingest_file(copy_with(tmp_path, "lait_send_indicators_blackpool_sn_england.csv", provisional),
                         data_dir=data, **config)
    values = published(data)
    flagged = values[values.quality.notna()]
    assert set(flagged.quality) == {"provisional"} and set(flagged.period_start) == {date(2024, 9, 1)}
    assert len(flagged) == values.period_start.eq(date(2024, 9, 1)).sum() - 1  # every row but the computed average
    assert any("published as provisional" in w for w in result.warnings)
