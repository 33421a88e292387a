"""Hand-made inputs for the view-model tests: a metric, a series, an analysed series, and a small data folder whose
answers are worked out by hand in the tests that read them (tests/unit/conftest.py serves it as `small_store`);
and a reader of the cells of an XLSX download."""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from metrics import schemas
from metrics.analysis import analyse
from metrics.catalogue import Metric, PublicText
from metrics.store import build_store

REPO_DATA = Path(__file__).resolve().parents[2] / "data"
PUBLIC_TEXT = PublicText("Getting better words.", "Getting worse words.", "About the same words.")


def metric(**changes) -> Metric:
    """A monthly percentage where higher is better, with two plan references; `changes` overrides any field."""
    fields = dict(id="plans_20wk", title="New plans within 20 weeks", description="d", public_text=PUBLIC_TEXT,
                  page="ehcp", unit="percent", frequency="month", improvement="increase", chart="xmr",
                  input="metric_values", breakdown="none", source="s", plan_refs=("3.1", "WSoA 2.1.2"),
                  comparators=False, public=True)
    fields.update(changes)
    return Metric(**fields)


def series(values, start="2023-01-01", freq="MS", period_type="month", numerators=None, denominators=None,
           status=None, breaks=(), synthetic=True) -> pd.DataFrame:
    """A series as the store gives one (the columns `metrics.analysis.analyse` reads)."""
    n = len(values)
    dates = pd.date_range(start, periods=n, freq=freq)
    return pd.DataFrame({
        "period_start": dates, "period_type": period_type, "value": np.asarray(values, float),
        "numerator": np.asarray(numerators if numerators is not None else [np.nan] * n, float),
        "denominator": np.asarray(denominators if denominators is not None else [np.nan] * n, float),
        "status": status or ["ok"] * n, "source": "s", "synthetic": synthetic,
        "series_break": [d in {pd.Timestamp(b) for b in breaks} for d in dates]})


def analysed(values, m: Metric | None = None, rebase=(), breakdown="All", area="Blackpool", **kw):
    """`values` (monthly from January 2023 unless `kw` says otherwise) analysed as metric `m` would be."""
    m = m or metric()
    return analyse(m, series(values, **kw), area=area, breakdown=breakdown, rebase=rebase)


# -- a small data folder --------------------------------------------------------------------------------------

CATALOGUE = '''
[pages.outcome-1]
title = "Outcome 1 – help at the right time"
nav = "Help at the right time"
intro = "Help at the right time."

[pages.therapy]
title = "Therapy waiting lists"
nav = "Therapy waits"
intro = "Waits."

[[service]]
slug = "slt"
name = "Speech and language therapy"
while_you_wait = "https://example.org/slt"
while_you_wait_text = "Ideas while you wait."

[[service]]
slug = "physio"
name = "Physiotherapy"
while_you_wait = "https://example.org/physio"
while_you_wait_text = "Exercises while you wait."

[[metric]]
id = "pct_on_time"
title = "Plans on time"
description = "Share of plans finished on time."
public_text.improving = "More plans are on time."
public_text.worsening = "Fewer plans are on time."
public_text.no_change = "About the same share of plans is on time."
page = "outcome-1"
unit = "percent"
frequency = "month"
improvement = "increase"
target = 80.0
target_source = "Test plan"
chart = "p"
input = "metric_values"
breakdown = "none"
source = "Test source (LAIT)"
plan_refs = ["3.1", "WSoA 2.1.2"]
owner = "Head of SEND"
comparators = true
public = true

[[metric]]
id = "complaints"
title = "Complaints"
description = "Complaints received."
public_text.improving = "Fewer complaints."
public_text.worsening = "More complaints."
public_text.no_change = "About as many complaints."
page = "outcome-1"
unit = "count"
frequency = "month"
improvement = "decrease"
chart = "xmr"
input = "metric_values"
breakdown = "none"
source = "Test source"
plan_refs = []
comparators = false
public = true

[[metric]]
id = "attendance"
title = "Sessions attended"
description = "Group sessions attended by families."
public_text.improving = "More sessions attended."
public_text.worsening = "Fewer sessions attended."
public_text.no_change = "About as many sessions attended."
page = "outcome-1"
unit = "count"
frequency = "month"
improvement = "increase"
target = 15.0
target_source = "Test plan"
chart = "xmr"
input = "metric_values"
breakdown = "none"
source = "Test source"
plan_refs = []
comparators = false
public = true

[[metric]]
id = "requests"
title = "Requests received"
description = "Requests for help received."
public_text.improving = "More requests."
public_text.worsening = "Fewer requests."
public_text.no_change = "About as many requests."
page = "outcome-1"
unit = "count"
frequency = "month"
improvement = "neutral"
chart = "xmr"
input = "metric_values"
breakdown = "none"
source = "Test source"
plan_refs = ["1.2"]
comparators = false
public = false

[[metric]]
id = "waits"
title = "Children waiting"
description = "Children waiting for a first appointment."
public_text.improving = "Fewer children are waiting."
public_text.worsening = "More children are waiting."
public_text.no_change = "About as many children are waiting."
page = "therapy"
unit = "count"
frequency = "month"
improvement = "decrease"
chart = "xmr"
input = "metric_values"
breakdown = "service"
source = "Test waits"
plan_refs = ["4.2"]
comparators = false
public = true

[[metric]]
id = "waiting"
title = "Waiting list"
description = "Children waiting, from the referrals extract."
public_text.improving = "Fewer."
public_text.worsening = "More."
public_text.no_change = "Same."
page = "therapy"
unit = "count"
frequency = "month"
improvement = "decrease"
chart = "xmr"
input = "therapy_referrals"
derivation = "waiting_list_size"
breakdown = "service"
source = "Test extract"
plan_refs = []
comparators = false
public = true
'''

