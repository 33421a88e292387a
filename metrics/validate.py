"""Validate the dashboard's inputs against the data contract, reporting every problem at once.

Each problem names the file, the column and the (1-based) data row, and says what was expected, so an analyst
can fix an extract without guessing. `python -m metrics.validate DIR [--as-of YYYY-MM-DD]` checks DIR's
configuration files (`CONFIG_FILES`: the catalogue, the area, the intervention log and the other TOML files) and
every input, prints the report and exits non-zero on errors.

Beyond types and vocabularies, values must be plausible (`metrics.schemas`, "Plausible values" in data/README.md):
finite numbers, within their unit's range, counts whole and below the input's limit, periods starting where their
period type starts, dates from DATE_FLOOR up to the extract's month (the as-of date's; today unless given), and no
column the contract does not declare (an undeclared column may carry personal data into the dashboard).
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from metrics import schemas
from metrics.area import SN_AVERAGE, Area, load_area

MAX_ROWS_LISTED = 5  # per check: enough to find the pattern without flooding the report


@dataclass(frozen=True)
class Problem:
    file: str
    column: str | None
    rows: tuple[int, ...]  # 1-based data rows; empty when the problem is the whole file or column
    message: str
    n_rows: int = 0  # how many rows in all (rows lists at most MAX_ROWS_LISTED)
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f", column '{self.column}'"
        if self.rows:
            listed = ", ".join(str(r) for r in self.rows)
            more = f" and {self.n_rows - len(self.rows)} more" if self.n_rows > len(self.rows) else ""
            where += f", row{'s' if self.n_rows > 1 else ''} {listed}{more}"
        return f"{self.severity.upper()}: {where}: {self.message}"


def input_paths(data_dir: Path, name: str) -> list[Path]:
    """The Parquet files that make up input `name`: `<name>.parquet` and/or a folder `<name>/*.parquet`."""
    stem, _, _ = schemas.INPUTS[name]
    files = [data_dir / f"{stem}.parquet"] if (data_dir / f"{stem}.parquet").is_file() else []
    if (data_dir / stem).is_dir():
        files += sorted((data_dir / stem).glob("*.parquet"))
    return files


class _Checker:
    """Collects problems for one file; each check is a boolean mask of bad rows."""

    def __init__(self, file: str, table: pa.Table):
        self.file, self.table, self.problems = file, table, []

    def add(self, column: str | None, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file, column, (), message, 0, severity))

    def rows(self, column: str, bad, message: str, severity: str = "error") -> None:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            idx = np.flatnonzero(bad)
            self.problems.append(Problem(self.file, column, tuple(int(i) + 1 for i in idx[:MAX_ROWS_LISTED]),
                                         message, int(idx.size), severity))

    def col(self, name: str) -> pa.ChunkedArray:
        return self.table.column(name)

    def not_in(self, column: str, allowed, what: str) -> None:
        values = self.col(column)
        # Nulls are the schema's business (required columns are checked there), not an unknown value.
        bad = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=pa.array(sorted(allowed)))))
        if pc.any(bad).as_py():
            examples = sorted({v for v in pc.filter(values, bad).to_pylist()[:50]})[:3]
            self.rows(column, bad, f"unknown {what} {', '.join(repr(e) for e in examples)}; "
                                   f"expected one of: {', '.join(sorted(allowed))}")

    def before(self, earlier: str, later: str, message: str) -> None:
        """Rows where both dates are present and `later` comes before `earlier`."""
        bad = pc.fill_null(pc.less(self.col(later), self.col(earlier)), False)
        self.rows(later, bad, message)

    def duplicates(self, columns: tuple[str, ...]) -> None:
        dup = duplicated(pl.from_arrow(self.table.select(list(columns))))
        self.rows(columns[0], dup, f"duplicate {' + '.join(columns)}: each must be unique")

    def negative(self, column: str) -> None:
        self.rows(column, pc.fill_null(pc.less(self.col(column), 0), False), "negative value; expected 0 or more")

    def rows_where(self, df: pl.DataFrame, column: str, bad: pl.Expr, message: str) -> None:
        """`rows` for a Polars expression over `df` (the table's rows, in order); the first bad value is quoted."""
        mask = df.select(bad.alias("bad")).to_series().to_numpy()
        if mask.any():
            first = df[column][int(np.flatnonzero(mask)[0])]
            self.rows(column, mask, f"{first!r}: {message}" if isinstance(first, float) else message)

    def counts(self, name: str) -> None:
        limit = schemas.COUNT_LIMITS[name]
        for column in schemas.COUNT_COLUMNS.get(name, ()):
            self.rows(column, pc.fill_null(pc.greater_equal(self.col(column), limit), False),
                      f"implausibly large count; expected below {limit} (data/README.md, Plausible values)")

    def dates(self, as_of: date) -> None:
        """Every date from DATE_FLOOR; none after the extract's month, except planned dates (a review due, a
        deadline), which may lie up to PLANNED_YEARS ahead of it."""
        month_end = _month_end(as_of)
        horizon = _month_end(date(as_of.year + schemas.PLANNED_YEARS, as_of.month, 1))
        for field in self.table.schema:
            if not pa.types.is_date(field.type):
                continue
            values = self.col(field.name)
            self.rows(field.name, pc.fill_null(pc.less(values, pa.scalar(schemas.DATE_FLOOR)), False),
                      f"date before {schemas.DATE_FLOOR}; no date the dashboard reports is earlier (a typo or a "
                      "placeholder date?)")
            latest, what = ((horizon, f"more than {schemas.PLANNED_YEARS} years after the extract's month")
                            if field.name in schemas.PLANNED_DATES else (month_end, "after the extract's month"))
            self.rows(field.name, pc.fill_null(pc.greater(values, pa.scalar(latest)), False),
                      f"date {what} ({as_of:%B %Y}); the as-of date is {as_of} (--as-of to set another)")

    def period_starts(self, as_of: date) -> None:
        """A period starts on the 1st of a month its period type starts in, from DATE_FLOOR to the as-of month."""
        df = pl.from_arrow(self.table.select(["period_start", "period_type"]))
        d = pl.col("period_start")
        starts = pl.col("period_type").replace_strict(
            {k: list(v) for k, v in schemas.PERIOD_START_MONTHS.items()}, default=None,
            return_dtype=pl.List(pl.Int8))
        wrong = (starts.is_not_null() & ((d.dt.day() != 1) | ~starts.list.contains(d.dt.month())))
        mask = df.select(wrong.fill_null(False)).to_series().to_numpy()
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            period_type = df["period_type"][i]
            kind = period_type.replace("_", " ")
            months = ", ".join(date(2000, m, 1).strftime("%B") for m in schemas.PERIOD_START_MONTHS[period_type])
            a = "an" if kind[0] in "aeiou" else "a"
            self.rows("period_start", mask, f"{df['period_start'][i]} does not begin {a} {kind}; {a} {kind} starts "
                                            f"on the 1st of {'any month' if kind == 'month' else months}")
        self.rows("period_start", pc.less(self.col("period_start"), pa.scalar(schemas.DATE_FLOOR)).to_numpy(),
                  f"period before {schemas.DATE_FLOOR}; no series the dashboard reports is earlier")
        self.rows("period_start", pc.greater(self.col("period_start"),
                                             pa.scalar(as_of.replace(day=1))).to_numpy(zero_copy_only=False),
                  f"period starting after the extract's month ({as_of:%B %Y}); the as-of date is {as_of} "
                  "(--as-of to set another)")


def _month_end(d: date) -> date:
    following = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def duplicated(keys: pl.DataFrame) -> np.ndarray:
    """Rows whose whole key occurs more than once.

    Keys are compared by a 64-bit hash first, found repeated by sorting the hashes (no hash table of the keys);
    only rows whose hash repeats are then compared in full, so a hash collision is never reported. On 10M
    referral ids this takes about 0.5 s and 0.4 GB; pandas' `duplicated` took about 12 s (a Python string per id).
    """
    hashes = keys.hash_rows().to_numpy()
    ordered = np.sort(hashes)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    out = np.zeros(len(hashes), dtype=bool)
    if repeated.size:
        candidates = np.isin(hashes, repeated)
        out[candidates] = keys.filter(pl.Series(candidates)).is_duplicated().to_numpy()
    return out


def _conform(file: str, table: pa.Table, schema: pa.Schema,
             optional: tuple[str, ...] = ()) -> tuple[pa.Table | None, list[Problem]]:
    """Check columns and types; cast compatible types (e.g. int64 -> int32, timestamp -> date) to the schema.
    An `optional` column (added to the contract later) that a file lacks is read as all nulls.

    The table is None when a declared column cannot be used; an undeclared column is reported but does not stop
    the declared ones being checked (the file is refused either way)."""
    undeclared = [Problem(file, name, (), "column not in the data contract (data/README.md): it may hold personal "
                                          "data, so the file is refused; remove the column")
                  for name in table.column_names if name not in schema.names]
    problems = []
    for name in optional:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, schema.field(name).type))
    missing = [f.name for f in schema if f.name not in table.column_names]
    for name in missing:
        problems.append(Problem(file, name, (), f"missing column; expected {schema.field(name).type}"))
    arrays = []
    for field in schema:
        if field.name in missing:
            continue
        col = table.column(field.name)
        if col.type != field.type:
            if not _castable(col.type, field.type):
                problems.append(Problem(file, field.name, (), f"wrong type {col.type}; expected {field.type}"))
                continue
            try:
                col = col.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                problems.append(Problem(file, field.name, (), f"cannot convert {col.type} to {field.type}: {exc}"))
                continue
        if not field.nullable and col.null_count:
            bad = pc.is_null(col)
            idx = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
            problems.append(Problem(file, field.name, tuple(int(i) + 1 for i in idx[:MAX_ROWS_LISTED]),
                                    "missing value; this column is required", int(idx.size)))
        arrays.append(col)
    if problems:
        return None, undeclared + problems
    return pa.Table.from_arrays(arrays, schema=schema), undeclared


