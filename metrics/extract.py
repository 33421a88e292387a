"""Swap a new extract into `data/`: only ever whole, only if the set it joins validates, one extract at a time.

`python -m metrics.extract NEW.parquet --input NAME [--data-dir data/] [--as-of YYYY-MM-DD] [--wait SECONDS]`

- **What it replaces**: the input's own file, `data/NAME.parquet` (or `data/NAME/NAME.parquet` when the input is a
  folder and has no top-level file). Any other file of the input stays, e.g. `metric_values/published.parquet`,
  which `metrics.ingest` keeps, and the new file is validated together with them as the app reads the set: every
  file against the data contract, keys unique across the files once published rows supersede synthetic ones.
- **Whole or not at all**: the new file is copied into the destination folder as an unnamed temporary file
  (Linux O_TMPFILE: it vanishes if the copy is killed, even by SIGKILL), and that copy, not the source, is what
  is validated and then moved into place with one atomic rename, keeping the replaced file's mode. On a file
  system without O_TMPFILE the copy is named `.extract-*.tmp`; any such file left by a killed run is removed by
  the next run.
- **One at a time**: an exclusive lock on the data folder (flock, released by the kernel if the holder dies); a
  second extract waits up to `--wait` seconds for it, then refuses.
- **What changed**: per measure, rows before and after and the periods added or removed (record-level inputs are
  compared through the series derived from them, as the dashboard shows them).

Exit status: 0 installed (or unchanged), 1 refused (the report names file, column and row), 3 busy (another
extract held the lock for longer than `--wait`). On any refusal nothing under the data folder changes.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa

from metrics import schemas
from metrics.area import DATA_DIR, Area, load_area
from metrics.validate import Problem, input_paths, validate_input

TMP_PREFIX = ".extract-"  # named temporary copies: `.extract-<pid>-<target name>.tmp`
TMP_SUFFIX = ".tmp"
# Temporary names of earlier releases (tempfile.mkstemp beside the target): swept too.
OLD_TMP_GLOBS = (".*.parquet.*.tmp",)
DEFAULT_WAIT_S = 60.0
NEW_FILE_MODE = 0o644  # readable by the app's user, which may not be the loader's
COPY_CHUNK = 1 << 20
EXIT_REFUSED, EXIT_BUSY = 1, 3


class ExtractRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ExtractBusy(Exception):
    """Another extract held the data folder's lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Change:
    """One measure's rows and periods before and after an extract."""
    metric_id: str
    rows_before: int
    rows_after: int
    added: tuple[str, ...]  # periods, e.g. "2026-10 month"
    removed: tuple[str, ...]
    values_changed: int = 0  # rows present before and after whose value or status differs

    @property
    def changed(self) -> bool:
        return self.rows_before != self.rows_after or bool(self.added or self.removed or self.values_changed)

    def __str__(self) -> str:
        def periods(sign: str, ps: tuple[str, ...]) -> str:
            shown = ", ".join(ps[:4]) + (f" and {len(ps) - 4} more" if len(ps) > 4 else "")
            return f"; {sign}{len(ps)} period(s): {shown}" if ps else ""

        values = f"; {self.values_changed:,} value(s) changed" if self.values_changed else ""
        return (f"{self.metric_id}: rows {self.rows_before:,} -> {self.rows_after:,}"
                f"{periods('+', self.added)}{periods('-', self.removed)}{values}")


@dataclass
class Installed:
    target: Path
    unchanged: bool
    changes: list[Change]
    replaced: bool  # whether there was a file at target before
    waited_s: float


def destination(data_dir: Path, name: str) -> Path:
    """The input's own file: `NAME.parquet` unless the input is only a folder, then `NAME/NAME.parquet`."""
    stem = schemas.INPUTS[name][0]
    top = data_dir / f"{stem}.parquet"
    return data_dir / stem / f"{stem}.parquet" if (data_dir / stem).is_dir() and not top.exists() else top


