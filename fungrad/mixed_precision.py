"""Mixed-precision training in the spirit of the ``jmp`` library: dtype policies and loss scaling.

A :class:`Policy` names three dtypes: ``param_dtype`` (the master weights, usually float32),
``compute_dtype`` (what the forward and backward passes run in, e.g. bfloat16 or float16) and
``output_dtype`` (what the model returns, usually float32). Its ``cast_to_*`` methods cast the
floating leaves of a pytree and leave integer and boolean leaves alone.

float16 has a narrow exponent range, so small gradients underflow to zero; loss scaling
multiplies the loss by ``S`` before differentiating and divides the gradients by ``S``
afterwards. :class:`DynamicLossScale` adapts ``S``: halve it (and skip the step) whenever a
gradient is not finite, double it after ``period`` finite steps in a row. bfloat16 has
float32's exponent range and usually needs :class:`NoOpLossScale`.

A training step::

    policy = mp.get_policy("params=float32,compute=bfloat16,output=float32")
    loss_scale = mp.DynamicLossScale(np.float32(2.0 ** 15))

    def loss_fn(params, x, y):
        p, x = policy.cast_to_compute((params, x))
        out = policy.cast_to_output(model(p, x))
        return loss_scale.scale(loss(out, y))

    grads = loss_scale.unscale(policy.cast_to_param(fg.grad(loss_fn)(params, x, y)))
    finite = mp.all_finite(grads)
    loss_scale = loss_scale.adjust(finite)
    params, opt_state = mp.select_tree(finite, optimizer_step(...), (params, opt_state))

or wrap the optimizer in :func:`skip_nonfinite` (``fungrad.optim.apply_if_finite``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad import numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.leafwise import all_finite as _all_finite
from fungrad.optim.leafwise import tree_select
from fungrad.tree_util import register_pytree_node, tree_map

__all__ = [
    "Policy",
    "get_policy",
    "cast_to_full",
    "cast_to_half",
    "half_dtype",
    "DynamicLossScale",
    "StaticLossScale",
    "NoOpLossScale",
    "all_finite",
    "select_tree",
    "skip_nonfinite",
]

PyTree = Any


def half_dtype() -> np.dtype:
    """The 16-bit float fungrad's policies mean by ``"half"``: bfloat16 (float32's range).

    (jmp picks bfloat16 on TPU and float16 elsewhere; on a CPU bfloat16 needs no loss scale.)
    """
    return dtypes.bfloat16()


def _cast_floating(tree: PyTree, dtype: np.dtype) -> PyTree:
    """Cast the floating leaves (float16/bfloat16/float32/float64) of ``tree`` to ``dtype``."""

    def cast(x):
        if not hasattr(x, "dtype"):  # Python scalars and non-arrays pass, as in jmp
            return x
        src = get_aval(x).dtype
        if not dtypes.is_floating(src) or src == dtype:
            return x
        return fnp.asarray(x).astype(dtype)

    return tree_map(cast, tree)


def cast_to_full(tree: PyTree) -> PyTree:
    """Cast the floating leaves of ``tree`` to float32."""
    return _cast_floating(tree, np.dtype(np.float32))


def cast_to_half(tree: PyTree) -> PyTree:
    """Cast the floating leaves of ``tree`` to :func:`half_dtype` (bfloat16)."""
    return _cast_floating(tree, half_dtype())


@dataclasses.dataclass(frozen=True)
class Policy:
    """Which dtypes parameters are stored in, computations run in, and outputs are given in.

    Args:
        param_dtype: dtype of the parameters (the master copy the optimizer updates).
        compute_dtype: dtype of the forward and backward computation.
        output_dtype: dtype of the model's outputs (the loss is usually computed in it).

    Only floating leaves are cast; integers, booleans and non-arrays pass unchanged.
    """

    param_dtype: Any
    compute_dtype: Any
    output_dtype: Any

    def __post_init__(self):
        for field in ("param_dtype", "compute_dtype", "output_dtype"):
            value = getattr(self, field)
            try:
                dtype = np.dtype(value)
            except TypeError:
                raise TypeError(f"mixed_precision.Policy: {field}={value!r} is not a dtype; "
                                "pass e.g. np.float32 or ml_dtypes.bfloat16") from None
            if not dtypes.is_floating(dtype):
                raise TypeError(f"mixed_precision.Policy: {field} must be a floating dtype "
                                f"(float16, bfloat16, float32, float64), got {dtype}")
            object.__setattr__(self, field, dtype)

    def cast_to_param(self, x: PyTree) -> PyTree:
        """Cast the floating leaves of ``x`` to ``param_dtype``."""
        return _cast_floating(x, self.param_dtype)

    def cast_to_compute(self, x: PyTree) -> PyTree:
        """Cast the floating leaves of ``x`` to ``compute_dtype``."""
        return _cast_floating(x, self.compute_dtype)

    def cast_to_output(self, x: PyTree) -> PyTree:
        """Cast the floating leaves of ``x`` to ``output_dtype``."""
        return _cast_floating(x, self.output_dtype)

    def with_output_dtype(self, output_dtype) -> Policy:
        """This policy with another ``output_dtype``."""
        return dataclasses.replace(self, output_dtype=output_dtype)

    def __str__(self) -> str:
        return (f"p={_short_name(self.param_dtype)},c={_short_name(self.compute_dtype)},"
                f"o={_short_name(self.output_dtype)}")


_SHORT = {"float16": "f16", "bfloat16": "bf16", "float32": "f32", "float64": "f64"}


def _short_name(dtype: np.dtype) -> str:
    return _SHORT.get(dtype.name, dtype.name)


_KEYS = {"params": "param_dtype", "p": "param_dtype", "compute": "compute_dtype",
         "c": "compute_dtype", "output": "output_dtype", "o": "output_dtype"}


def _parse_dtype(name: str) -> np.dtype:
    name = name.strip().lower()
    if name in ("bf16", "bfloat16"):
        return dtypes.bfloat16()
    if name == "half":
        return half_dtype()
    if name in ("f16", "float16"):
        return np.dtype(np.float16)
    if name in ("full", "single", "f32", "float32"):
        return np.dtype(np.float32)
    if name in ("f64", "float64", "double"):
        return np.dtype(np.float64)
    raise ValueError(f"mixed_precision.get_policy: unknown dtype name {name!r}; use one of "
                     "bf16/bfloat16/half, f16/float16, f32/float32/full, f64/float64")


def get_policy(policy_name: str) -> Policy:
    """Parse a policy string such as ``"params=float32,compute=bfloat16,output=float32"``.

    Keys may be abbreviated (``p``, ``c``, ``o``) and dtypes shortened (``f32``, ``bf16``,
    ``f16``, ``half``, ``full``). A single dtype name (``"float32"``) sets all three;
    parameters default to float32 and the output to the compute dtype when left out.

    Example:
        >>> str(get_policy("p=f32,c=bf16,o=f32"))
        'p=f32,c=bf16,o=f32'
    """
    if not isinstance(policy_name, str):
        raise TypeError(f"mixed_precision.get_policy: expected a string, got "
                        f"{type(policy_name).__name__}")
    text = policy_name.strip()
    if "=" not in text:
        dtype = _parse_dtype(text)
        return Policy(dtype, dtype, dtype)
    fields: dict[str, np.dtype] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        field = _KEYS.get(key.strip().lower())
        if not sep or field is None:
            raise ValueError(f"mixed_precision.get_policy: cannot parse {part!r} in "
                             f"{policy_name!r}; write key=dtype pairs with keys params/p, "
                             "compute/c, output/o")
        if field in fields:
            raise ValueError(f"mixed_precision.get_policy: {key.strip()!r} is given twice in "
                             f"{policy_name!r}")
        fields[field] = _parse_dtype(value)
    param = fields.get("param_dtype", np.dtype(np.float32))
    compute = fields.get("compute_dtype", param)
    return Policy(param, compute, fields.get("output_dtype", compute))


# ---------------------------------------------------------------------------------------
# Loss scaling


def all_finite(tree: PyTree):
    """A boolean scalar: whether every element of every leaf of ``tree`` is finite."""
    return _all_finite(tree)


def select_tree(pred, on_true: PyTree, on_false: PyTree) -> PyTree:
    """``on_true`` where the scalar ``pred`` holds, else ``on_false`` (one structure)."""
    return tree_select(pred, on_true, on_false)


def _scaled(tree: PyTree, factor) -> PyTree:
    def mul(x):
        dtype = get_aval(x).dtype
        return (x * fnp.asarray(factor).astype(dtype)) if dtypes.is_inexact(dtype) else x

    return tree_map(mul, tree)


@dataclasses.dataclass(frozen=True)
class NoOpLossScale:
    """No loss scaling: ``scale`` and ``unscale`` return their input."""

    @property
    def loss_scale(self):
        return np.float32(1.0)

    def scale(self, tree: PyTree) -> PyTree:
        return tree

    def unscale(self, tree: PyTree) -> PyTree:
        return tree

    def adjust(self, grads_finite) -> NoOpLossScale:
        del grads_finite
        return self


@dataclasses.dataclass(frozen=True)
class StaticLossScale:
    """A fixed loss scale: ``scale`` multiplies by it, ``unscale`` divides by it."""

    loss_scale: Any

    def __post_init__(self):
        object.__setattr__(self, "loss_scale", _as_scale("StaticLossScale", self.loss_scale))

    def scale(self, tree: PyTree) -> PyTree:
        """Multiply the floating leaves of ``tree`` (usually the loss) by the loss scale."""
        return _scaled(tree, self.loss_scale)

    def unscale(self, tree: PyTree) -> PyTree:
        """Divide the floating leaves of ``tree`` (usually the gradients) by the loss scale."""
        return _scaled(tree, 1.0 / self.loss_scale)

    def adjust(self, grads_finite) -> StaticLossScale:
        del grads_finite
        return self


def _as_scale(who: str, value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.float32(value)
    shape = getattr(value, "shape", ())
    if tuple(shape) != ():
        raise ValueError(f"mixed_precision.{who}: loss_scale must be a scalar, got shape "
                         f"{tuple(shape)}")
    return value


@dataclasses.dataclass(frozen=True)
class DynamicLossScale:
    """A loss scale that adapts to overflow, as jmp's ``DynamicLossScale``.

    Args:
        loss_scale: the current scale (a float32 scalar; ``2 ** 15`` is a common start).
        counter: finite steps since the scale last changed (int32 scalar).
        period: after this many finite steps in a row the scale is multiplied by ``factor``.
        factor: how much the scale grows after ``period`` finite steps, and shrinks (divided)
            after a non-finite one.
        min_loss_scale: the scale never drops below this (None: no floor).

    It is a pytree (``loss_scale`` and ``counter`` are its leaves), so it passes through
    ``jit`` and can live in a training state. :meth:`adjust` returns the next one.
    """

    loss_scale: Any
    counter: Any = None
    period: int = 2000
    factor: int = 2
    min_loss_scale: Any = None

    def __post_init__(self):
        object.__setattr__(self, "loss_scale", _as_scale("DynamicLossScale", self.loss_scale))
        if self.counter is None:
            object.__setattr__(self, "counter", np.zeros((), np.int32))
        if int(self.period) < 1:
            raise ValueError(f"mixed_precision.DynamicLossScale: period must be >= 1, got "
                             f"{self.period}")

    def scale(self, tree: PyTree) -> PyTree:
        """Multiply the floating leaves of ``tree`` (usually the loss) by the loss scale."""
        return _scaled(tree, self.loss_scale)

    def unscale(self, tree: PyTree) -> PyTree:
        """Divide the floating leaves of ``tree`` (usually the gradients) by the loss scale."""
        return _scaled(tree, 1.0 / fnp.asarray(self.loss_scale, dtype=np.float32))

    def adjust(self, grads_finite) -> DynamicLossScale:
        """The next loss scale: grown after ``period`` finite steps, shrunk after overflow.

        Args:
            grads_finite: a boolean scalar, usually ``all_finite(grads)``.
        """
        scale = fnp.asarray(self.loss_scale, dtype=np.float32)
        factor = np.float32(self.factor)
        grown = fnp.where(self.counter == self.period - 1, scale * factor, scale)
        shrunk = scale / factor
        if self.min_loss_scale is not None:
            shrunk = fnp.maximum(shrunk, np.float32(self.min_loss_scale))
        new_scale = fnp.where(grads_finite, grown, shrunk)
        counter = fnp.where(grads_finite, (self.counter + 1) % self.period, 0)
        return dataclasses.replace(self, loss_scale=new_scale,
                                   counter=fnp.asarray(counter, dtype=np.int32))


register_pytree_node(
    DynamicLossScale,
    lambda s: ((s.loss_scale, s.counter), (s.period, s.factor, s.min_loss_scale)),
    lambda aux, children: DynamicLossScale(children[0], children[1], *aux),
)
register_pytree_node(
    StaticLossScale, lambda s: ((s.loss_scale,), None),
    lambda aux, children: StaticLossScale(children[0]))
register_pytree_node(NoOpLossScale, lambda s: ((), None), lambda aux, children: NoOpLossScale())


def skip_nonfinite(optimizer, max_consecutive_errors: int = 1_000_000):
    """Wrap a ``fungrad.optim`` transformation so steps with NaN/inf gradients are skipped.

    A skipped step gives zero updates and keeps the optimizer state; pair it with
    :meth:`DynamicLossScale.adjust` (which shrinks the scale on the same steps). This is
    ``fungrad.optim.apply_if_finite`` with a patience large enough never to apply a
    non-finite step.
    """
    from fungrad.optim import apply_if_finite

    return apply_if_finite(optimizer, max_consecutive_errors)
