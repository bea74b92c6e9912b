"""wasm-torch: export PyTorch models to one file and run them in WebAssembly (browser or Node)."""
__version__ = "0.1.0"

from .custom_ops import register_custom_op, unregister_custom_op  # noqa: E402
from .errors import CaptureError, ExportArgumentError, ModelRuntimeError, UnsupportedOpsError, WASMTorchError  # noqa: E402
from .export import ExportReport, export_to_wasm  # noqa: E402
from .runtime import WASMRuntime  # noqa: E402
from .verify import VerificationError  # noqa: E402

__all__ = ["export_to_wasm", "register_custom_op", "unregister_custom_op", "ExportReport", "WASMRuntime", "WASMTorchError", "UnsupportedOpsError",
           "CaptureError", "ExportArgumentError", "ModelRuntimeError", "VerificationError", "__version__"]
