"""The format of the primitive test table: one ``Case`` per primitive or fnp function.

Every ``tests/tables/<family>.py`` module defines ``CASES``, a list of ``Case``; the runner
(``tests/test_primitive_table.py``) collects them all into one table and runs check_grads
(both modes, order 2, float64), value/JVP/VJP comparisons against JAX when installed, and
(in later issues) vmap-vs-loop and jit-vs-eager checks.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Arg:
    """How to draw one argument: a float array on [low, high], a complex one (both parts on
    [low, high]), an int array, or a constant."""

    shape: tuple = ()
    dtype: str = "float64"
    low: float = -2.0
    high: float = 2.0
    value: Any = None  # a fixed value (index arrays, special points); overrides drawing
    point: bool = False  # the fixed value is a point to differentiate at, not configuration

    def draw(self, rng: np.random.Generator):
        if self.value is not None:
            return np.array(self.value) if not np.isscalar(self.value) else self.value
        dtype = np.dtype(self.dtype)
        if dtype.kind in "iu":
            return rng.integers(int(self.low), int(self.high), self.shape).astype(dtype)
        if dtype.kind == "b":
            return rng.random(self.shape) < 0.5
        if dtype.kind == "c":  # real and imaginary parts each uniform on [low, high]
            parts = rng.uniform(self.low, self.high, (2, *self.shape))
            return (parts[0] + 1j * parts[1]).astype(dtype)
        return rng.uniform(self.low, self.high, self.shape).astype(dtype)

    @property
    def dynamic(self) -> bool:
        """Whether the runners treat this argument as an input (not closed-over configuration)."""
        return self.value is None or self.point


def A(*shape, low=-2.0, high=2.0, dtype="float64") -> Arg:
    """A float array on [low, high]."""
    return Arg(tuple(shape), dtype, low, high)


def C(*shape, low=-2.0, high=2.0, dtype="complex128") -> Arg:
    """A complex array whose real and imaginary parts are uniform on [low, high] (with
    low > 0 the values lie in the first quadrant, away from log's and sqrt's branch cut)."""
    return Arg(tuple(shape), dtype, low, high)


def direction(rng: np.random.Generator, x) -> np.ndarray:
    """A random tangent or cotangent like ``x``: standard normal parts, both parts for a
    complex ``x`` (so real and imaginary directions are exercised)."""
    x = np.asarray(x)
    values = rng.standard_normal(np.shape(x))
    if x.dtype.kind == "c":
        values = values + 1j * rng.standard_normal(np.shape(x))
    return values.astype(x.dtype)


def differentiable(x) -> bool:
    """Whether ``x`` is a float or complex value (the kinds derivatives are taken of)."""
    dtype = np.asarray(x).dtype
    return dtype.kind in "fc" or dtype.name == "bfloat16"


FP_WARNINGS = "fp_warnings"  # the tag of rows that form inf / nan on purpose (see Case)


def Pos(*shape, low=0.5, high=2.0, dtype="float64") -> Arg:
    """A positive float array (domain of log, sqrt...)."""
    return Arg(tuple(shape), dtype, low, high)


def Int(*shape, low=0, high=3, dtype="int64") -> Arg:
    """An integer array on [low, high)."""
    return Arg(tuple(shape), dtype, low, high)


def Const(value) -> Arg:
    """A fixed value (an index array, a tie pattern): configuration, closed over by jit and
    left unbatched by vmap."""
    return Arg(value=value)


def Point(value) -> Arg:
    """A fixed float point (a kink, a singularity, an inf): an argument like a drawn one, so
    vmap batches it (every example the same point) and jit takes it as an input."""
    return Arg(value=np.asarray(value, dtype=np.float64), point=True)


@dataclass
class Case:
    """One row: a fungrad function of the drawn arguments and its JAX counterpart.

    ``jax`` maps the modules ``(jnp, lax)`` of JAX to the reference function, e.g.
    ``jax=lambda jnp, lax: jnp.sin``. ``diff=False`` marks functions with zero or undefined
    derivatives (comparisons, argmax): only values are compared. ``order=0`` skips the
    finite-difference check (for stop_gradient-like rows, and rows at kinks and singular
    points, where central differences are meaningless) but still compares values, JVPs and
    VJPs with JAX, and derivatives through vmap and jit with eager ones.

    The tag ``FP_WARNINGS`` marks rows whose fixed points make elementwise primitives form
    inf or nan on purpose (``log(0)``, a derivative ``1 / 0`` at a singularity, ``inf * 0``):
    NumPy's RuntimeWarnings are expected there (tests/conftest.py lets them through for
    those rows only); everywhere else a RuntimeWarning from fungrad is an error
    (pyproject.toml's ``filterwarnings``).
    """

    name: str
    fun: Callable
    args: list
    jax: Callable | None = None
    order: int = 2
    modes: tuple = ("fwd", "rev")
    diff: bool = True
    atol: float | None = None
    rtol: float | None = None
    tags: tuple = field(default_factory=tuple)
    batch: bool = True  # False: the function cannot be vmapped (data-dependent shapes)

    def draw_args(self, seed: int = 0) -> tuple:
        rng = np.random.default_rng(zlib.crc32(self.name.encode()) + seed)
        return tuple(a.draw(rng) for a in self.args)

    def __repr__(self):
        return self.name
