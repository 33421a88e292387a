"""A new extract is swapped in whole, only after it validates; a bad one changes nothing."""
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics import schemas
from metrics.extract import ExtractRejected, install_extract, main

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
    target = install_extract(new, "therapy_referrals", data_dir)
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
    assert install_extract(new, "therapy_referrals", data_dir) == \
        data_dir / "therapy_referrals" / "therapy_referrals.parquet"


def test_unknown_input_name():
    with pytest.raises(ValueError, match="input must be one of"):
        install_extract("x.parquet", "referrals")