def _castable(source: pa.DataType, target: pa.DataType) -> bool:
    """Only lossless, meaning-preserving conversions: a string is never silently parsed as a number or date."""
    if pa.types.is_null(source):
        return True
    if pa.types.is_date(target):
        return pa.types.is_date(source) or pa.types.is_timestamp(source)
    if pa.types.is_floating(target):
        return pa.types.is_integer(source) or pa.types.is_floating(source) or pa.types.is_decimal(source)
    if pa.types.is_integer(target):
        return pa.types.is_integer(source)
    if pa.types.is_string(target):
        return pa.types.is_string(source) or pa.types.is_large_string(source) or pa.types.is_dictionary(source)
    return False


def _check_metric_values(c: _Checker, area: Area, metric_ids: frozenset[str] | None, units: dict | None,
                         as_of: date) -> None:
    if metric_ids is not None:
        c.not_in("metric_id", metric_ids, "metric_id (not in data/catalogue.toml)")
    c.not_in("period_type", schemas.PERIOD_TYPES, "period_type")
    c.not_in("status", schemas.STATUSES, "status")
    known_areas = {area.name, *area.localities, *area.comparators, *(n.name for n in area.neighbours)}
    c.not_in("area", known_areas, "area (not the local area, a locality or a comparator in data/area.toml)")
    ok = pc.equal(c.col("status"), schemas.STATUS_OK)
    c.rows("value", pc.fill_null(pc.and_(ok, pc.is_null(c.col("value"))), False),
           "missing value with status 'ok'; give a value or a status such as 'suppressed'")
    for column in ("numerator", "denominator"):
        c.negative(column)
    c.rows("numerator", pc.fill_null(pc.greater(c.col("numerator"), c.col("denominator")), False),
           "numerator greater than denominator")
    # quality: flags from the closed vocabulary, joined by ";" (checked per distinct cell: there are few)
    quality = c.col("quality")
    bad = [cell for cell in pc.unique(quality).to_pylist() if cell is not None and not schemas.is_quality(cell)]
    if bad:
        c.rows("quality", pc.fill_null(pc.is_in(quality, value_set=pa.array(bad)), False),
               f"unknown quality flags {', '.join(repr(b) for b in sorted(bad)[:3])}; expected one or more of "
               f"{', '.join(schemas.QUALITY_FLAGS)}, joined by '{schemas.QUALITY_SEPARATOR}' in that order")
    _plausible_values(c, units)
    c.period_starts(as_of)