# The intervention log: an event for speech and language therapy only (so on its part of `waits`, not the total).
ANNOTATIONS = ("id,date,title,description,services,metric_ids,localities,rebase,transition_months\n"
               "4,2023-06-05,SLT drop-in clinic,Drop-ins twice a week,slt,,,false,\n")

# The worked answers (each test says how it is worked):
# complaints, Blackpool only, January 2023 to January 2024, synthetic. Mean 152/13 = 11.69; moving ranges eleven
# of 2 and 8: mean 30/12 = 2.5; limits 11.69 ± 2.66 × 2.5 = 5.04 .. 18.34. The last point (20) is above the upper
# limit and lower is better: special cause concern, high.
COMPLAINTS = [10, 12] * 6 + [20]
# attendance: the same figures where higher is better: special cause improvement, high; the 15 target lies inside
# the limits, so assurance is inconsistent.
# pct_on_time, Blackpool and Central, November 2022 to January 2024 (15 months): 40 of 50 (80%) each month, March
# 2023 suppressed, January 2024 42 of 50 (84%). p chart centre 562/700 = 80.29%, limits 80.29 ± 3√(p(1-p)/50)
# = 80.29 ± 16.90 (63.38 .. 97.19): the 80% target lies inside them, so assurance is inconsistent.
MONTHS_PCT = pd.date_range("2022-11-01", "2024-01-01", freq="MS")
# waits: the total is flat noise; speech and language therapy ends far above its limits (as complaints: concern),
# physiotherapy is flat noise.
WAITS = {"All": [20, 22] * 6 + [21], "Speech and language therapy": COMPLAINTS, "Physiotherapy": [5, 6] * 6 + [5]}
# requests (board only, neutral): 12 months around 50 then 70, above the upper limit 63.07 (test_view_sentences).
REQUESTS = [50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 50, 70]


def _rows(metric_id, area, dates, values, *, breakdown="All", numerators=None, denominators=None, status=None,
          synthetic=False, period_type="month", source="Test source", quality=None) -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame({
        "metric_id": metric_id, "period_start": [d.date() for d in dates], "period_type": period_type, "area": area,
        "breakdown": breakdown, "value": np.asarray(values, dtype=float),
        "numerator": np.asarray(numerators if numerators is not None else [np.nan] * n, dtype=float),
        "denominator": np.asarray(denominators if denominators is not None else [np.nan] * n, dtype=float),
        "status": status or ["ok"] * n, "source": source, "synthetic": synthetic, "series_break": False,
        "quality": quality if isinstance(quality, list) else [quality] * n,
    })


# The same with a rebase for physiotherapy on 3 July 2023, with no transition window.
REBASE = ("id,date,title,description,services,metric_ids,localities,rebase,transition_months\n"
          "9,2023-07-03,Physiotherapy triage,,physio,,,true,0\n")


def write_small_data(folder: Path, annotations: str = ANNOTATIONS) -> Path:
    shutil.copy(REPO_DATA / "area.toml", folder / "area.toml")
    (folder / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    (folder / "inputs.toml").write_text("", encoding="utf-8")
    # The default thresholds, and no relations between measures (the real file's name the real catalogue's).
    (folder / "disclosure.toml").write_text("", encoding="utf-8")
    (folder / "annotations.csv").write_text(annotations, encoding="utf-8")
    num = [40.0] * len(MONTHS_PCT)
    num[4], num[-1] = np.nan, 42.0  # March 2023 suppressed; January 2024 is 42 of 50
    pct = [np.nan if np.isnan(x) else x / 50 * 100 for x in num]
    status = ["suppressed" if np.isnan(x) else "ok" for x in num]
    den = [np.nan if np.isnan(x) else 50.0 for x in num]
    thirteen = pd.date_range("2023-01-01", periods=13, freq="MS")
    frames = [
        _rows("pct_on_time", "Blackpool", MONTHS_PCT, pct, numerators=num, denominators=den, status=status),
        _rows("pct_on_time", "Central", MONTHS_PCT, pct, numerators=num, denominators=den, status=status),
        # Published comparators are annual and a year behind: the latest is what a row shows, saying so.
        _rows("pct_on_time", "England", pd.to_datetime(["2022-01-01", "2023-01-01"]), [55.0, 50.2]),
        _rows("pct_on_time", "Statistical neighbours", pd.to_datetime(["2023-01-01"]), [47.5]),
        _rows("complaints", "Blackpool", thirteen, COMPLAINTS, synthetic=True),
        _rows("attendance", "Blackpool", thirteen, COMPLAINTS),
        _rows("requests", "Blackpool", thirteen, REQUESTS),
        *(_rows("waits", "Blackpool", thirteen, v, breakdown=b, source="Test waits") for b, v in WAITS.items()),
    ]
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), schema=schemas.METRIC_VALUES,
                                 preserve_index=False)
    pq.write_table(table, folder / "metric_values.parquet")
    return folder


def small_store(folder: Path, annotations: str = ANNOTATIONS):
    return build_store(write_small_data(folder, annotations))


def sheet_cells(book: bytes) -> dict[str, list[str]]:
    """Each sheet's cell texts, in order (numbers as written), read from the XLSX's XML."""
    z = zipfile.ZipFile(io.BytesIO(book))
    shared = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
    names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    out = {}
    for n, name in enumerate(names, start=1):
        xml = z.read(f"xl/worksheets/sheet{n}.xml").decode()
        found = []
        for kind, value in re.findall(r'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="(\w+)")?><v>([^<]*)</v></c>', xml):
            found.append(shared[int(value)] if kind == "s" else value)
        out[name] = found
    return out
