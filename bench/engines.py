"""The same two waiting-list queries over a therapy referrals Parquet extract, in Polars, DuckDB and pandas.

Each engine reads the Parquet file itself on every run (as a request on a fresh extract would), and every answer is
checked equal to the others before any time is reported: a fast wrong answer does not count.

- `monthly`: per service and month of referral, referrals received, those still waiting on `as_of`, and those first
  seen within 18 weeks (126 days) of referral. The "monthly waiting-list aggregation" of issue 5.
- `drilldown`: the therapy page's drill-down, children waiting on `as_of` for one service by weeks-waited band, with
  the median weeks waited in each band; the app answers it with `therapy_current_waiters`, timed here too on the
  frame as the Store holds it, so its time can be set against the fastest engine's.

Waiting on `as_of` (the definition in metrics/derive/therapy.py): referred on or before it, and neither first seen
nor discharged by then.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.stats import time_calls
from metrics.area import load_area
from metrics.catalogue import load_catalogue
from metrics.derive.therapy import OVER_18_WEEKS_DAYS, WEEKS_BANDS, therapy_current_waiters
from metrics.store import kept_records

BAND_LABELS = [label for label, _ in WEEKS_BANDS]
BAND_UPTO = [upto for _, upto in WEEKS_BANDS[:-1]]  # inclusive upper bounds in days; the last band is open
MONTHLY_COLUMNS = ["service", "month", "referred", "waiting", "seen_within_18_weeks"]
DRILLDOWN_COLUMNS = ["category", "waiting", "median_weeks"]


# -- the answers, normalised so engines can be compared exactly ------------------------------------------------

def _monthly_frame(df: pd.DataFrame) -> pd.DataFrame:
    df = df[MONTHLY_COLUMNS].copy()
    df["service"] = df["service"].astype(str)
    df["month"] = pd.to_datetime(df["month"]).astype("datetime64[s]")
    for c in MONTHLY_COLUMNS[2:]:
        df[c] = df[c].astype("int64")
    return df.sort_values(["service", "month"]).reset_index(drop=True)


def _drilldown_frame(df: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame({"category": BAND_LABELS}).merge(df[DRILLDOWN_COLUMNS], on="category", how="left")
    df["category"] = df["category"].astype(str)
    df["waiting"] = df["waiting"].fillna(0).astype("int64")
    df["median_weeks"] = df["median_weeks"].astype("float64")
    return df


def same_answer(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Counts equal exactly; medians equal to 1e-9 relative (engines may divide in a different order)."""
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=0)
    except AssertionError:
        return False
    return True


# -- Polars: lazy scan, filters pushed into the read ----------------------------------------------------------

