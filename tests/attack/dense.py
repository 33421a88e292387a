"""Generated data dense with small cells, for the attack suite: data/generate.py's own simulations, run small.

`write(folder)` writes a complete data folder (the area, catalogue and provenance from data/, never written to):
therapy referrals at an eighth of Blackpool's demand, a third of the EHC requests with one in six under an
exception (so exceptions are small numbers most months), a third of the annual reviews, the synthetic metric
values, and published-style annual rows (new plans and the 20-week measure for the whole area) that are the sums of
the months, so that a year and its months are both public, as the default data has them.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "data"))

import generate  # noqa: E402  (data/generate.py)

from metrics import schemas  # noqa: E402
from metrics.area import load_area  # noqa: E402
from metrics.catalogue import load_catalogue  # noqa: E402
from metrics.store import build_store  # noqa: E402

SEED = 20260313
THERAPY_SCALE = 0.125
KEEP = 1 / 3


def _sample(rng, table: pa.Table, share: float) -> pa.Table:
    return table.take(np.sort(rng.choice(table.num_rows, int(table.num_rows * share), replace=False)))


def write(folder: Path, seed: int = SEED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("catalogue.toml", "area.toml", "inputs.toml", "annotations.csv", "disclosure.toml"):
        shutil.copy(ROOT / "data" / name, folder / name)
    catalogue, area = load_catalogue(), load_area()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    referrals = generate.therapy_referrals(streams[0], catalogue, scale=THERAPY_SCALE)
    requests = _sample(streams[1], generate.ehc_requests(streams[2]), KEEP)
    exception = pc.or_(requests.column("exception_applies"), pa.array(streams[3].random(requests.num_rows) < 1 / 6))
    requests = requests.set_column(requests.schema.get_field_index("exception_applies"),
                                   schemas.EHC_REQUESTS.field("exception_applies"), exception)
    reviews = _sample(streams[4], generate.annual_reviews(streams[4], requests), KEEP)
    values = generate.metric_values(streams[5], catalogue, area.name, area.localities,
                                    ("England", "Statistical neighbours"))
    for name, table in (("therapy_referrals", referrals), ("ehc_requests", requests), ("annual_reviews", reviews),
                        ("metric_values", values)):
        generate.write_table(table, folder / f"{name}.parquet")
    _add_annual(folder, values, area.name)
    return folder


def _add_annual(folder: Path, values: pa.Table, area_name: str) -> None:
    """Whole-area calendar years of plans issued (as new plans) and of the 20-week measure, from complete years."""
    derived = build_store(folder, precompute=False).values
    months = derived[(derived["area"] == area_name) & (derived["period_type"] == "month")
                     & (derived["breakdown"] == "All")]
    rows = []
    for metric, source in (("ehcp_new_plans", "ehcp_plans_issued"), ("ehcp_20wk_incl", "ehcp_20wk_incl")):
        m = months[months["metric_id"] == source]
        for year, g in m.groupby(m["period_start"].dt.year):
            if len(g) != 12:
                continue
            if metric == "ehcp_new_plans":
                value, num, den = float(g["value"].sum()), None, None
            else:
                num, den = float(g["numerator"].sum()), float(g["denominator"].sum())
                value = 100 * num / den
            rows.append(generate._row(metric, generate.date(year, 1, 1), "calendar_year", area_name, "All", value,
                                      num, den, "ok"))
    keep = pc.invert(pc.and_(pc.equal(values.column("metric_id"), "ehcp_new_plans"),
                             pc.equal(values.column("area"), area_name)))
    extra = pa.Table.from_pylist(rows, schema=schemas.METRIC_VALUES)
    generate.write_table(pa.concat_tables([values.filter(keep), extra]), folder / "metric_values.parquet")
