"""WASMRuntime: run an exported model on the real runtime from Python, to check an export.

engine="native"   the C++ runtime built natively, through its C ABI (ctypes)
engine="node"     the WebAssembly build in Node, through the JavaScript package
engine="chromium" the WebAssembly build in headless Chromium, through the JavaScript package
"""
from __future__ import annotations

import base64
import ctypes
import functools
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from . import ir
from ._paths import JS_HOST, NATIVE_LIBRARY
from .errors import ModelRuntimeError, WASMTorchError
from .serialize import read_info, read_info_from_file

_ENGINES = ("native", "node", "chromium")


class WASMRuntime:
    def __init__(self, engine: str = "node", threads: int = 1, simd: bool = True, reference_kernels: bool = False,
                 worker: bool = False, relaxed_simd: bool = False):
        """reference_kernels: run the scalar reference of every SIMD kernel (a SIMD build checked
        against its own reference; also WASM_TORCH_REFERENCE_KERNELS=1 in the environment).
        relaxed_simd: in Node, enable relaxed SIMD (Node 20 has it behind a flag; Chromium and
        newer Node by default), so Node runs the relaxed-SIMD build browsers run.
        worker: in Chromium, run the runtime in a Web Worker, as WASMTorch.init does on a page by
        default (the page's main thread otherwise, as `worker: false`)."""
        if worker and engine != "chromium":
            raise ValueError(f"worker=True is a page's mode: it needs engine='chromium', not {engine!r}")
        if engine not in _ENGINES:
            raise ValueError(f"engine must be one of {_ENGINES}, got {engine!r}")
        if relaxed_simd and engine != "node":
            raise ValueError(f"relaxed_simd=True enables relaxed SIMD in Node: it needs engine='node', not {engine!r} "
                             "(Chromium has it on)")
        self.engine = engine
        self._backend = (_NativeBackend(threads, reference_kernels) if engine == "native"
                         else _HostBackend(engine, threads, simd, reference_kernels, worker, relaxed_simd))

    def load_model(self, path_or_bytes) -> "Model":
        """Loads a model file (a path) or model bytes."""
        # The runtime accepted the file, so its metadata parses.
        if isinstance(path_or_bytes, (bytes, bytearray)):
            data = bytes(path_or_bytes)
            handle, inputs, outputs, memory = self._backend.load_bytes(data)
            info = read_info(data)
        else:
            path = Path(path_or_bytes).resolve()
            handle, inputs, outputs, memory = self._backend.load_path(path)
            info = read_info_from_file(path)
        model = Model(self._backend, handle, inputs, outputs)
        model.memory = {"file_bytes": info.file_bytes, **memory}
        structure = info.metadata.get("output_structure")
        model.structure = json.loads(structure) if structure else None
        return model

    def info(self) -> dict:
        """{"variant", "simd", "threads", "kernels", "int8_dot"} of the runtime actually running (and
        "worker" for Node and Chromium); int8_dot: how static int8 layers multiply 7-bit inputs
        ("relaxed": relaxed SIMD's int8 dot, where the engine's is exact; "simd128"; "scalar")."""
        return self._backend.info()

    def close(self):
        self._backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Model:
    def __init__(self, backend, handle, inputs, outputs):
        self._backend, self._handle = backend, handle
        # [{"name", "dtype", "shape", "dims"}]: shape at the example (outputs: of the last forward);
        # dims names each dynamic axis ("seq", "2*seq") and gives static ones as numbers
        self.inputs, self.outputs = inputs, outputs
        self.structure = None  # set by WASMRuntime.load_model from the file's metadata
        # {"file_bytes", "weight_bytes", "arena_bytes"}: planned at load; inference allocates nothing more
        self.memory = None

    def forward(self, *tensors):
        """Returns what the exported model returned: a tensor, or its tuple/list/dict structure."""
        arrays = [_to_numpy(t) for t in tensors]
        outs = [torch.from_numpy(a) for a in self._backend.forward(self._handle, arrays)]
        for spec, out in zip(self.outputs, outs):  # with dynamic shapes, the outputs' shapes of this forward
            spec["shape"] = list(out.shape)
        if self.structure is not None:
            return _rebuild(self.structure, iter(outs))
        return outs[0] if len(outs) == 1 else tuple(outs)

    __call__ = forward

    def benchmark(self, *tensors, iterations: int = 50, warmup: int = 5, repeat: int = 1) -> list:
        """Per-inference times in ms, measured inside the engine (no bridge overhead); each of the
        `iterations` samples is the mean of `repeat` back-to-back forwards."""
        return self._backend.benchmark(self._handle, [_to_numpy(t) for t in tensors], iterations, warmup, repeat)

    def profile(self, *tensors, runs: int = 5) -> list:
        """Runs the model `runs` times with operation profiling on; one entry per step, in order:
        {"index", "op", "source", "algorithm", "totalMs", "meanMs"} (wall time inside the engine;
        algorithm: how the step runs where it can run several ways, else "")."""
        return self._backend.profile(self._handle, [_to_numpy(t) for t in tensors], runs)

    def close(self):
        self._backend.unload(self._handle)


