"""Fault scenarios: what the reliability harness (`python -m bench.reliability`, RELIABILITY.md) runs in full and
tests/unit/test_faults.py runs CI-sized (`quick=True`: a few seconds each).

Every scenario works on its own copy of data/ and loopback only, measures what the code does (it asserts nothing:
the tests do), and returns one summary row (`Outcome`) plus its details:
- `extract_killed`: SIGKILL an extract mid-copy (its source a FIFO fed half a file) and at moments spread over the
  rest of its run; data/ must then be exactly as before or exactly as after, with no temporary file left, and the
  next extract must run (the lock died with the process).
- `extract_concurrent`: a second extract while the first holds the lock (with no wait: refused; with a wait: done
  after it), and two extracts started together: serialised, one outcome, and each report true to what it did.
- `bad_inputs`: every class of bad input the data contract refuses, loaded by `metrics.extract` (refused, naming
  file, column and row, nothing changed), then dropped straight into the data folder of a running app (every page
  still answers; no 5xx).
- `served`: the app under the Procfile's gunicorn, with a private redis-server as its shared cache, under load while
  Redis is stopped, while it is hung (SIGSTOP) and while a worker is SIGKILLed: requests, errors and latency per
  phase, the commands the app sent Redis, and the tracebacks the app logged. The load draws pages through the router
  and charts (GET /chart/..., what the response cache holds) for windows not asked before.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from bench import loadgen
from bench.server import HOST, ROOT, free_port

DATA = ROOT / "data"
TEMP = re.compile(r"^\..*\.tmp$")  # a temporary copy of this release or an earlier one (metrics.extract)
PAGES = ("/", "/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4", "/therapy", "/ehcp")
QUICK_LOAD_PAGES = ("/outcome-3", "/therapy")  # quick pages to draw (CI's load runs are short): the first that works
LOCALITIES = ("area", "north", "central", "south")


@dataclass
class Outcome:
    """One row of RELIABILITY.md's summary."""
    scenario: str
    what: str
    tried: int = 0  # fault instances (kills, classes, phases...)
    survived: int = 0  # of them, those the system came through as it should
    requests: int = 0  # HTTP requests sent
    errors: int = 0  # of them, answered 5xx, not answered, or (under load) not 2xx
    lost: int = 0  # data lost: states of data/ that were neither the old nor the new one
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# -- data folders --------------------------------------------------------------------------------------------------

def copy_data(dest: Path, source: Path = DATA) -> Path:
    """A copy of data/ without its scripts; Parquet hard-linked (extracts rename new files over, never write in)."""
    for f in sorted(source.rglob("*")):
        target = dest / f.relative_to(source)
        if f.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif f.suffix != ".py":
            target.parent.mkdir(parents=True, exist_ok=True)
            if f.suffix == ".parquet":
                os.link(f, target)
            else:
                shutil.copy2(f, target)
    return dest


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and TEMP.match(p.name))


def extract_cmd(source: Path, name: str, data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "metrics.extract", str(source), "--input", name, "--data-dir", str(data_dir),
            *extra]


def _run(cmd: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def bigger_referrals(out: Path, copies: int) -> Path:
    """The shipped referrals `copies` times over with fresh ids: a larger extract, so a copy takes a while."""
    base = pl.read_parquet(DATA / "therapy_referrals.parquet")
    big = pl.concat([base.with_columns((pl.col("referral_id") + f"-{k}").alias("referral_id"))
                     for k in range(copies)])
    big.write_parquet(out)
    return out


def without_last_period(out: Path, metric_id: str) -> Path:
    """The shipped metric values without `metric_id`'s latest period: one measure's change, easy to recognise."""
    values = pl.read_parquet(DATA / "metric_values.parquet")
    last = values.filter(pl.col("metric_id") == metric_id)["period_start"].max()
    values.filter((pl.col("metric_id") != metric_id) | (pl.col("period_start") != last)).write_parquet(out)
    return out


def _lock_held(data_dir: Path) -> bool:
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str, poll: float = 0.002) -> float:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(poll)
    return time.monotonic() - t0


