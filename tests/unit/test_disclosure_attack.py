"""The attack suite: an anonymous visitor of the public edition tries to work out what disclosure control hid.

The visitor (tests/attack/crawl.py, the real app imported with APP_EDITION=public in its own process) fetches the
public store's series, every chart's CSV download and figure, the overview downloads and every public page's JSON
(router callback). The attacker
(tests/attack/attacker.py) then tries area - localities, `All` - breakdowns, a year - its months, measures that
count the same children, nesting, rounding fits of published percentages, complements and consecutive periods;
tests/attack/limits.py tries limit inversion on every number series of every chart. Checked against the board's
data, nothing may come back: no hidden cell's figure, no small count, no small complement or difference (a hidden
figure worked out to be 0 is reported, not counted: a zero identifies no child). That on the default data, and on
generated data dense with small cells (tests/attack/dense.py). The controls show each attack does recover cells
from a publisher without these protections (tests/attack/naive.py, the rules before issue 13) and from a board
chart's limits, so a pass is not vacuous; each report says what was tried and how often.
"""
import fcntl
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics import disclosure
from metrics.catalogue import load_catalogue
from metrics.store import build_store
from tests.attack import dense, naive
from tests.attack.attacker import Attack, observe
from tests.attack.knowledge import Knowledge
from tests.attack.limits import figures, invert_figure

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()
UNITS = {m.id: m.unit for m in CATALOGUE.metrics}
PUBLIC = [m.id for m in CATALOGUE.metrics if m.public]


# -- what the visitor fetched (one crawl per data set, shared by the xdist workers of a session) -------------------

def _shared_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _once(root: Path, name: str, make) -> Path:
    """`make(path)` run by one worker only; the others wait for it and read the same file."""
    target = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            make(target)
    return target


