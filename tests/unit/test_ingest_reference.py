"""Every published reference file goes in, and known published figures come out exactly.

Expected values are quoted from ../shared/reference/SOURCES.md or read off the CSVs by eye (cited per row).
"""
from datetime import date

import pandas as pd
import pytest

from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.ingest.batch import build, ingest_order, statistics_files
from metrics.ingest.frame import read_csv
from metrics.ingest.kinds import detect
from metrics.ingest.log import read_log
from metrics.ingest.mapping import load_map
from metrics.ingest.merge import PUBLISHED
from metrics.ingest.pipeline import ingest_file
from metrics.ingest.reference import reference_dir

REFERENCE = reference_dir()
pytestmark = pytest.mark.skipif(REFERENCE is None, reason="published reference files not found "
                                                          "(data/reference/ or ../shared/reference/)")
BP, ENG, NW, SN = "Blackpool", "England", "North West", "Statistical neighbours"


@pytest.fixture(scope="module")
def config():
    catalogue = load_catalogue()
    return {"area": load_area(), "catalogue": catalogue, "published_map": load_map(catalogue=catalogue)}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, config):
    """file name -> (IngestResult, published rows) of that file ingested alone into an empty folder."""
    cache = {}

    def get(name: str):
        if name not in cache:
            d = tmp_path_factory.mktemp(name.split(".")[0])
            result = ingest_file(REFERENCE / name, data_dir=d, **config)
            cache[name] = result, pd.read_parquet(d / PUBLISHED)
        return cache[name]
    return get


def row(values: pd.DataFrame, metric_id, area, start, breakdown="All") -> pd.Series:
    hit = values[(values.metric_id == metric_id) & (values.area == area) & (values.breakdown == breakdown)
                 & (values.period_start == start)]
    assert len(hit) == 1, f"{metric_id} {area} {start} {breakdown}: {len(hit)} rows"
    return hit.iloc[0]


def cal(year):
    return date(year, 1, 1)


def acad(first_year):
    return date(first_year, 9, 1)