def _copying(pid: int, folder: Path) -> bool:
    """Whether process `pid` holds an unnamed (O_TMPFILE) or temporary copy in `folder` with bytes in it."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(fd)
            if target.startswith(str(folder)) and ("(deleted)" in target or target.endswith(".tmp")) \
                    and os.stat(fd).st_size > 0:
                return True
        except OSError:
            continue
    return False


# -- extracts killed ----------------------------------------------------------------------------------------------

def extract_killed(workdir: Path, *, quick: bool = True) -> Outcome:
    """SIGKILL `metrics.extract` mid-copy and at moments spread over the rest of its run."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = bigger_referrals(workdir / "referrals.parquet", 5 if quick else 50)
    pristine = copy_data(workdir / "pristine")  # every trial starts from this snapshot, whatever data/ does meanwhile
    old = checksums(pristine)
    # One undisturbed run: the state it ends in, and how long it runs once its copy has started.
    done_dir = copy_data(workdir / "undisturbed", pristine)
    proc = subprocess.Popen(extract_cmd(source, "therapy_referrals", done_dir), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _copying(proc.pid, done_dir) or proc.poll() is not None, 120, "copy to start")
    t_copy = time.monotonic()
    out, err = proc.communicate(timeout=300)
    span = time.monotonic() - t_copy
    if proc.returncode != 0:
        raise RuntimeError(f"the undisturbed extract failed: {err[-2000:]}")
    new = checksums(done_dir)
    delays = [span / 2] if quick else [span * k / 20 for k in range(20)]
    trials = [("mid-copy (source a FIFO fed half the file)", None)] + [(f"{d:.3f} s after the copy began", d)
                                                                         for d in delays]
    rows = []
    for i, (when, delay) in enumerate(trials):
        data_dir = copy_data(workdir / f"trial-{i}", pristine)
        rows.append(_kill_once(source, data_dir, delay, old, new, workdir / f"fifo-{i}"))
        rows[-1]["when"] = when
        shutil.rmtree(data_dir)
    survived = sum(r["state"] in ("old", "new") and r["temporaries_after_next_run"] == 0 and r["next_run_ok"]
                   and r["state_after_next_run"] == "new" for r in rows)
    return Outcome("extract_killed", "kill -9 during `metrics.extract` (therapy referrals, "
                   f"{pl.scan_parquet(source).select(pl.len()).collect().item():,} rows)", tried=len(rows),
                   survived=survived, lost=sum(r["state"] == "neither" for r in rows),
                   details={"undisturbed_run_after_copy_start_s": round(span, 3), "trials": rows})


