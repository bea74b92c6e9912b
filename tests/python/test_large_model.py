"""A model whose weights pass 2 GiB, in Node and Chromium: the upper half of the wasm32 memory,
addressed from JavaScript. Its file is read into WebAssembly memory in one 2.5 GB allocation, the
rows the model reads last lie past 2 GiB, and so do its input, arena and outputs: every address and
size crossing the JS/wasm boundary there has its top bit set (read as negative where it is not
unsigned)."""
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

from wasm_torch import WASMRuntime, export_to_wasm

ROWS, DIM = 300_000, 1024  # two float32 tables of 1.2 GB each


class TwoTables(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.first = torch.nn.Embedding(ROWS, DIM)
        self.second = torch.nn.Embedding(ROWS, DIM)

    def forward(self, rows):
        return self.first(rows) * 2 + self.second(rows)


@pytest.fixture(scope="module")
def two_tables():
    """The exported file, its input and eager's output. The file lives only as long as this module's
    tests: kept to the session's end, its 2.5 GB filled a CI machine's disk for every later test."""
    with tempfile.TemporaryDirectory(prefix="wasm-torch-large-") as tmp:
        file_bytes = 2 * ROWS * DIM * 4
        free = shutil.disk_usage(tmp).free
        if free < file_bytes + 2**30:
            pytest.skip(f"the 2.5 GB model needs {(file_bytes + 2**30) / 1e9:.1f} GB free in {tmp}, "
                        f"which has {free / 1e9:.1f} GB")
        path = Path(tmp) / "two_tables.wtm"
        torch.manual_seed(0)
        model = TwoTables().eval()
        # 12,288 rows: the first and last of each table, and outputs (48 MiB) too large for the
        # memory's first 32 MiB, so they are placed past the file, above 2 GiB.
        rows = torch.cat([torch.tensor([0, 1, ROWS - 2, ROWS - 1]), torch.randint(0, ROWS, (12_284,))])
        # Not verified at export: that would write a second 2.5 GB copy; the tests compare exactly.
        export_to_wasm(model, path, (rows,), verify=False)
        assert path.stat().st_size > 2**31 + 2**28
        with torch.no_grad():
            expected = model(rows)
        yield path, rows, expected


@pytest.mark.parametrize("engine,threads", [("node", 1), ("node", 2), ("chromium", 2)])
def test_weights_over_2GiB_run(two_tables, engine, threads):
    path, rows, expected = two_tables
    with WASMRuntime(engine, threads=threads) as runtime:
        loaded = runtime.load_model(path)
        tables = 2 * ROWS * DIM * 4
        assert tables <= loaded.memory["weight_bytes"] < tables + 64  # a size past 2**31, read unsigned
        torch.testing.assert_close(loaded.forward(rows), expected, rtol=0, atol=0)
        # Again after the first outputs were freed: the same high addresses are reused.
        torch.testing.assert_close(loaded.forward(rows.flip(0)), expected.flip(0), rtol=0, atol=0)
