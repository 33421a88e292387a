"""Disclosure control for everything the public edition shows or downloads.

`publish` turns the long metric-values frame into what the public may see: `suppress` hides cells, then every
numerator and denominator is dropped, every value is rounded to its unit's published precision (`public_value`,
the one home of the rounding policy), and every hidden cell gets the same reason, so a reader cannot tell a small
count from a cell hidden to protect one (a `fewer than 6` label beside a `secondary` one would bound both).

What `suppress` hides (thresholds, precision and the links between measures are in `data/disclosure.toml`, which
cites the official practice each rule follows):

- primary: counts from 1 to min_count - 1; percentages and rates whose numerator or denominator is such a count;
  percentages whose complement (denominator - numerator) is (70% of 10 tells a reader 3 were late); values
  resting on a denominator below min_denominator;
- secondary (metrics.secondary): further cells, so that no hidden cell's figure, no small count and no small
  complement can be worked out from what is shown. The model assumes the worst: every shown percentage gives its
  numerator and denominator away exactly (rounding is defence in depth, not the protection). Cells are linked by
  sums (the area and its localities, `All` and its breakdown values, a year and its months), by measures that
  count the same children (plans issued is the 20-week measure's denominator), by nested counts (children waiting
  over 52 weeks are among those waiting over 18), and by consecutive periods of cumulative counts.

Hidden cells get status `suppressed` (symbol `c`), which stays distinct from `not_available` (`x`).

Limits, deliberately accepted: medians, means and scores are not treated as additive (a part cannot be worked out
from a whole of those); comparators (England, neighbours) get the primary rules only, as their publishers have
already protected them; and an attacker who reruns this algorithm on guessed data to tell which hidden cell was the
small one is not modelled (no statistical publisher's tool does).
"""
from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.area import DATA_DIR
from metrics.secondary import Model, protect

DEFAULT_PATH = DATA_DIR / "disclosure.toml"
SUPPRESSED = "suppressed"
REASON = "suppression"  # the column saying why a cell is hidden ("" when it is shown)
SMALL_COUNT, SMALL_DENOMINATOR, SECONDARY, AT_SOURCE = "small_count", "small_denominator", "secondary", "source"
PROTECTED = "protected"  # the one reason the public store gives, whatever hid the cell
TOTAL_BREAKDOWN = "All"
QUANTITIES = ("value", "numerator", "denominator")
FRACTION_UNITS = frozenset({"percent", "rate"})  # carry a numerator and a denominator, both additive
COMPLEMENT_UNITS = frozenset({"percent"})  # numerator is part of the denominator: the rest counts children too
# Medians, averages, scores and ratios do not add up, so a hidden one cannot be recovered from the others.
NON_ADDITIVE_UNITS = frozenset({"days", "weeks", "score", "ratio"})
# Decimal places each unit is published to, unless data/disclosure.toml says otherwise.
DEFAULT_PRECISION = {"count": 0, "percent": 1, "rate": 1, "weeks": 1, "days": 0, "score": 2, "ratio": 2}
PERIOD_MONTHS = {"month": 1, "quarter": 3, "calendar_year": 12, "academic_year": 12, "financial_year": 12}
YEAR_STARTS = {"calendar_year": 1, "academic_year": 9, "financial_year": 4}


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 6  # smallest count shown: 1-5 are hidden
    min_denominator: int = 10  # smallest denominator a percentage, rate or average is shown for


# setting -> inclusive range allowed; outside it the file is refused (fail closed, never open)
LIMITS = {"min_count": (2, 100), "min_denominator": (1, 1000)}
PRECISION_RANGE = (0, 3)

Ref = tuple[str, str]  # (metric id, quantity)
Term = tuple[int, str, str]  # (+1 or -1, metric id, quantity)