def _plausible_values(c: _Checker, units: dict | None) -> None:
    """Finite numbers in their unit's range; counts, numerators and denominators whole and below the limit."""
    limit = schemas.COUNT_LIMITS["metric_values"]
    df = pl.from_arrow(c.table.select(["metric_id", "area", "status", "value", "numerator", "denominator"]))
    ok = pl.col("status") == schemas.STATUS_OK
    whole_expected = pl.col("area") != SN_AVERAGE  # an average of counts need not be whole
    for column in ("value", "numerator", "denominator"):
        x = pl.col(column)
        # NaN where a number is promised, or infinity anywhere, is no figure: it would reach charts and averages.
        c.rows_where(df, column, (x.is_infinite() | (x.is_nan() & ok)).fill_null(False),
                     "not a finite number (NaN or infinity); give a number, or no value and a status such as "
                     "'not_available'")
    finite = {col: pl.col(col).is_finite().fill_null(False) for col in ("value", "numerator", "denominator")}
    for column in ("numerator", "denominator"):
        x = pl.col(column)
        c.rows_where(df, column, finite[column] & (x >= limit),
                     f"implausibly large count; a count must be below {limit:,} (data/README.md, Plausible values)")
        c.rows_where(df, column, finite[column] & whole_expected & (x != x.round()),
                     "not a whole number; a numerator or denominator counts children or events")
    unit = pl.col("metric_id").replace_strict(units or {}, default=None, return_dtype=pl.String)
    df = df.with_columns(unit.alias("unit"))
    x = pl.col("value")
    for name, (low, high) in schemas.UNIT_RANGES.items():
        low = -limit if low is None else low
        high = limit if high is None else high
        outside = finite["value"] & (pl.col("unit") == name) & ((x < low) | (x > high) | (x.abs() >= limit))
        c.rows_where(df, "value", outside, f"outside the plausible range for unit '{name}': {low:,} to {high:,}")
    # A metric the catalogue does not know (reported above) still may not hold an absurd number.
    c.rows_where(df, "value", finite["value"] & pl.col("unit").is_null() & (x.abs() >= limit),
                 f"implausibly large value; no value may reach {limit:,} either way")
    c.rows_where(df, "value", finite["value"] & (pl.col("unit") == "count") & whole_expected & (x != x.round()),
                 "not a whole number; a value of unit 'count' counts children or events")


