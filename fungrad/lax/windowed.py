"""Windowed reductions: ``reduce_window`` with ``lax.add``, ``lax.max`` or ``lax.min``.

Each computation has its own primitive (``reduce_window_sum_p``, ``reduce_window_max_p``,
``reduce_window_min_p``) with static, normalised window parameters: one window size,
stride, ``(low, high)`` padding, base (input) dilation and window dilation per operand
axis. The padding and the holes of the base dilation hold the reduction's identity.

Eager impls pad the operand once and reduce a ``sliding_window_view`` of it (no loops).

Derivatives. The windowed sum is linear; its transpose is another windowed sum over the
cotangent dilated by the strides (the convolution's input-gradient with a kernel of ones),
so it transposes again for higher orders. The windowed max (min) passes on the tangent of
the element that wins each window: an integer primitive, ``reduce_window_argmax``, finds
the winner's position in the padded operand (the first one where several tie), and the
tangent is padded the same way, flattened and gathered there. Gathers, pads and reshapes
are linear primitives with their own rules, so every order and vmap come for free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "reduce_window",
    "reduce_window_sum_p",
    "reduce_window_max_p",
    "reduce_window_min_p",
]

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray, Tracer
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp_zero, jvp_rules
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.convolution import (
    dilate_dim,
    named_padding,
    pad_and_dilate,
    strided_windows,
    transposed_padding,
    window_output_size,
)
from fungrad.lax.elementwise import add, rem
from fungrad.lax.elementwise import max as lax_max
from fungrad.lax.elementwise import min as lax_min
from fungrad.lax.indexing import gather
from fungrad.lax.shape_ops import pad, reshape

_PARAM_NAMES = ("window_dimensions", "window_strides", "padding", "base_dilation",
                "window_dilation")


# ---------------------------------------------------------------------------------------
# The public function


def reduce_window(  # noqa: PLR0917 (JAX's signature)
                  operand, init_value, computation: Callable,
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding="VALID", base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None):
    """Reduce every (strided, padded, dilated) window of ``operand`` with ``computation``.

    Pooling layers are built on it: ``reduce_window(x, -inf, lax.max, (1, 2, 2, 1),
    (1, 2, 2, 1), "VALID")`` is a 2x2 max pool of an NHWC batch.

    Args:
        operand: one array (JAX's pytrees of operands are not supported).
        init_value: a scalar that starts each window's reduction (0 for ``add``, ``-inf``
            for ``max``, ``inf`` for ``min`` are the usual choices). As in XLA, padding and
            the base dilation's holes add nothing to a window.
        computation: ``lax.add``, ``lax.max`` or ``lax.min``.
        window_dimensions: the window size along every axis of ``operand``.
        window_strides: the stride along every axis (default 1).
        padding: ``"SAME"``, ``"SAME_LOWER"``, ``"VALID"`` or one ``(low, high)`` pair per
            axis (negative values crop).
        base_dilation: dilation of the operand per axis (default 1).
        window_dilation: dilation of the window per axis (default 1).

    Returns:
        An array of ``operand``'s dtype with one element per window position.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> reduce_window(np.arange(5.0), 0.0, lax.add, (2,), (1,), "VALID")
        array([1., 3., 5., 7.])
    """
    kind = _computation_kind(computation)
    if isinstance(operand, (tuple, list, dict)):
        raise NotImplementedError("reduce_window: operand is a pytree; fungrad supports one "
                                  "array operand. Call reduce_window once per array.")
    shape = core.shape_of(operand)
    params = _window_params(shape, window_dimensions, window_strides, padding,
                            base_dilation=base_dilation, window_dilation=window_dilation)
    out = _PRIMITIVES[kind].bind(operand, **params)
    return _with_init_value(out, init_value, kind, core.get_aval(operand).dtype)


def _computation_kind(computation) -> str:
    for kind, fn in (("sum", add), ("max", lax_max), ("min", lax_min)):
        if computation is fn:
            return kind
    name = getattr(computation, "__name__", repr(computation))
    raise NotImplementedError(f"reduce_window: computation {name} is not supported; pass "
                              "fungrad.lax.add, fungrad.lax.max or fungrad.lax.min (other "
                              "window reductions can be written with these and fnp ops)")


def _window_params(shape, window_dimensions, window_strides, padding, *, base_dilation,
                   window_dilation) -> dict:
    rank = len(shape)
    window = _per_axis("window_dimensions", window_dimensions, rank, shape)
    strides = _per_axis("window_strides", window_strides, rank, shape)
    base = _per_axis("base_dilation", base_dilation, rank, shape)
    dilation = _per_axis("window_dilation", window_dilation, rank, shape)
    if isinstance(padding, str):
        reach = [dilate_dim(w, d) for w, d in zip(window, dilation, strict=True)]
        pads = tuple(named_padding("reduce_window", shape, reach, strides, padding))
    else:
        try:
            pads = tuple((int(lo), int(hi)) for lo, hi in padding)
        except (TypeError, ValueError):
            raise ValueError(f"reduce_window: padding {padding!r} is neither 'SAME', "
                             "'SAME_LOWER', 'VALID' nor a sequence of (low, high) pairs"
                             ) from None
        if len(pads) != rank:
            raise ShapeError(f"reduce_window: padding {padding!r} has {len(pads)} (low, high) "
                             f"pairs; pass {rank}, one per axis of the operand of shape "
                             f"{shape}")
    return dict(window_dimensions=window, window_strides=strides, padding=pads,
                base_dilation=base, window_dilation=dilation)


def _per_axis(name: str, values, rank: int, shape) -> tuple[int, ...]:
    if values is None and name != "window_dimensions":
        return (1,) * rank
    values = tuple(int(v) for v in values)
    if len(values) != rank or any(v < 1 for v in values):
        raise ShapeError(f"reduce_window: {name}={values} needs {rank} positive ints, one per "
                         f"axis of the operand of shape {shape}")
    return values


def _identity(kind: str, dtype: np.dtype):
    if kind == "sum":
        return dtype.type(0)
    if dtypes.is_floating(dtype):
        return dtype.type(-np.inf if kind == "max" else np.inf)
    if dtype.kind == "b":
        return np.bool_(kind == "min")
    info = np.iinfo(dtype)
    return dtype.type(info.min if kind == "max" else info.max)


def _with_init_value(out, init_value, kind: str, dtype: np.dtype):
    """Combine each window's reduction with a non-identity ``init_value`` (once, like XLA)."""
    if core.shape_of(init_value) != ():
        raise ShapeError(f"reduce_window: init_value must be a scalar, got shape "
                         f"{core.shape_of(init_value)}")
    if isinstance(init_value, Tracer):
        init = convert_element_type(init_value, dtype)
    else:
        init = np.asarray(init_value, dtype=dtype)[()]
        if init == _identity(kind, dtype):
            return out
    return {"sum": add, "max": lax_max, "min": lax_min}[kind](out, init)


