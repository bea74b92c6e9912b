"""Exceptions raised by the exporter and the runtime bridge."""


class WASMTorchError(Exception):
    """Base class for every wasm-torch error."""


class ModelRuntimeError(WASMTorchError):
    """The runtime (native, Node or Chromium) rejected a request; the message is the runtime's."""


class UnsupportedOpsError(WASMTorchError):
    """Export found operators the runtime does not implement. `.ops` lists (op, where, reason)."""

    def __init__(self, ops):
        self.ops = ops
        lines = [f"  {op} at {where}: {reason}" for op, where, reason in ops]
        super().__init__(
            f"the model uses {len(ops)} operator occurrence(s) wasm-torch cannot export:\n"
            + "\n".join(lines)
            + "\nTo proceed: map each onto supported ops with wasm_torch.register_custom_op(op, decomposition),"
            " rewrite those parts of the model (supported ops: docs/OPERATORS.md), or file an issue naming the op."
        )


class CaptureError(WASMTorchError):
    """The model could not be traced into a static graph (e.g. data-dependent control flow)."""


class ExportArgumentError(WASMTorchError, TypeError):
    """export_to_wasm was called with arguments it cannot take (the message says what to pass)."""
