"""The contract between exporter, runtime and JS package is generated from schema/contract.toml and the
schema: a hand edit of a generated file, or a contract change without `make contract`, fails here."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_contract_files_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_contract.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_contract_reaches_every_language():
    from wasm_torch import contract, ir
    assert ir.DTYPE_NAMES == {v: k for k, v in contract.DTYPE_CODES.items()}
    header = (ROOT / "runtime" / "core" / "contract.h").read_text()
    assert f"constexpr size_t kGemmPanelWidth = {contract.GEMM_PANEL_WIDTH};" in header
    js = (ROOT / "js" / "src" / "contract.js").read_text()
    assert all(f"{name}: {code}" in js for name, code in contract.DTYPE_CODES.items())
