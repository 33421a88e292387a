"""Faults, CI-sized: the scenarios of bench/faults.py (RELIABILITY.md has the full run, `python -m bench.reliability`).

- an extract SIGKILLed mid-copy and mid-run: data/ exactly as before or as after, no temporary file, the next
  extract runs;
- extracts at the same time: serialised by the lock, one outcome, each report true to what it did;
- every class of bad input refused by `metrics.extract` / `metrics.validate` naming file, column and row, nothing
  changed; the app keeps serving its pages with a bad file put straight into its data folder; a value that gets
  past validation never 500s a page;
- the app under the Procfile's gunicorn with Redis stopped, Redis hung and a worker killed, under load: it keeps
  answering, errors are counted, and nothing fails once the fault is over.
"""
import shutil
from pathlib import Path

import pytest

from bench import faults


@pytest.mark.slow
def test_an_extract_killed_mid_copy_or_mid_run_loses_nothing_and_leaves_nothing(tmp_path):
    outcome = faults.extract_killed(tmp_path, quick=True)
    trials = outcome.details["trials"]
    assert outcome.tried == len(trials) >= 2 and outcome.survived == outcome.tried and outcome.lost == 0, trials
    assert trials[0]["when"].startswith("mid-copy") and trials[0]["killed_while_running"]
    for t in trials:
        assert t["state"] in ("old", "new") and t["temporaries_after_kill"] == 0, t  # unnamed copies vanish
        assert t["next_run_ok"] and t["state_after_next_run"] == "new", t


@pytest.mark.slow
def test_extracts_at_the_same_time_are_serialised_and_report_truthfully(tmp_path):
    outcome = faults.extract_concurrent(tmp_path, quick=True)
    trials = outcome.details["trials"]
    assert outcome.survived == outcome.tried == len(trials) >= 2 and outcome.lost == 0, trials
    held = trials[0]
    assert held["refused_rc"] == 3 and held["unchanged_while_refused"] and held["waited"] and held["final"] == "b"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return faults.copy_data(tmp_path_factory.mktemp("faults") / "data")


@pytest.mark.parametrize("bad", faults.BAD_INPUTS, ids=[b.name for b in faults.BAD_INPUTS])
def test_each_bad_input_is_refused_naming_file_column_and_row(data_dir, tmp_path, bad):
    row = faults.refusal(bad, data_dir, tmp_path / "bad.parquet")
    assert row["refused"] and row["named"] and row["unchanged"], row


@pytest.mark.parametrize("name, what, make, words", faults.BAD_CONFIG, ids=[c[1] for c in faults.BAD_CONFIG])
def test_each_bad_configuration_file_is_reported(tmp_path, name, what, make, words):
    folder = faults.copy_data(tmp_path / "data")
    row = faults.config_refusal(name, what, make, words, folder)
    assert row["refused"] and row["named"], row


def test_bad_input_classes_cover_the_contracts_checks():
    """Every kind of refusal the issue lists has a class here (and so a row in RELIABILITY.md)."""
    words = " ".join(b.words for b in faults.BAD_INPUTS)
    for kind in ("not a finite number", "unit 'percent'", "not a whole number", "unit 'count'",
                 "does not begin a month", "does not begin a quarter", "before 2000-01-01",
                 "after the extract's month", "may hold personal data", "duplicate", "implausibly large count"):
        assert kind in words, kind
    assert {c[0] for c in faults.BAD_CONFIG} >= {"catalogue.toml", "area.toml", "annotations.csv", "inputs.toml",
                                                 "disclosure.toml"}


@pytest.mark.slow
def test_the_app_keeps_serving_with_a_bad_file_in_its_data_folder(tmp_path):
    outcome = faults.bad_inputs(tmp_path, quick=True)
    served = [c for c in outcome.details["classes"] if "pages" in c]
    assert {c["class"] for c in served} == set(faults.QUICK_PAGES)
    for c in served:  # the infinite value took these down with a 500; a corrupt catalogue stops a restart
        assert c["pages"] and c["taken_down"] == [], c
    assert outcome.errors == 0 and outcome.lost == 0 and outcome.survived == outcome.tried