def _crawl(target: Path, data_dir: Path | None, pages: bool) -> None:
    env = {**os.environ, "APP_EDITION": "public", "CACHE_DIR": str(target.parent / f"{target.stem}-cache")}
    env.pop("BOARD_AUTH_HEADER", None)
    if data_dir is not None:
        env["DATA_DIR"] = str(data_dir)
    out = subprocess.run([sys.executable, "-m", "tests.attack.crawl", str(target), *(["--pages"] if pages else [])],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.fixture(scope="module")
def default_crawl(tmp_path_factory) -> dict:
    root = _shared_root(tmp_path_factory)
    return json.loads(_once(root, "crawl-default.json", lambda t: _crawl(t, None, pages=True)).read_text())


@pytest.fixture(scope="module")
def dense_dir(tmp_path_factory) -> Path:
    root = _shared_root(tmp_path_factory)
    return _once(root, "dense-data", lambda t: dense.write(t))


@pytest.fixture(scope="module")
def dense_crawl(tmp_path_factory, dense_dir) -> dict:
    root = _shared_root(tmp_path_factory)
    return json.loads(_once(root, "crawl-dense.json", lambda t: _crawl(t, dense_dir, pages=False)).read_text())


def run_attack(crawl: dict, board) -> "Report":  # noqa: F821
    store = pd.DataFrame(crawl["store"])
    seen, leaks, read = observe(store, crawl["csv"])
    attack = Attack(seen, UNITS, Knowledge(), board.area.name, board.area.localities)
    attack.run()
    report = attack.evaluate(board.values)
    report.findings[:0] = leaks
    report.tried.update(read)
    return report


# What "not vacuous" means: each attack had plenty of material.
AT_LEAST = {"CSV files read": 400, "rounding fits: percentages fitted": 300,
            "complements: denominator - numerator tested": 3000, "nested differences tested": 2000,
            "linear algebra: unknowns tested for a unique value": 10000, "evaluated: hidden cells": 3000,
            "sums: bounds propagated along a line": 50000, "nesting: part no larger than its whole": 10000}


def check_public(crawl: dict, board) -> None:
    # Every download and figure answers; a page that fails to render (a 500 is the lead's, not a leak) is listed.
    broken = [e for e in crawl["errors"] if e[0].startswith(("/download/", "/figure/"))]
    assert not broken, broken[:5]
    print("pages that did not render:", [e for e in crawl["errors"] if e not in broken])
    store = pd.DataFrame(crawl["store"])
    # The public store carries no numerator or denominator, one reason for every hidden cell, rounded values.
    assert store["numerator"].isna().all() and store["denominator"].isna().all()
    assert set(store["suppression"]) <= {"", disclosure.PROTECTED}
    precision = disclosure.load_rules().precision
    places = {}
    for download in crawl["csv"]:
        table = pd.read_csv(io.StringIO(download["text"]), dtype=str, keep_default_na=False)
        if "unit" not in table:
            continue  # a drill-down's panels: their figures are the measures' own
        for value, unit in zip(table["value"], table["unit"]):
            if value not in ("", "c", "x", "z", "low"):
                places[unit] = max(places.get(unit, 0), len(value.partition(".")[2]))
    assert all(places[u] <= precision[u] for u in places), places
    report = run_attack(crawl, board)
    print(report.text())
    assert report.findings == [], report.text()
    short = {k: (report.tried[k], n) for k, n in AT_LEAST.items() if report.tried[k] < n}
    assert not short, (short, report.text())


def test_default_data_public_edition_gives_nothing_away(default_crawl):
    check_public(default_crawl, build_store(precompute=False))


def test_dense_generated_data_gives_nothing_away(dense_crawl, dense_dir):
    board = build_store(dense_dir, precompute=False)
    v = board.values
    counts = v[v["metric_id"].isin(PUBLIC) & v["area"].isin(board.areas) & (v["status"] == "ok")
               & v["metric_id"].map(UNITS).eq("count")]
    assert counts["value"].between(1, 5).mean() > 0.3  # dense with small cells indeed
    check_public(dense_crawl, board)


# -- limit inversion on every chart of every public page -------------------------------------------------------------

def denominators(board) -> dict:
    v = board.values
    v = v[v["denominator"].notna()]
    return {(m, a, b, str(d.date())): n for m, a, b, d, n in
            zip(v["metric_id"], v["area"], v["breakdown"], v["period_start"], v["denominator"])}


def inverted(figs, board) -> tuple[Counter, int]:
    """Points whose chart gives a whole number that is the true denominator, counted per (chart, series pair)
    only where most of a pair's points do (a lone whole number is chance). `figs`: (where, metric, place,
    breakdown, figure)."""
    truth, tried, found = denominators(board), 0, Counter()
    for where, metric, place, breakdown, fig in figs:
        n_tried, hits = invert_figure(fig)
        tried += n_tried
        good, per_pair = Counter(), Counter()
        for h in hits:
            per_pair[(h.centre, h.limit)] += 1
            if truth.get((metric, place, breakdown, h.x[:10])) == h.n:
                good[(h.centre, h.limit)] += 1
        for pair, n in good.items():
            if n >= 3 and n >= per_pair[pair] / 2:
                found[(where, metric, *pair)] += n
    return found, tried


def test_public_charts_carry_no_limits_that_give_denominators(default_crawl):
    # Every figure of every public chart (and any figure drawn into a page) is inverted as if it were a p chart.
    board = build_store(precompute=False)
    names = {"area": board.area.name, **{p.lower(): p for p in board.area.localities}}
    figs = [(f"{f['metric']} {f['place']} {f['breakdown']} chart {f['chart']}", f["metric"], f["place"],
             f["breakdown"], f["figure"]) for f in default_crawl["figures"]]
    for where, tree in default_crawl["pages"].items():
        place = names[where.split("locality=")[1].split("&")[0]]
        figs += [(where, card["metric"], place, card["breakdown"], fig) for card, fig in figures(tree) if card]
    assert len(figs) >= 500
    found, tried = inverted(figs, board)
    print(f"limit inversion: {len(figs)} charts, {tried:,} candidate inferences, {sum(found.values())} recovered")
    assert tried > 10000
    assert not found, found.most_common(5)


def test_limit_inversion_recovers_denominators_from_a_p_chart():
    # Control: the board's monthly 20-week chart for Central draws p-chart limits, and they give its denominators.
    from components.chart import figure
    from metrics.view.registry import resolve
    board = build_store(precompute=False)
    view = resolve(board, "ehcp_20wk_incl", {"locality": "central"}, "board")
    monthly = next(c for c in view.charts if c.spec is not None and "Process limits" in
                   [t.get("name") for t in figure(c.spec)["data"]])
    found, _ = inverted([("board", "ehcp_20wk_incl", "Central", "All", figure(monthly.spec))], board)
    assert sum(found.values()) >= 40  # of the 72 months


# -- controls: each attack recovers cells from a publisher without these protections ------------------------------

@pytest.fixture(scope="module")
def board():
    return build_store(precompute=False)


def rows(board, metric, cells, when="2026-07-01", period_type="month"):
    """Metric-values rows: cells are (place, breakdown, value) for a count, (place, breakdown, k, n) for a
    percentage."""
    out = []
    for place, breakdown, *x in cells:
        k, n = (x[0], x[1]) if len(x) == 2 else (np.nan, np.nan)
        out.append({"metric_id": metric, "period_type": period_type, "period_start": pd.Timestamp(when),
                    "area": board.area.name if place == "area" else place, "breakdown": breakdown,
                    "value": 100 * k / n if len(x) == 2 else float(x[0]), "numerator": k, "denominator": n,
                    "status": "ok", "source": "test", "synthetic": True, "series_break": False})
    return pd.DataFrame(out)


def attacked(board, published, truth, knowledge=None):
    seen, leaks, _ = observe(published, [])
    attack = Attack(seen, UNITS, knowledge or Knowledge(), board.area.name, board.area.localities)
    attack.run()
    report = attack.evaluate(truth)
    report.findings[:0] = leaks
    return {(f.what, f.cell[3:], f.value) for f in report.findings}, report


def protected(board, values):
    rules = disclosure.load_rules(catalogue=CATALOGUE)
    return disclosure.publish(values, UNITS, area=board.area.name, localities=board.area.localities, rules=rules)


def old_rules(board, values, **kw):
    return naive.publish(values, UNITS, board.area.name, board.area.localities, **kw)


def test_area_minus_localities_and_all_minus_breakdowns_recover_small_cells(board):
    values = pd.concat([rows(board, "ehcp_requests", [("area", "All", 20), ("North", "All", 3), ("Central", "All", 8),
                                                      ("South", "All", 9)]),
                        rows(board, "therapy_referrals", [("Central", "All", 30), ("Central", "Physiotherapy", 2),
                                                          ("Central", "Occupational therapy", 28)])])
    found, _ = attacked(board, old_rules(board, values, secondary=False), values)
    assert ("hidden cell", ("North", "All"), 3.0) in found
    assert ("hidden cell", ("Central", "Physiotherapy"), 2.0) in found
    assert attacked(board, protected(board, values), values)[0] == set()


def issue_example(board):
    """The issue's Central occupational therapy waiting list: 253 - 100 - 40 - 25 - 33 - 30 - 21 = 4, the 21 from
    a percentage over 18 weeks (61.905%) that fits only 13/21 among the denominators the other services leave."""
    services = ["Speech and language therapy", "Physiotherapy", "Community paediatrics", "Neurodevelopmental "
                "pre-school", "Neurodevelopmental school-age", "Wheelchair service"]
    sizes = [100, 40, 25, 33, 30, 21]
    over = [40, 20, 10, 12, 12, 13]
    lists = [("Central", "All", 253), ("Central", "Occupational therapy", 4), *(("Central", s, n) for s, n in
                                                                               zip(services, sizes))]
    shares = [("Central", "All", sum(over) + 2, 253), ("Central", "Occupational therapy", 2, 4),
              *(("Central", s, k, n) for s, k, n in zip(services, over, sizes))]
    return pd.concat([rows(board, "therapy_waiting_list", lists), rows(board, "therapy_over_18wk_pct", shares)],
                     ignore_index=True)


def test_shared_denominators_and_rounding_recover_the_issues_example(board):
    values = issue_example(board)
    target = ("hidden cell", ("Central", "Occupational therapy"), 4.0)
    old = old_rules(board, values, digits=3)
    assert target in attacked(board, old, values)[0]
    assert target not in attacked(board, old, values, Knowledge(same=()))[0]  # needs the shared denominator
    assert target not in attacked(board, old_rules(board, values, digits=0), values)[0]  # and the 3 decimals
    assert attacked(board, protected(board, values), values)[0] == set()


def test_complements_and_nested_differences_come_back_without_their_rules(board):
    # 70% of 10 is 7 of 10: 3 were not. 30 waiting, 20 over 18 weeks, 17 over 52: 3 waited 18 to 52 weeks.
    values = pd.concat([rows(board, "ehcp_plans_issued", [("area", "All", 10)]),
                        rows(board, "ehcp_20wk_incl", [("area", "All", 7, 10)]),
                        rows(board, "therapy_waiting_list", [("area", "All", 30)]),
                        rows(board, "therapy_over_18wk_pct", [("area", "All", 20, 30)]),
                        rows(board, "therapy_52wk_waiters", [("area", "All", 17)])], ignore_index=True)
    found, report = attacked(board, old_rules(board, values, digits=3), values)
    assert Counter(w for w, *_ in found) == {"small complement": 1, "small difference": 1}, report.text()
    assert attacked(board, protected(board, values), values)[0] == set()


def test_a_year_and_its_months_give_a_hidden_month_back(board):
    counts = [20, 25, 3, 22, 30, 18, 26, 24, 28, 19, 27, 29]
    values = pd.concat([rows(board, "ehcp_requests", [("area", "All", c)], when=f"2025-{m:02d}-01")
                        for m, c in enumerate(counts, start=1)] +
                       [rows(board, "ehcp_requests", [("area", "All", sum(counts))], when="2025-01-01",
                             period_type="calendar_year")], ignore_index=True)
    found, _ = attacked(board, old_rules(board, values, secondary=False), values)
    assert {(w, v) for w, _, v in found} == {("hidden cell", 3.0), ("small count", 3.0)}
    assert attacked(board, protected(board, values), values)[0] == set()


def test_consecutive_periods_of_a_cumulative_count_give_a_small_change_back(board):
    values = pd.concat([rows(board, "ehcp_requests", [("area", "All", c)], when=f"2025-{m:02d}-01")
                        for m, c in zip(range(4, 10), [10, 17, 24, 27, 34, 41])], ignore_index=True)
    found, _ = attacked(board, values, values, Knowledge(cumulative={"ehcp_requests": "financial_year"}))
    assert {(w, v) for w, _, v in found} == {("small change", 3.0)}
    relations = disclosure.Relations(cumulative=(("ehcp_requests", "financial_year"),))
    safe = disclosure.publish(values, UNITS, area=board.area.name, localities=board.area.localities,
                              rules=disclosure.Rules(relations=relations))
    assert attacked(board, safe, values, Knowledge(cumulative={"ehcp_requests": "financial_year"}))[0] == set()


# -- the relations the protection knows are the ones in the data -----------------------------------------------------

def test_every_equality_between_public_quantities_is_declared(board):
    """Any two public quantities equal in every cell they share (a measure counting the same children as another)
    must be declared [[same]] in data/disclosure.toml: an undeclared one is a shared denominator unprotected."""
    v = board.values
    v = v[v["metric_id"].isin(PUBLIC) & v["area"].isin(board.areas) & (v["status"] == "ok")]
    long = []
    for quantity in ("value", "numerator", "denominator"):
        part = v[v[quantity].notna()]
        if quantity == "value":
            part = part[part["metric_id"].map(UNITS).eq("count")]
        long.append(part.assign(series=part["metric_id"] + "." + quantity, x=part[quantity])[
            ["series", "period_type", "period_start", "area", "breakdown", "x"]])
    wide = pd.concat(long).pivot_table(index=["period_type", "period_start", "area", "breakdown"],
                                       columns="series", values="x", aggfunc="first")
    declared = {frozenset(f"{m}.{q}" for m, q in group)
                for group in disclosure.load_rules(catalogue=CATALOGUE).relations.same}
    cols = list(wide.columns)
    x = wide.to_numpy(float)
    undeclared = []
    for i, a in enumerate(cols):
        for j in range(i + 1, len(cols)):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            if (both & (x[:, i] > 0)).sum() >= 12 and (x[both, i] == x[both, j]).all():
                if a.split(".")[0] != cols[j].split(".")[0] and \
                        not any({a, cols[j]} <= group for group in declared):
                    undeclared.append((a, cols[j]))
    assert not undeclared, undeclared
    assert declared  # and the check saw the declared ones: it is not vacuous
    found = {(a, b) for a, b in [("ehcp_20wk_incl.denominator", "ehcp_plans_issued.value")]
             if (x[:, cols.index(a)] == x[:, cols.index(b)]).sum() >= 12}
    assert found