# file, metric_id, area, period_start, breakdown, value, numerator, denominator   (value None = no value)
KNOWN = [
    # SOURCES.md: Blackpool 1249 in both releases; 2025 release labels the January 2022 census 202122
    ("ees_ehcp_2025_caseload.csv", "ehcp_caseload", BP, cal(2022), "All", 1249, None, None),
    ("ees_ehcp_2025_caseload.csv", "ehcp_caseload", BP, cal(2019), "All", 858, None, None),
    ("ees_ehcp_2025_caseload.csv", "ehcp_caseload", BP, cal(2025), "All", 1661, None, None),
    ("ees_ehcp_2025_caseload.csv", "ehcp_caseload", ENG, cal(2019), "All", 353995, None, None),  # CSV row 1
    ("ees_ehcp_2022_sen2_age_caseload.csv", "ehcp_caseload", BP, cal(2022), "All", 1249, None, None),
    ("ees_ehcp_2022_sen2_age_caseload.csv", "ehcp_caseload", BP, cal(2010), "All", 505, None, None),
    ("ees_ehcp_2022_sen2_age_caseload.csv", "ehcp_caseload", ENG, cal(2022), "All", 473255, None, None),
    # SOURCES.md: NoExc20weekRate Blackpool 2018 27.5, 2021 73.6; CSV: 39 of 142, 103 of 140; England 2021 59.9
    ("ees_ehcp_2022_sen2_mi.csv", "ehcp_20wk_excl", BP, cal(2018), "All", 27.5, 39, 142),
    ("ees_ehcp_2022_sen2_mi.csv", "ehcp_20wk_excl", BP, cal(2021), "All", 73.6, 103, 140),
    ("ees_ehcp_2022_sen2_mi.csv", "ehcp_20wk_excl", ENG, cal(2021), "All", 59.9, 34249, 57196),
    ("ees_ehcp_2022_sen2_mi.csv", "ehcp_new_plans", BP, cal(2019), "All", 186, None, None),
    # SOURCES.md: Blackpool 2023 85, 2024 61.6; England 2024 46.4; counts from the CSV
    ("ees_ehcp_2025_timeliness_20_week.csv", "ehcp_20wk_excl", BP, cal(2024), "All", 61.6, 133, 216),
    ("ees_ehcp_2025_timeliness_20_week.csv", "ehcp_20wk_excl", BP, cal(2023), "All", 85, 164, 193),
    ("ees_ehcp_2025_timeliness_20_week.csv", "ehcp_20wk_excl", ENG, cal(2024), "All", 46.4, 39407, 84866),
    ("ees_ehcp_2025_timeliness_20_week.csv", "ehcp_20wk_incl", BP, cal(2024), "All", 60.5, 133, 220),
    ("ees_ehcp_2025_newplans.csv", "ehcp_new_plans", BP, cal(2021), "All", 141, None, None),  # SOURCES.md
    ("ees_ehcp_2025_requests.csv", "ehcp_decision_6wk", BP, cal(2024), "All", 97.9, None, None),  # CSV
    ("ees_ehcp_2025_annual_reviews.csv", "ehcp_review_decision_4wk", ENG, cal(2024), "All", 44.4, 154924,
     154924 + 193835),  # CSV row 1: pc_decsion_4weeks 44.4, 154924 within and 193835 over 4 weeks
    # SOURCES.md LAIT examples: SEN_TotStat 2016 2.6 -> 2025 6.1 (England 5.3); 16-17YroldSEN_ET 2025 82.52 (87.4)
    ("lait_send_indicators_blackpool_sn_england.csv", "pupils_ehcp_pct", BP, acad(2015), "All", 2.6, None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "pupils_ehcp_pct", BP, acad(2024), "All", 6.1, None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "pupils_ehcp_pct", ENG, acad(2024), "All", 5.3, None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "pupils_sen_support_pct", BP, acad(2024), "All", 15.9,
     None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "post16_et_sen", BP, date(2024, 4, 1), "All", 82.52,
     None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "post16_et_sen", ENG, date(2024, 4, 1), "All", 87.4,
     None, None),
    ("lait_send_indicators_blackpool_sn_england.csv", "ehcp_caseload", BP, cal(2019), "All", 858, None, None),
    # LAIT "73.599999999999994" is the published 73.6
    ("lait_send_indicators_blackpool_sn_england.csv", "ehcp_20wk_excl", BP, cal(2021), "All", 73.6, None, None),
    # LAIT labels KS4 destinations by start year: 2021 = EES 202122, Blackpool EHC plan 95.1 in both
    ("lait_send_indicators_blackpool_sn_england.csv", "ks4_destination_ehcp", BP, acad(2021), "All", 95.1,
     None, None),
    # CSV: cohort 41 (the numerator is not published for LAs)
    ("dfe_inclusion_dash_ks4_destinations_by_sen.csv", "ks4_destination_ehcp", BP, acad(2021), "All", 95.1,
     None, 41),
    # SOURCES.md: Blackpool 2022/23 EHC plan 4.92%, SEN support 16.54% (England 4.29 / 13.04)
    ("dfe_inclusion_dash_pct_pupils_ehcp_sen_support.csv", "pupils_ehcp_pct", BP, acad(2022), "All", 4.92,
     None, None),
    ("dfe_inclusion_dash_pct_pupils_ehcp_sen_support.csv", "pupils_sen_support_pct", ENG, acad(2022), "All",
     13.04, None, None),
    # SOURCES.md: Blackpool 2022/23 overall absence EHCP or Statement 10.68
    ("dfe_inclusion_dash_absence_by_sen_2017_2023.csv", "absence_ehcp", BP, acad(2022), "All", 10.68, None, None),
    # SOURCES.md: Blackpool EHC plan 15 (2018/19, 7 of 46), 4 (2021/22, 3 of 74); England 2018/19 9
    ("dfe_inclusion_dash_ks2_rwm_by_sen.csv", "ks2_rwm_ehcp", BP, acad(2018), "All", 15, 7, 46),
    ("dfe_inclusion_dash_ks2_rwm_by_sen.csv", "ks2_rwm_ehcp", BP, acad(2021), "All", 4, 3, 74),
    ("dfe_inclusion_dash_ks2_rwm_by_sen.csv", "ks2_rwm_ehcp", ENG, acad(2018), "All", 9, 1961, 21473),
    # CSV: Identified SEN (mainstream), overall sustained, 2021/22: Blackpool 85.7 of a cohort of 7 (issue 16:
    # cohorts of 9, 6, 7, 5 and 7), England 83.9 of 13246
    ("dfe_inclusion_dash_destinations_1618_by_sen_lldd.csv", "destination_1618_sen", BP, acad(2021), "All",
     85.7, None, 7),
    ("dfe_inclusion_dash_destinations_1618_by_sen_lldd.csv", "destination_1618_sen", BP, acad(2018), "All",
     66.7, None, 6),
    ("dfe_inclusion_dash_destinations_1618_by_sen_lldd.csv", "destination_1618_sen", ENG, acad(2021), "All",
     83.9, None, 13246),
    # SOURCES.md: Blackpool persistent absence EHC plan 16.6% 2018/19 -> 35.1% 2023/24 -> 30.0% 2024/25;
    # SEN support 30.8% 2024/25 (the CSV's unrounded values)
    ("d2i_send_absence_exclusions_by_sen_la.csv", "persistent_absence_ehcp", BP, acad(2018), "All", 16.634051,
     None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "persistent_absence_ehcp", BP, acad(2023), "All", 35.100742,
     None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "persistent_absence_ehcp", BP, acad(2024), "All", 30.0,
     None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "persistent_absence_sen_support", BP, acad(2024), "All",
     30.782731, None, None),
    # SOURCES.md: NEET/NK with EHCP 2022 6.8, 2023 10.1, 2024 13.8, 2025 9.4 (England 8.6, 10.1, 10.2, 10.1)
    ("nccis_neet_participation_by_send_2021_2025.csv", "neet_nk_ehcp", BP, cal(2022), "All", 6.8, None, None),
    ("nccis_neet_participation_by_send_2021_2025.csv", "neet_nk_ehcp", BP, cal(2025), "All", 9.4, None, None),
    ("nccis_neet_participation_by_send_2021_2025.csv", "neet_nk_ehcp", ENG, cal(2024), "All", 10.2, None, None),
    # SOURCES.md: Blackpool 2024 1.20% (21 appeals / 1,787 appealable decisions); England 2024 3.20% (CSV)
    ("send_tribunal_appeal_rates_2014_2024.csv", "tribunal_appeal_rate", BP, cal(2024), "All", 1.2, 21, 1787),
    ("send_tribunal_appeal_rates_2014_2024.csv", "tribunal_appeal_rate", ENG, cal(2024), "All", 3.2, 22276,
     689739),
    # CSV: Blackpool 2014 appeals " - " (none), 543 decisions, rate 0.00%
    ("send_tribunal_appeal_rates_2014_2024.csv", "tribunal_appeal_rate", BP, cal(2014), "All", 0.0, 0, 543),
    # CSV Jan 2023 speech and language: England 67774 waiting, 20810 at 18-52 weeks + 2980 over 52;
    # North West 14517, 5258 + 856. No % is published: (18-52 + 52+) / total, as SOURCES.md says.
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_over_18wk_pct", ENG, cal(2023),
     "Speech and language therapy", 100 * 23790 / 67774, 23790, 67774),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_over_18wk_pct", NW, cal(2023),
     "Speech and language therapy", 100 * 6114 / 14517, 6114, 14517),
    # Lancashire and South Cumbria ICB (QE1), January 2023: 3281 waiting, 1171 at 18-52 weeks + 10 over 52
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_over_18wk_pct",
     "Lancashire and South Cumbria ICB", cal(2023), "Speech and language therapy", 100 * 1181 / 3281, 1181, 3281),
    # SOURCES.md / issue 12: RXL speech and language, January 2023: 616 waiting, (260 + 10) = 43.8% over 18
    # weeks, 10 over 52 weeks; October 2023: 155 waiting
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_waiting_list", BP, cal(2023),
     "Speech and language therapy", 616, None, None),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_over_18wk_pct", BP, cal(2023),
     "Speech and language therapy", 100 * 270 / 616, 270, 616),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_52wk_waiters", BP, cal(2023),
     "Speech and language therapy", 10, None, None),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_waiting_list", BP, date(2023, 10, 1),
     "Speech and language therapy", 155, None, None),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "chs_waiting_list", BP, cal(2023),
     "Physiotherapy", 71, None, None),
    # DfE's own % for the same England figure (CSV: 35.1019565024936)
    ("dfe_inclusion_dash_chs_waiting_cyp_therapies_2023.csv", "chs_over_18wk_pct", ENG, cal(2023),
     "Speech and language therapy", 35.1019565024936, 23790, 67774),
    # D2I termly rates per 100 pupils (CSV): Blackpool susp_rate, EHC plan, autumn 2024/25 19.54; spring 2023/24
    # 4.92; perm_excl_rate, SEN support, autumn 2024/25 0.633
    ("d2i_send_absence_exclusions_by_sen_la.csv", "suspension_rate_ehcp", BP, acad(2024), "All", 19.54,
     None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "suspension_rate_ehcp", BP, cal(2024), "All", 4.92, None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "suspension_rate_sen_support", BP, date(2020, 4, 1), "All",
     0.093, None, None),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "perm_exclusion_rate_sen_support", BP, acad(2024), "All",
     0.633, None, None),
    # CSV: national Under 10, April 2019: 51; RXL 10 to 17, June 2023: 31
    ("dfe_inclusion_dash_nhs_autism_13wk_blackpool.csv", "autism_first_appt_over_13wk", ENG, date(2019, 4, 1),
     "Under 10", 51, None, None),
    ("dfe_inclusion_dash_nhs_autism_13wk_blackpool.csv", "autism_first_appt_over_13wk", BP, date(2023, 6, 1),
     "10 to 17", 31, None, None),
]