def _check_referrals(c: _Checker, area: Area, services: frozenset[str] | None) -> None:
    c.counts("therapy_referrals")
    if services is not None:
        c.not_in("service", services, "service")
    c.not_in("locality", area.localities, "locality")
    c.not_in("age_band", schemas.AGE_BANDS, "age_band")
    c.not_in("sen_status", schemas.SEN_STATUSES, "sen_status")
    c.before("referral_date", "first_contact_date", "first contact before referral; dates out of order")
    c.before("referral_date", "discharge_date", "discharge before referral; dates out of order")
    c.before("first_contact_date", "discharge_date", "discharge before first contact; dates out of order")
    c.negative("did_not_attend_count")


def _check_requests(c: _Checker, area: Area) -> None:
    c.not_in("locality", area.localities, "locality")
    c.before("request_date", "decision_to_assess_date", "decision before request; dates out of order")
    for agency in schemas.AGENCIES:
        c.before(f"{agency}_advice_requested_date", f"{agency}_advice_received_date",
                 "advice received before it was requested; dates out of order")
    c.before("request_date", "draft_issued_date", "draft plan before request; dates out of order")
    c.before("draft_issued_date", "final_issued_date", "final plan before draft; dates out of order")
    c.before("request_date", "final_issued_date", "final plan before request; dates out of order")