def _rebuild(structure, leaves):
    if structure is None:
        return next(leaves)
    if "dict" in structure:
        return {key: _rebuild(child, leaves) for key, child in structure["dict"]}
    items = [_rebuild(child, leaves) for child in structure.get("tuple", structure.get("list", []))]
    return items if "list" in structure else tuple(items)


def _to_numpy(t) -> np.ndarray:
    array = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return np.require(array, requirements="C")  # keeps a 0-d array 0-d (ascontiguousarray makes it [1])


def _dtype_code(array: np.ndarray) -> int:
    for code, np_dtype in ir.NUMPY_DTYPES.items():
        if array.dtype == np_dtype:
            return code
    raise WASMTorchError(f"unsupported input dtype {array.dtype}")


class _NativeBackend:
    def __init__(self, threads, reference_kernels):
        if not NATIVE_LIBRARY.exists():
            raise WASMTorchError(f"native runtime not built: {NATIVE_LIBRARY} is missing (run `make native`)")
        lib = ctypes.CDLL(str(NATIVE_LIBRARY))
        p, i, z, i64p = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int64)
        signatures = {
            "wt_last_error": (ctypes.c_char_p, []), "wt_alloc": (p, [z]), "wt_free": (None, [p]),
            "wt_runtime_create": (p, [i]), "wt_runtime_destroy": (None, [p]), "wt_runtime_thread_count": (i, [p]),
            "wt_simd_level": (i, []), "wt_runtime_set_reference_kernels": (i, [p, i]),
            "wt_runtime_kernel_isa": (ctypes.c_char_p, [p]), "wt_runtime_int8_dot": (ctypes.c_char_p, [p]), "wt_model_load": (p, [p, p, z]), "wt_model_destroy": (None, [p]),
            "wt_model_num_inputs": (i, [p]), "wt_model_num_outputs": (i, [p]),
            "wt_model_tensor_name": (ctypes.c_char_p, [p, i, i]), "wt_model_tensor_dtype": (i, [p, i, i]),
            "wt_model_tensor_rank": (i, [p, i, i]), "wt_model_tensor_shape": (i64p, [p, i, i]),
            "wt_model_tensor_bytes": (z, [p, i, i]), "wt_model_tensor_dim_name": (ctypes.c_char_p, [p, i, i, i]), "wt_model_set_input": (i, [p, i, p, z, i, i, i64p]),
            "wt_model_forward": (i, [p]), "wt_model_output_data": (p, [p, i]),
            "wt_model_arena_bytes": (z, [p]), "wt_model_weight_bytes": (z, [p]),
            "wt_model_set_profiling": (i, [p, i]), "wt_model_step_count": (i, [p]),
            "wt_model_step_op": (ctypes.c_char_p, [p, i]), "wt_model_step_source": (ctypes.c_char_p, [p, i]),
            "wt_model_step_algorithm": (ctypes.c_char_p, [p, i]),
            "wt_model_step_total_ms": (ctypes.c_double, [p, i]), "wt_model_profiled_runs": (i, [p]),
        }
        for name, (res, args) in signatures.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        self.lib = lib
        self.runtime = lib.wt_runtime_create(threads)
        if not self.runtime or (reference_kernels and not lib.wt_runtime_set_reference_kernels(self.runtime, 1)):
            self._raise()

    def _raise(self):
        raise ModelRuntimeError(self.lib.wt_last_error().decode())

    def info(self):
        return {"variant": "native", "simd": self.lib.wt_simd_level() > 0,
                "threads": self.lib.wt_runtime_thread_count(self.runtime),
                "kernels": self.lib.wt_runtime_kernel_isa(self.runtime).decode(),
                "int8_dot": self.lib.wt_runtime_int8_dot(self.runtime).decode()}

    def _specs(self, model, is_output):
        count = (self.lib.wt_model_num_outputs if is_output else self.lib.wt_model_num_inputs)(model)
        specs = []
        for k in range(count):
            rank = self.lib.wt_model_tensor_rank(model, is_output, k)
            shape = self.lib.wt_model_tensor_shape(model, is_output, k)
            names = [self.lib.wt_model_tensor_dim_name(model, is_output, k, d) for d in range(rank)]
            specs.append({"name": self.lib.wt_model_tensor_name(model, is_output, k).decode(),
                          "dtype": ir.DTYPE_NAMES[self.lib.wt_model_tensor_dtype(model, is_output, k)],
                          "shape": [shape[d] for d in range(rank)],
                          "dims": [n.decode() if n else shape[d] for d, n in enumerate(names)]})
        return specs

    def load_path(self, path: Path):
        return self.load_bytes(path.read_bytes())

    def load_bytes(self, data: bytes):
        buf = self.lib.wt_alloc(len(data))
        if not buf:
            self._raise()
        ctypes.memmove(buf, data, len(data))
        model = self.lib.wt_model_load(self.runtime, buf, len(data))
        if not model:
            self._raise()
        memory = {"weight_bytes": self.lib.wt_model_weight_bytes(model), "arena_bytes": self.lib.wt_model_arena_bytes(model)}
        return model, self._specs(model, 0), self._specs(model, 1), memory

    def _run(self, model, arrays):
        for k, a in enumerate(arrays):
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            if not self.lib.wt_model_set_input(model, k, a.ctypes.data, a.nbytes, _dtype_code(a), a.ndim, shape):
                self._raise()
        if not self.lib.wt_model_forward(model):
            self._raise()

    def forward(self, model, arrays):
        if len(arrays) != self.lib.wt_model_num_inputs(model):
            raise ModelRuntimeError(f"invalid argument: the model takes {self.lib.wt_model_num_inputs(model)} "
                                    f"inputs, got {len(arrays)}")
        self._run(model, arrays)
        outputs = []
        for k, spec in enumerate(self._specs(model, 1)):
            nbytes = self.lib.wt_model_tensor_bytes(model, 1, k)
            raw = ctypes.string_at(self.lib.wt_model_output_data(model, k), nbytes)
            outputs.append(np.frombuffer(raw, dtype=ir.numpy_dtype(spec["dtype"])).reshape(spec["shape"]).copy())
        return outputs

    def benchmark(self, model, arrays, iterations, warmup, repeat):
        times = []
        for k in range(warmup + iterations):
            start = time.perf_counter()
            for _ in range(repeat):
                self._run(model, arrays)
            if k >= warmup:
                times.append((time.perf_counter() - start) * 1e3 / repeat)
        return times

    def profile(self, model, arrays, runs):
        self.lib.wt_model_set_profiling(model, 1)
        for _ in range(runs):
            self._run(model, arrays)
        steps = []
        for k in range(self.lib.wt_model_step_count(model)):
            total = self.lib.wt_model_step_total_ms(model, k)
            steps.append({"index": k, "op": self.lib.wt_model_step_op(model, k).decode(),
                          "source": self.lib.wt_model_step_source(model, k).decode(),
                          "algorithm": self.lib.wt_model_step_algorithm(model, k).decode(), "totalMs": total,
                          "meanMs": total / runs})
        self.lib.wt_model_set_profiling(model, 0)
        return steps

    def unload(self, model):
        self.lib.wt_model_destroy(model)

    def close(self):
        if self.runtime:
            self.lib.wt_runtime_destroy(self.runtime)
            self.runtime = None