@dataclass(frozen=True)
class Relations:
    """How measures are linked, beyond the sums within one measure (data/disclosure.toml explains each kind).

    Names are metric ids once resolved against a catalogue (`resolve`); in the file they may also be the
    catalogue's derivation names, so the shipped relations hold for any area's catalogue.
    """
    same: tuple[tuple[Ref, ...], ...] = ()  # quantities that count the same children
    partitions: tuple[tuple[tuple[Term, ...], ...], ...] = ()  # atoms (signed sums) that split a group of children
    share_breakdowns: frozenset[str] = frozenset()  # breakdown dimensions whose values share the total's denominator
    shares: frozenset[str] = frozenset()  # metric ids broken down that way (filled in by resolve)
    cumulative: tuple[tuple[str, str], ...] = ()  # (metric id, period type its count restarts in)

    def resolve(self, catalogue, where: str | Path = DEFAULT_PATH) -> Relations:
        """The relations with every name a metric id of `catalogue`; a name it does not know stops the public
        edition (a typo must not quietly switch a protection off)."""
        def ids(name: str, section: str) -> list[str]:
            found = [m.id for m in catalogue.metrics if m.derivation == name] or \
                ([name] if name in catalogue.ids else [])
            if not found:
                raise ValueError(f"{where}: [{section}] names {name!r}, which is neither a metric id nor a derivation "
                                 "in the catalogue")
            return found

        def one(name: str, section: str) -> str:
            found = ids(name, section)
            if len(found) > 1:
                raise ValueError(f"{where}: [{section}] names derivation {name!r}, which {len(found)} metrics use "
                                 f"({', '.join(found)}): name the metric")
            return found[0]

        same = tuple(tuple((m, q) for name, q in group for m in ids(name, "same")) for group in self.same)
        partitions = tuple(tuple(tuple((s, one(name, "partition"), q) for s, name, q in atom) for atom in atoms)
                           for atoms in self.partitions)
        shares = frozenset(m.id for m in catalogue.metrics if m.breakdown in self.share_breakdowns)
        cumulative = tuple((m, p) for name, p in self.cumulative for m in ids(name, "cumulative"))
        return replace(self, same=same, partitions=partitions, shares=shares, cumulative=cumulative)


@dataclass(frozen=True)
class Rules:
    """Everything data/disclosure.toml says."""
    thresholds: Thresholds = Thresholds()
    precision: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PRECISION))
    relations: Relations = Relations()


# -- the configuration file ------------------------------------------------------------------------------------

def load_rules(path: str | Path | None = None, catalogue=None) -> Rules:
    """The rules in `data/disclosure.toml` (relations resolved against `catalogue` when given).

    The file must exist: the public edition does not start without its disclosure rules (fail closed). Settings
    it leaves out take the documented defaults; anything it says that is not valid stops the app with the file,
    the setting and why.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: not found; the public edition needs its disclosure rules") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    known = (*LIMITS, "precision", "same", "partition", "share_breakdowns", "cumulative")
    for key in raw:
        if key not in known:
            raise ValueError(f"{path}: unknown setting {key!r} (expected {', '.join(known)})")
    settings = {}
    for key, (low, high) in LIMITS.items():
        if key not in raw:
            continue
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise ValueError(f"{path}: setting {key!r} = {v!r} must be a whole number from {low} to {high}")
        settings[key] = v
    rules = Rules(Thresholds(**settings), _precision(raw.get("precision", {}), path), _relations(raw, path))
    if catalogue is not None:
        rules = replace(rules, relations=rules.relations.resolve(catalogue, path))
    return rules


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The thresholds in `data/disclosure.toml`."""
    return load_rules(path).thresholds


def _precision(raw, path) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: [precision] must be a table of unit = decimal places")
    out = dict(DEFAULT_PRECISION)
    low, high = PRECISION_RANGE
    for unit, digits in raw.items():
        if unit not in DEFAULT_PRECISION:
            raise ValueError(f"{path}: [precision] unknown unit {unit!r} (expected {', '.join(DEFAULT_PRECISION)})")
        if isinstance(digits, bool) or not isinstance(digits, int) or not low <= digits <= high:
            raise ValueError(f"{path}: [precision] {unit} = {digits!r} must be a whole number from {low} to {high}")
        out[unit] = digits
    return out


def _ref(text, path, section) -> Ref:
    name, dot, quantity = str(text).strip().rpartition(".")
    if not dot or not name or quantity not in QUANTITIES:
        raise ValueError(f"{path}: [{section}] {text!r} must be NAME.QUANTITY, QUANTITY one of {', '.join(QUANTITIES)}")
    return name, quantity