def _check_reviews(c: _Checker, area: Area) -> None:
    c.not_in("locality", area.localities, "locality")
    c.not_in("outcome", schemas.REVIEW_OUTCOMES, "outcome")
    c.before("meeting_date", "amended_plan_issued_date", "amended plan before the review meeting; dates out of order")
    amended = pc.fill_null(pc.equal(c.col("outcome"), "amended"), False)
    c.rows("amended_plan_issued_date",
           pc.and_(pc.invert(amended), pc.is_valid(c.col("amended_plan_issued_date"))),
           "amended plan date given but the outcome is not 'amended'")


def validate_file(path: Path, name: str, *, area: Area | None = None, catalogue=None, metric_ids=None,
                  services=None, label: str | None = None,
                  as_of: date | None = None) -> tuple[pa.Table | None, list[Problem]]:
    """Read and validate one Parquet file as input `name`. Returns the conformed table (None on errors).

    Give `catalogue` (or at least `metric_ids` and `services`) for the checks that need it: metric ids, units and
    services. `as_of` (default today) ends the extract's month: no date or period may come after it.
    """
    area = area or load_area()
    label = label or str(path)
    as_of = as_of or date.today()
    if catalogue is not None:
        metric_ids, services = catalogue.ids, frozenset(s.name for s in catalogue.services)
    units = {m.id: m.unit for m in catalogue.metrics} if catalogue is not None else None
    _, schema, key = schemas.INPUTS[name]
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        why = str(exc).replace(f"'{path}'", "").replace(str(path), label)  # the reader's message names its path
        return None, [Problem(label, None, (), f"not a readable Parquet file ({why})")]
    if raw.num_rows == 0:
        return None, [Problem(label, None, (), "empty file: no rows")]
    table, problems = _conform(label, raw, schema, schemas.OPTIONAL_COLUMNS.get(name, ()))
    if table is None:
        return None, problems
    c = _Checker(label, table)
    c.problems += problems
    c.duplicates(key)
    if name == "metric_values":
        _check_metric_values(c, area, metric_ids, units, as_of)
    else:
        c.dates(as_of)
        if name == "therapy_referrals":
            _check_referrals(c, area, services)
        elif name == "ehc_requests":
            _check_requests(c, area)
        else:
            _check_reviews(c, area)
    errors = [p for p in c.problems if p.severity == "error"]
    return (None if errors else table), c.problems


def validate_input(files: list[Path], name: str, *, labels: dict[Path, str] | None = None,
                   **checks) -> tuple[pa.Table | None, list[Problem]]:
    """Validate the files that together make input `name` (each as `validate_file`, with `checks`), then the set:
    keys unique across the files, after published rows supersede synthetic ones (a duplicate is reported in each
    file it is in, by that file's own rows). `labels` may name a file otherwise than by its path."""
    labels = labels or {}
    parts, problems = [], []
    for f in files:
        t, ps = validate_file(f, name, label=labels.get(f), **checks)
        problems += ps
        parts.append(t)
    if not files or any(t is None for t in parts):
        return None, problems
    table = pa.concat_tables(parts)
    kept = (pc.invert(_superseded(table)).to_numpy(zero_copy_only=False) if name == "metric_values"
            else np.ones(table.num_rows, dtype=bool))
    if len(files) > 1:  # uniqueness holds across the files of a folder too
        key = schemas.INPUTS[name][2]
        dup = np.zeros(table.num_rows, dtype=bool)
        dup[kept] = duplicated(pl.from_arrow(table.select(list(key))).filter(pl.Series(kept)))
        offsets = np.cumsum([0, *(t.num_rows for t in parts)])
        names = [labels.get(f, str(f)) for f in files]
        for i, label in enumerate(names):
            c = _Checker(label, parts[i])
            others = ", ".join(n for j, n in enumerate(names) if j != i)
            c.rows(key[0], dup[offsets[i]:offsets[i + 1]],
                   f"duplicate {' + '.join(key)}: the same key is in another file of this input ({others}); "
                   "each must be unique across them")
            problems += c.problems
        if dup.any():
            return None, problems
    return table.filter(pa.array(kept)), problems


