"""The wheel (`make wheel`) installed into a fresh venv outside the checkout: export with its
verification, WASMRuntime on all three engines and the CLI, run from another directory with nothing
of the checkout on the path. torch, numpy and flatbuffers (the wheel's dependencies, 5.5 GB with
torch) come from this test's own environment through a .pth line, after the venv's own packages."""
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, torch, wasm_torch
from wasm_torch import WASMRuntime, export_to_wasm
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 5)).eval()
x = torch.randn(1, 3, 8, 8)
report = export_to_wasm(model, "model.wtm", x)  # verified on the native runtime the wheel carries
errors = {}
for engine in ("native", "node", "chromium"):
    with WASMRuntime(engine, threads=2 if engine != "native" else 1) as runtime:
        errors[engine] = float((runtime.load_model("model.wtm").forward(x) - model(x)).abs().max())
print(json.dumps({"package": wasm_torch.__file__, "verified": report.verification[0].relative, "errors": errors}))
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_wheel.py")], check=True, capture_output=True)
    wheel = next((ROOT / "build" / "wheel" / "dist").glob("*.whl"))
    where = tmp_path_factory.mktemp("fresh")
    env_dir = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "wasm_torch_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASM_TORCH_") and k != "PYTHONPATH"}
    work = where / "work"
    work.mkdir()
    return env_dir, env, work


def test_a_fresh_venv_exports_verifies_and_runs_every_engine(venv):
    env_dir, env, work = venv
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", SCRIPT], cwd=work, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["package"].startswith(str(env_dir)), "wasm_torch imported from the checkout, not the wheel"
    assert result["verified"] < 1e-4
    assert set(result["errors"]) == {"native", "node", "chromium"}
    assert all(e < 1e-4 for e in result["errors"].values()), result["errors"]


def test_the_installed_cli_exports_and_describes(venv):
    env_dir, env, work = venv
    cli = str(env_dir / "bin" / "wasm-torch")
    export = subprocess.run([cli, "export", "torch.nn:Linear", "linear.wtm", "--input-shape", "2,4", "--arg", "in_features=4",
                             "--arg", "out_features=3"], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert export.returncode == 0, export.stderr[-3000:]
    info = subprocess.run([cli, "info", "linear.wtm"], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr[-3000:]
    assert "linear" in info.stdout
    unknown = subprocess.run([cli, "export", "torchvision.models:resnet81", "r.wtm", "--input-shape", "1,3,32,32"],
                             cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert unknown.returncode != 0 and "resnet81" in unknown.stderr and "Traceback" not in unknown.stderr