def _atom(text, path) -> tuple[Term, ...]:
    """'a.numerator - b.value + c.value' -> ((1, 'a', 'numerator'), (-1, 'b', 'value'), (1, 'c', 'value'))."""
    tokens = str(text).split()
    if not tokens:
        raise ValueError(f"{path}: [[partition]] has an empty atom")
    tokens = tokens if tokens[0] in "+-" else ["+", *tokens]
    if len(tokens) % 2 or any(op not in ("+", "-") for op in tokens[::2]):
        raise ValueError(f"{path}: [[partition]] atom {text!r} must be NAME.QUANTITY terms joined by + and -")
    return tuple((1 if op == "+" else -1, *_ref(ref, path, "partition")) for op, ref in zip(tokens[::2], tokens[1::2]))


def _tables(raw, key, path, field_name) -> list[dict]:
    tables = raw.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ValueError(f"{path}: {key} must be written as [[{key}]] tables")
    for t in tables:
        extra = set(t) - {field_name, "why"}
        if extra:
            raise ValueError(f"{path}: [[{key}]] has unknown key(s) {', '.join(sorted(extra))} "
                             f"(expected {field_name} and why)")
    return tables


def _strings(value, path, what) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValueError(f"{path}: {what} must be a list of strings")
    return value


def _relations(raw, path) -> Relations:
    same = []
    for t in _tables(raw, "same", path, "quantities"):
        refs = _strings(t.get("quantities"), path, "[[same]] quantities")
        if len(refs) < 2:
            raise ValueError(f"{path}: [[same]] needs at least two quantities, got {refs!r}")
        same.append(tuple(_ref(r, path, "same") for r in refs))
    partitions = []
    for t in _tables(raw, "partition", path, "atoms"):
        atoms = _strings(t.get("atoms"), path, "[[partition]] atoms")
        if len(atoms) < 2:
            raise ValueError(f"{path}: [[partition]] needs at least two atoms, got {atoms!r}")
        partitions.append(tuple(_atom(a, path) for a in atoms))
    shares = frozenset(_strings(raw.get("share_breakdowns", []), path, "share_breakdowns"))
    cumulative = raw.get("cumulative", {})
    if not isinstance(cumulative, dict) or any(p not in YEAR_STARTS and p != "quarter" for p in cumulative.values()):
        raise ValueError(f"{path}: [cumulative] must map measure = period type it restarts in "
                         f"({', '.join([*YEAR_STARTS, 'quarter'])})")
    return Relations(tuple(same), tuple(partitions), shares, cumulative=tuple(cumulative.items()))


@lru_cache(maxsize=1)
def _default_precision() -> Mapping[str, int]:
    return load_rules().precision  # policy, read once per process like the edition itself


# -- rounding: the one place a public number is rounded ------------------------------------------------------