def validate_dir(data_dir: str | Path, *, catalogue=None, area: Area | None = None, as_of: date | None = None):
    """Validate every input under `data_dir`. Returns ({input: table or None}, [problems])."""
    data_dir = Path(data_dir)
    area = area or load_area()
    tables, problems = {}, []
    for name in schemas.INPUTS:
        files = input_paths(data_dir, name)
        stem = str(data_dir / schemas.INPUTS[name][0])
        if not files:
            problems.append(Problem(stem, None, (), f"input '{name}' not found: expected {name}.parquet or a folder "
                                                    f"{name}/"))
            tables[name] = None
            continue
        tables[name], found = validate_input(files, name, area=area, catalogue=catalogue, as_of=as_of)
        problems += found
    return tables, problems


def published_supersedes_synthetic(values: pa.Table) -> pa.Table:
    """Synthetic rows only stand in until real data arrives: drop them for any metric that has published rows."""
    return values.filter(pc.invert(_superseded(values)))


def _superseded(values: pa.Table) -> pa.ChunkedArray:
    synthetic = values.column("synthetic")
    published_ids = pc.unique(pc.filter(values.column("metric_id"), pc.invert(synthetic)))
    return pc.and_(synthetic, pc.is_in(values.column("metric_id"), value_set=published_ids))


# -- the folder's configuration files -----------------------------------------------------------------------------

@dataclass
class Config:
    """What the configuration files of a folder gave: None where a file is missing or bad (then reported)."""
    data_dir: Path
    area: Area | None = None
    catalogue: object | None = None


def _area(path: Path, config: Config) -> None:
    config.area = load_area.__wrapped__(path)  # not the cached copy: the file may have changed since


def _catalogue(path: Path, config: Config) -> None:
    from metrics.catalogue import load_catalogue

    config.catalogue = load_catalogue(path)


def _annotations(path: Path, config: Config) -> None:
    from metrics.annotations import load_annotations

    load_annotations(path, catalogue=config.catalogue,
                     localities=config.area.localities if config.area is not None else None)


def _disclosure(path: Path, config: Config) -> None:
    from metrics.disclosure import load_thresholds

    load_thresholds(path)


def _published_map(path: Path, config: Config) -> None:
    from metrics.ingest.mapping import load_map

    try:
        load_map(path, catalogue=config.catalogue)
    except (KeyError, TypeError) as exc:  # a required setting missing from an entry
        raise ValueError(f"missing or malformed setting {exc}") from None


PROVENANCE_KEYS = {"synthetic": bool, "source": str, "period_start": date}


