"""Editions: APP_EDITION fails closed, the public edition serves only public pages, metrics and aggregates, one
Policy says what each audience may see, and the public view words each measure for families from the catalogue."""
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from metrics import vocabulary
from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.edition import (BOARD, PUBLIC, Policy, policy, public_store, read_edition, serves_breakdown,
                             serves_metric, serves_path, serves_records)
from metrics.store import Store
from metrics.view.measure import Scope, measure_view

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()


@pytest.mark.parametrize("env, expected, warns", [
    ({}, BOARD, False),                           # unset: the default
    ({"APP_EDITION": "board"}, BOARD, False),
    ({"APP_EDITION": "public"}, PUBLIC, False),
    ({"APP_EDITION": "Board"}, PUBLIC, True),     # not exactly "board": fail closed
    ({"APP_EDITION": "board "}, PUBLIC, True),
    ({"APP_EDITION": "boadr"}, PUBLIC, True),
    ({"APP_EDITION": ""}, PUBLIC, True),
    ({"APP_EDITION": "Public"}, PUBLIC, True),
])
def test_read_edition_fails_closed(env, expected, warns, caplog):
    with caplog.at_level(logging.INFO, logger="metrics.edition"):
        assert read_edition(env) == expected
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) is warns
    if warns:
        assert "fail closed" in warnings[0].getMessage()


def test_edition_read_once_at_import():
    # A fresh interpreter per value: the constant is what the variable said when the module was imported.
    code = "import os, metrics.edition as e; os.environ['APP_EDITION'] = 'board'; print(e.APP_EDITION)"
    for value, expected in (("public", "public"), ("board", "board"), ("nonsense", "public")):
        env = {**os.environ, "APP_EDITION": value}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == expected
        assert ("fail closed" in out.stderr) is (value == "nonsense")


@pytest.mark.parametrize("path, public", [
    ("/", True), ("/therapy", True), ("/ehcp", True), ("/outcome-1", True), ("/outcome-4", True),
    ("/accessibility", True), ("/data", False), ("/report", False), ("/anything-new", False),
])
def test_pages_by_edition(path, public):
    assert serves_path(PUBLIC, path) is public
    assert serves_path(BOARD, path) is True


def test_public_metrics_are_those_the_catalogue_marks():
    public = [m for m in CATALOGUE.metrics if serves_metric(PUBLIC, m)]
    assert public and len(public) < len(CATALOGUE.metrics)
    assert all(m.public for m in public)
    assert all(serves_metric(BOARD, m) for m in CATALOGUE.metrics)


def test_breakdowns_by_edition():
    dna = next(m for m in CATALOGUE.metrics if m.breakdown == "first_language")
    waits = next(m for m in CATALOGUE.metrics if m.breakdown == "service" and m.public)
    assert serves_breakdown(BOARD, dna, "Other than English")
    assert not serves_breakdown(PUBLIC, dna, "Other than English")  # a characteristic of children
    assert serves_breakdown(PUBLIC, waits, "Speech and language therapy")
    assert serves_breakdown(PUBLIC, waits, "All")
    assert serves_records(BOARD) and not serves_records(PUBLIC)


# -- the public store -----------------------------------------------------------------------------------------

def _store(values: pd.DataFrame) -> Store:
    inputs = {"metric_values": {"available": True, "rows": len(values), "files": [], "reason": ""},
              "therapy_referrals": {"available": False, "rows": 0, "files": ["therapy_referrals.parquet"],
                                    "reason": "therapy_referrals.parquet, row 17, column referral_id: duplicate R123"}}
    frame = pl.from_pandas(values).with_columns(pl.col("period_start").cast(pl.Date))
    return Store(ROOT / "data", "v1", load_area(), CATALOGUE, ["a problem"], frame, {"therapy_referrals": "records"},
                 inputs, [], {})


def _row(metric, area, breakdown, value, num=np.nan, den=np.nan):
    return {"metric_id": metric, "period_start": pd.Timestamp("2025-03-01"), "period_type": "month", "area": area,
            "breakdown": breakdown, "value": value, "numerator": num, "denominator": den, "status": "ok",
            "source": "test", "synthetic": True, "series_break": False}