@contextmanager
def data_lock(data_dir: Path, wait_s: float = DEFAULT_WAIT_S, *, on_wait=None):
    """Hold the data folder's exclusive lock (flock on the folder itself: no lock file to leave behind), waiting up
    to `wait_s` seconds for another holder; raise ExtractBusy after that. `on_wait()` is called once if we wait."""
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline, told = time.monotonic() + wait_s, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ExtractBusy(f"another extract is being loaded into {data_dir} (waited {wait_s:g} s); "
                                      "nothing was changed: try again when it has finished") from None
                if on_wait is not None and not told:
                    on_wait()
                    told = True
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Temporary copies a killed extract left in `folder`. Call only while holding the lock: then none is live."""
    stale = [p for p in folder.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}") if p.is_file()]
    for pattern in OLD_TMP_GLOBS:
        stale += [p for p in folder.glob(pattern) if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


class _Copy:
    """A copy of `src` (an open file) in `folder`, unnamed while it is written (O_TMPFILE) where the system allows."""

    def __init__(self, src, folder: Path, target_name: str, mode: int):
        self.named = folder / f"{TMP_PREFIX}{os.getpid()}-{target_name}{TMP_SUFFIX}"
        self.linked = False
        try:
            self.fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, mode)
            self.path = Path(f"/proc/self/fd/{self.fd}")
        except (AttributeError, OSError):  # no O_TMPFILE here: a named copy, swept by the next run if killed
            self.fd = os.open(self.named, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode)
            self.path, self.linked = self.named, True
        try:
            os.fchmod(self.fd, mode)  # the umask may have narrowed it
            while chunk := src.read(COPY_CHUNK):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(self.fd, view):]
            os.fsync(self.fd)
        except BaseException:
            self.discard()
            raise

    def install(self, target: Path) -> None:
        """Give the copy its name for the instant before the atomic rename onto `target` (in the same folder)."""
        dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if not self.linked:
                # linkat(AT_SYMLINK_FOLLOW) names the open unnamed file (os.link uses it only given a dir fd)
                os.link(self.path, self.named.name, dst_dir_fd=dir_fd, follow_symlinks=True)
                self.linked = True
            os.replace(self.named.name, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            self.linked = False
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)

    def discard(self) -> None:
        if self.linked:
            self.named.unlink(missing_ok=True)
            self.linked = False
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def install_extract(source: str | Path, name: str, data_dir: str | Path | None = None, *,
                    as_of: date | None = None, wait_s: float = DEFAULT_WAIT_S, on_wait=None) -> Installed:
    """Validate `source` as input `name` together with the rest of the input's set and atomically replace the
    input's own file. Raises ExtractRejected (nothing changed) or ExtractBusy."""
    from metrics.catalogue import load_catalogue

    if name not in schemas.INPUTS:
        raise ValueError(f"input must be one of {', '.join(schemas.INPUTS)}, not {name!r}")
    source, data_dir = Path(source), Path(data_dir or DATA_DIR)
    t0 = time.monotonic()
    with data_lock(data_dir, wait_s, on_wait=on_wait):
        waited = time.monotonic() - t0
        try:
            catalogue = load_catalogue(data_dir / "catalogue.toml")
            area = load_area.__wrapped__(data_dir / "area.toml")  # as it is now, not as first read
        except (ValueError, OSError) as exc:
            raise ExtractRejected([Problem(str(data_dir), None, (), f"the folder's configuration does not load, "
                                                                  f"so nothing can be checked against it: {exc}")])
        target = destination(data_dir, name)
        for folder in {data_dir, target.parent}:
            remove_stale_temporaries(folder)
        target.parent.mkdir(exist_ok=True)
        mode = target.stat().st_mode & 0o7777 if target.exists() else NEW_FILE_MODE
        before = input_paths(data_dir, name)
        others = [f for f in before if f != target]
        try:
            with open(source, "rb", buffering=0) as src:  # raw reads: a pipe gives what it has, a file whole chunks
                copy = _Copy(src, target.parent, target.name, mode)
        except OSError as exc:  # unreadable, a folder, or no room to copy it (the copy is discarded)
            where = exc.filename or source
            raise ExtractRejected([Problem(str(where), None, (), f"cannot be copied in ({exc.strerror})")]) from None
        try:
            checks = dict(area=area, catalogue=catalogue, as_of=as_of)
            new, problems = validate_input([*others, copy.path], name, labels={copy.path: str(source)}, **checks)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise ExtractRejected(errors)
            unchanged = target.exists() and _same_bytes(copy.path, target)
            changes = []
            if not unchanged:
                old, _ = validate_input(before, name, **checks)
                changes = compare(name, old, new, catalogue, area, data_dir)
                copy.install(target)
        finally:
            copy.discard()
    return Installed(target, unchanged, changes, replaced=target in before, waited_s=waited)


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(COPY_CHUNK), fb.read(COPY_CHUNK)
            if x != y:
                return False
            if not x:
                return True