@pytest.mark.parametrize("file, metric_id, area, start, breakdown, value, numerator, denominator", KNOWN)
def test_known_published_values(ingested, file, metric_id, area, start, breakdown, value, numerator,
                                denominator):
    r = row(ingested(file)[1], metric_id, area, start, breakdown)
    assert r.status == "ok"
    assert r.value == pytest.approx(value, abs=1e-9)
    for got, want in ((r.numerator, numerator), (r.denominator, denominator)):
        assert (pd.isna(got) if want is None else got == want)
    assert not r.synthetic


# file, metric_id, area, period_start, status: published symbols become typed states, with no value
SYMBOLS = [
    # SOURCES.md: Blackpool NoExc20weekRate 2014 `z` (0 new plans)
    ("ees_ehcp_2022_sen2_mi.csv", "ehcp_20wk_excl", BP, cal(2014), "not_applicable"),
    # SOURCES.md: Blackpool annual-review values are `x` (LA unable to return annual review data in 2025)
    ("ees_ehcp_2025_annual_reviews.csv", "ehcp_review_decision_4wk", BP, cal(2024), "not_available"),
    # CSV: decisions within 6 weeks were not collected before the person-level return ("x", 2019-2022)
    ("ees_ehcp_2025_requests.csv", "ehcp_decision_6wk", ENG, cal(2022), "not_available"),
    # LAIT "-": no KS2 tests in 2019/20 (LAIT year 2020)
    ("lait_send_indicators_blackpool_sn_england.csv", "ks2_rwm_ehcp", BP, acad(2019), "not_available"),
    # KS4 2020/21 Progress 8 was not published (LAIT "-" for 2021; ":" in the inclusion dashboard's copy)
    ("lait_send_indicators_blackpool_sn_england.csv", "ks4_p8_ehcp", BP, acad(2020), "not_available"),
]


