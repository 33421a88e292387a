import pytest

from builders import REBASE, small_store as load_small_store


@pytest.fixture(scope="session")
def small_store(tmp_path_factory):
    """The small hand-made data folder of tests/unit/builders.py, loaded (answers worked out where they are used)."""
    return load_small_store(tmp_path_factory.mktemp("small-data"))


@pytest.fixture(scope="session")
def rebased(tmp_path_factory):
    """The same folder with a rebase for physiotherapy on 3 July 2023 (no transition window)."""
    return load_small_store(tmp_path_factory.mktemp("rebased"), REBASE)
