import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from wasm_torch import WASMRuntime  # noqa: E402

ENGINES = [("native", 1), ("node", 1), ("node", 2), ("chromium", 1), ("chromium", 2)]


@pytest.fixture(scope="session", params=ENGINES, ids=[f"{e}-{t}t" for e, t in ENGINES])
def runtime(request):
    """One runtime per engine and thread count for the whole session (Chromium starts once)."""
    engine, threads = request.param
    rt = WASMRuntime(engine, threads=threads)
    yield rt
    rt.close()


@pytest.fixture
def tmp_model(tmp_path):
    return tmp_path / "model.wtm"