@pytest.mark.parametrize("file, metric_id, area, start, status", SYMBOLS)
def test_symbols_become_typed_states(ingested, file, metric_id, area, start, status):
    r = row(ingested(file)[1], metric_id, area, start)
    assert r.status == status
    assert pd.isna(r.value)


def test_suppressed_cells_are_suppressed_not_zero(ingested):
    # NCCIS CSV: NEET_NK_SENDsupport_percent is "c" for some small neighbours; every such cell is `suppressed`
    nccis = read_csv(REFERENCE / "nccis_neet_participation_by_send_2021_2025.csv")
    c_cells = nccis[nccis["NEET_NK_SENDsupport_percent"].str.strip() == "c"]
    assert len(c_cells) > 0
    values = ingested("nccis_neet_participation_by_send_2021_2025.csv")[1]
    area = load_area()
    current = {n.name for n in area.neighbours} | {area.name}
    for _, cell in c_cells[c_cells["la_name"].isin(current)].iterrows():
        r = row(values, "neet_nk_sen_support", cell["la_name"], cal(int(cell["time_period"])))
        assert (r.status, pd.isna(r.value)) == ("suppressed", True)


def test_blank_cells_write_nothing(ingested):
    # SOURCES.md: NCCIS "2021 SEND columns blank for LAs": no row at all (not a 0, not a claim of "x")
    result, values = ingested("nccis_neet_participation_by_send_2021_2025.csv")
    assert values[(values.metric_id == "neet_nk_ehcp") & (values.area == BP)
                  & (values.period_start == cal(2021))].empty
    assert result.skipped["blank cells for neet_nk_ehcp (nothing published)"] >= 11  # Blackpool + 10 neighbours


