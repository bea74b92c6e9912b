"""Where the built runtime lives: in the source checkout this package is installed from
(editable install), or under $WASM_TORCH_HOME."""
import os
from pathlib import Path

ROOT = Path(os.environ.get("WASM_TORCH_HOME", Path(__file__).resolve().parents[2]))
NATIVE_LIBRARY = Path(os.environ.get("WASM_TORCH_NATIVE_LIB", ROOT / "build" / "native" / "libwasm_torch.so"))
JS_HOST = ROOT / "js" / "tools" / "host.mjs"