# -- what changed -------------------------------------------------------------------------------------------------

KEY = ["metric_id", "period_start", "period_type", "area", "breakdown"]


def compare(name: str, old: pa.Table | None, new: pa.Table, catalogue, area: Area, data_dir: Path) -> list[Change]:
    """Per measure fed by input `name`: rows, periods and values before (None: nothing usable was there) and after."""
    before, after = (_series(name, t, catalogue, area, data_dir) for t in (old, new))
    both = before.join(after, on=KEY, how="full", coalesce=True, suffix="_new", nulls_equal=True)
    period = pl.col("period_start").dt.strftime("%Y-%m") + " " + pl.col("period_type")
    was, now = pl.col("status").is_not_null(), pl.col("status_new").is_not_null()
    differs = was & now & ~(pl.col("value").eq_missing(pl.col("value_new"))
                            & pl.col("status").eq_missing(pl.col("status_new")))
    per_metric = both.group_by("metric_id").agg(
        was.sum().alias("before"), now.sum().alias("after"), differs.sum().alias("values"),
        period.filter(now).unique().alias("periods_after"), period.filter(was).unique().alias("periods_before"))
    changes = []
    for row in per_metric.sort("metric_id").iter_rows(named=True):
        pb, pa_ = set(row["periods_before"]), set(row["periods_after"])
        changes.append(Change(row["metric_id"], row["before"], row["after"], tuple(sorted(pa_ - pb)),
                              tuple(sorted(pb - pa_)), row["values"]))
    return changes


def _series(name: str, table: pa.Table | None, catalogue, area: Area, data_dir: Path) -> pl.DataFrame:
    """The series this input gives the dashboard: KEY, value and status (record-level inputs derived)."""
    if table is None:
        return pl.from_arrow(schemas.METRIC_VALUES.empty_table()).select([*KEY, "value", "status"])
    frame = pl.from_arrow(table)
    if name != "metric_values":
        from metrics.derive import derive_series

        provenance = _provenance(data_dir).get(name, {})
        frame = derive_series({name: frame.drop(["referral_id", "request_id", "plan_id"], strict=False)},
                              catalogue, area.name, since=provenance.get("period_start"))
    return frame.select([*KEY, "value", "status"])


def _provenance(data_dir: Path) -> dict:
    path = data_dir / "inputs.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def report(result: Installed, source: Path) -> str:
    if result.unchanged:
        return f"Unchanged: {source} is byte for byte the file already at {result.target}; nothing was replaced."
    changed = [c for c in result.changes if c.changed]
    lines = [f"Installed {source} as {result.target}" + (" (replacing the file there)" if result.replaced else ""),
             f"{len(changed)} of {len(result.changes)} measure(s) changed"
             + (":" if changed else "."), *(f"  {c}" for c in changed)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics.extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the new extract (Parquet)")
    parser.add_argument("--input", required=True, choices=sorted(schemas.INPUTS), help="which input it replaces")
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the extract's date, YYYY-MM-DD (default today): nothing in it may come after its month")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT_S,
                        help=f"seconds to wait for another extract to finish (default {DEFAULT_WAIT_S:g})")
    args = parser.parse_args(argv)

    def waiting():
        print(f"Waiting for another extract into {args.data_dir} to finish (up to {args.wait:g} s)...",
              file=sys.stderr, flush=True)

    try:
        result = install_extract(args.source, args.input, args.data_dir, as_of=args.as_of, wait_s=args.wait,
                                 on_wait=waiting)
    except ExtractRejected as exc:
        print(f"Rejected {args.source}: nothing under {args.data_dir} was changed.", file=sys.stderr)
        print(exc, file=sys.stderr)
        return EXIT_REFUSED
    except ExtractBusy as exc:
        print(f"Not loaded: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print(report(result, Path(args.source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
