"""Data-quality flags on published values: one closed vocabulary, validated, carried through to every series."""
import shutil
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import schemas
from metrics.area import DATA_DIR, load_area
from metrics.store import build_store
from metrics.validate import validate_file


@pytest.mark.parametrize("cells, expected", [
    ((None,), None),
    ((None, float("nan")), None),  # pandas' missing value
    (("doubtful",), "doubtful"),
    (("sources_disagree", "provisional"), "provisional;sources_disagree"),  # vocabulary order
    (("provisional;doubtful", "doubtful"), "provisional;doubtful"),  # each once
])
def test_quality_text(cells, expected):
    assert schemas.quality_text(*cells) == expected


def test_unknown_flag_is_refused():
    with pytest.raises(ValueError, match="unknown quality flag"):
        schemas.quality_text("check against EES before use")  # an internal note is not a flag


def test_every_flag_has_plain_words_without_internal_jargon():
    for flag, words in schemas.QUALITY_FLAGS.items():
        assert words.endswith(".") and not any(j in words for j in ("EES", "NCCIS", "LAIT", "SPC", "caution"))


def table(quality=None, drop_quality=False):
    row = {"metric_id": ["pupils_ehcp_pct"] * 2, "period_start": [date(2023, 9, 1), date(2024, 9, 1)],
           "period_type": ["academic_year"] * 2, "area": ["Blackpool"] * 2, "breakdown": ["All"] * 2,
           "value": [5.0, 6.0], "numerator": [None, None], "denominator": [None, None], "status": ["ok", "ok"],
           "source": ["DfE"] * 2, "synthetic": [False, False], "series_break": [False, False],
           "quality": quality or [None, None]}
    t = pa.Table.from_pydict(row, schema=schemas.METRIC_VALUES)
    return t.drop_columns(["quality"]) if drop_quality else t


def test_a_file_written_before_the_quality_column_still_validates(tmp_path):
    pq.write_table(table(drop_quality=True), tmp_path / "old.parquet")
    t, problems = validate_file(tmp_path / "old.parquet", "metric_values", area=load_area())
    assert problems == [] and t.column("quality").null_count == 2


@pytest.mark.parametrize("cell, ok", [("doubtful", True), ("provisional;sources_disagree", True),
                                      ("sources_disagree;provisional", False), ("caution", False),
                                      ("doubtful;doubtful", False)])
def test_quality_cells_are_checked_against_the_vocabulary(tmp_path, cell, ok):
    pq.write_table(table([cell, None]), tmp_path / "v.parquet")
    _, problems = validate_file(tmp_path / "v.parquet", "metric_values", area=load_area())
    assert (problems == []) == ok
    if not ok:
        (p,) = problems
        assert p.column == "quality" and p.rows == (1,) and "unknown quality flags" in p.message


def test_the_store_carries_quality_into_every_series(tmp_path):
    for name in ("area.toml", "catalogue.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    pq.write_table(table(["doubtful", None]), tmp_path / "metric_values.parquet")
    store = build_store(tmp_path, precompute=False)
    series = store.series("pupils_ehcp_pct", "Blackpool")
    assert series["quality"].tolist()[0] == "doubtful" and pd.isna(series["quality"].tolist()[1])
