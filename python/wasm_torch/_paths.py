"""Where the built runtime lives: in a wheel, under wasm_torch/_bundle/ (scripts/build_wheel.py lays
the native library and the JavaScript package out there as in the checkout); else in the source
checkout this package is installed from (editable install); or under $WASM_TORCH_HOME."""
import os
from pathlib import Path

_BUNDLE = Path(__file__).resolve().parent / "_bundle"
_CHECKOUT = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("WASM_TORCH_HOME", _BUNDLE if _BUNDLE.is_dir() else _CHECKOUT))
_NATIVE = ROOT / "libwasm_torch.so" if ROOT == _BUNDLE else ROOT / "build" / "native" / "libwasm_torch.so"
NATIVE_LIBRARY = Path(os.environ.get("WASM_TORCH_NATIVE_LIB", _NATIVE))
JS_HOST = ROOT / "js" / "tools" / "host.mjs"
