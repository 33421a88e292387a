"""The ingest's building blocks: time labels, symbols, geography and layout detection (table-driven)."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.area import load_area
from metrics.ingest.geography import BadGeography, Geography
from metrics.ingest.kinds import detect
from metrics.ingest.periods import period_label, period_start
from metrics.ingest.symbols import BLANK, parse_cells

@pytest.mark.parametrize("label, period_type, options, expected", [
    ("202122", "academic_year", {}, date(2021, 9, 1)),  # EES academic year
    ("2021/22", "academic_year", {}, date(2021, 9, 1)),  # LAIT / inclusion dashboard
    ("2021-22", "financial_year", {}, date(2021, 4, 1)),
    # SOURCES.md: "2022 / Calendar year" (2022 release) is the same January census as "202122" (2025 release)
    ("2022", "academic_year", {}, date(2021, 9, 1)),
    ("202122", "calendar_year", {"january_census": True}, date(2022, 1, 1)),
    ("2022", "calendar_year", {}, date(2022, 1, 1)),
    ("2025", "financial_year", {}, date(2024, 4, 1)),  # LAIT "Financial Year" 2025 = 2024-25
    ("2021", "academic_year", {"year_label": "start"}, date(2021, 9, 1)),  # LAIT KS4 destinations 2021 = 202122
    ("2025 (prov)", "academic_year", {}, date(2024, 9, 1)),  # LAIT provisional year
    ("2023-01", "month", {}, date(2023, 1, 1)),
    ("2023-10-01", "month", {}, date(2023, 10, 1)),
    (" February 2023", "month", {}, date(2023, 2, 1)),  # DfE CHS frame pads some month names
    # EES / D2I termly figures: the academic year's label and the term in time_identifier
    ("202324", "term", {"term": "Autumn term"}, date(2023, 9, 1)),
    ("202324", "term", {"term": "Spring term"}, date(2024, 1, 1)),
    ("202324", "term", {"term": " Summer term"}, date(2024, 4, 1)),
])
def test_period_start(label, period_type, options, expected):
    assert period_start(label, period_type, **options) == expected


@pytest.mark.parametrize("label, period_type, message", [
    ("202123", "academic_year", "not a span of consecutive years"),
    ("202122", "calendar_year", "two-year span"),
    ("Autumn 2023", "academic_year", "cannot read"),
    ("2023 Q1", "month", "as a month"),
    ("2023", "quarter", "unsupported"),
    ("202324", "term", "not a school term"),  # a term needs its name
])
def test_period_start_rejects(label, period_type, message):
    with pytest.raises(ValueError, match=message):
        period_start(label, period_type)


def test_a_term_not_in_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="'Winter term' is not a school term"):
        period_start("202324", "term", term="Winter term")


@pytest.mark.parametrize("start, period_type, expected", [
    (date(2024, 9, 1), "academic_year", "2024/25"),
    (date(2024, 4, 1), "financial_year", "2024-25"),
    (date(2024, 1, 1), "calendar_year", "2024"),
    (date(2023, 6, 1), "month", "2023-06"),
    (date(1999, 9, 1), "academic_year", "1999/00"),
    (date(2024, 9, 1), "term", "2024/25 Autumn term"),
    (date(2025, 4, 1), "term", "2024/25 Summer term"),
])
def test_period_label(start, period_type, expected):
    assert period_label(start, period_type) == expected


@pytest.mark.parametrize("kind, cell, value, status", [
    ("ees", "12", 12.0, "ok"),
    ("ees", " 83.784", 83.784, "ok"),  # EES padding, as published (SOURCES.md)
    ("ees", "73.000000000000", 73.0, "ok"),
    ("lait", "73.599999999999994", 73.6, "ok"),  # LAIT float artefact
    ("lait", "-7.0000000000000007E-2", -0.07, "ok"),
    ("tribunal", "1,787", 1787.0, "ok"),
    ("tribunal", "1.20%", 1.2, "ok"),
    ("ees", "c", None, "suppressed"),
    ("ees", "~", None, "suppressed"),  # legacy
    ("ees", "x", None, "not_available"),
    ("ees", ":", None, "not_available"),  # legacy, e.g. KS4 2020/21 P8
    ("ees", "z", None, "not_applicable"),
    ("ees", "low", None, "low"),
    ("lait", "-", None, "not_available"),  # LAIT convention
    ("tribunal", "-", 0.0, "ok"),  # tribunal table: " - " = no appeals (rate published as 0.00%)
    ("tribunal", "..", None, "not_available"),
    ("nhs_chs", "*", None, "suppressed"),  # NHS England small-number suppression
    ("ees", "", None, BLANK),
    # NHS England CHS: a blank means the organisation submitted nothing for the service line (SOURCES.md)
    ("nhs_chs", "", None, "not_available"),
    ("nhs_chs_dfe", "", None, "not_available"),
])
def test_parse_cells(kind, cell, value, status):
    values, statuses, bad = parse_cells(pd.Series([cell]), kind)
    assert not bad[0]
    assert statuses[0] == status
    assert (np.isnan(values[0]) if value is None else values[0] == pytest.approx(value))


@pytest.mark.parametrize("kind, cell", [("ees", "12a"), ("ees", "n/a"), ("ees", "*"), ("lait", "1.2.3"),
                                        ("nhs_chs", "NA"), ("ees", "NA")])
def test_parse_cells_flags_unknown_text(kind, cell):
    _, _, bad = parse_cells(pd.Series(["1", cell]), kind)
    assert list(bad) == [False, True]


@pytest.fixture(scope="module")
def geo():
    return Geography(load_area())


@pytest.mark.parametrize("old, new, name, expected", [
    ("890", "E06000009", "Blackpool", "Blackpool"),
    ("890", "", "", "Blackpool"),
    ("", "E06000001", "", "Hartlepool"),
    ("", "", "stoke on trent", "Stoke-on-Trent"),  # spelling differences between publishers
    ("876", "E06000006", "Halton", None),  # April 2021 neighbour only: not compared (current model is May 2025)
    ("810", "", "Kingston Upon Hull, City of", None),
])
def test_local_authority(geo, old, new, name, expected):
    assert geo.local_authority(old, new, name) == expected


@pytest.mark.parametrize("old, new, name, column", [
    ("890", "", "Hartlepool", "la_name"),  # code and name disagree
    ("890", "E06000001", "", "new_la_code"),
    ("89", "", "Blackpool", "old_la_code"),  # malformed code
    ("", "E6000009", "", "new_la_code"),
    ("", "", "", "la_name"),
])
def test_local_authority_rejects(geo, old, new, name, column):
    with pytest.raises(BadGeography) as exc:
        geo.local_authority(old, new, name)
    assert exc.value.column == column


def test_region_and_england(geo):
    assert geo.region("North West", "E12000002") == "North West"
    assert geo.region("North East", "E12000001") is None
    with pytest.raises(BadGeography, match="does not match"):
        geo.region("North East", "E12000002")
    assert geo.england("E92000001") == "England"
    with pytest.raises(BadGeography, match="unknown geography code"):
        geo.england("W92000004")


def test_detect_lait_original_headers():
    assert detect(["Short Desc", "Years", "LA Number", "LA and Regions", "Values"]) == "lait"
    assert detect(["a", "b"]) is None