def _inputs(path: Path, config: Config) -> None:
    """inputs.toml: for each record-level input, whether it is synthetic, its source and where reporting starts."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = []
    for name, entry in raw.items():
        if name not in schemas.INPUTS:
            problems.append(f"[{name}]: not an input (expected one of {', '.join(schemas.INPUTS)})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{name}: expected a table [{name}]")
            continue
        for key, value in entry.items():
            kind = PROVENANCE_KEYS.get(key)
            if kind is None:
                problems.append(f"[{name}] {key}: unknown setting (expected {', '.join(PROVENANCE_KEYS)})")
            elif not isinstance(value, kind) or (kind is date and type(value) is not date):
                problems.append(f"[{name}] {key} = {value!r}: expected a {kind.__name__}")
            elif kind is date and (value.day != 1 or value < schemas.DATE_FLOOR):
                problems.append(f"[{name}] {key} = {value}: expected the 1st of a month from {schemas.DATE_FLOOR}")
    if problems:
        raise ValueError("; ".join(problems))


def _plan(path: Path, config: Config) -> list[Problem]:
    """plan.toml, the improvement plans' actions: metrics/plan.py checks it against the catalogue."""
    if config.catalogue is None:
        raise LookupError("not checked: the catalogue must load first")
    from metrics.plan import check  # it reports with this module's Problem

    return check(path, config.catalogue)


@dataclass(frozen=True)
class ConfigFile:
    name: str
    required: bool
    # Returns the file's problems (None: none), or raises ValueError (tomllib.TOMLDecodeError is one) on a problem
    check: Callable[[Path, Config], list[Problem] | None]


# The files `python -m metrics.validate DIR` checks, in order (the area and the catalogue first: the others are
# checked against them). One line adds a file.
CONFIG_FILES = (
    ConfigFile("area.toml", True, _area),
    ConfigFile("catalogue.toml", True, _catalogue),
    ConfigFile("inputs.toml", False, _inputs),
    ConfigFile("annotations.csv", False, _annotations),
    ConfigFile("disclosure.toml", False, _disclosure),
    ConfigFile("published_map.toml", False, _published_map),
    ConfigFile("plan.toml", False, _plan),
)


def check_config(data_dir: str | Path) -> tuple[Config, list[Problem]]:
    """Check each of CONFIG_FILES in `data_dir`: every problem reported, never raised."""
    config, problems = Config(Path(data_dir)), []
    for entry in CONFIG_FILES:
        path = config.data_dir / entry.name
        if not path.is_file():
            if entry.required:
                problems.append(Problem(str(path), None, (), "missing: the dashboard cannot start without it"))
            continue
        try:
            problems += entry.check(path, config) or []
        except LookupError as exc:
            problems.append(Problem(str(path), None, (), str(exc), severity="warning"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(str(path), None, (), f"not valid TOML: {exc}"))
        except (ValueError, OSError) as exc:  # CatalogueError is a ValueError
            problems += [Problem(str(path), None, (), line) for line in _lines(exc, path)]
    return config, problems


def _lines(exc: Exception, path: Path) -> list[str]:
    """An error's message as report lines, without the file name each loader puts in front (the report says it)."""
    problems = getattr(exc, "problems", None)
    lines = list(problems) if problems else [
        ln.strip().removeprefix("- ") for ln in str(exc).splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].endswith(":") and "problem(s)" in lines[0]:
        lines = lines[1:]  # "N problem(s) in ...:" heads the list it introduces
    out = []
    for ln in lines:
        for prefix in (f"{path}: ", f"{path}, ", f"{path.name}: ", f"{path.name} "):
            ln = ln.removeprefix(prefix)
        out.append(ln)
    return out or [type(exc).__name__]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.validate", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="the folder to check (e.g. data/)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the extract's date, YYYY-MM-DD (default today): nothing may come after its month")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        print(f"{data_dir}: not a folder", file=sys.stderr)
        return 2
    config, problems = check_config(data_dir)
    tables: dict = {}
    if config.area is not None and config.catalogue is not None:
        tables, found = validate_dir(data_dir, catalogue=config.catalogue, area=config.area, as_of=args.as_of)
        problems += found
    for p in problems:
        print(p)
    errors = sum(p.severity == "error" for p in problems)
    if not tables:
        print("inputs: NOT CHECKED (the area and the catalogue must load first)")
    for name, table in tables.items():
        state = f"{table.num_rows:,} rows valid" if table is not None else "NOT USABLE"
        print(f"{name}: {state}")
    print(f"{errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
