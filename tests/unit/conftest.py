import pytest

from builders import small_store as _small_store


@pytest.fixture(scope="session")
def small_store(tmp_path_factory):
    """The small hand-made data folder of tests/unit/builders.py, loaded (answers worked out where they are used)."""
    return _small_store(tmp_path_factory.mktemp("small-data"))