def test_a_non_finite_value_that_gets_past_validation_never_500s_a_page(tmp_path, monkeypatch):
    """Defence in depth: validation's plausibility checks switched off, an infinite value reaches the store, which
    keeps it as 'not available'; the pages and the download that answered 500 in issue 13 answer as they do on
    good data (200 for the overview and the download)."""
    from metrics import validate

    monkeypatch.setattr(validate, "_plausible_values", lambda c, units: None)
    data_dir = faults.copy_data(tmp_path / "data")
    bad = next(b for b in faults.BAD_INPUTS if b.name == "value +infinity with status ok")
    source = bad.make(tmp_path / "inf.parquet")
    (metric_id,) = faults._values_of(source)
    good: dict = {}
    with faults._app_serving(data_dir) as (wired, client):
        statuses = faults.served_with(source, data_dir / "metric_values.parquet", wired, client, good,
                                      paths=("/", "/outcome-1"), metric_ids=[metric_id])
    assert statuses["page /"] == 200 and statuses[f"csv {metric_id}"] == 200, statuses
    assert statuses == good and faults.taken_down(statuses, good) == []


def test_the_store_keeps_a_non_finite_number_as_not_available():
    import polars as pl

    from metrics.store import finite_only

    frame = pl.DataFrame({"metric_id": ["a", "a", "b", "b"], "value": [1.0, float("inf"), None, 2.0],
                          "numerator": [None, None, None, float("nan")], "denominator": [None, None, None, 4.0],
                          "status": ["ok", "ok", "suppressed", "ok"]})
    out = finite_only(frame)
    assert out["status"].to_list() == ["ok", "not_available", "suppressed", "not_available"]
    assert out["value"].to_list() == [1.0, None, None, None]
    assert out["denominator"].to_list() == [None, None, None, None]
    assert finite_only(frame.head(1)) is not None and finite_only(frame.head(1)).equals(frame.head(1))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server is not installed (the Makefile's browser-deps installs it)")
def test_the_app_keeps_answering_with_redis_stopped_or_hung_and_a_worker_killed(tmp_path):
    outcome = faults.served(tmp_path, quick=True)
    phases = {p["phase"]: p for p in outcome.details["phases"]}
    assert outcome.tried == 3 and outcome.lost == 0 and outcome.details["pages_drawn"], phases
    # The load asks the shared cache (chart figures for new windows), so the Redis faults have something to act on.
    assert outcome.details["charts_drawn"] and phases["normal running"]["redis_commands"] > 0, phases
    for name, p in phases.items():
        assert p["requests"] > p["errors"], (name, p)  # it kept answering, fault or no fault
        if not p["fault"]:
            assert p["errors"] == 0, (name, p)  # nothing fails once a fault is over
    assert outcome.survived == outcome.tried
    assert outcome.details["worker_replaced_after_s"] is not None  # the master replaced the killed worker
    assert outcome.errors == sum(p["errors"] for p in phases.values())  # errors counted, whatever they are


def test_reliability_markdown_renders_every_scenario():
    from bench.reliability import render

    results = {"machine": {"commit": "abc1234"}, "quick": True, "scenarios": {
        "extract_killed": faults.Outcome("extract_killed", "kill", 1, 1, details={
            "undisturbed_run_after_copy_start_s": 1.0, "trials": [
                {"when": "mid-copy", "killed_while_running": True, "state": "old", "temporaries_after_kill": 0,
                 "next_run_ok": True, "temporaries_after_next_run": 0, "state_after_next_run": "new"}]}).as_dict(),
        "served": faults.Outcome("served", "load", 1, 1, 10, 1, details={
            "duration_s_per_phase": 1.5, "concurrency": 4, "worker_replaced_after_s": 0.1, "phases": [
                {"phase": "Redis hung", "requests": 10, "errors": 1, "error_kinds": {"HTTP 500": 1}, "rps": 3.0,
                 "p50_ms": 1.0, "p95_ms": 2.0, "max_ms": 3.0, "tracebacks_logged": 2, "log_bytes": 2048}]}).as_dict(),
    }}
    text = render(results)
    assert "| extract_killed | kill | 1 | 1 | 0 | 0 | nothing | –, – |" in text
    assert "| Redis hung | 10 | 1 (HTTP 500 1) | 3.0 | 1.0 | 2.0 | 3.0 | – | 2 | 0.2 |" in text
    assert Path(faults.ROOT / "RELIABILITY.md").exists()
