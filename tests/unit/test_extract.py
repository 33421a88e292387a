"""A new extract is swapped in whole, only after the set it joins validates, one at a time; a bad one changes
nothing. (Killing an extract, and two at once in separate processes: tests/unit/test_faults.py.)"""
import hashlib
import os
import shutil
import threading
import time
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import schemas
from metrics.extract import ExtractRejected, data_lock, install_extract, main

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def data_dir(tmp_path):
    for name in ("catalogue.toml", "area.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def referrals(*rows):
    base = dict(service="Speech and language therapy", locality="North", referral_date=date(2024, 1, 10),
                first_contact_date=None, discharge_date=None, age_band="5-10", sen_status="none",
                first_language_english=True, did_not_attend_count=0)
    return pa.Table.from_pylist([dict(base, **r) for r in rows], schema=schemas.THERAPY_REFERRALS)


def test_good_extract_replaces_the_old_one(data_dir, tmp_path):
    pq.write_table(referrals(dict(referral_id="old")), data_dir / "therapy_referrals.parquet")
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a"), dict(referral_id="b")), new)
    target = install_extract(new, "therapy_referrals", data_dir).target
    assert target == data_dir / "therapy_referrals.parquet"
    assert pq.read_table(target).column("referral_id").to_pylist() == ["a", "b"]
    assert not list(data_dir.glob(".*.tmp")), "no temporary file left behind"


def test_bad_extract_changes_nothing_and_says_why(data_dir, tmp_path, capsys):
    good = data_dir / "therapy_referrals.parquet"
    pq.write_table(referrals(dict(referral_id="old")), good)
    before = good.read_bytes()
    bad = tmp_path / "bad.parquet"
    pq.write_table(referrals(dict(referral_id="a"), dict(referral_id="b", locality="Narnia")), bad)
    with pytest.raises(ExtractRejected) as err:
        install_extract(bad, "therapy_referrals", data_dir)
    assert "column 'locality', row 2" in str(err.value) and str(bad) in str(err.value)
    assert good.read_bytes() == before
    assert main([str(bad), "--input", "therapy_referrals", "--data-dir", str(data_dir)]) == 1
    assert "nothing under" in capsys.readouterr().err
    assert good.read_bytes() == before


def test_folder_inputs_are_replaced_inside_the_folder(data_dir, tmp_path):
    (data_dir / "therapy_referrals").mkdir()
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    assert install_extract(new, "therapy_referrals", data_dir).target == \
        data_dir / "therapy_referrals" / "therapy_referrals.parquet"


def test_unknown_input_name():
    with pytest.raises(ValueError, match="input must be one of"):
        install_extract("x.parquet", "referrals")


# -- the shipped layout: a top-level file and a folder of the same input ----------------------------------------

@pytest.fixture
def shipped(tmp_path):
    """A copy of data/ as shipped (Parquet hard-linked: an extract renames a new file over, never writes into one)."""
    out = tmp_path / "data"
    for f in DATA.rglob("*"):
        target = out / f.relative_to(DATA)
        if f.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif f.suffix != ".py":
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(f, target) if f.suffix == ".parquet" else shutil.copy(f, target)
    return out


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def without_last_quarter(tmp_path, metric_id="engagement_participants") -> Path:
    values = pl.read_parquet(DATA / "metric_values.parquet")
    last = values.filter(pl.col("metric_id") == metric_id)["period_start"].max()
    new = tmp_path / "new_values.parquet"
    values.filter((pl.col("metric_id") != metric_id) | (pl.col("period_start") != last)).write_parquet(new)
    return new


def test_metric_values_replace_the_top_level_file_beside_the_published_folder(shipped, tmp_path, capsys):
    # Issue 13: the extract was written into metric_values/ beside the top-level file, and 74 measures broke.
    from metrics.store import build_store
    unavailable_before = build_store(shipped, precompute=False).unavailable
    new = without_last_quarter(tmp_path)
    assert main([str(new), "--input", "metric_values", "--data-dir", str(shipped)]) == 0
    out = capsys.readouterr().out
    assert f"Installed {new} as {shipped / 'metric_values.parquet'} (replacing the file there)" in out
    measures = pl.concat([pl.read_parquet(DATA / "metric_values.parquet", columns=["metric_id"]),
                          pl.read_parquet(DATA / "metric_values" / "published.parquet", columns=["metric_id"])
                          ])["metric_id"].n_unique()
    assert f"1 of {measures} measure(s) changed:\n  engagement_participants: rows 96 -> 92; -1 period(s): 2026-07 quarter" in out
    assert sorted(p.name for p in (shipped / "metric_values").iterdir()) == ["published.parquet"]
    assert (shipped / "metric_values.parquet").read_bytes() == new.read_bytes()
    assert build_store(shipped, precompute=False).unavailable == unavailable_before


def test_reloading_the_same_file_changes_nothing(shipped, capsys):
    before = checksums(shipped)
    assert main([str(DATA / "metric_values.parquet"), "--input", "metric_values", "--data-dir", str(shipped)]) == 0
    assert "Unchanged:" in capsys.readouterr().out and checksums(shipped) == before


def test_keys_repeated_across_the_set_are_refused_in_each_file(shipped, tmp_path, capsys):
    published = pl.read_parquet(DATA / "metric_values" / "published.parquet")
    new = tmp_path / "with_published_rows.parquet"
    pl.concat([pl.read_parquet(DATA / "metric_values.parquet"), published.head(2)]).write_parquet(new)
    before = checksums(shipped)
    assert main([str(new), "--input", "metric_values", "--data-dir", str(shipped)]) == 1
    err = capsys.readouterr().err
    assert f"ERROR: {shipped / 'metric_values' / 'published.parquet'}, column 'metric_id', rows 1, 2: duplicate" in err
    first = pl.read_parquet(DATA / "metric_values.parquet").height + 1  # the copied rows, counted from 1
    assert f"ERROR: {new}, column 'metric_id', rows {first}, {first + 1}: duplicate" in err
    assert checksums(shipped) == before


def test_a_record_extract_reports_its_measures_changes(shipped, tmp_path, capsys):
    referrals = pl.read_parquet(DATA / "therapy_referrals.parquet")
    new = tmp_path / "referrals.parquet"
    referrals.filter(pl.col("service") != "Occupational therapy").write_parquet(new)
    assert main([str(new), "--input", "therapy_referrals", "--data-dir", str(shipped)]) == 0
    out = capsys.readouterr().out
    # 72 months x 4 places (the area, 3 localities) x 8 breakdowns (7 services and All) = 2,304 rows a measure;
    # without one service, 72 x 4 x 7 = 2,016, and the All totals change
    assert "8 of 8 measure(s) changed" in out
    assert "therapy_waiting_list: rows 2,304 -> 2,016; " in out and "value(s) changed" in out


# -- file mode, temporaries, the lock ----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_the_replaced_files_mode_is_kept(data_dir, tmp_path, mode):
    target = data_dir / "therapy_referrals.parquet"
    pq.write_table(referrals(dict(referral_id="old")), target)
    target.chmod(mode)
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    new.chmod(0o600)
    install_extract(new, "therapy_referrals", data_dir)
    assert target.stat().st_mode & 0o777 == mode


def test_a_new_file_is_readable_by_the_app_whatever_the_umask(data_dir, tmp_path):
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    old = os.umask(0o077)
    try:
        target = install_extract(new, "therapy_referrals", data_dir).target
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


def test_stale_temporaries_of_a_killed_run_are_removed(data_dir, tmp_path):
    (data_dir / "therapy_referrals").mkdir()
    stale = [data_dir / ".extract-4242-therapy_referrals.parquet.tmp",  # this release's named copy
             data_dir / "therapy_referrals" / ".extract-1-therapy_referrals.parquet.tmp",
             data_dir / ".therapy_referrals.parquet.k2j3h4.tmp"]  # an earlier release's mkstemp copy
    for p in stale:
        p.write_bytes(b"PAR1 half a file")
    keep = data_dir / "notes.tmp"  # not ours
    keep.write_text("x")
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    install_extract(new, "therapy_referrals", data_dir)
    assert not any(p.exists() for p in stale) and keep.exists()


def test_a_second_extract_refuses_when_the_lock_is_held_too_long(data_dir, tmp_path, capsys):
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    with data_lock(data_dir):
        t0 = time.monotonic()
        code = main([str(new), "--input", "therapy_referrals", "--data-dir", str(data_dir), "--wait", "0.3"])
        waited = time.monotonic() - t0
    assert code == 3 and waited >= 0.3
    err = capsys.readouterr().err
    assert "Waiting for another extract" in err and "another extract is being loaded" in err
    assert "nothing was changed" in err and not (data_dir / "therapy_referrals.parquet").exists()


def test_a_second_extract_waits_for_the_first(data_dir, tmp_path, capsys):
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    released = threading.Event()

    def hold():
        with data_lock(data_dir):
            time.sleep(0.3)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    code = main([str(new), "--input", "therapy_referrals", "--data-dir", str(data_dir), "--wait", "10"])
    holder.join()
    assert code == 0 and released.is_set()
    assert "Waiting for another extract" in capsys.readouterr().err
    assert pq.read_table(data_dir / "therapy_referrals.parquet").column("referral_id").to_pylist() == ["a"]


@pytest.mark.parametrize("what", ["missing", "a folder"])
def test_a_source_that_cannot_be_read_is_refused(data_dir, tmp_path, capsys, what):
    source = tmp_path / "elsewhere" / "new.parquet"  # (data_dir is tmp_path itself)
    if what == "a folder":
        source.mkdir(parents=True)
    before = sorted(p.name for p in data_dir.iterdir())
    assert main([str(source), "--input", "therapy_referrals", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert f"ERROR: {source}: cannot be copied in (" in err and "Traceback" not in err
    assert sorted(p.name for p in data_dir.iterdir()) == before


def test_a_folder_whose_catalogue_does_not_load_refuses_cleanly(data_dir, tmp_path, capsys):
    (data_dir / "catalogue.toml").write_text("[[metric]\n")
    new = tmp_path / "new.parquet"
    pq.write_table(referrals(dict(referral_id="a")), new)
    assert main([str(new), "--input", "therapy_referrals", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "the folder's configuration does not load" in err and "not valid TOML" in err
    assert not (data_dir / "therapy_referrals.parquet").exists()