def test_doubtful_published_value_is_kept_and_flagged(ingested):
    # SOURCES.md: "CAUTION (as published, not corrected): 2025 Blackpool SEN-support columns read ... NEET-NK 39.3%"
    result, values = ingested("nccis_neet_participation_by_send_2021_2025.csv")
    r = row(values, "neet_nk_sen_support", BP, cal(2025))
    assert r.value == 39.3 and r.quality == "doubtful"
    # the analyst's note ("check against EES before use") is for the log, never beside the value
    assert not values["source"].str.contains("caution|EES before use").any()
    note = next(w for w in result.warnings if w.startswith("caution: neet_nk_sen_support / Blackpool / 2025-01-01"))
    assert "check against EES before use" in note and "flagged doubtful" in note
    assert pd.isna(row(values, "neet_nk_sen_support", BP, cal(2024)).quality)
    assert row(values, "neet_nk_ehcp", ENG, cal(2022)).quality == "doubtful"  # "identical to 2021 as published"


def test_rxl_community_paediatrics_is_not_available_not_invented(ingested):
    # SOURCES.md: "RXL submitted nothing for (CYP) Community paediatric service" (blank cells)
    values = ingested("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv")[1]
    paeds = values[(values.area == BP) & (values.breakdown == "Community paediatrics")]
    assert set(paeds.metric_id) == {"chs_waiting_list", "chs_over_18wk_pct", "chs_52wk_waiters"}
    assert len(paeds) == 30 and set(paeds.status) == {"not_available"} and paeds.value.isna().all()
    # other organisations did submit it: England's January figure is a number
    assert row(values, "chs_waiting_list", ENG, cal(2023), "Community paediatrics").value == 64597


def test_series_break_marks_the_first_person_level_period(ingested):
    values = ingested("ees_ehcp_2025_timeliness_20_week.csv")[1]
    t = values[(values.metric_id == "ehcp_20wk_excl") & (values.area == BP)].set_index("period_start")
    assert t["series_break"].to_dict() == {cal(y): y == 2023 for y in range(2019, 2025)}
    assert row(values, "ehcp_20wk_excl", SN, cal(2023)).series_break


def test_neighbour_average_is_the_mean_of_published_neighbours(ingested):
    # CSV, PC_plans_issued_20_weeks_ex 2024, May 2025 neighbours: Hartlepool 74.6, Middlesbrough 98,
    # Sunderland 79.1, Liverpool 97.9, South Tyneside 70.9, Redcar and Cleveland 45.7, Rochdale 42.2,
    # Torbay 28.9, Salford 62.6, Stoke-on-Trent 32.8 -> 632.7 / 10 = 63.27 (Halton, Hull... are April 2021 only)
    r = row(ingested("ees_ehcp_2025_timeliness_20_week.csv")[1], "ehcp_20wk_excl", SN, cal(2024))
    assert r.value == pytest.approx(63.27)
    assert "mean of 10 of 10 statistical neighbours (May 2025 model)" in r.source
    assert pd.isna(r.numerator) and pd.isna(r.denominator)


