"""wasm-torch: export PyTorch models to one file and run them in WebAssembly (browser or Node)."""
__version__ = "0.1.0"

from .errors import CaptureError, ModelRuntimeError, UnsupportedOpsError, WASMTorchError  # noqa: E402
from .export import ExportReport, export_to_wasm  # noqa: E402
from .runtime import WASMRuntime  # noqa: E402

__all__ = ["export_to_wasm", "ExportReport", "WASMRuntime", "WASMTorchError", "UnsupportedOpsError",
           "CaptureError", "ModelRuntimeError", "__version__"]