def _kill_once(source: Path, data_dir: Path, delay: float | None, old: dict, new: dict, fifo: Path) -> dict:
    killed = threading.Event()
    if delay is None:  # the source is a FIFO: the extract blocks mid-copy once half the file is through
        os.mkfifo(fifo)
        payload = source.read_bytes()

        def feed():
            with contextlib.suppress(OSError), open(fifo, "wb") as w:
                w.write(payload[: len(payload) // 2])
                w.flush()
                killed.wait(120)  # hold the pipe open: the reader waits for the rest until it is killed

        threading.Thread(target=feed, daemon=True).start()
    proc = subprocess.Popen(extract_cmd(fifo if delay is None else source, "therapy_referrals", data_dir), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: _copying(proc.pid, data_dir) or proc.poll() is not None, 120, "copy to start")
    time.sleep(0.2 if delay is None else delay)  # mid-copy: it has read what there is and waits for more
    running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed.set()
    left = temporaries(data_dir)
    now = checksums(data_dir)
    state = "old" if now == old else "new" if now == new else "neither"
    rerun = _run(extract_cmd(source, "therapy_referrals", data_dir, "--wait", "0"))
    return {"killed_while_running": running, "state": state, "temporaries_after_kill": len(left),
            "temporaries_after_next_run": len(temporaries(data_dir)), "next_run_ok": rerun.returncode == 0,
            "state_after_next_run": "new" if checksums(data_dir) == new else "other"}


# -- extracts at the same time ----------------------------------------------------------------------------------

M_A, M_B = "engagement_participants", "engagement_new_families"  # one measure each of the two extracts drops


def extract_concurrent(workdir: Path, *, quick: bool = True) -> Outcome:
    """A second extract while the first holds the lock, and extracts started together."""
    workdir.mkdir(parents=True, exist_ok=True)
    a = without_last_period(workdir / "a.parquet", M_A)
    b = without_last_period(workdir / "b.parquet", M_B)
    pristine = copy_data(workdir / "pristine")
    rows = [_held_lock(copy_data(workdir / "held", pristine), workdir / "held.fifo", a, b)]
    for i in range(1 if quick else 10):
        rows.append(_race(copy_data(workdir / f"race-{i}", pristine), a, b))
    survived = sum(r["ok"] for r in rows)
    return Outcome("extract_concurrent", "two `metrics.extract` runs on one data folder at the same time",
                   tried=len(rows), survived=survived, lost=sum(r.get("lost", 0) for r in rows),
                   details={"trials": rows})


def _held_lock(data_dir: Path, fifo: Path, a: Path, b: Path) -> dict:
    """The first extract holds the lock (its source a FIFO not yet written); a second with --wait 0 is refused and
    changes nothing; a third with a wait runs once the first has finished."""
    before = checksums(data_dir)
    os.mkfifo(fifo)
    first = subprocess.Popen(extract_cmd(fifo, "metric_values", data_dir), cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _lock_held(data_dir), 60, "the first extract to take the lock", poll=0.01)
    refused = _run(extract_cmd(b, "metric_values", data_dir, "--wait", "0"))
    unchanged = checksums(data_dir) == before
    third = subprocess.Popen(extract_cmd(b, "metric_values", data_dir, "--wait", "60"), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err_lines: list[str] = []
    waiting = threading.Event()

    def read_err():
        for line in third.stderr:
            err_lines.append(line)
            if "Waiting for another extract" in line:
                waiting.set()

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    waiting.wait(60)  # it has found the lock held
    with open(fifo, "wb") as w:
        w.write(a.read_bytes())
    out1, err1 = first.communicate(timeout=120)
    out3 = third.stdout.read()
    third.wait(120)
    reader.join(10)
    err3 = "".join(err_lines)
    final = (data_dir / "metric_values.parquet").read_bytes()
    ok = (refused.returncode == 3 and "another extract is being loaded" in refused.stderr and unchanged
          and first.returncode == 0 and third.returncode == 0 and "Waiting for another extract" in err3
          and final == b.read_bytes() and f"{M_A}: rows" in out1 and _says_second(out3))
    return {"trial": "held lock", "ok": ok, "refused_rc": refused.returncode, "refused_message":
            refused.stderr.strip().splitlines()[-1:], "unchanged_while_refused": unchanged,
            "first": out1.strip().splitlines(), "waited": "Waiting for another extract" in err3,
            "third": out3.strip().splitlines(), "final": "b" if final == b.read_bytes() else "other"}


def _says_second(out: str) -> bool:
    """The later of the two extracts (a, then b) reports a's dropped period back and b's dropped."""
    return (re.search(rf"{M_A}: rows \d+ -> \d+; \+1 period", out) is not None
            and re.search(rf"{M_B}: rows \d+ -> \d+; -1 period", out) is not None)


def _says_first(out: str, mine: str) -> bool:
    return "1 of " in out and re.search(rf"{mine}: rows \d+ -> \d+; -1 period", out) is not None


def _race(data_dir: Path, a: Path, b: Path) -> dict:
    """Two extracts started together: one outcome (the later one's file), and each report true to what it did."""
    before = checksums(data_dir)
    procs = {k: subprocess.Popen(extract_cmd(src, "metric_values", data_dir), cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for k, src in (("a", a), ("b", b))}
    outs = {k: p.communicate(timeout=120) for k, p in procs.items()}
    codes = {k: p.returncode for k, p in procs.items()}
    final = (data_dir / "metric_values.parquet").read_bytes()
    last = "a" if final == a.read_bytes() else "b" if final == b.read_bytes() else None
    first = {"a": "b", "b": "a"}.get(last)
    mine = {"a": M_A, "b": M_B}
    truthful = last is not None and _says_first(outs[first][0], mine[first]) and (
        re.search(rf"{mine[first]}: rows \d+ -> \d+; \+1 period", outs[last][0]) is not None
        and re.search(rf"{mine[last]}: rows \d+ -> \d+; -1 period", outs[last][0]) is not None)
    others_unchanged = {k: v for k, v in checksums(data_dir).items() if k != "metric_values.parquet"} == \
        {k: v for k, v in before.items() if k != "metric_values.parquet"}
    ok = codes == {"a": 0, "b": 0} and truthful and others_unchanged and not temporaries(data_dir)
    return {"trial": "started together", "ok": ok, "exit_codes": codes, "installed_last": last,
            "reports": {k: o[0].strip().splitlines() for k, o in outs.items()},
            "waited": {k: "Waiting for another extract" in o[1] for k, o in outs.items()},
            "lost": 0 if last is not None and others_unchanged else 1}


# -- bad inputs --------------------------------------------------------------------------------------------------

def _units() -> dict[str, str]:
    import tomllib
    return {m["id"]: m["unit"] for m in tomllib.loads((DATA / "catalogue.toml").read_text())["metric"]}


def _spoil_row(input_name: str, where: Callable[[pl.DataFrame], pl.Expr], **columns) -> Callable[[Path], Path]:
    """A maker of a copy of the shipped `input_name` with the first row `where` selects given `columns`' values."""
    stem = f"{input_name}.parquet"

    def make(out: Path) -> Path:
        df = pl.read_parquet(DATA / stem)
        i = df.with_row_index("i").filter(where(df))["i"][0]
        first = pl.int_range(pl.len()) == i
        df.with_columns(pl.when(first).then(pl.lit(v, dtype=df.schema[c])).otherwise(pl.col(c)).alias(c)
                        for c, v in columns.items()).write_parquet(out)
        return out
    return make


def _ok_of_unit(unit: str, period_type: str | None = None):
    def where(df: pl.DataFrame) -> pl.Expr:
        ids = [k for k, u in _units().items() if u == unit]
        e = pl.col("metric_id").is_in(ids) & (pl.col("status") == "ok")
        return e & (pl.col("period_type") == period_type) if period_type else e
    return where


def _month_row(df: pl.DataFrame) -> pl.Expr:
    return (pl.col("period_type") == "month") & (pl.col("status") == "ok")


def _any_row(df: pl.DataFrame) -> pl.Expr:
    return pl.lit(True)


def _with_column(input_name: str, name: str, value) -> Callable[[Path], Path]:
    def make(out: Path) -> Path:
        pl.read_parquet(DATA / f"{input_name}.parquet").with_columns(pl.lit(value).alias(name)).write_parquet(out)
        return out
    return make


def _with_published_rows(out: Path) -> Path:
    published = pl.read_parquet(DATA / "metric_values" / "published.parquet")
    pl.concat([pl.read_parquet(DATA / "metric_values.parquet"), published.head(3)]).write_parquet(out)
    return out


def _garbage(out: Path) -> Path:
    out.write_bytes(b"PAR1" + b"\x00" * 1000)
    return out


def _without_column(input_name: str, name: str) -> Callable[[Path], Path]:
    def make(out: Path) -> Path:
        pl.read_parquet(DATA / f"{input_name}.parquet").drop(name).write_parquet(out)
        return out
    return make


def _next_month() -> date:
    today = date.today()
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


@dataclass(frozen=True)
class BadInput:
    name: str
    input: str  # the input it is loaded as; None for a configuration file
    make: Callable[[Path], Path]  # writes the bad file at the path given, returns it
    column: str | None  # the column the refusal must name (None: the whole file)
    words: str  # words the refusal must contain


M = "metric_values"
R = "therapy_referrals"
BAD_INPUTS = (
    BadInput("value NaN with status ok", M, _spoil_row(M, _any_row, value=float("nan"), status="ok"), "value",
             "not a finite number"),
    BadInput("value +infinity with status ok", M, _spoil_row(M, _ok_of_unit("count"), value=float("inf")), "value",
             "not a finite number"),
    BadInput("value -infinity", M, _spoil_row(M, _ok_of_unit("percent"), value=float("-inf")), "value",
             "not a finite number"),
    BadInput("value 1e308 (a rate)", M, _spoil_row(M, _ok_of_unit("rate"), value=1e308), "value",
             "outside the plausible range for unit 'rate'"),
    BadInput("percentage above 100", M, _spoil_row(M, _ok_of_unit("percent"), value=150.0), "value",
             "outside the plausible range for unit 'percent'"),
    BadInput("count not a whole number", M, _spoil_row(M, _ok_of_unit("count"), value=12.5), "value",
             "not a whole number"),
    BadInput("count of 2,147,483,647", M, _spoil_row(M, _ok_of_unit("count"), value=2_147_483_647.0), "value",
             "outside the plausible range for unit 'count'"),
    BadInput("period_start mid-month", M, _spoil_row(M, _month_row, period_start=date(2023, 5, 15)), "period_start",
             "does not begin a month"),
    BadInput("quarter starting in February", M, _spoil_row(M, _ok_of_unit("count", "quarter"),
                                                            period_start=date(2023, 2, 1)), "period_start",
             "does not begin a quarter"),
    BadInput("period in 1900", M, _spoil_row(M, _month_row, period_start=date(1900, 1, 1)), "period_start",
             "period before 2000-01-01"),
    BadInput("period after the extract's month", M, _spoil_row(M, _month_row, period_start=_next_month()),
             "period_start", "after the extract's month"),
    BadInput("keys repeated across the input's files", M, _with_published_rows, "metric_id", "duplicate"),
    BadInput("undeclared column child_name (metric values)", M, _with_column(M, "child_name", "Jane Doe"),
             "child_name", "may hold personal data"),
    BadInput("missed appointments 2,147,483,647", R, _spoil_row(R, _any_row, did_not_attend_count=2_147_483_647),
             "did_not_attend_count", "implausibly large count"),
    BadInput("referral in 1900", R, _spoil_row(R, _any_row, referral_date=date(1900, 1, 1)), "referral_date",
             "date before 2000-01-01"),
    BadInput("first contact after the extract's month", R,
             _spoil_row(R, lambda df: pl.col("first_contact_date").is_not_null(), first_contact_date=_next_month()),
             "first_contact_date", "after the extract's month"),
    BadInput("undeclared column child_name (referrals)", R, _with_column(R, "child_name", "Jane Doe"), "child_name",
             "may hold personal data"),
    BadInput("a required column missing", R, _without_column(R, "locality"), "locality", "missing column"),
    BadInput("not a Parquet file", R, _garbage, None, "not a readable Parquet file"),
)


def _append(name: str, text: str) -> Callable[[Path], Path]:
    def make(out: Path) -> Path:
        out.write_text((DATA / name).read_text(encoding="utf-8") + text, encoding="utf-8")
        return out
    return make


def _replace(text: str) -> Callable[[Path], Path]:
    def make(out: Path) -> Path:
        out.write_text(text, encoding="utf-8")
        return out
    return make


def annotation_line(**cells) -> str:
    """A line of data/annotations.csv with these cells (the rest empty), in the file's own column order."""
    import csv
    import io

    header = (DATA / "annotations.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([cells.get(c, "") for c in header])
    return out.getvalue()


# (file, what, how it is spoilt, words metrics.validate must print on its line)
BAD_CONFIG = (
    ("catalogue.toml", "catalogue not valid TOML", _append("catalogue.toml", "\n[[metric]\n"), "not valid TOML"),
    ("catalogue.toml", "catalogue entry missing its fields", _append("catalogue.toml", '\n[[metric]]\nid = "x"\n'),
     "missing required field"),
    ("area.toml", "area missing its localities", _replace('[area]\nname = "Blackpool"\n'), "malformed setting"),
    ("annotations.csv", "intervention log with a bad date",
     _append("annotations.csv", annotation_line(id="99", date="2024-13-01", title="T", rebase="false")),
     "is not a date"),
    ("inputs.toml", "provenance with a wrong type", _replace('[therapy_referrals]\nsynthetic = "yes"\n'),
     "expected a bool"),
    ("disclosure.toml", "disclosure threshold out of range", _replace("min_count = 1\n"), "from 2 to 100"),
    ("plan.toml", "improvement plan action of an unknown plan", _append("plan.toml", '\n[[action]]\nplan = "x"\n'),
     "unknown plan 'x'"),
)


def _router(callbacks) -> dict | None:
    """The page router among `callbacks` (a callback map's values or /_dash-dependencies): the server-side callback
    whose one input is the path to draw (components/shell.py). None when the app has none."""
    for cb in callbacks:
        inputs = [(i["id"], i["property"]) for i in cb.get("inputs", [])]
        if inputs == [("route-path", "data")] and not cb.get("clientside_function"):
            return cb
    return None


def router_body(router: dict, path: str, search: str = "") -> dict:
    out_id, _, prop = router["output"].rpartition(".")
    (given,) = router["inputs"]
    state = [{"id": s["id"], "property": s["property"], "value": search if s["property"] == "search" else None}
             for s in router.get("state", [])]
    return {"output": router["output"], "outputs": {"id": out_id, "property": prop},
            "inputs": [{"id": given["id"], "property": given["property"], "value": path}], "state": state,
            "changedPropIds": [f"{given['id']}.{given['property']}"]}


@contextlib.contextmanager
def _app_serving(data_dir: Path):
    """The app (imported here, board edition) serving `data_dir`, noticing a replaced file at its next request."""
    import metrics.store as loader

    saved = os.environ.get("DATA_DIR"), loader.RELOAD_CHECK_SECONDS
    os.environ["DATA_DIR"] = str(data_dir)
    loader.RELOAD_CHECK_SECONDS = 0.0
    try:
        import app as wired
        client = wired.server.test_client()
        client.get("/")  # Dash completes its callback map on the first request
        yield wired, client
    finally:
        if saved[0] is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = saved[0]
        loader.RELOAD_CHECK_SECONDS = saved[1]


def _pages_answer(wired, client, metric_ids: list[str], paths=None) -> dict:
    """Pages of the edition (`paths`, default all) through the router, and these measures' CSV downloads: the
    status of each request."""
    from components.shell import served_paths

    router = _router({**v, "output": k} for k, v in wired.app.callback_map.items())
    if router is None:
        raise RuntimeError("the app has no page router (a callback on route-path.data): update bench/faults.py")
    statuses: dict[str, int] = {}
    for path in paths or sorted(served_paths()):
        r = client.post("/_dash-update-component", json=router_body(router, path))
        statuses[f"page {path}"] = r.status_code
    for m in metric_ids:
        statuses[f"csv {m}"] = client.get(f"/download/{m}.csv").status_code
    return statuses


def refusal(bad: BadInput, data_dir: Path, source: Path) -> dict:
    """`metrics.extract` on the bad file: refused (exit 1), naming the file, column and row, nothing changed."""
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    from metrics import extract

    before = checksums(data_dir)
    bad.make(source)
    err = StringIO()
    with redirect_stdout(StringIO()), redirect_stderr(err):
        code = extract.main([str(source), "--input", bad.input, "--data-dir", str(data_dir), "--wait", "30"])
    lines = [ln for ln in err.getvalue().splitlines() if ln.startswith(f"ERROR: {source}")]
    where = f"ERROR: {source}" + (f", column '{bad.column}'" if bad.column else ":")
    named = any(ln.startswith(where) and bad.words in ln for ln in lines)
    return {"class": bad.name, "input": bad.input, "refused": code == extract.EXIT_REFUSED, "named": named,
            "unchanged": checksums(data_dir) == before, "report": lines[:2]}


def config_refusal(name: str, what: str, make: Callable[[Path], Path], words: str, data_dir: Path) -> dict:
    """`metrics.validate DIR` with one configuration file spoilt: an error on that file's line, exit 1. The file
    is left spoilt (the caller restores it)."""
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    from metrics import validate

    path = data_dir / name
    make(path)
    out = StringIO()
    with redirect_stdout(out), redirect_stderr(StringIO()):
        code = validate.main([str(data_dir)])
    lines = [ln for ln in out.getvalue().splitlines() if ln.startswith(f"ERROR: {path}")]
    return {"class": what, "input": name, "refused": code == 1, "named": any(words in ln for ln in lines),
            "unchanged": True, "report": lines[:2]}


def served_with(bad_file: Path, target: Path, wired, client, good: dict, *, paths=None, metric_ids=()) -> dict:
    """`bad_file` put in place of `target` by hand (bypassing every check), then every page (or `paths`) and
    these measures' downloads requested from the app; the good file is put back after. Returns the status of each
    request, and in `good` (filled first, on the good data, for requests it lacks) what each answered before: a
    page the app could not serve on good data either is not one the bad file took down."""
    missing = [m for m in metric_ids if f"csv {m}" not in good]
    if missing or not all(f"page {p}" in good for p in (paths or [])) or (paths is None and not good):
        good.update(_pages_answer(wired, client, missing, paths))
    original = target.read_bytes()
    shutil.copy(bad_file, target.with_name(".bad"))
    os.replace(target.with_name(".bad"), target)
    try:
        return _pages_answer(wired, client, list(metric_ids), paths)
    finally:
        target.with_name(".good").write_bytes(original)
        os.replace(target.with_name(".good"), target)  # a new file: the app notices and reloads


def taken_down(statuses: dict, good: dict) -> list[str]:
    """Requests answered 5xx that answered below 500 on the good data."""
    return [k for k, s in statuses.items() if s >= 500 and good.get(k, 0) < 500]


# Quick runs serve pages for these classes only: the infinite value (it took the home page, the outcome
# page and the measure's download down), a refused referrals extract and a corrupt catalogue (each took the
# planner down: it had no list to plan from).
QUICK_PAGES = {"value +infinity with status ok": ("/", "/outcome-1"), "not a Parquet file": ("/therapy", "/planner"),
               "catalogue not valid TOML": ("/", "/planner")}


def bad_inputs(workdir: Path, *, quick: bool = True) -> Outcome:
    """Each bad input refused by `metrics.extract` / `metrics.validate`, then put straight into the data folder the
    app is serving from: every page must still answer (the input is reported unavailable, or the last good data
    kept). A full run requests every page and every affected measure's download for every class."""
    from metrics.catalogue import load_catalogue
    from metrics.extract import destination

    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = copy_data(workdir / "data")
    pristine = checksums(data_dir)
    catalogue = load_catalogue(DATA / "catalogue.toml")
    rows, good = [], {}
    with _app_serving(data_dir) as (wired, client):
        for i, bad in enumerate(BAD_INPUTS):
            source = workdir / f"bad-{i}.parquet"
            row = refusal(bad, data_dir, source)
            if not quick or bad.name in QUICK_PAGES:
                ids = [m.id for m in catalogue.metrics if m.input == bad.input]
                bad_ids = [m for m in ids if m in _values_of(source)] if bad.input == M else ids
                row["pages"] = served_with(source, destination(data_dir, bad.input), wired, client, good,
                                           paths=QUICK_PAGES.get(bad.name) if quick else None,
                                           metric_ids=bad_ids[:1] if quick else ids)
            rows.append(row)
        for i, (name, what, make, words) in enumerate(BAD_CONFIG):
            original = (data_dir / name).read_bytes()
            row = config_refusal(name, what, make, words, data_dir)
            spoilt = workdir / f"config-{i}"
            shutil.copy(data_dir / name, spoilt)
            (data_dir / name).write_bytes(original)
            if not quick or what in QUICK_PAGES:
                row["pages"] = served_with(spoilt, data_dir / name, wired, client, good,
                                           paths=QUICK_PAGES.get(what) if quick else None)
            rows.append(row)
        after = _pages_answer(wired, client, [], None if not quick else ("/",))  # good data again
    for r in rows:
        if "pages" in r:
            r["taken_down"] = taken_down(r["pages"], good)
    requests = sum(len(r.get("pages", {})) for r in rows) + len(good) + len(after)
    errors = sum(len(r.get("taken_down", [])) for r in rows) + len(taken_down(after, good))
    survived = sum(r["refused"] and r["named"] and r["unchanged"] and not r.get("taken_down") for r in rows)
    return Outcome("bad_inputs", "every class of bad input: loaded by metrics.extract (or checked by "
                   "metrics.validate), then put straight into the data folder of a running app", tried=len(rows),
                   survived=survived, requests=requests, errors=errors, lost=int(checksums(data_dir) != pristine),
                   details={"classes": rows, "pages_on_good_data_after": after,
                            "failing_on_good_data": sorted(k for k, s in good.items() if s >= 500)})


def _values_of(source: Path) -> set[str]:
    """Metric ids whose rows differ from the shipped metric values (the measures a bad file spoils)."""
    try:
        bad = pl.read_parquet(source)
    except Exception:  # not Parquet at all
        return set()
    good = pl.read_parquet(DATA / "metric_values.parquet")
    common = [c for c in good.columns if c in bad.columns]
    return set(bad.select(common).join(good, on=common, how="anti", nulls_equal=True)["metric_id"].to_list())


# -- the served app: Redis stopped and hung, a worker killed, under load --------------------------------------------

class Redis:
    """A private redis-server on 127.0.0.1 (no persistence), which a scenario may stop, start again or SIGSTOP."""

    def __init__(self, workdir: Path, port: int):
        self.workdir, self.port, self.proc = workdir, port, None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise FileNotFoundError("redis-server is not installed (the Makefile's browser-deps installs it)")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.workdir)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _wait_for(lambda: _redis_answers(self.port), 30, f"redis-server on port {self.port}", poll=0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case it was left stopped
            self.proc.terminate()
            self.proc.wait(10)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)


@contextlib.contextmanager
def redis_server(workdir: Path, port: int | None = None):
    """A started `Redis`; whichever server process it has at the end is stopped."""
    redis = Redis(workdir, port or free_port())
    try:
        redis.start()
        yield redis
    finally:
        redis.stop()


def redis_commands(port: int) -> int | None:
    """How many commands the Redis server has processed (INFO stats), or None if it does not answer at once."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"INFO stats\r\n")
            data = b""
            while b"total_commands_processed:" not in data or not data.endswith(b"\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        m = re.search(rb"total_commands_processed:(\d+)", data)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_router(port: int) -> dict:
    """The app's page router, from its /_dash-dependencies."""
    router = _router(json.loads(_get(port, "/_dash-dependencies")))
    if router is None:
        raise RuntimeError("the app has no page router (a callback on route-path.data): update bench/faults.py")
    return router


LOAD_MONTHS = [f"{y}-{m:02d}" for y in range(2021, 2026) for m in range(1, 13)]  # the windows the load asks for


def steady_charts(port: int, router: dict, pages, most: int = 4) -> list[str]:
    """Chart addresses (whole area) of `pages` whose own series has every month the load's windows cover, so every
    window the load asks for has a figure (a window with none would be a 404 the page never asks for)."""
    from bench import distinct

    found = []
    for path in pages:
        for url in distinct.page_charts(_post(port, router_body(router, path))):
            months = distinct.figure_months(_get(port, distinct.figure_address(url)))
            if months and set(LOAD_MONTHS) <= months and url not in found:
                found.append(url)
                if len(found) == most:
                    return found
    return found


def load_requests(router: dict, pages=PAGES, charts=()) -> Callable[[int], list[loadgen.Request]]:
    """What the load sends: each page drawn through the router, and (every other request) one of `charts`, each for a
    window (and the pages for a locality) not asked before, so the response cache (figures: components/cache.py,
    in the shared Redis) is a miss in the worker's memory and asks the shared store every time; with the page shell
    and a download now and then. Returns a function giving the next `n` requests, never the same one twice."""
    from bench.distinct import with_window

    windows = [(a, b) for i, a in enumerate(LOAD_MONTHS) for b in LOAD_MONTHS[i + 6:][::-1]]
    views = itertools.cycle([(path, loc, a, b) for a, b in windows for loc in LOCALITIES
                             for path in pages])  # thousands before the first repeat
    figures = itertools.cycle([with_window(url, a, b) for a, b in windows for url in charts] or [None])
    plain = [loadgen.Request("GET", "/"), loadgen.Request("GET", "/download/therapy_waiting_list.csv")]

    def take(n: int) -> list[loadgen.Request]:
        out = []
        for k in range(n):
            figure = next(figures) if charts and k % 2 == 1 and k % 10 != 9 else None
            if k % 10 == 9:
                out.append(plain[k // 10 % 2])
            elif figure:
                out.append(loadgen.Request("GET", figure))
            else:
                path, loc, a, b = next(views)
                out.append(loadgen.post_json("/_dash-update-component",
                                             router_body(router, path, f"?locality={loc}&from={a}&to={b}")))
        return out

    return take


def drive(port: int, take: Callable[[int], list[loadgen.Request]], *, concurrency: int, duration_s: float) -> dict:
    """`concurrency` closed-loop clients, each with its own requests (bench.loadgen's clients share one list and
    would repeat each other's), for `duration_s`. Requests, errors and the slowest client's latency."""
    per_client = max(20, int(duration_s * 10))  # more than a client sends of these: each stops at the duration
    lists = [take(per_client) for _ in range(concurrency)]
    results: list[dict] = [{}] * concurrency

    def client(k: int) -> None:
        results[k] = loadgen.run(HOST, port, lists[k], concurrency=1, duration_s=duration_s,
                                 max_requests=per_client)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds: dict[str, int] = {}
    for r in results:
        for k, n in r["error_kinds"].items():
            kinds[k] = kinds.get(k, 0) + n
    done = [r for r in results if r["requests"]]
    return {"requests": sum(r["requests"] for r in results), "errors": sum(r["errors"] for r in results),
            "error_kinds": kinds, "rps": round(sum(r["rps"] for r in results), 1),
            "p50_ms": max((r["p50_ms"] for r in done), default=None),
            "p95_ms": max((r["p95_ms"] for r in done), default=None),
            "max_ms": max((r["max_ms"] for r in done), default=None)}


@dataclass
class _Phase:
    name: str
    fault: bool  # a fault is in force during it (else: a control, or recovery)
    before: Callable[[], None] = lambda: None
    during: Callable[[], None] | None = None  # run on a timer, `at` of the way through
    at: float = 0.0


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def _callback(port: int, body: dict) -> tuple[int, bytes]:
    """A callback request (POST /_dash-update-component): its status and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("POST", "/_dash-update-component", body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _post(port: int, body: dict) -> bytes:
    return _callback(port, body)[1]


def _status(port: int, body: dict) -> int:
    return _callback(port, body)[0]


def _tracebacks(log: Path, start: int) -> tuple[int, int]:
    with open(log, "rb") as f:
        f.seek(start)
        chunk = f.read()
    return chunk.count(b"Traceback (most recent call last)"), len(chunk)


def served(workdir: Path, *, quick: bool = True) -> Outcome:
    """The app (Procfile's gunicorn, 2 workers, the shared cache in a private Redis) under load through: normal
    running, Redis stopped, Redis started again, Redis hung (SIGSTOP), Redis resumed, a worker SIGKILLed, after."""
    from bench.server import serve

    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = copy_data(workdir / "data")
    before_data = checksums(data_dir)
    duration, concurrency = (1.5, 2) if quick else (15.0, 4)
    phases_out = []
    with redis_server(workdir) as redis:
        redis_port = redis.port
        env = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "DATA_DIR": str(data_dir),
               "CACHE_DIR": str(workdir / "cache"), "WEB_CONCURRENCY": "2", "APP_EDITION": "board"}
        env = {k: v for k, v in {**os.environ, **env}.items() if k != "BOARD_AUTH_HEADER"}
        with serve("app:server", log=workdir / "gunicorn.log", env=env) as srv:
            router = http_router(srv.port)
            # Each page once, as a browser opening it would (so the first phase is no cold start); the load draws
            # only pages that answer now, before any fault: one that does not is the app's bug, not a fault's.
            candidates = QUICK_LOAD_PAGES if quick else PAGES
            working = [p for p in candidates if _status(srv.port, router_body(router, p)) == 200]
            if not working:
                raise RuntimeError(f"no page of {candidates} answers 200 before any fault: see {workdir}/gunicorn.log")
            drawn = working[:1] if quick else working
            charts = steady_charts(srv.port, router, drawn)
            if not charts:
                raise RuntimeError(f"no chart of {drawn} has every month of {LOAD_MONTHS[0]}..{LOAD_MONTHS[-1]}: the "
                                   "load would not ask the shared cache; update bench/faults.py")
            take = load_requests(router, drawn, charts)
            killed: dict = {}

            def kill_worker():
                pid = srv.workers()[0]
                killed.update(pid=pid, at=time.monotonic())
                os.kill(pid, signal.SIGKILL)

                def watch():  # until the master has replaced it
                    _wait_for(lambda: len(srv.workers()) == 2 and pid not in srv.workers(), 120,
                              "gunicorn to replace the killed worker", poll=0.02)
                    killed["replaced_after_s"] = round(time.monotonic() - killed["at"], 3)

                killed["watcher"] = threading.Thread(target=watch, daemon=True)
                killed["watcher"].start()

            phases = [
                _Phase("normal running", False),
                _Phase("Redis stopped", True, before=redis.stop),
                _Phase("Redis started again", False, before=redis.start),
                _Phase("Redis hung (SIGSTOP), resumed at the end of the phase", True,
                       before=lambda: redis.signal(signal.SIGSTOP), during=lambda: redis.signal(signal.SIGCONT),
                       at=1.0),
                _Phase("Redis running again", False),
                _Phase("a worker SIGKILLed a third of the way through", True, during=kill_worker, at=1 / 3),
                _Phase("after", False),
            ]
            for phase in phases:
                if phase.name == "after" and killed:
                    killed["watcher"].join(120)
                log_start = (workdir / "gunicorn.log").stat().st_size
                commands = redis_commands(redis_port)
                phase.before()
                timer = threading.Timer(duration * phase.at, phase.during) if phase.during else None
                if timer:
                    timer.start()
                t0 = time.monotonic()
                result = drive(srv.port, take, concurrency=concurrency, duration_s=duration)
                if timer:
                    timer.join()
                tracebacks, log_bytes = _tracebacks(workdir / "gunicorn.log", log_start)
                after = redis_commands(redis_port)
                # Commands the app sent Redis in the phase (None while Redis was down or stopped at either end;
                # each INFO adds one of its own)
                sent = after - commands - 1 if after is not None and commands is not None else None
                phases_out.append({"phase": phase.name, "fault": phase.fault, "wall_s": round(time.monotonic() - t0, 2),
                                   "tracebacks_logged": tracebacks, "log_bytes": log_bytes, "redis_commands": sent,
                                   **{k: result[k] for k in ("requests", "errors", "error_kinds", "rps", "p50_ms",
                                                             "p95_ms", "max_ms")}})
            worker_restart = killed.get("replaced_after_s")
    faults = [p for p in phases_out if p["fault"]]
    recoveries = [phases_out[i + 1] for i, p in enumerate(phases_out[:-1]) if p["fault"]]
    survived = sum(f["requests"] > f["errors"] and r["errors"] == 0 for f, r in zip(faults, recoveries))
    return Outcome("served", "the app under load (Procfile gunicorn, 2 workers, Redis cache): Redis stopped, Redis "
                   "hung, a worker killed", tried=len(faults), survived=survived,
                   requests=sum(p["requests"] for p in phases_out), errors=sum(p["errors"] for p in phases_out),
                   lost=int(checksums(data_dir) != before_data),
                   details={"duration_s_per_phase": duration, "concurrency": concurrency, "pages_drawn": working,
                            "charts_drawn": charts,
                            "pages_failing_before_any_fault": [p for p in candidates if p not in working],
                            "phases": phases_out,
                            "worker_replaced_after_s": worker_restart})