def test_neighbour_average_leaves_out_suppressed_neighbours(ingested):
    # LAIT SEN_EHC_Excpt_20wks has every neighbour; the 2022 SEN2 file has `z` for neighbours with no new plans
    # in 2014 (CSV: Redcar and Cleveland, Stoke-on-Trent, Sunderland, Torbay) -> mean of the other 6
    values = ingested("ees_ehcp_2022_sen2_mi.csv")[1]
    r = row(values, "ehcp_20wk_excl", SN, cal(2014))
    nb = values[(values.metric_id == "ehcp_20wk_excl") & (values.period_start == cal(2014))
                & values.area.isin([n.name for n in load_area().neighbours])]
    assert (nb.status == "ok").sum() == 6
    assert r.value == pytest.approx(nb.loc[nb.status == "ok", "value"].mean())
    assert "mean of 6 of 10" in r.source


def test_rows_are_only_for_the_area_its_comparators_and_current_neighbours(ingested):
    area = load_area()
    allowed = {area.name, "England", area.region, SN, *(n.name for n in area.neighbours)}
    values = ingested("ees_ehcp_2025_caseload.csv")[1]
    assert set(values.area) == allowed
    assert {"Halton", "Knowsley"}.isdisjoint(values.area)  # April 2021 neighbours only


def test_the_providers_own_rows_are_the_areas_published_series(ingested):
    # RXL stands for Blackpool; England, the North West and the ICB are comparators; other providers are skipped
    result, values = ingested("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv")
    assert set(values.area) == {BP, ENG, NW, "Lancashire and South Cumbria ICB"}
    assert not any(k.startswith("Blackpool rows of") for k in result.skipped)
    # the local extract's own measures take no published rows: a synthetic series never meets real comparators
    assert not values.metric_id.str.startswith("therapy_").any()


def test_local_rows_of_record_level_metrics_are_left_to_the_extract(tmp_path, config):
    # A map that fed a record-level metric from the provider's monthly rows: they would collide, key for key,
    # with the series derived from the local extract, so only the comparators come in.
    map_path = tmp_path / "published_map.toml"
    map_path.write_text('[[indicator]]\nkind = "nhs_chs"\nmetric_id = "therapy_waiting_list"\n'
                        'column = "total_waiting_list"\nbreakdown_from = "service"\n'
                        'breakdowns = { "(CYP) Therapy interventions: Speech and language" = '
                        '"Speech and language therapy" }\nperiod_type = "month"\nunit = "count"\n')
    result = ingest_file(REFERENCE / "nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", data_dir=tmp_path,
                         area=config["area"], catalogue=config["catalogue"],
                         published_map=load_map(map_path, catalogue=config["catalogue"]))
    values = pd.read_parquet(tmp_path / PUBLISHED)
    assert BP not in set(values.area) and ENG in set(values.area)
    assert result.skipped["Blackpool rows of therapy_waiting_list (its local series comes from the "
                          "record-level extract)"] == 10  # January to October 2023


def test_annual_figures_beside_a_monthly_local_series_come_in_for_the_area(ingested):
    timeliness = ingested("ees_ehcp_2025_timeliness_20_week.csv")[1]
    assert BP in set(timeliness.area)  # they are what the area is ranked on


def test_repeated_nhs_month_is_reported_and_flagged(ingested):
    # SOURCES.md: "May and June 2023 RXL rows are identical as published"
    result, values = ingested("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv")
    assert any("2023-06 repeat the month before" in w and w.startswith("Blackpool") for w in result.warnings)
    flagged = values[values.quality.notna()]
    assert set(flagged.quality) == {"repeated_month"}
    assert set(zip(flagged.area, flagged.period_start)) == {(BP, date(2023, 6, 1))}
    assert len(flagged) == 12  # three measures x four services, kept as published


@pytest.mark.parametrize("file, kind", [
    ("ees_ehcp_2025_caseload.csv", "ees"),
    ("ees_ehcp_2022_sen2_mi.csv", "ees"),
    ("nccis_neet_participation_by_send_2021_2025.csv", "ees"),
    ("lait_send_indicators_blackpool_sn_england.csv", "lait"),
    ("d2i_send_absence_exclusions_by_sen_la.csv", "d2i"),
    ("send_tribunal_appeal_rates_2014_2024.csv", "tribunal"),
    ("nhse_chs_waiting_lists_cyp_rxl_lsc_nw_england_2023.csv", "nhs_chs"),
    ("dfe_inclusion_dash_chs_waiting_cyp_therapies_2023.csv", "nhs_chs_dfe"),
    ("dfe_inclusion_dash_nhs_autism_13wk_blackpool.csv", "nhs_autism"),
    ("dfe_inclusion_dash_ks2_rwm_by_sen.csv", "dfe_dashboard"),
    ("statistical_neighbours_blackpool.csv", "statistical_neighbour_list"),
    ("lait_send_measure_dictionary.csv", "lait_dictionary"),
])
def test_detect_kind(file, kind):
    assert detect(read_csv(REFERENCE / file).columns) == kind


