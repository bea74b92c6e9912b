"""The wasm-torch command line: export, info, run (.npy in, .npz out)."""
import subprocess
import sys

import numpy as np

CLI = [sys.executable, "-m", "wasm_torch.cli"]


def test_export_info_run(tmp_path):
    model_path = tmp_path / "m.wtm"
    out = subprocess.run(CLI + ["export", "models:MLP", str(model_path), "--input-shape", "3,20", "--quiet"],
                         capture_output=True, text=True, cwd=str(tmp_path.parent), check=False,
                         env={**__import__("os").environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1] / "fixtures")})
    assert out.returncode == 0, out.stderr
    assert "exported" in out.stdout and "linear" in out.stdout

    info = subprocess.run(CLI + ["info", str(model_path)], capture_output=True, text=True, check=True).stdout
    assert "input:      x float32[3, 20]" in info and "output:     output float32[3, 5]" in info and "linear x3" in info
    plan = subprocess.run(CLI + ["info", str(model_path), "--plan", "--json"], capture_output=True, text=True, check=True)
    memory = __import__("json").loads(plan.stdout)["memory"]
    assert memory["file_bytes"] == model_path.stat().st_size
    assert memory["arena_bytes"] >= 3 * 5 * 4  # at least the output, planned at load

    x = np.random.default_rng(0).standard_normal((3, 20)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    run = subprocess.run(CLI + ["run", str(model_path), str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npz"),
                                "--engine", "native"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert np.load(tmp_path / "y.npz")["output"].shape == (3, 5)


def test_run_reports_errors_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.wtm"
    bad.write_bytes(b"garbage")
    np.save(tmp_path / "x.npy", np.zeros(3, np.float32))
    run = subprocess.run(CLI + ["run", str(bad), str(tmp_path / "x.npy"), "--engine", "native"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "truncated" in run.stderr and "Traceback" not in run.stderr


def _export(tmp_path, *args):
    return subprocess.run(CLI + ["export", *args], capture_output=True, text=True, check=False, cwd=str(tmp_path))


def test_export_takes_factory_arguments_and_quantizes(tmp_path):
    out = _export(tmp_path, "torch.nn:Linear", str(tmp_path / "m.wtm"), "--input-shape", "2,4", "--arg", "in_features=4",
                  "--arg", "out_features=3", "--arg", "bias=False", "--quantize", "dynamic", "--quiet")
    assert out.returncode == 0, out.stderr
    assert "dynamic_quantized_linearx1" in out.stdout and "1 of 1 layers int8" in out.stdout


def test_export_names_what_is_wrong_with_the_factory(tmp_path):
    cases = [(["torchvision.models:resnet81"], "torchvision.models has no factory 'resnet81' (did you mean resnet18"),
             (["no_such_module_here:f"], "cannot import 'no_such_module_here'"),
             (["torch.nn:Linear", "--arg", "in_features=4"], "torch.nn:Linear(in_features=4) failed:"),
             (["torch.nn:Linear", "--arg", "4"], "--arg expects NAME=VALUE"),
             (["torch:zeros", "--arg", "size=(3,)"], "returned a Tensor, not a torch.nn.Module")]
    for args, message in cases:
        out = _export(tmp_path, args[0], str(tmp_path / "m.wtm"), "--input-shape", "1,4", *args[1:])
        assert out.returncode != 0 and message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