def test_public_store_filters_suppresses_and_drops_records():
    private = next(m for m in CATALOGUE.metrics if not m.public)
    dna = next(m for m in CATALOGUE.metrics if m.breakdown == "first_language")
    count = next(m for m in CATALOGUE.metrics if m.public and m.unit == "count" and m.breakdown == "none")
    values = pd.DataFrame([
        _row(private.id, "Blackpool", "All", 50.0),
        _row(dna.id, "Blackpool", "All", 12.0, 30, 250), _row(dna.id, "Blackpool", "Other than English", 9.0, 6, 70),
        # Blackpool 40 = North 2 + Central 18 + South 20: North hidden, then Central (next smallest) too; the public
        # store gives both the same reason, so a reader cannot tell which one is the small count.
        _row(count.id, "Blackpool", "All", 40.0), _row(count.id, "North", "All", 2.0),
        _row(count.id, "Central", "All", 18.0), _row(count.id, "South", "All", 20.0),
    ])
    board = _store(values)
    pub = public_store(board)
    v = pub.values
    assert private.id not in set(v["metric_id"]) and private.id not in pub.catalogue.ids
    assert list(v.loc[v["metric_id"] == dna.id, "breakdown"]) == (["All"] if dna.public else [])
    counts = v[v["metric_id"] == count.id].set_index("area")
    assert list(counts["status"]) == ["ok", "suppressed", "suppressed", "ok"]
    assert list(counts["suppression"]) == ["", "protected", "protected", ""]
    assert v["numerator"].isna().all() and v["denominator"].isna().all()  # never in the public store
    assert v.loc[v["metric_id"] == dna.id, "value"].tolist() in ([12.0], [])  # rounded to the unit's precision
    assert pub.records == {} and pub.problems == []
    assert "row 17" not in pub.inputs["therapy_referrals"]["reason"]
    assert pub.version != board.version  # caches keyed by version never mix the editions
    assert public_store(board) is pub  # computed once per data version
    assert len(board.values) == 7 and board.records  # the board's store is untouched


# -- what each audience may see -------------------------------------------------------------------------------

def test_one_policy_per_audience():
    board, public = policy(BOARD), policy(PUBLIC)
    assert board == Policy(BOARD, vocabulary.BOARD, limits=True, spc_terms=True, records=True, counts_behind=True,
                           internal=True)
    # The public sees no per-point limits (a p chart's limits give each denominator back), no SPC words, no
    # record-level views, no counts behind a percentage and no internal detail.
    assert public == Policy(PUBLIC, vocabulary.PUBLIC, limits=False, spc_terms=False, records=False,
                            counts_behind=False, internal=False)
    assert policy() is board  # this process: APP_EDITION unset
    with pytest.raises(KeyError):
        policy("Board")  # only the two names: anything else was failed closed by read_edition


# -- family wording -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("metric_id, icon, label, sentence", [
    # tests/unit/builders.py: complaints ends above its limits (lower is better), attendance the same figures
    # where higher is better, the waits total is flat noise, requests (neutral) ends above its limits.
    ("complaints", "worse", "Getting worse", "More complaints."),
    ("attendance", "better", "Getting better", "More sessions attended."),
    ("waits", "same", "No clear change", "About as many children are waiting."),
    ("requests", "higher", "Higher than usual", "More requests."),  # neutral: `improving` words a rise
    ("waiting", "unknown", "Not enough information yet", None),  # unavailable: nothing to read
])
def test_public_icon_and_sentence_from_the_catalogue(small_store, metric_id, icon, label, sentence):
    v = measure_view(small_store, metric_id, Scope(), "All", "public")
    (i,) = v.icons
    assert (i.key, i.label) == (icon, label)
    assert (v.sentences[0].text if v.sentences else None) == sentence


def test_too_few_points_say_not_enough_information(small_store):
    v = measure_view(small_store, "complaints", Scope(start="2023-10"), "All", "public")  # 4 months
    assert v.icons[0].key == "unknown"
    assert v.sentences[0].text == "There is not enough information yet to say whether this is changing."


def test_metrics_layer_modules_do_not_import_dash():
    code = ("import sys, metrics.edition, metrics.disclosure, metrics.view.pages, metrics.view.overview, "
            "metrics.view.registry, metrics.view.datapage, metrics.report; print('dash' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
