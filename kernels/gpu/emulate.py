"""The GPU kernels' bodies compiled as C++ on the CPU, with CuPy's kernel semantics.

So the CUDA code the GPU backend generates is run and checked on machines without a GPU
(CI, most development machines): each :class:`~fungrad.kernels.gpu.codegen.KernelSpec`
becomes a C++ function inside a small header that stands in for CUDA and CuPy:

- ``ElementwiseKernel``: the operation runs once per element ``i`` of the broadcast shape,
  with each typed input parameter bound to its element (through the strides of the
  operand, zero along broadcast dims) and each output parameter a reference to its element;
- ``ReductionKernel``: per kept index, ``_s = _type_reduce(identity)``, then for each reduced
  index ``_a = static_cast<_type_reduce>(map_expr)`` and ``_s = REDUCE(_s, _a)`` with
  ``REDUCE(a, b)`` the ``reduce_expr``, then ``POST_MAP(_s)``; the operands broadcast
  together and ``axis`` picks the reduced dims, as CuPy's do.

Partials combine serially here and in a tree on the GPU, and NVRTC contracts ``a * b + c``
into FMAs by default, so results agree within rounding, not bit for bit. NVRTC's acceptance
of the source and launch behaviour are what only a GPU checks.

Many kernels compile as one translation unit (:func:`precompile`); shared libraries are kept
in a temp directory by source hash, so a second run loads them. The runtime
(:func:`runtime`) plugs into :func:`fungrad.kernels.gpu.driver.use_runtime`.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from fungrad.kernels.gpu.codegen import MATH_CONSTANTS, KernelSpec

CXX_FLAGS = ["-std=c++17", "-O0", "-fPIC", "-shared", "-fwrapv", "-ffp-contract=off",
             "-w"]

HEADER = r"""
#include <cmath>
#include <limits>
#define __device__
using std::abs; using std::acos; using std::acosh; using std::asin; using std::asinh;
using std::atan; using std::atan2; using std::atanh; using std::cbrt; using std::ceil;
using std::cos; using std::cosh; using std::erf; using std::erfc; using std::exp;
using std::exp2; using std::expm1; using std::fabs; using std::floor; using std::fmod;
using std::isfinite; using std::isnan; using std::lgamma; using std::log; using std::log1p;
using std::pow; using std::rint; using std::sin; using std::sinh; using std::sqrt;
using std::tan; using std::tanh;
#define CUDART_INF_F std::numeric_limits<float>::infinity()
#define CUDART_INF std::numeric_limits<double>::infinity()
#define CUDART_NAN_F std::numeric_limits<float>::quiet_NaN()
#define CUDART_NAN std::numeric_limits<double>::quiet_NaN()

