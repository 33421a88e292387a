"""The attacks on what the public edition publishes, and the check of what they got against the board's data.

An `Attack` knows only what an anonymous visitor saw (`observe`: the public store's series and the CSV downloads)
and what the public documentation says (`knowledge.Knowledge`). It works out whole-number quantities (counts,
numerators, denominators) by repeating, until nothing more follows:

- sums: the area is the sum of its localities, `All` of its breakdown values, a year of its months; each line
  bounds every member by the others (interval propagation, with nothing below zero);
- shared denominators: quantities the documentation says count the same children are one unknown;
- nesting: a part is no larger than its whole (a numerator than its denominator, 52+ week waiters than those
  waiting over 18 weeks);
- rounding fits: a published percentage p of unknown n is k/n for whole k and n with k/n within half a unit of
  the last published decimal of p; every (k, n) in the current bounds is tried, and bounds shrink to what fits
  (unique n or k: exact);
- exact linear algebra: in each block of linked quantities, an unknown whose unit vector lies in the row space of
  the sums (with everything exact substituted) is determined, and solved.

A relation the data contradicts (all of a line's members exact and the sum wrong: a published annual figure from
another source than the months) is dropped with its whole class, and the attack starts again.

`evaluate` then compares what was worked out with the board's data: a hidden cell's exact figure, any quantity
from 1 to 5, a percentage's complement from 1 to 5, a difference of nested counts from 1 to 5, a change between
consecutive periods of a cumulative count from 1 to 5 (each only where the attacker's value is the true one) are
findings. `Report` says what was tried and how often, so a reader can see the attack was not vacuous.
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from metrics import format as fmt
from tests.attack.knowledge import FRACTION_UNITS, Knowledge

KEY = ["metric_id", "period_type", "period_start", "area", "breakdown"]
SYMBOLS = {"c": "suppressed", "x": "not_available", "z": "not_applicable", "low": "low"}
MONTHS = {"month": 1, "quarter": 3, "calendar_year": 12, "academic_year": 12, "financial_year": 12}
YEAR_START = {"calendar_year": 1, "academic_year": 9, "financial_year": 4}
MAX_N = 5000  # rounding fits only where the denominator is bounded by something published
ROUNDS = 8


@dataclass(frozen=True)
class Finding:
    attack: str
    what: str
    cell: tuple
    value: float


@dataclass
class Report:
    tried: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    # Hidden figures worked out to be 0 (a count of 0, 0%): a zero identifies no child, so, as GSS guidance treats
    # zeros, these are reported but are not disclosures (data/disclosure.toml, metrics/secondary.py).
    zeros: list[Finding] = field(default_factory=list)

    def text(self) -> str:
        lines = ["attack report: what was tried (candidate inferences checked)"]
        lines += [f"  {k}: {v:,}" for k, v in sorted(self.tried.items())]
        lines.append(f"hidden figures worked out to be 0 (not disclosive): {len(self.zeros)}")
        lines.append(f"findings: {len(self.findings)}")
        by = Counter((f.attack, f.what) for f in self.findings)
        lines += [f"  {a} -> {w}: {n}" for (a, w), n in sorted(by.items())]
        lines += [f"  e.g. {f}" for f in self.findings[:10]]
        return "\n".join(lines)


# -- what the visitor saw ------------------------------------------------------------------------------------

def observe(store: pd.DataFrame, csvs: list[dict]) -> tuple[pd.DataFrame, list[Finding], Counter]:
    """One row per cell the visitor saw (store series and CSV rows), its published value (NaN when not shown) and
    status; findings for any CSV cell showing a number the store hides; counts of what was read.

    `csvs` are downloads as the crawl fetched them: the measure, place and breakdown asked for and the text. A
    download does not name its series, and a view may show the whole area where a locality has no figures, or one
    panel per service: each download is matched to the series (place and breakdown of the measure) that agrees with
    most of its rows, and a row's period type is the one whose wording (public or board style) is its label.
    """
    seen = Counter()
    rows = store[KEY + ["value", "status"]].copy()
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    seen["store cells read"] = len(rows)
    cells: dict[tuple, list] = {}  # (metric, place, breakdown, start) -> [(type, value, status)]
    series: dict[str, set] = {}  # metric -> its (place, breakdown)s
    for m, t, d, a, b, v, st in zip(*(rows[k].tolist() for k in KEY), rows["value"].tolist(), rows["status"].tolist()):
        cells.setdefault((m, a, b, d), []).append((t, v, st))
        series.setdefault(m, set()).add((a, b))
    from_csv = []
    for download in csvs:
        metric = download["metric"]
        table = list(csv.DictReader(io.StringIO(download["text"])))
        if metric not in series or not table or "period_start" not in table[0]:
            seen["CSV files of views other than a measure's (their figures are the measures' own)"] += 1
            continue
        parsed = []
        for r in table:
            start = pd.Timestamp(r["period_start"])
            status = SYMBOLS.get(r["value"], "ok") if r["value"] else "not_available"
            parsed.append((r["period"], start, float(r["value"]) if status == "ok" else np.nan, status))

        def match(place, breakdown):
            out = []
            for label, start, value, status in parsed:
                kinds = [(t, v, st) for t, v, st in cells.get((metric, place, breakdown, start), ())
                         if label in (fmt.period(start, t, "public"), fmt.period(start, t))]
                out.append(kinds[0] if len(kinds) == 1 else None)
            agree = sum(1 for (_, _, value, status), k in zip(parsed, out) if k is not None and (
                (status == "ok" and k[2] == "ok" and abs(value - k[1]) < 1e-6) or (status != "ok" and k[2] == status)))
            return agree, out
        asked = (download["place"], download["breakdown"])
        (agree, kinds), (place, breakdown) = match(*asked), asked
        if agree < len(parsed):  # not the series asked for all through: the one that agrees best
            scored = [(match(*c), c) for c in sorted(series[metric]) if c != asked]
            (agree, kinds), (place, breakdown) = max([((agree, kinds), asked), *scored], key=lambda x: x[0][0])
        if agree < len(parsed) / 2:
            seen["CSV files not matched to a series"] += 1
            continue
        for (label, start, value, status), k in zip(parsed, kinds):
            if k is None:
                seen["CSV cells not matched to a store cell"] += 1
                continue
            from_csv.append({"metric_id": metric, "period_type": k[0], "area": place, "breakdown": breakdown,
                             "period_start": start, "csv_value": value, "csv_status": status})
    seen["CSV files read"] = len(csvs)
    seen["CSV cells read"] = len(from_csv)
    leaks = []
    if from_csv:
        c = pd.DataFrame(from_csv)
        both = rows.merge(c, on=KEY, how="inner")
        bad = both[(both["status"] != "ok") & (both["csv_status"] == "ok")]
        leaks = [Finding("CSV beside the store", "hidden cell shown", tuple(r[KEY]), r["csv_value"])
                 for _, r in bad.iterrows()]
        # What the visitor has is whichever of the two shows a number.
        more = both["csv_value"].notna() & both["value"].isna()
        rows = rows.merge(both.loc[more, KEY + ["csv_value"]].drop_duplicates(KEY), on=KEY, how="left")
        rows["value"] = rows["value"].fillna(rows["csv_value"])
        rows = rows.drop(columns="csv_value")
    return rows, leaks, seen


def decimals(values: pd.Series) -> int:
    """How many decimals a series is published to (at most 6: beyond that it is a full float)."""
    best = 0
    for v in values.dropna().to_numpy(float)[:500]:
        for d in range(7):
            if abs(round(v, d) - v) < 1e-9:
                best = max(best, d)
                break
        else:
            return 6
    return best


# -- the attack ----------------------------------------------------------------------------------------------

class Attack:
    def __init__(self, observed: pd.DataFrame, units: dict[str, str], knowledge: Knowledge, area: str,
                 localities, scales: dict[str, float] | None = None):
        self.k, self.area, self.localities = knowledge, area, tuple(localities)
        self.report = Report()
        places = (area, *localities)
        obs = observed[observed["area"].isin(places)].reset_index(drop=True)
        self.obs = obs
        canon = {ref: group[0] for group in knowledge.same for ref in group}
        self.ids: dict[tuple, int] = {}
        self.cells: list[tuple] = []  # (row, kind, qids): kind count | fraction
        self.percent_cells: set[int] = set()
        self.fraction_scale = scales or {}
        precision = {m: decimals(g["value"]) for m, g in obs.groupby("metric_id")}
        self.exact_from: dict[int, float] = {}
        fits = []
        for i, r in enumerate(obs.itertuples(index=False)):
            unit = units.get(r.metric_id, "count")
            at = (r.period_type, r.period_start, r.area)

            def qid(metric, quantity, breakdown=r.breakdown):
                fam = canon.get((metric, quantity), (metric, quantity))
                bkey = "All" if quantity == "denominator" and metric in knowledge.shares else breakdown
                return self.ids.setdefault((fam, *at, bkey), len(self.ids))
            if unit == "count":
                q = qid(r.metric_id, "value")
                self.cells.append((i, "count", (q,)))
                if r.status == "ok" and not math.isnan(r.value):
                    self.exact_from[q] = r.value
            elif unit in FRACTION_UNITS:
                kq, nq = qid(r.metric_id, "numerator"), qid(r.metric_id, "denominator")
                self.cells.append((i, "fraction", (kq, nq)))
                if unit == "percent":  # a rate's numerator is events, not part of its denominator
                    self.percent_cells.add(i)
                if r.status == "not_applicable":
                    self.exact_from[nq] = 0.0
                    self.exact_from[kq] = 0.0
                elif r.status == "ok" and not math.isnan(r.value):
                    half = 0.5 * 10.0 ** -precision.get(r.metric_id, 6) + 1e-9
                    fits.append((kq, nq, r.value, half, self.fraction_scale.get(r.metric_id,
                                                                                FRACTION_UNITS[unit])))
        self.fits = fits
        self.n_q = len(self.ids)
        self.keys = list(self.ids)
        self._relations()

    def _relations(self) -> None:
        """Lines (total, parts, class) and nestings (whole, part) over the quantities."""
        by_place: dict[tuple, dict] = {}  # (family, ptype, pstart, bkey) -> place -> qid
        by_breakdown: dict[tuple, dict] = {}  # (family, ptype, pstart, place) -> bkey -> qid
        for (fam, ptype, pstart, place, bkey), q in self.ids.items():
            by_place.setdefault((fam, ptype, pstart, bkey), {})[place] = q
            by_breakdown.setdefault((fam, ptype, pstart, place), {})[bkey] = q
        lines = []
        for (fam, *_), group in by_place.items():
            parts = [group[p] for p in self.localities if p in group]
            if self.area in group and parts:
                lines.append((group[self.area], parts, (fam, "places")))
        for (fam, *_), group in by_breakdown.items():
            parts = [q for b, q in group.items() if b != "All"]
            if "All" in group and parts:
                lines.append((group["All"], parts, (fam, "breakdowns")))
        cumulative = {(m, "value") for m in self.k.cumulative}
        inside: dict[tuple, list] = {}  # (family, coarse type, coarse start, place, bkey, fine type) -> qids
        for (fam, ptype, pstart, place, bkey), q in self.ids.items():
            if fam in cumulative or ptype not in ("month", "quarter"):
                continue
            for coarse, months in MONTHS.items():  # noqa: B007
                if months > MONTHS.get(ptype, 12):
                    inside.setdefault((fam, coarse, _period_start(pstart, coarse), place, bkey, ptype), []).append(q)
        for (fam, ptype, pstart, place, bkey), q in self.ids.items():
            if fam in cumulative or MONTHS.get(ptype, 1) == 1:
                continue
            for fine in ("month", "quarter"):  # a school term is in no year here: its months vary
                members = inside.get((fam, ptype, pstart, place, bkey, fine), [])
                if MONTHS[fine] < MONTHS[ptype] and len(members) == MONTHS[ptype] // MONTHS[fine]:
                    lines.append((q, members, (fam, "time")))
        self.lines = lines
        self.nested = []
        at_key = {}
        for (fam, ptype, pstart, place, bkey), q in self.ids.items():
            at_key[(fam, ptype, pstart, place, bkey)] = q
        for i, _, (kq, nq) in (c for c in self.cells if c[0] in self.percent_cells):
            self.nested.append((nq, kq))
        for whole, part in self.k.nested:
            for (fam, *at), q in self.ids.items():
                if fam == part:
                    w = at_key.get((whole, *at)) or at_key.get((whole, at[0], at[1], at[2], "All"))
                    if w is not None:
                        self.nested.append((w, q))

    # -- inference -----------------------------------------------------------------------------------------
    def run(self) -> None:
        dropped: set = set()
        for _ in range(4):
            contradicted = self._infer(dropped)
            if not contradicted:
                return
            dropped |= contradicted

    def _infer(self, dropped: set) -> set:
        lo, hi = np.zeros(self.n_q), np.full(self.n_q, np.inf)
        for q, v in self.exact_from.items():
            lo[q] = hi[q] = v
        self.lo, self.hi = lo, hi
        self._fitted: dict = {}
        lines = [ln for ln in self.lines if ln[2] not in dropped]
        self.active = lines
        self.lines_of: dict[int, list[int]] = {}
        for i, (total, parts, _) in enumerate(lines):
            for q in (total, *parts):
                self.lines_of.setdefault(q, []).append(i)
        self._arrays(lines)
        for _ in range(ROUNDS):
            before = (lo.copy(), hi.copy())
            self._propagate()
            self._fit()
            if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
                self._solve(lines)  # the linear algebra only once the cheap inferences have run dry
                bad = {ln[2] for ln in lines if self._violated(ln)}
                if bad:
                    return bad
                if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
                    break
        return {ln[2] for ln in lines if self._violated(ln)}

    def _arrays(self, lines) -> None:
        """The lines and nestings as index arrays, for propagating bounds all at once."""
        self.total = np.array([t for t, _, _ in lines], dtype=int)
        self.part_line = np.array([i for i, (_, parts, _) in enumerate(lines) for _ in parts], dtype=int)
        self.part = np.array([p for _, parts, _ in lines for p in parts], dtype=int)
        self.whole_of = np.array([w for w, _ in self.nested], dtype=int)
        self.part_of = np.array([p for _, p in self.nested], dtype=int)

    def exact(self, q: int) -> bool:
        return self.lo[q] == self.hi[q]

    def _violated(self, line) -> bool:
        total, parts, _ = line
        members = [total, *parts]
        if not all(self.exact(q) for q in members):
            return any(self.lo[q] > self.hi[q] + 1e-6 for q in members)
        return abs(self.lo[total] - sum(self.lo[p] for p in parts)) > 0.5

    def _propagate(self) -> None:
        """Bounds along every line (total = sum of parts, nothing below 0) and nesting, until they stop moving."""
        lo, hi, tried = self.lo, self.hi, self.report.tried
        n_lines, total, line, part = len(self.total), self.total, self.part_line, self.part
        with np.errstate(invalid="ignore"):  # inf - inf where a relation the data contradicts has pushed a bound
            self._propagate_arrays(lo, hi, n_lines, total, line, part, tried)
        lo[np.isnan(lo)] = 0.0
        hi[np.isnan(hi)] = np.inf

    def _propagate_arrays(self, lo, hi, n_lines, total, line, part, tried) -> None:
        for _ in range(50):
            before = (lo.copy(), hi.copy())
            tried["sums: bounds propagated along a line"] += n_lines
            tried["nesting: part no larger than its whole"] += len(self.whole_of)
            if n_lines:
                finite = np.isfinite(hi[part])
                slo = np.bincount(line, lo[part], n_lines)
                fhi = np.bincount(line, np.where(finite, hi[part], 0.0), n_lines)
                n_inf = np.bincount(line, ~finite, n_lines)
                np.maximum.at(lo, total, slo)
                np.minimum.at(hi, total, np.where(n_inf == 0, fhi, np.inf))
                others = np.where(finite, np.where(n_inf[line] == 0, fhi[line] - hi[part], np.inf),
                                  np.where(n_inf[line] == 1, fhi[line], np.inf))
                np.maximum.at(lo, part, lo[total[line]] - others)
                np.minimum.at(hi, part, hi[total[line]] - (slo[line] - lo[part]))
            if len(self.whole_of):
                np.minimum.at(hi, self.part_of, hi[self.whole_of])
                np.maximum.at(lo, self.whole_of, lo[self.part_of])
            if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
                return

    def _fit(self) -> None:
        lo, hi, tried = self.lo, self.hi, self.report.tried
        for kq, nq, p, half, scale in self.fits:
            bounds = (lo[kq], hi[kq], lo[nq], hi[nq])
            if (self.exact(kq) and self.exact(nq)) or self._fitted.get((kq, nq)) == bounds:
                continue
            self._fitted[(kq, nq)] = bounds
            n_lo, n_hi = max(lo[nq], 1.0), hi[nq]
            if not np.isfinite(n_lo) or n_hi > MAX_N or n_hi < n_lo:  # nothing bounds the denominator: any n fits
                continue
            n = np.arange(int(math.ceil(n_lo)), int(n_hi) + 1, dtype=float)
            k_lo = np.maximum(np.ceil((p - half) * n / scale - 1e-9), lo[kq])
            k_hi = np.minimum(np.floor((p + half) * n / scale + 1e-9), np.minimum(hi[kq], n))
            ok = k_hi >= k_lo
            tried["rounding fits: (k, n) pairs checked"] += int(np.maximum(k_hi - k_lo + 1, 0).sum() + n.size)
            tried["rounding fits: percentages fitted"] += 1
            if not ok.any():
                continue
            lo[nq], hi[nq] = n[ok].min(), n[ok].max()
            lo[kq], hi[kq] = k_lo[ok].min(), k_hi[ok].max()
            self._fitted[(kq, nq)] = (lo[kq], hi[kq], lo[nq], hi[nq])

    def _solve(self, lines) -> None:
        """Exact linear algebra per block of linked unknowns."""
        unknown = [q for q in range(self.n_q) if not self.exact(q)]
        if not unknown:
            return
        col = {q: j for j, q in enumerate(unknown)}
        parent = list(range(len(unknown)))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        blocks: dict[int, list] = {}
        for line in lines:
            qs = [col[q] for q in (line[0], *line[1]) if q in col]
            for a in qs[1:]:
                parent[find(a)] = find(qs[0])
        for line in lines:
            qs = [col[q] for q in (line[0], *line[1]) if q in col]
            if qs:
                blocks.setdefault(find(qs[0]), []).append(line)
        for block_lines in blocks.values():
            members = sorted({col[q] for ln in block_lines for q in (ln[0], *ln[1]) if q in col})
            local = {j: i for i, j in enumerate(members)}
            a = np.zeros((len(block_lines), len(members)))
            b = np.zeros(len(block_lines))
            for r, (total, parts, _) in enumerate(block_lines):
                for q, w in ((total, -1.0), *((p, 1.0) for p in parts)):
                    if q in col:
                        a[r, local[col[q]]] += w
                    else:
                        b[r] -= w * self.lo[q]
            self.report.tried["linear algebra: unknowns tested for a unique value"] += len(members)
            pinv = np.linalg.pinv(a)
            proj = pinv @ a
            x = pinv @ b
            for i in np.flatnonzero(np.abs(np.diag(proj) - 1) < 1e-7):
                if abs(proj[i]).sum() - 1 > 1e-6:  # only its own coordinate: fully determined
                    continue
                v = round(float(x[i]))
                if abs(x[i] - v) < 1e-6 and v >= 0:
                    q = unknown[members[i]]
                    self.lo[q] = self.hi[q] = v

    def determined(self, coefs: dict[int, float]) -> float | None:
        """The value of a combination of quantities if it follows from what is exact and the sums, else None: its
        part in each block of linked unknowns must lie in the row space of that block's lines."""
        value = sum(w * self.lo[q] for q, w in coefs.items() if self.exact(q))
        parts: dict[int, dict[int, float]] = {}
        for q, w in coefs.items():
            if not self.exact(q):
                if q not in self.lines_of:
                    return None  # an unknown in no sum is free
                parts.setdefault(self._block(q), {})[q] = w
        for block, f in parts.items():
            local, proj, x = self._algebra(block)
            vec = np.zeros(len(local))
            for q, w in f.items():
                vec[local[q]] = w
            if np.abs(proj @ vec - vec).max() > 1e-7:
                return None
            value += float(vec @ x)
        return value

    def _block(self, q: int) -> int:
        """The block of unknowns linked to `q` through the active lines (computed once, after the attack ran)."""
        if getattr(self, "_block_id", None) is None:
            unknown = [u for u in range(self.n_q) if not self.exact(u)]
            parent = {u: u for u in unknown}

            def find(a):
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                return a
            for total, parts, _ in self.active:
                members = [m for m in (total, *parts) if m in parent]
                for m in members[1:]:
                    parent[find(m)] = find(members[0])
            self._block_id = {u: find(u) for u in unknown}
            self._members: dict[int, list] = {}
            for u, b in self._block_id.items():
                self._members.setdefault(b, []).append(u)
            self._blocks: dict[int, tuple] = {}
        return self._block_id[q]

    def _algebra(self, block: int):
        """(column of each unknown, projector onto the lines' row space, a solution) for one block."""
        if block not in self._blocks:
            members = self._members[block]
            local = {q: i for i, q in enumerate(members)}
            lines = {i for q in members for i in self.lines_of.get(q, ())}
            a = np.zeros((len(lines), len(members)))
            b = np.zeros(len(lines))
            for r, i in enumerate(sorted(lines)):
                total, parts, _ = self.active[i]
                for q, w in ((total, -1.0), *((p, 1.0) for p in parts)):
                    if q in local:
                        a[r, local[q]] += w
                    else:
                        b[r] -= w * self.lo[q]
            pinv = np.linalg.pinv(a) if len(lines) else np.zeros((len(members), 0))
            self._blocks[block] = (local, pinv @ a if len(lines) else np.zeros((len(members),) * 2), pinv @ b)
        return self._blocks[block]

    # -- what it got ---------------------------------------------------------------------------------------
    def evaluate(self, truth: pd.DataFrame) -> Report:
        """Findings: whatever the attack worked out that is true and must not be (see the module docstring)."""
        tried, out = self.report.tried, self.report.findings
        t = truth.copy()
        t["period_start"] = pd.to_datetime(t["period_start"])
        t = t.drop_duplicates(KEY)
        cols = [t[k].tolist() for k in KEY]
        t = {key: {"value": v, "numerator": k, "denominator": n} for key, v, k, n in
             zip(zip(*cols), t["value"].tolist(), t["numerator"].tolist(), t["denominator"].tolist())}
        quantity_truth: dict[int, float] = {}
        obs_keys = list(zip(*(self.obs[k].tolist() for k in KEY)))
        obs_status = self.obs["status"].tolist()
        for i, kind, qids in self.cells:
            key = obs_keys[i]
            if key not in t:
                continue
            row = t[key]
            names = ("value",) if kind == "count" else ("numerator", "denominator")
            for q, name in zip(qids, names):
                if not math.isnan(row[name]):
                    quantity_truth.setdefault(q, row[name])

        def small_and_true(v, truth_value):
            return v is not None and truth_value is not None and abs(v - truth_value) < 1e-6 and 1 <= v <= 5

        for q, v in quantity_truth.items():
            tried["evaluated: quantities against the board's data"] += 1
            if self.exact(q) and small_and_true(self.lo[q], v):
                out.append(Finding("sums, shared denominators, rounding fits", "small count", self.keys[q],
                                   self.lo[q]))
        for i, kind, qids in self.cells:
            key = obs_keys[i]
            if key not in t:
                continue
            row = t[key]
            if i in self.percent_cells and not math.isnan(row["denominator"]):
                kq, nq = qids
                tried["complements: denominator - numerator tested"] += 1
                v = self.determined({nq: 1.0, kq: -1.0})
                if small_and_true(v, row["denominator"] - row["numerator"]):
                    out.append(Finding("complements", "small complement", key, v))
            if obs_status[i] != "suppressed":
                continue
            tried["evaluated: hidden cells"] += 1
            found = None
            if kind == "count":
                if self.exact(qids[0]) and abs(self.lo[qids[0]] - row["value"]) < 1e-6:
                    found = self.lo[qids[0]]
            else:
                kq, nq = qids
                k_ok, n_ok = self.exact(kq), self.exact(nq)
                if k_ok and n_ok and self.lo[nq] > 0 and abs(self.lo[kq] - row["numerator"]) < 1e-6 \
                        and abs(self.lo[nq] - row["denominator"]) < 1e-6:
                    found = self.lo[kq] / self.lo[nq]
                elif k_ok and self.lo[kq] == 0 and self.lo[nq] > 0 and row["numerator"] == 0:
                    found = 0.0
            if found is not None:
                finding = Finding("sums, shared denominators, rounding fits", "hidden cell", key, float(found))
                (self.report.zeros if found == 0 else out).append(finding)
        self._differences(t)
        return self.report

    def _differences(self, t) -> None:
        tried, out = self.report.tried, self.report.findings
        canon = {ref: group[0] for group in self.k.same for ref in group}

        def fam(metric, quantity):
            return canon.get((metric, quantity), (metric, quantity))

        def truth_of(metric, quantity, at):
            row = t.get((metric, *at))
            return None if row is None else row[quantity]

        combos = [((1, *w), (-1, *p)) for w, p in self.k.nested] + list(self.k.differences)
        by_at: dict[tuple, dict] = {}
        for (f, *at), q in self.ids.items():
            by_at.setdefault(tuple(at), {})[f] = q
        for at, fams in by_at.items():
            for combo in combos:
                qs = [fams.get(fam(m, x)) for _, m, x in combo]
                if any(q is None for q in qs):
                    continue
                truths = [truth_of(m, x, at) for _, m, x in combo]
                if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in truths):
                    continue
                tried["nested differences tested"] += 1
                coefs: dict[int, float] = {}
                for (s, _, _), q in zip(combo, qs):
                    coefs[q] = coefs.get(q, 0.0) + s
                v = self.determined(coefs)
                real = sum(s * x for (s, _, _), x in zip(combo, truths))
                if v is not None and abs(v - real) < 1e-6 and 1 <= v <= 5:
                    out.append(Finding("nested differences", "small difference", (at, combo), v))
        for metric, restart in self.k.cumulative.items():
            series: dict[tuple, list] = {}
            for (f, ptype, pstart, place, bkey), q in self.ids.items():
                if f == (metric, "value"):
                    series.setdefault((ptype, place, bkey, _period_start(pstart, restart)), []).append((pstart, q))
            for (ptype, place, bkey, _), pts in series.items():
                pts.sort()
                for (d1, q1), (d2, q2) in zip(pts, pts[1:]):
                    a, b = truth_of(metric, "value", (ptype, d1, place, bkey)), \
                        truth_of(metric, "value", (ptype, d2, place, bkey))
                    if a is None or b is None:
                        continue
                    tried["consecutive periods tested"] += 1
                    v = self.determined({q2: 1.0, q1: -1.0})
                    if v is not None and abs(v - (b - a)) < 1e-6 and 1 <= v <= 5:
                        out.append(Finding("consecutive periods", "small change", (metric, place, bkey, d2), v))


@lru_cache(maxsize=None)
def _period_start(d, period_type: str) -> pd.Timestamp:
    d = pd.Timestamp(d)
    if period_type == "quarter":
        return pd.Timestamp(d.year, 1 + (d.month - 1) // 3 * 3, 1)
    m0 = YEAR_START[period_type]
    return pd.Timestamp(d.year - (d.month < m0), m0, 1)