def _round(values: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Half away from zero, as official statistics round (0.15 -> 0.2, 2.5 -> 3), never to even."""
    scale = 10.0 ** digits
    scaled = np.round(np.abs(values) * scale, 6)  # 0.15 * 10 is 1.4999999999999998 in binary
    return np.sign(values) * np.floor(scaled + 0.5) / scale


def public_value(value, unit: str, precision: Mapping[str, int] | None = None) -> float:
    """A number for the public edition that is not a stored cell (a change on last year, a percentage worked out
    for display) rounded as the public store's values are: to its unit's published precision (an unknown unit
    as a count, to whole numbers). NaN and None give NaN."""
    precision = _default_precision() if precision is None else precision
    x = np.nan if value is None else float(value)
    return float(_round(np.array([x]), np.array([precision.get(unit, 0)]))[0])


def describe(reason: str, unit: str, thresholds: Thresholds | None = None) -> str:
    """Why a cell is hidden, in words for a page."""
    t = thresholds or Thresholds()
    if reason == PROTECTED:
        return "not shown (small numbers are hidden so that no child can be identified)"
    if reason == SMALL_COUNT:
        return f"fewer than {t.min_count}" if unit == "count" else f"not shown (fewer than {t.min_count} children)"
    if reason == SMALL_DENOMINATOR:
        return f"not shown (fewer than {t.min_denominator} children)"
    if reason == SECONDARY:
        return "not shown (so that a small number elsewhere cannot be worked out)"
    return "not shown (to protect confidentiality)"


# -- what the public may see -----------------------------------------------------------------------------------

def publish(values: pd.DataFrame, units: Mapping[str, str], *, area: str, localities: Sequence[str],
            rules: Rules | None = None) -> pd.DataFrame:
    """The frame as the public store holds it: suppressed, without numerators or denominators, values rounded to
    their unit's precision, and every hidden cell with the same reason (PROTECTED)."""
    rules = rules or Rules()
    out = suppress(values, units, area=area, localities=localities, thresholds=rules.thresholds,
                   relations=rules.relations)
    out["numerator"] = np.nan
    out["denominator"] = np.nan
    unit = out["metric_id"].map(lambda m: units.get(m, "count"))
    digits = unit.map(lambda u: rules.precision.get(u, 0)).to_numpy(float)
    out["value"] = _round(out["value"].to_numpy(float, na_value=np.nan), digits)
    out[REASON] = np.where(out["status"].to_numpy(object) == SUPPRESSED, PROTECTED, "")
    return out


def suppress(values: pd.DataFrame, units: Mapping[str, str], *, area: str, localities: Sequence[str],
             thresholds: Thresholds | None = None, relations: Relations | None = None) -> pd.DataFrame:
    """The long metric-values frame with every cell hidden that must be (a new frame; the input is not changed).

    `units` maps metric id -> catalogue unit; a metric missing from it is treated as a count (fail closed).
    `area` is the whole local area and `localities` its parts; `relations` (resolved to metric ids) link
    measures. Comparator rows (England, neighbours) get the primary rules only. The `suppression` column says
    why each hidden cell is hidden (for the board's own counts; the public store does not carry it). Applying
    this twice changes nothing more.
    """
    t = thresholds or Thresholds()
    rel = relations or Relations()
    n = len(values)
    metric = values["metric_id"].to_numpy(object)
    unit = np.array([units.get(m, "count") for m in metric], dtype=object)
    value, num, den = (values[c].to_numpy(float, na_value=np.nan) for c in QUANTITIES)
    status = values["status"].to_numpy(object).copy()
    reason = (values[REASON].fillna("").to_numpy(object).copy() if REASON in values
              else np.full(n, "", dtype=object))
    reason[(status == SUPPRESSED) & (reason == "")] = AT_SOURCE  # hidden at source (a `c` in a published file)

    has_fraction = set(values.loc[values["numerator"].notna() | values["denominator"].notna(), "metric_id"])
    fraction = np.isin(unit, list(FRACTION_UNITS)) & np.isin(metric, list(has_fraction))
    count = (unit == "count") & ~fraction

    def small(x):
        return (x > 0) & (x < t.min_count)  # NaN compares False: missing is not small

    primary = np.full(n, "", dtype=object)
    primary[(den > 0) & (den < t.min_denominator)] = SMALL_DENOMINATOR
    complement = np.isin(unit, list(COMPLEMENT_UNITS)) & small(den - num)
    primary[(fraction & (small(num) | small(den) | complement)) | (count & small(value))] = SMALL_COUNT
    primary[status != "ok"] = ""
    status[primary != ""] = SUPPRESSED
    reason[primary != ""] = primary[primary != ""]

    model, rows = _model(values, metric, unit, fraction, count, area, localities, t, rel)
    if rows.size:
        hidden = status[rows] == SUPPRESSED
        model.fixed = status[rows] != "ok"  # not available / not applicable: nothing to hide
        model.fixed &= ~hidden
        # A small quantity is hidden wherever it is shown (a count of 4 plans is also the 20-week denominator).
        small_q = small(model.truth)
        for c, qs in enumerate(model.carries):
            if not hidden[c] and not model.fixed[c] and any(small_q[q] for q in qs):
                hidden[c] = True
                status[rows[c]], reason[rows[c]] = SUPPRESSED, SMALL_COUNT
        after = protect(model, hidden)
        added = rows[after & ~hidden]
        status[added], reason[added] = SUPPRESSED, SECONDARY

    out = values.copy()
    gone = status == SUPPRESSED
    for c, x in zip(QUANTITIES, (value, num, den)):
        out[c] = np.where(gone, np.nan, x)
    out["status"] = pd.Series(status, index=values.index, dtype=values["status"].dtype)
    out[REASON] = pd.Series(reason, index=values.index, dtype=str)
    return out


# -- the model of linked quantities (metrics.secondary) ------------------------------------------------------

def _model(values, metric, unit, fraction, count, area, localities, t: Thresholds, rel: Relations):
    """The quantities, lines and targets of the area's and localities' cells; `rows` maps model cell -> row."""
    places = values["area"].to_numpy(object)
    local = np.isin(places, [area, *localities]) & (fraction | count)
    rows = np.flatnonzero(local)
    empty = Model(np.zeros(0), [], np.zeros(0, int), [])
    if rows.size == 0:
        return empty, rows
    canon = {}
    for group in rel.same:
        for ref in group:
            canon[ref] = group[0]
    sub = values.iloc[rows]
    cells = np.arange(rows.size)
    cell = np.concatenate([cells[count[rows]], cells[fraction[rows]], cells[fraction[rows]]])
    kind = np.concatenate([np.full(int(count[rows].sum()), 0), np.full(int(fraction[rows].sum()), 1),
                           np.full(int(fraction[rows].sum()), 2)])  # index into QUANTITIES
    truth_all = np.stack([sub[c].to_numpy(float, na_value=np.nan) for c in QUANTITIES])[kind, cell]
    m_codes, m_names = pd.factorize(metric[rows])
    # The family of each (metric, quantity): itself, or the first of the [[same]] group it is in.
    pair = m_codes[cell] * len(QUANTITIES) + kind
    names = {p: canon.get((m_names[p // 3], QUANTITIES[p % 3]), (m_names[p // 3], QUANTITIES[p % 3]))
             for p in np.unique(pair)}
    family = np.array([f"{m}.{q}" for m, q in (names[p] for p in pair)], dtype=object)
    shared = np.isin(metric[rows][cell], list(rel.shares)) & (kind == 2)
    breakdown = sub["breakdown"].to_numpy(object)[cell]
    columns = {"family": family, "ptype": sub["period_type"].to_numpy(object)[cell],
               "pstart": pd.to_datetime(sub["period_start"]).to_numpy()[cell],
               "place": sub["area"].to_numpy(object)[cell],
               "bkey": np.where(shared, TOTAL_BREAKDOWN, breakdown)}
    codes = [pd.factorize(x, sort=True)[0] for x in columns.values()]
    order = np.lexsort(codes[::-1])  # sorted by family, ptype, pstart, place, breakdown: qids in that order
    change = np.ones(order.size, bool)
    change[1:] = np.any([np.diff(c[order]) != 0 for c in codes], axis=0)
    qid = np.empty(order.size, int)
    qid[order] = np.cumsum(change) - 1
    first = order[change]  # one row per quantity, in qid order
    keys = pd.DataFrame({k: v[first] for k, v in columns.items()}).assign(qid=np.arange(first.size))
    key_codes = dict(zip(columns, (c[first] for c in codes)))  # the same columns as integers, for grouping
    truth = pd.Series(truth_all).groupby(qid).first().reindex(range(first.size)).to_numpy(float)
    qt = pd.DataFrame({"cell": cell, "metric": metric[rows][cell], "quantity": np.array(QUANTITIES)[kind],
                       "ptype": columns["ptype"], "pstart": columns["pstart"], "place": columns["place"],
                       "breakdown": breakdown, "qid": qid})
    carries = [() for _ in range(rows.size)]
    order = np.argsort(cell, kind="stable")
    for c, qs in zip(*_runs(cell[order], qid[order])):
        carries[c] = qs
    main = np.full(rows.size, -1)
    main[cell[kind < 2]] = qid[kind < 2]
    cumulative = dict(rel.cumulative)
    lines = _lines(keys, key_codes, area, localities, {f"{m}.value" for m in cumulative})
    complement = np.isin(unit[rows], list(COMPLEMENT_UNITS)) & fraction[rows]
    pairs = np.array([carries[c] for c in np.flatnonzero(complement)], dtype=int).reshape(-1, 2)  # (k, n)
    targets, ties = _targets(qt, truth, pairs, t, rel, cumulative)
    # qids are in key order (family, period, place, breakdown), so they are the stable tie-break themselves
    return Model(truth, carries, main, lines, targets, np.arange(first.size), ties=ties), rows


def _lines(keys: pd.DataFrame, key_codes: dict, area: str, localities,
           cumulative: set[str]) -> list[tuple[int, tuple[int, ...]]]:
    """total = sum of parts: the area and its localities, `All` and its breakdown values, a year (or quarter) and
    the months (or quarters) in it when all of them are there. Not across periods of a cumulative count."""
    lines = []
    qid = keys["qid"].to_numpy()
    place, bkey = keys["place"].to_numpy(object), keys["bkey"].to_numpy(object)
    is_locality = np.isin(place, list(localities))
    for is_total, is_part, group in ((place == area, is_locality, ["family", "ptype", "pstart", "bkey"]),
                                     (bkey == TOTAL_BREAKDOWN, bkey != TOTAL_BREAKDOWN,
                                      ["family", "ptype", "pstart", "place"])):
        code = np.unique(np.stack([key_codes[c] for c in group], axis=1), axis=0, return_inverse=True)[1].ravel()
        totals = np.bincount(code[is_total], minlength=code.max() + 1)
        total_at = np.full(code.max() + 1, -1)
        total_at[code[is_total]] = qid[is_total]
        part = is_part & (totals[code] == 1)
        order = np.argsort(code[part], kind="stable")
        g, q = code[part][order], qid[part][order]
        bounds = np.flatnonzero(np.diff(g)) + 1
        starts, ends = np.r_[0, bounds].tolist(), np.r_[bounds, g.size].tolist()
        g, q = g.tolist(), q.tolist()
        lines += [(int(total_at[g[a]]), tuple(q[a:b])) for a, b in zip(starts, ends) if b > a]
    flows = keys[~keys["family"].isin(cumulative)]
    coarse_rows = flows[flows["ptype"].map(PERIOD_MONTHS) > 1]
    if coarse_rows.empty:
        return lines
    flows = flows[flows["family"].isin(set(coarse_rows["family"]))]  # only measures published at two frequencies
    for fine in ("month", "quarter"):
        parts = flows[flows["ptype"] == fine]
        for coarse, months in PERIOD_MONTHS.items():
            totals = flows[flows["ptype"] == coarse]
            if months <= PERIOD_MONTHS[fine] or parts.empty or totals.empty:
                continue
            found = parts.assign(pstart=_period_start(parts["pstart"], coarse))
            members: dict[tuple, list[int]] = {}
            for key, q in zip(found[["family", "place", "bkey", "pstart"]].itertuples(index=False, name=None),
                              found["qid"]):
                members.setdefault(key, []).append(int(q))
            need = months // PERIOD_MONTHS[fine]
            for key, total in zip(totals[["family", "place", "bkey", "pstart"]].itertuples(index=False, name=None),
                                  totals["qid"]):
                inside = members.get(key, ())
                if len(inside) == need:
                    lines.append((int(total), tuple(inside)))
    return lines


def _runs(codes: np.ndarray, values: np.ndarray) -> tuple[list, list[tuple]]:
    """For codes sorted into runs of equal values: each run's code and its values as a tuple."""
    if codes.size == 0:
        return [], []
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts, ends = np.r_[0, bounds].tolist(), np.r_[bounds, codes.size].tolist()
    c, v = codes.tolist(), values.tolist()
    return [c[a] for a in starts], [tuple(v[a:b]) for a, b in zip(starts, ends)]


def _period_start(starts: pd.Series, period_type: str) -> pd.Series:
    """The first day of the period of `period_type` each date falls in."""
    d = pd.to_datetime(starts)
    if period_type == "quarter":
        first = 1 + (d.dt.month - 1) // 3 * 3
        return pd.to_datetime(pd.DataFrame({"year": d.dt.year, "month": first, "day": 1}))
    m0 = YEAR_STARTS[period_type]
    year = d.dt.year - (d.dt.month < m0).astype(int)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": m0, "day": 1}))


def _targets(qt: pd.DataFrame, truth: np.ndarray, pairs: np.ndarray, t: Thresholds, rel: Relations,
             cumulative: dict):
    """Combinations that must never be worked out when they are small (targets): each small quantity, each
    percentage's complement (`pairs`: each percentage's numerator and denominator), every union of atoms of a
    partition, and each difference of a cumulative count's periods. And the ties: complements and atoms that
    are 0."""
    def small(x):
        return 0 < x < t.min_count

    targets = [((int(q),), (1.0,)) for q in np.flatnonzero((truth > 0) & (truth < t.min_count))]
    kq, dq = pairs[:, 0], pairs[:, 1]
    rest = truth[dq] - truth[kq]
    for kk, dd in zip(kq[(rest > 0) & (rest < t.min_count)], dq[(rest > 0) & (rest < t.min_count)]):
        targets.append(((int(dd), int(kk)), (1.0, -1.0)))
    ties = [((int(dd), int(kk)), (1.0, -1.0)) for kk, dd in zip(kq[rest == 0], dq[rest == 0]) if kk != dd]
    if not rel.partitions and not cumulative:
        return targets, ties
    at = ["ptype", "pstart", "place", "breakdown"]
    qid = qt.set_index(["metric", "quantity", *at])["qid"]
    qid = qid[~qid.index.duplicated()]
    for atoms in rel.partitions:
        refs = sorted({(m, q) for atom in atoms for _, m, q in atom})
        cols = []
        for m, q in refs:
            try:
                cols.append(qid.xs((m, q), level=("metric", "quantity")).rename(f"{m}.{q}"))
            except KeyError:
                cols.append(pd.Series(dtype=float, name=f"{m}.{q}"))  # not published: unions without it still count
        # One row per place, breakdown and period; -1 where that quantity is not there.
        grid = pd.concat(cols, axis=1, join="outer").fillna(-1).to_numpy(int)
        if grid.size == 0:
            continue
        atom_coef = np.zeros((len(atoms), len(refs)))
        for i, atom in enumerate(atoms):
            for sign, m, q in atom:
                atom_coef[i, refs.index((m, q))] += sign
        unions = np.array([atom_coef[list(chosen)].sum(axis=0) for size in range(1, len(atoms) + 1)
                           for chosen in itertools.combinations(range(len(atoms)), size)])
        present = grid >= 0
        values = np.where(present, truth[np.where(present, grid, 0)], 0.0)
        known = ~(((~present) | np.isnan(values)).astype(float) @ (unions != 0).T > 0)  # every term there
        sizes = np.nan_to_num(values) @ unions.T  # unions[:len(atoms)] are the atoms themselves
        small_union = known & (sizes > 0) & (sizes < t.min_count)
        zero_atom = np.zeros_like(small_union)
        zero_atom[:, :len(atoms)] = known[:, :len(atoms)] & (sizes[:, :len(atoms)] == 0)
        for r, u in zip(*np.nonzero(small_union | zero_atom)):
            total: dict[int, float] = {}
            for q, w in zip(grid[r], unions[u]):
                if w:
                    total[int(q)] = total.get(int(q), 0.0) + w
            total = {q: w for q, w in total.items() if w}
            if total:
                (targets if small_union[r, u] else ties).append((tuple(total), tuple(total.values())))
    for m, restart in cumulative.items():
        series = qt[(qt["metric"] == m) & (qt["quantity"] == "value")].copy()
        if series.empty:
            continue
        series["window"] = _period_start(series["pstart"], restart)
        for _, g in series.sort_values("pstart").groupby(["place", "breakdown", "ptype", "window"]):
            q = g["qid"].to_numpy(int)
            for i, j in itertools.combinations(range(len(q)), 2):
                if small(truth[q[j]] - truth[q[i]]):
                    targets.append(((int(q[j]), int(q[i])), (1.0, -1.0)))
    return targets, ties


# -- generic count tables --------------------------------------------------------------------------------------

def suppress_counts(table: pd.DataFrame, columns: Sequence[str],
                    thresholds: Thresholds | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small table of counts (rows are parts; each column's total is taken as known) made safe to show.

    Returns the table with hidden cells as NaN, and a same-shaped frame of reasons ("" where shown).
    """
    t = thresholds or Thresholds()
    out = table.copy()
    reasons = pd.DataFrame("", index=table.index, columns=list(columns), dtype=object)
    n = len(table)
    for col in columns:
        x = out[col].to_numpy(float, na_value=np.nan)
        primary = (x > 0) & (x < t.min_count)
        model = Model(x, [(i,) for i in range(n)], np.arange(n), [(-1, tuple(range(n)))],
                      label=np.arange(n), fixed=np.isnan(x))
        hidden = protect(model, primary)
        reason = np.where(primary, SMALL_COUNT, np.where(hidden, SECONDARY, "")).astype(object)
        reasons[col] = reason
        out[col] = np.where(reason != "", np.nan, x)
    return out, reasons