// offsets (bytes) of element `idx` of a row-major `shape` in each of `nargs` arrays
static inline void fg_offsets(long long idx, int nd, const long long* shape, int nargs,
                              const long long* strides, long long* off) {
    for (int a = 0; a < nargs; ++a) off[a] = 0;
    for (int d = nd - 1; d >= 0; --d) {
        long long k = idx % shape[d];
        idx /= shape[d];
        for (int a = 0; a < nargs; ++a) off[a] += k * strides[a * nd + d];
    }
}
"""

_C_TYPES = {"bool": "bool", "int8": "signed char", "int16": "short", "int32": "int",
            "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
            "uint32": "unsigned int", "uint64": "unsigned long long", "float32": "float",
            "float64": "double"}


def parse_params(params: str) -> list[tuple[np.dtype, str]]:
    """``"float32 x0, bool x1"`` as ``[(dtype('float32'), 'x0'), (dtype('bool'), 'x1')]``."""
    out = []
    for p in params.split(","):
        if p.strip():
            dtype, name = p.split()
            out.append((np.dtype(dtype), name))
    return out


def _bind(params, first: int, const: bool) -> list[str]:
    """C++ lines binding each parameter to its element (``p``/``off`` hold the pointers)."""
    lines = []
    for k, (dtype, name) in enumerate(params, first):
        t = _C_TYPES[dtype.name]
        if const:
            lines.append(f"const {t} {name} = *(const {t}*)(p[{k}] + off[{k}]);")
        else:
            lines.append(f"{t}& {name} = *({t}*)(p[{k}] + off[{k}]);")
    return lines


def cpp_source(spec: KernelSpec) -> str:
    """The C++ function (in its own namespace) that computes ``spec`` on the CPU."""
    ins, outs = parse_params(spec.in_params), parse_params(spec.out_params)
    nargs = len(ins) + len(outs)
    preamble = "\n".join(line for line in spec.preamble.splitlines()
                         if line.strip() != MATH_CONSTANTS)
    bind = _bind(ins, 0, True) + _bind(outs, len(ins), False)
    if spec.kind == "elementwise":
        body = [f'extern "C" void {spec.name}(long long n, int nd, const long long* shape, '
                "char** p, const long long* st) {",
                f"  long long off[{nargs + 1}];",
                "  for (long long i = 0; i < n; ++i) {",
                f"    fg_offsets(i, nd, shape, {nargs}, st, off);",
                *("    " + s for s in bind),
                "    {", spec.operation, "    }", "  }", "}"]
    else:
        body = [f"typedef {spec.reduce_type} _type_reduce;",
                f"#define REDUCE(a, b) ({spec.reduce_expr})",
                f"#define POST_MAP(a) ({spec.post_map_expr})",
                f'extern "C" void {spec.name}(long long n_out, long long n_red, int nk, int nr, '
                "const long long* kshape, const long long* rshape, char** p, "
                "const long long* kst, const long long* rst) {",
                f"  long long off[{nargs + 1}], koff[{nargs + 1}], roff[{nargs + 1}];",
                "  for (long long o = 0; o < n_out; ++o) {",
                f"    fg_offsets(o, nk, kshape, {nargs}, kst, koff);",
                f"    _type_reduce _s = _type_reduce({spec.identity});",
                "    for (long long r = 0; r < n_red; ++r) {",
                f"      fg_offsets(r, nr, rshape, {nargs}, rst, roff);",
                f"      for (int a = 0; a < {nargs}; ++a) off[a] = koff[a] + roff[a];",
                *("      " + s for s in _bind(ins, 0, True)),
                f"      _type_reduce _a = static_cast<_type_reduce>({spec.map_expr});",
                "      _s = REDUCE(_s, _a);",
                "    }",
                f"    for (int a = 0; a < {nargs}; ++a) off[a] = koff[a];",
                *("    " + s for s in _bind(outs, len(ins), False)),
                "    POST_MAP(_s);",
                "  }", "}", "#undef REDUCE", "#undef POST_MAP"]
    return "\n".join([f"namespace {spec.name}_ns {{", preamble, *body, "}"])


# ---------------------------------------------------------------------------------------
# Compiling and loading


def cache_dir() -> Path:
    """Where compiled libraries are kept (by source hash): a per-user temp directory."""
    path = Path(tempfile.gettempdir()) / f"fungrad-gpu-emulate-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


_loaded: dict[str, tuple[ctypes.CDLL, KernelSpec]] = {}
stats = {"compiled": 0, "loaded": 0, "kernels": 0}


def precompile(specs) -> None:
    """Compile every spec not yet loaded into one shared library (cached) and load it."""
    todo = {s.name: s for s in specs if s.name not in _loaded}
    if not todo:
        return
    source = HEADER + "\n".join(cpp_source(s) for s in sorted(todo.values(),
                                                               key=lambda s: s.name))
    digest = hashlib.sha256((source + " ".join(CXX_FLAGS)).encode()).hexdigest()[:24]
    lib_path = cache_dir() / f"fk_{digest}.so"
    with open(cache_dir() / f"fk_{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process compiling the same library
        if lib_path.exists():
            stats["loaded"] += 1
        else:
            _compile(source, lib_path)
            stats["compiled"] += 1
    lib = ctypes.CDLL(str(lib_path))
    for name, spec in todo.items():
        _loaded[name] = (lib, spec)
    stats["kernels"] += len(todo)


def _compile(source: str, lib_path: Path) -> None:
    src = lib_path.with_suffix(".cpp")
    src.write_text(source)
    tmp = lib_path.with_name(lib_path.name + f".{os.getpid()}.tmp")
    result = subprocess.run(["g++", *CXX_FLAGS, "-o", str(tmp), str(src)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"emulate: g++ rejected the kernels in {src}:\n"
                           f"{result.stderr[-4000:]}")
    os.replace(tmp, lib_path)


# ---------------------------------------------------------------------------------------
# Kernel objects with CuPy's calling conventions


def _typed(x, dtype: np.dtype, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != dtype:
        raise TypeError(f"emulate: {what} is {a.dtype}, the kernel declares {dtype}")
    return a


def _pointers(arrays):
    return (ctypes.c_void_p * max(len(arrays), 1))(*[a.ctypes.data for a in arrays])


def _longs(values):
    values = [int(v) for v in values]
    return (ctypes.c_longlong * max(len(values), 1))(*values)


def _byte_strides(a: np.ndarray) -> list[int]:
    return [0 if n == 1 else s for n, s in zip(a.shape, a.strides)]


class ElementwiseKernel:
    """``cupy.ElementwiseKernel``'s call: ``k(*inputs)`` or ``k(*inputs, *outputs)``;
    one output comes back bare, several as a tuple."""

    def __init__(self, spec: KernelSpec):
        precompile([spec])
        self.spec = spec
        self.ins, self.outs = parse_params(spec.in_params), parse_params(spec.out_params)
        self.fn = getattr(_loaded[spec.name][0], spec.name)

    def __call__(self, *args):
        ins = [_typed(a, t, f"input `{n}`") for a, (t, n) in zip(args, self.ins)]
        shape = np.broadcast_shapes(*(a.shape for a in ins)) if ins else ()
        if len(args) == len(self.ins) + len(self.outs):
            outs = [_typed(a, t, f"output `{n}`")
                    for a, (t, n) in zip(args[len(self.ins):], self.outs)]
            shape = outs[0].shape
        elif len(args) == len(self.ins):
            outs = [np.empty(shape, t) for t, _ in self.outs]
        else:
            raise TypeError(f"emulate: {self.spec.name} takes {len(self.ins)} inputs "
                            f"(and optionally {len(self.outs)} outputs), got {len(args)}")
        views = [np.broadcast_to(a, shape) for a in ins] + outs
        strides = [s for v in views for s in _byte_strides(v)]
        self.fn(ctypes.c_longlong(int(np.prod(shape, dtype=np.int64))),
                ctypes.c_int(len(shape)), _longs(shape), _pointers(views), _longs(strides))
        return outs[0] if len(outs) == 1 else tuple(outs)


class ReductionKernel:
    """``cupy.ReductionKernel``'s call: ``k(*inputs, axis=None, keepdims=False)``."""

    def __init__(self, spec: KernelSpec):
        precompile([spec])
        self.spec = spec
        self.ins, self.outs = parse_params(spec.in_params), parse_params(spec.out_params)
        self.fn = getattr(_loaded[spec.name][0], spec.name)

    def __call__(self, *args, axis=None, keepdims=False):
        ins = [_typed(a, t, f"input `{n}`") for a, (t, n) in zip(args, self.ins)]
        shape = np.broadcast_shapes(*(a.shape for a in ins))
        rank = len(shape)
        axis = tuple(range(rank)) if axis is None else (axis,) if np.isscalar(axis) else axis
        red = tuple(sorted(a % rank for a in axis)) if rank else ()
        kept = tuple(d for d in range(rank) if d not in red)
        kshape, rshape = [shape[d] for d in kept], [shape[d] for d in red]
        (out_dtype, _), = self.outs
        out = np.empty(kshape, out_dtype)
        kst, rst = [], []
        for a in ins:
            s = _byte_strides(np.broadcast_to(a, shape))
            kst += [s[d] for d in kept]
            rst += [s[d] for d in red]
        kst += _byte_strides(out)
        rst += [0] * len(red)
        self.fn(ctypes.c_longlong(int(np.prod(kshape, dtype=np.int64))),
                ctypes.c_longlong(int(np.prod(rshape, dtype=np.int64))),
                ctypes.c_int(len(kept)), ctypes.c_int(len(red)), _longs(kshape),
                _longs(rshape), _pointers([np.broadcast_to(a, shape) for a in ins] + [out]),
                _longs(kst), _longs(rst))
        if keepdims:
            out = out.reshape([1 if d in red else shape[d] for d in range(rank)])
        return out


class EmulatedRuntime:
    """A GPU-program runtime on NumPy arrays whose kernels are the C++ builds above."""

    xp = np

    def __init__(self):
        self.kernels: dict[KernelSpec, object] = {}

    def kernel(self, spec: KernelSpec):
        k = self.kernels.get(spec)
        if k is None:
            cls = ElementwiseKernel if spec.kind == "elementwise" else ReductionKernel
            k = self.kernels[spec] = cls(spec)
        return k

    def prepare(self, specs) -> None:
        """Compile the kernels of a program together (one g++ run, not one per kernel)."""
        precompile(specs)

    def to_device(self, x, dtype=None):
        return np.asarray(x, dtype=dtype)


_runtime = EmulatedRuntime()


def runtime() -> EmulatedRuntime:
    """The emulator's runtime (one per process, so kernel objects are shared)."""
    return _runtime