# ---------------------------------------------------------------------------------------
# Shape rule and eager impls


def _output_shape(shape, params, where: str) -> tuple[int, ...]:
    rank = len(shape)
    if any(len(params[name]) != rank for name in _PARAM_NAMES):
        raise ShapeError(f"{where}: window parameters {params} need one entry per axis of the "
                         f"operand of shape {shape}")
    out = []
    for i, size in enumerate(shape):
        lo, hi = params["padding"][i]
        if lo + hi + dilate_dim(size, params["base_dilation"][i]) < 0:
            raise ShapeError(f"{where}: padding {(lo, hi)} crops axis {i} (size {size}) of "
                             f"the operand of shape {shape} to a negative size")
        out.append(window_output_size(
            size, (lo, hi), base_dilation=params["base_dilation"][i],
            window=params["window_dimensions"][i],
            window_dilation=params["window_dilation"][i], stride=params["window_strides"][i]))
    return tuple(out)


def _abstract_eval(name: str, dtype=None):
    def rule(x, **params):
        shape = _output_shape(x.shape, _window_only(params), name)
        return ShapedArray(shape, x.dtype if dtype is None else dtype,
                           x.weak_type and dtype is None)

    return rule


def _window_only(params: dict) -> dict:
    return {name: params[name] for name in _PARAM_NAMES}


def _padded_windows(x, fill, params):
    """The padded operand and a ``(*out, *window)`` view of its windows (None if empty)."""
    config = [(lo, hi, b - 1) for (lo, hi), b in zip(params["padding"],
                                                       params["base_dilation"], strict=True)]
    padded = pad_and_dilate(x, fill, config)
    shape = _output_shape(x.shape, params, "reduce_window")
    if math.prod(shape) == 0:
        return padded, None
    windows = strided_windows(padded, range(x.ndim), params["window_dimensions"],
                              params["window_strides"], params["window_dilation"])
    return padded, windows


def _reduce_window_impl(reducer):
    kind = {np.sum: "sum", np.max: "max", np.min: "min"}[reducer]

    def impl(x, **params):
        xp = get_array_module(x)
        x = xp.asarray(x)
        fill = _identity(kind, x.dtype)
        _, windows = _padded_windows(x, fill, params)
        if windows is None:
            return xp.full(_output_shape(x.shape, params, "reduce_window"), fill, x.dtype)
        axes = tuple(range(x.ndim, 2 * x.ndim))
        if kind == "sum":
            return xp.sum(windows, axis=axes, dtype=x.dtype)
        return getattr(xp, reducer.__name__)(windows, axis=axes)

    return impl


def _window_primitive(name: str, reducer) -> Primitive:
    prim = Primitive(name)
    prim.def_impl(_reduce_window_impl(reducer))
    prim.def_abstract_eval(_abstract_eval(name))
    return prim


