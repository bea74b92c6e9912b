"""PyTorch's OpInfo samples through export and the native runtime (small configuration: the first
two float32 samples of every included op, and the first int64 and bool one; `make test-ops` runs
them all). Every sample must match eager or be refused at export with a clear error; a load or run
error, or a wrong value, fails."""
import pytest
import torch
from opinfo import PASS, UNSUPPORTED, included_ops, run_sample, sample_exclusion, samples

from wasm_torch import WASMRuntime


def _cases():
    cases = []
    for op in included_ops():
        picked = samples(op, (torch.float32,), limit=2) + samples(op, (torch.int64, torch.bool), limit=1)
        cases += [pytest.param(op, s, id=s.id) for s in picked if not sample_exclusion(s)]
    return cases


@pytest.fixture(scope="module")
def native():
    with WASMRuntime("native") as rt:
        yield rt


@pytest.mark.parametrize("op, sample", _cases())
def test_opinfo_sample_matches_eager_or_is_refused_at_export(native, op, sample):
    outcome, detail = run_sample(native, op, sample)
    assert outcome in (PASS, UNSUPPORTED), f"{outcome}: {detail}"