def test_area_neighbours_are_the_may_2025_model():
    """area.toml's neighbours are DfE's May 2025 list for Blackpool, closest first (reference CSV)."""
    sn = pd.read_csv(REFERENCE / "statistical_neighbours_blackpool.csv", dtype=str)
    may = sn[sn["sn_model"] == "May 2025"].sort_values("rank", key=lambda r: r.astype(int))
    area = load_area()
    assert area.sn_model == "May 2025"
    assert [(n.code, n.name) for n in area.neighbours] == list(zip(may["neighbour_old_code"], may["neighbour_name"]))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    results = build(REFERENCE, folder)
    return folder, results, pd.read_parquet(folder / PUBLISHED)


def test_full_build_keeps_the_newest_release_per_period(built):
    """The committed dataset's recipe: every file, in release order; later, more primary releases win."""
    tmp_path, results, values = built
    assert [r.file for r in results] == [f.name for f in ingest_order(statistics_files(REFERENCE))]
    # caseload: 2010-2018 from the 2022 release, 2019-2025 from the 2025 release (LAIT's copies replaced)
    caseload = values[(values.metric_id == "ehcp_caseload") & (values.area == BP)].set_index("period_start")
    assert caseload.loc[cal(2018), "source"] == "DfE, Education, health and care plans 2022 (EES)"
    assert caseload.loc[cal(2022), "source"] == "DfE, Education, health and care plans 2025 (EES)"
    assert caseload.loc[cal(2022), "value"] == 1249
    # KS4 destinations: the dashboard's blank England cells never overwrite LAIT's England figures
    assert row(values, "ks4_destination_ehcp", ENG, acad(2021)).status == "ok"
    log = (tmp_path / "ingest_log.jsonl").read_text().splitlines()
    assert len(log) == len(results)
    assert not any(p.name.startswith(".ingest-") for p in tmp_path.iterdir())  # temp folder cleaned up


def test_sources_that_disagree_are_resolved_by_the_comparator_rule_and_flagged(built):
    """Issue 12: Blackpool's 2022/23 absence (EHC plan) is 11.17% in Data to Insight's file and 10.68% in the DfE
    file that also gives England: Blackpool and England come from one publication, the choice is flagged, and
    the other figure is kept in the ingest log."""
    folder, results, values = built
    dfe = "DfE, SEND and AP Inclusion Dashboard (prototype, from DfE EES)"
    r = row(values, "absence_ehcp", BP, acad(2022))
    assert (r.value, r.source, r.quality) == (10.68, dfe, "sources_disagree")
    assert row(values, "absence_ehcp", ENG, acad(2022)).source == dfe
    # years only Data to Insight publishes come from it, and the join is a change of definition
    later = row(values, "absence_ehcp", BP, acad(2023))
    assert later.source.startswith("Data to Insight") and pd.isna(later.quality) and later.series_break
    log = next(e for e in read_log(folder) if e["file"] == "d2i_send_absence_exclusions_by_sen_la.csv")
    other = next(c for c in log["conflicts"] if (c["metric_id"], c["area"], c["period_start"])
                 == ("absence_ehcp", BP, "2022-09-01"))
    assert other["kept"] == {"value": 10.68, "source": dfe}
    assert other["other"]["value"] == pytest.approx(11.170811) and other["flag"] == "sources_disagree"
    assert "comparators" in other["rule"]
    # figures that agree at the less precise one's precision are one figure, not a disagreement (LAIT 4.9 /
    # the inclusion dashboard's 4.92, Blackpool pupils with an EHC plan 2022/23)
    assert pd.isna(row(values, "pupils_ehcp_pct", BP, acad(2022)).quality)