reduce_window_sum_p = _window_primitive("reduce_window_sum", np.sum)
reduce_window_max_p = _window_primitive("reduce_window_max", np.max)
reduce_window_min_p = _window_primitive("reduce_window_min", np.min)
_PRIMITIVES = {"sum": reduce_window_sum_p, "max": reduce_window_max_p,
               "min": reduce_window_min_p}

# ---------------------------------------------------------------------------------------
# reduce_window_sum: linear; the transpose is a windowed sum over the dilated cotangent


def _reduce_window_sum_transpose(ct, x, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
    shape, ct_shape = x.aval.shape, core.shape_of(ct)
    pads = tuple(transposed_padding(shape[i], ct_shape[i], padding[i],
                                    window=window_dimensions[i], stride=window_strides[i],
                                    base_dilation=base_dilation[i],
                                    window_dilation=window_dilation[i])
                 for i in range(len(shape)))
    return [reduce_window_sum_p.bind(ct, window_dimensions=window_dimensions,
                                     window_strides=base_dilation, padding=pads,
                                     base_dilation=window_strides,
                                     window_dilation=window_dilation)]


deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)

# ---------------------------------------------------------------------------------------
# reduce_window_max / min: the tangent of each window's winner

reduce_window_argmax_p = Primitive("reduce_window_argmax")  # internal: used by the JVPs


def _argmax_impl(x, *, largest, **params):
    """Flat index, into the padded operand, of each window's first largest (smallest) element."""
    xp = get_array_module(x)
    x = xp.asarray(x)
    kind = "max" if largest else "min"
    padded, windows = _padded_windows(x, _identity(kind, x.dtype), params)
    out_shape = _output_shape(x.shape, params, "reduce_window_argmax")
    if windows is None:
        return xp.zeros(out_shape, np.int64)
    flat = windows.reshape(*out_shape, -1)
    winner = (xp.argmax if largest else xp.argmin)(flat, axis=-1)
    offsets = xp.unravel_index(winner, params["window_dimensions"])
    position = []
    for axis, offset in enumerate(offsets):
        starts = xp.arange(out_shape[axis]) * params["window_strides"][axis]
        starts = starts.reshape([-1 if a == axis else 1 for a in range(x.ndim)])
        position.append(starts + offset * params["window_dilation"][axis])
    return xp.ravel_multi_index(position, padded.shape).astype(np.int64)


def _argmax_batch(vals, dims, *, largest, **params):
    (x,), (d,) = vals, dims
    x = move_axis(x, d, 0)
    idx = reduce_window_argmax_p.bind(x, largest=largest, **_with_unit_axis(params, 0))
    # The index runs over the whole batch; each example's padded operand has `size` elements.
    shape = core.shape_of(x)[1:]
    size = math.prod(lo + hi + dilate_dim(n, b) for n, (lo, hi), b in
                     zip(shape, params["padding"], params["base_dilation"], strict=True))
    return rem(idx, np.int64(max(size, 1))), 0


reduce_window_argmax_p.def_impl(_argmax_impl)
reduce_window_argmax_p.def_abstract_eval(_abstract_eval("reduce_window_argmax", np.int64))
defjvp_zero(reduce_window_argmax_p)
batching_rules[reduce_window_argmax_p] = _argmax_batch


def _chooser_jvp(prim: Primitive, largest: bool):
    def rule(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, **params)
        winners = reduce_window_argmax_p.bind(x, largest=largest, **params)
        zero = np.dtype(core.get_aval(t).dtype).type(0)
        config = [(lo, hi, b - 1) for (lo, hi), b in zip(params["padding"],
                                                           params["base_dilation"], strict=True)]
        padded = pad(t, zero, config)
        flat = reshape(padded, (math.prod(core.shape_of(padded)),))
        return ans, gather(flat, [winners], (("array", 0),))

    return rule


jvp_rules[reduce_window_max_p] = _chooser_jvp(reduce_window_max_p, largest=True)
jvp_rules[reduce_window_min_p] = _chooser_jvp(reduce_window_min_p, largest=False)

# ---------------------------------------------------------------------------------------
# Batching: the mapped axis gets a window of one element


def _with_unit_axis(params: dict, axis: int) -> dict:
    """Window parameters with a size-1, stride-1, unpadded window inserted at ``axis``."""
    unit = dict(window_dimensions=1, window_strides=1, padding=(0, 0), base_dilation=1,
                window_dilation=1)
    out = dict(params)
    for name in _PARAM_NAMES:
        values = list(params[name])
        values.insert(axis, unit[name])
        out[name] = tuple(values)
    return out


def _reduce_window_batch(prim: Primitive):
    def rule(vals, dims, **params):
        (x,), (d,) = vals, dims
        return prim.bind(x, **_with_unit_axis(params, d)), d

    return rule


for _p in (reduce_window_sum_p, reduce_window_max_p, reduce_window_min_p):
    batching_rules[_p] = _reduce_window_batch(_p)