@functools.cache
def _relaxed_simd_flags() -> list:
    """Node's flag for relaxed SIMD where it has one (Node 20); none where relaxed SIMD is on."""
    flag = "--experimental-wasm-relaxed-simd"
    probe = subprocess.run(["node", flag, "-e", "0"], capture_output=True, check=False)
    return [flag] if probe.returncode == 0 else []


class _HostBackend:
    """Drives js/tools/host.mjs (Node, or Chromium through Playwright) over a JSON-lines pipe."""

    def __init__(self, engine, threads, simd, reference_kernels, worker, relaxed_simd):
        if not JS_HOST.exists():
            raise WASMTorchError(f"JavaScript host missing at {JS_HOST}")
        flags = _relaxed_simd_flags() if relaxed_simd else []
        self.proc = subprocess.Popen(
            ["node", *flags, str(JS_HOST), "--engine", engine, "--threads", str(threads), "--simd", str(int(simd)),
             "--reference-kernels", str(int(reference_kernels)), "--worker", str(int(worker))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True, bufsize=1)
        self._next_id = 0
        self._info = self._call({"cmd": "info"})

    def _call(self, request: dict) -> dict:
        if self.proc.poll() is not None:
            raise WASMTorchError(f"the {request.get('cmd')} request failed: the JavaScript host exited "
                                 f"with code {self.proc.returncode}")
        self._next_id += 1
        request["id"] = self._next_id
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise WASMTorchError(f"the JavaScript host exited during {request['cmd']} (code {self.proc.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise ModelRuntimeError(reply["error"])
        return reply

    def info(self):
        return {"variant": self._info["variant"], "simd": self._info["simd"], "threads": self._info["threads"],
                "kernels": self._info["kernels"], "int8_dot": self._info["int8Dot"], "worker": self._info["worker"]}

    def load_path(self, path: Path):
        # By path: model files can exceed what one JSON string may hold.
        return self._loaded(self._call({"cmd": "load", "path": str(path)}))

    def load_bytes(self, data: bytes):
        return self._loaded(self._call({"cmd": "load", "bytes": base64.b64encode(data).decode()}))

    @staticmethod
    def _loaded(reply):
        memory = {"weight_bytes": reply["weightBytes"], "arena_bytes": reply["arenaBytes"]}
        return reply["model"], reply["inputs"], reply["outputs"], memory

    @staticmethod
    def _encode(arrays):
        return [{"dtype": ir.DTYPE_NAMES[_dtype_code(a)], "shape": list(a.shape),
                 "data": base64.b64encode(a.tobytes()).decode()} for a in arrays]

    def forward(self, model, arrays):
        reply = self._call({"cmd": "forward", "model": model, "inputs": self._encode(arrays)})
        outs = []
        for o in reply["outputs"]:
            data = base64.b64decode(o["data"])
            outs.append(np.frombuffer(data, dtype=ir.numpy_dtype(o["dtype"])).reshape(o["shape"]).copy())
        return outs

    def benchmark(self, model, arrays, iterations, warmup, repeat):
        reply = self._call({"cmd": "benchmark", "model": model, "inputs": self._encode(arrays),
                            "iterations": iterations, "warmup": warmup, "repeat": repeat})
        return reply["times_ms"]

    def profile(self, model, arrays, runs):
        return self._call({"cmd": "profile", "model": model, "inputs": self._encode(arrays), "runs": runs})["steps"]

    def unload(self, model):
        self._call({"cmd": "unload", "model": model})

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
