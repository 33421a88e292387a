"""metrics.view.datapage: what the Data and definitions page says about each input, measure and published file, and
the glossary by audience; and the neighbour rank and table beside a measure (metrics.view.measure), on the small
data folder (tests/unit/builders.py) and the default data."""
import pytest

from metrics import benchmarking
from metrics.edition import policy
from metrics.store import build_store
from metrics.view.datapage import (BOARD_TERMS, catalogue_table, data_page, glossary_table, ingested_table,
                                   inputs_table, kind_of_data)
from metrics.view.measure import Scope, measure_view
from metrics.vocabulary import GLOSSARY


def column(table, key) -> list:
    i = [c.key for c in table.columns].index(key)
    return [row[i] for row in table.rows]


def test_inputs_report_coverage_and_what_failed(small_store):
    t = inputs_table(small_store)
    by = {row[0].text: {c.key: cell for c, cell in zip(t.columns, row)} for row in t.rows}
    mv = by["Metric values"]
    # builders: pct_on_time 15 + 15 (Central), England 2, neighbours 1, complaints, attendance and requests 13
    # each, waits 3 × 13; from England's January 2022 to January 2024.
    assert (mv["status"].text, mv["rows"].value, mv["covers"].text) == ("Loaded", 111, "2022-01-01 to 2024-01-01")
    referrals = by["Therapy referrals"]
    assert referrals["status"].text.startswith("Not usable: ") and referrals["rows"].value == 0
    assert "therapy_referrals" in referrals["status"].text  # the loader's reason, naming the missing input


@pytest.mark.parametrize("metric_id, kind", [
    ("complaints", "Synthetic demonstration data, for Blackpool as a whole only"),
    ("waits", "Published or extracted data, for Blackpool as a whole only"),
    ("waiting", "Not available: the therapy referrals input failed validation (see the Data and definitions page)."),
])
def test_what_kind_of_data_each_measure_has(small_store, metric_id, kind):
    assert kind_of_data(small_store, small_store.catalogue.get(metric_id)) == kind


@pytest.mark.parametrize("query, ids", [
    ("", ["pct_on_time", "complaints", "attendance", "requests", "waits", "waiting"]),
    ("plans 3.1", ["pct_on_time"]),  # every word must match
    ("HEAD OF SEND", ["pct_on_time"]),  # the owner, in any case
    ("therapy", ["waits", "waiting"]),  # the page
    ("nothing like this", []),
])
def test_the_catalogue_search(small_store, query, ids):
    assert [c.value for c in column(catalogue_table(small_store, query), "measure")] == ids


def test_the_catalogue_row_says_what_a_measure_is(small_store):
    t = catalogue_table(small_store, "plans on time")
    (row,) = t.rows
    by = {c.key: cell.text for c, cell in zip(t.columns, row)}
    assert by["measure"] == "Plans on time (pct_on_time): Share of plans finished on time."
    assert (by["target"], by["chart"], by["plan_references"], by["owner"]) == ("80 (Test plan)", "p chart",
                                                                               "3.1, WSoA 2.1.2", "Head of SEND")
    assert by["comparators"] == "England and statistical neighbours"
    assert by["comes_from"] == "metric values: Test source (LAIT)"


def test_the_data_page_lists_problems_and_unavailable_measures(small_store):
    x = data_page(small_store, None).extra
    assert x["errors"] == sum(p.severity == "error" for p in small_store.problems) >= 1
    assert any("therapy_referrals" in p for p in x["problems"])
    assert x["unavailable"] == (("Waiting list", small_store.unavailable["waiting"]),)
    assert x["total"] == 6


def test_the_glossary_by_audience():
    board, public = glossary_table(policy("board")), glossary_table(policy("public"))
    assert len(public.rows) == len(GLOSSARY) and len(board.rows) == len(GLOSSARY) + len(BOARD_TERMS)
    assert "SPC chart" in [r[0].text for r in board.rows] and "SPC chart" not in [r[0].text for r in public.rows]


# -- the default data ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store():
    return build_store(precompute=False)


def test_neighbour_rank_and_table_are_of_the_series_drawn(store):
    metric = store.catalogue.get("ehcp_20wk_excl")
    view = measure_view(store, metric.id, Scope(), "All", "board")
    assert not view.synthetic  # the published figures lead (issue 12: real before synthetic)
    drawn = view.charts[0].spec.points
    latest = max(p.x for p in drawn if p.value is not None)
    rank = benchmarking.neighbour_rank(store.metric_values(metric.id), metric.id, store.area, latest,
                                       improvement=metric.improvement)
    assert 1 <= rank.rank <= rank.n <= 11
    assert view.benchmark.rank_text.startswith(f"Ranked {rank.rank}")
    assert f" of {rank.n} with its statistical neighbours in {view.latest.period} (1st = highest)." in \
        view.benchmark.rank_text
    areas = [r[0].text for r in view.benchmark.table.rows]
    assert areas[:2] == [store.area.name, store.area.neighbours[0].name]
    assert view.benchmark.table.rows[0][1].value == pytest.approx(rank.value)


def test_published_files_ingested(store):
    t = ingested_table(store)
    files = [c.text for c in column(t, "file")]
    assert {"lait_send_indicators_blackpool_sn_england.csv", "ees_ehcp_2025_timeliness_20_week.csv"} <= set(files)
    assert all(len(c.text) == 12 for c in column(t, "sha256"))
    assert all(c.value >= 0 for c in column(t, "rows_written"))
