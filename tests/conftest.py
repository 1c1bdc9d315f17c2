import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return ROOT / "tests" / "gold"


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory, raw_dir):
    """One `extract all` over the seeds, shared by the tests that read its output."""
    from extract.pipeline import run_all

    out = tmp_path_factory.mktemp("seed_out") / "out"
    summary = run_all(raw_dir, out)
    return summary, out