def _pl_waiting(as_of: date) -> pl.Expr:
    return ((pl.col("referral_date") <= as_of)
            & (pl.col("first_contact_date").is_null() | (pl.col("first_contact_date") > as_of))
            & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") > as_of)))


def polars_monthly(path: Path, as_of: date, service: str) -> pd.DataFrame:
    waited = (pl.col("first_contact_date") - pl.col("referral_date")).dt.total_days()
    out = (pl.scan_parquet(path)
           .filter(pl.col("referral_date") <= as_of)
           .group_by("service", pl.col("referral_date").dt.truncate("1mo").alias("month"))
           .agg(pl.len().alias("referred"), _pl_waiting(as_of).sum().alias("waiting"),
                (waited <= OVER_18_WEEKS_DAYS).sum().alias("seen_within_18_weeks"))
           .collect())
    return _monthly_frame(out.to_pandas())


def polars_drilldown(path: Path, as_of: date, service: str) -> pd.DataFrame:
    days = (pl.lit(as_of) - pl.col("referral_date")).dt.total_days()
    band = pl.lit(BAND_LABELS[-1])
    for label, upto in reversed(WEEKS_BANDS[:-1]):
        band = pl.when(days <= upto).then(pl.lit(label)).otherwise(band)
    out = (pl.scan_parquet(path)
           .filter((pl.col("service") == service) & _pl_waiting(as_of))
           .group_by(band.alias("category"))
           .agg(pl.len().alias("waiting"), (days.median() / 7).alias("median_weeks"))
           .collect())
    return _drilldown_frame(out.to_pandas())


# -- DuckDB: SQL over read_parquet ----------------------------------------------------------------------------

_DUCK_WAITING = """referral_date <= $as_of
    AND (first_contact_date IS NULL OR first_contact_date > $as_of)
    AND (discharge_date IS NULL OR discharge_date > $as_of)"""


def duckdb_monthly(path: Path, as_of: date, service: str, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    sql = f"""
    SELECT service, CAST(date_trunc('month', referral_date) AS DATE) AS month, count(*) AS referred,
           count(*) FILTER (WHERE {_DUCK_WAITING}) AS waiting,
           count(*) FILTER (WHERE date_diff('day', referral_date, first_contact_date) <= {OVER_18_WEEKS_DAYS})
               AS seen_within_18_weeks
    FROM read_parquet($path) WHERE referral_date <= $as_of GROUP BY ALL"""
    return _monthly_frame(con.execute(sql, {"path": str(path), "as_of": as_of}).df())


def duckdb_drilldown(path: Path, as_of: date, service: str, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    cases = " ".join(f"WHEN days <= {upto} THEN '{label}'" for label, upto in WEEKS_BANDS[:-1])
    sql = f"""
    WITH w AS (SELECT date_diff('day', referral_date, $as_of) AS days FROM read_parquet($path)
               WHERE service = $service AND {_DUCK_WAITING})
    SELECT CASE {cases} ELSE '{BAND_LABELS[-1]}' END AS category, count(*) AS waiting,
           median(days) / 7 AS median_weeks
    FROM w GROUP BY ALL"""
    return _drilldown_frame(con.execute(sql, {"path": str(path), "as_of": as_of, "service": service}).df())


# -- pandas over pyarrow: only the needed columns read, the service filter pushed into the Parquet read ----------

def _pd_read(path: Path, columns: list[str], filters=None) -> pd.DataFrame:
    return pq.read_table(path, columns=columns, filters=filters).to_pandas(date_as_object=False)


def _pd_waiting(df: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    fc, dc = df["first_contact_date"], df["discharge_date"]
    return (df["referral_date"] <= as_of) & (fc.isna() | (fc > as_of)) & (dc.isna() | (dc > as_of))


def pandas_monthly(path: Path, as_of: date, service: str) -> pd.DataFrame:
    ts = pd.Timestamp(as_of)
    df = _pd_read(path, ["service", "referral_date", "first_contact_date", "discharge_date"])
    df = df[df["referral_date"] <= ts]
    parts = pd.DataFrame({
        "service": df["service"],
        "month": df["referral_date"].to_numpy().astype("datetime64[M]"),
        "waiting": _pd_waiting(df, ts),
        "seen": (df["first_contact_date"] - df["referral_date"]).dt.days <= OVER_18_WEEKS_DAYS,
    })
    out = (parts.groupby(["service", "month"], sort=False)
           .agg(referred=("waiting", "size"), waiting=("waiting", "sum"), seen_within_18_weeks=("seen", "sum"))
           .reset_index())
    return _monthly_frame(out)


def pandas_drilldown(path: Path, as_of: date, service: str) -> pd.DataFrame:
    ts = pd.Timestamp(as_of)
    df = _pd_read(path, ["referral_date", "first_contact_date", "discharge_date"], filters=[("service", "==", service)])
    df = df[_pd_waiting(df, ts)]
    days = (ts - df["referral_date"]).dt.days
    category = np.array(BAND_LABELS, dtype=object)[np.searchsorted(BAND_UPTO, days.to_numpy(), side="left")]
    out = (pd.DataFrame({"category": category, "days": days.to_numpy()})
           .groupby("category").agg(waiting=("days", "size"), median_weeks=("days", "median")).reset_index())
    out["median_weeks"] = out["median_weeks"] / 7
    return _drilldown_frame(out)


# -- the app's own drill-down, on the frame as the Store holds it (and, for contrast, on a lazy scan) ------------

def app_drilldown(records, as_of: date, service: str) -> pd.DataFrame:
    out = therapy_current_waiters(records, as_of=as_of, service=service, by="weeks_band")
    return _drilldown_frame(out)


def store_frame(path: Path) -> pl.DataFrame:
    """The referrals as `metrics.store.build_store` keeps them in memory (`kept_records`: no ids, Enum codes)."""
    return kept_records(pl.from_arrow(pq.read_table(path)), load_area(), load_catalogue())


# -- running it ------------------------------------------------------------------------------------------------

def query_point(path: Path) -> tuple[date, str]:
    """The as-of date (the last referral date in the extract) and the busiest service, read outside any timing."""
    t = pq.read_table(path, columns=["service", "referral_date"])
    as_of = pc.max(t["referral_date"]).as_py()
    counts = pc.value_counts(t["service"]).to_pylist()
    return as_of, max(counts, key=lambda c: (c["counts"], c["values"]))["values"]


def run_size(path: Path, *, repeat: int, budget_s: float = 30.0, app: bool = True) -> dict:
    """Time every engine on both queries over one extract; raises if any two engines disagree."""
    as_of, service = query_point(path)
    con = duckdb.connect()
    engines = {
        "monthly": {"polars": lambda: polars_monthly(path, as_of, service),
                    "duckdb": lambda: duckdb_monthly(path, as_of, service, con),
                    "pandas": lambda: pandas_monthly(path, as_of, service)},
        "drilldown": {"polars": lambda: polars_drilldown(path, as_of, service),
                      "duckdb": lambda: duckdb_drilldown(path, as_of, service, con),
                      "pandas": lambda: pandas_drilldown(path, as_of, service)},
    }
    out = {"rows": pq.ParquetFile(path).metadata.num_rows, "as_of": as_of.isoformat(), "service": service}
    for query, fns in engines.items():
        timings, answers = {}, {}
        for name, fn in fns.items():
            timings[name], answers[name] = time_calls(fn, repeat=repeat, budget_s=budget_s)
        reference = next(iter(answers.values()))
        disagree = [n for n, a in answers.items() if not same_answer(reference, a)]
        if disagree:
            raise AssertionError(f"{query}: {', '.join(disagree)} disagree with {next(iter(answers))} on {path}:\n"
                                 + "\n".join(f"{n}:\n{a}" for n, a in answers.items()))
        fastest = min(timings, key=lambda n: timings[n]["p50_ms"])
        for t in timings.values():
            t["vs_fastest"] = round(t["p50_ms"] / timings[fastest]["p50_ms"], 2)
        out[query] = {"engines": timings, "fastest": fastest, "answers_identical": True,
                      "result_rows": len(reference)}
        if query == "drilldown" and app:
            out[query]["app"] = _time_app(path, as_of, service, reference, timings[fastest]["p50_ms"], repeat,
                                          budget_s)
    con.close()
    return out


def _time_app(path, as_of, service, reference, fastest_ms, repeat, budget_s) -> dict:
    """`therapy_current_waiters` on the in-memory frame the Store holds, and on a lazy Parquet scan."""
    frame = store_frame(path)
    out = {}
    for name, records in (("in_memory", frame), ("scan_parquet", pl.scan_parquet(path))):
        timing, answer = time_calls(lambda: app_drilldown(records, as_of, service), repeat=repeat, budget_s=budget_s)
        if not same_answer(reference, answer):
            raise AssertionError(f"therapy_current_waiters ({name}) disagrees with the engines on {path}:\n{answer}")
        out[name] = {**timing, "vs_fastest": round(timing["p50_ms"] / fastest_ms, 2)}
    out["frame_mb"] = round(frame.estimated_size() / 2**20, 1)
    return out


def run(paths: dict[int, Path], *, repeat: dict[int, int] | None = None, budget_s: float = 30.0) -> dict:
    """Run every size; `paths` maps a row count to a referrals Parquet file of that many rows."""
    repeat = repeat or {}
    return {str(n): run_size(p, repeat=repeat.get(n, 7 if n >= 5_000_000 else 15), budget_s=budget_s)
            for n, p in sorted(paths.items())}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run({pq.ParquetFile(p).metadata.num_rows: Path(p) for p in sys.argv[1:]}), indent=1))
