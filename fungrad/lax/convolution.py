"""Convolution: ``conv_general_dilated`` (strided, padded, dilated, grouped) as one primitive.

Layout. ``conv_general_dilated_p`` works in one canonical layout: ``lhs`` is
``(N, *spatial, C)``, ``rhs`` is ``(*spatial, I, O)`` and the result is ``(N, *spatial, O)``
(NHWC / HWIO / NHWC for images). The public function moves other layouts (NCHW / OIHW...)
into it with ``lax.transpose``, so every rule below is written once, for one layout. This is
also fungrad's default layout when ``dimension_numbers`` is None (JAX's default is NCHW).

Eager impl: im2col. The input is dilated and padded once; ``sliding_window_view`` gives a
view of every window, strided slicing applies the strides and the kernel dilation, and one
matmul per feature group contracts the windows with the kernel. There is no Python loop
over pixels (only over chunks of images, to bound the memory of the window matrix).

Derivatives. The primitive is bilinear, so the JVP applies it to each tangent. Both
transposes are convolutions again (so grad-of-grad works to any order):

* w.r.t. ``lhs``: convolve the cotangent, dilated by the strides (``lhs_dilation``), with
  the spatially flipped kernel whose I and O axes are swapped (per feature group);
* w.r.t. ``rhs``: convolve the input, with N and C swapped (C becomes the batch, N the
  features), with the cotangent as the kernel, dilated by the strides (``rhs_dilation``).

Batching folds the mapped axis into N (``lhs`` batched), into O (``rhs`` batched) or into
the feature groups (both batched): a vmapped convolution stays one convolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "ConvDimensionNumbers",
    "conv_dimension_numbers",
    "conv_general_dilated_p",
    "conv_general_dilated",
    "padtype_to_pads",
]

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp, zeros_like_aval
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.shape_ops import pad_p, reshape, rev, transpose

conv_general_dilated_p = Primitive("conv_general_dilated")


class ConvDimensionNumbers(NamedTuple):
    """Axis roles of a convolution, as in JAX: each spec lists axis indices.

    ``lhs_spec`` is ``(batch, feature, *spatial)``, ``rhs_spec`` is ``(out feature,
    in feature, *spatial)`` and ``out_spec`` is ``(batch, feature, *spatial)``; the spatial
    axes of all three are listed in the same (the kernel's) order.

    Example:
        >>> from fungrad import lax
        >>> lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2)).lhs_spec
        (0, 3, 1, 2)
    """

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


# ---------------------------------------------------------------------------------------
# Window geometry, shared with fungrad.lax.windowed


def dilate_dim(size: int, dilation: int) -> int:
    """The size of an axis of ``size`` elements with ``dilation - 1`` holes between them."""
    return 0 if size == 0 else 1 + dilation * (size - 1)


def window_output_size(size: int, pads: tuple[int, int], *, base_dilation: int, window: int,
                       window_dilation: int, stride: int) -> int:
    """The number of window positions along one axis (0 when the window does not fit)."""
    padded = pads[0] + dilate_dim(size, base_dilation) + pads[1]
    reach = dilate_dim(window, window_dilation)
    return 0 if padded < reach else (padded - reach) // stride + 1


def transposed_padding(size: int, out_size: int, pads: tuple[int, int], *, window: int,
                       stride: int, base_dilation: int, window_dilation: int) -> tuple[int, int]:
    """Padding of the windowed op that maps a cotangent of ``out_size`` back to ``size``.

    The cotangent is dilated by ``stride``, the window runs over it with stride
    ``base_dilation``, and the padding lines window position ``i`` up with input ``i``.
    """
    reach = dilate_dim(window, window_dilation)
    lo = reach - 1 - pads[0]
    hi = dilate_dim(size, base_dilation) + pads[0] - dilate_dim(out_size, stride)
    return lo, hi


def padtype_to_pads(in_shape: Sequence[int], window_shape: Sequence[int],
                    window_strides: Sequence[int], padding: str) -> list[tuple[int, int]]:
    """Turn ``"SAME"``, ``"SAME_LOWER"`` or ``"VALID"`` into ``(low, high)`` pairs.

    ``"SAME"`` pads so that the output has ``ceil(in / stride)`` elements, the odd element
    going to the high side (``"SAME_LOWER"``: to the low side); ``"VALID"`` pads nothing.

    Args:
        in_shape: the spatial sizes of the input.
        window_shape: the (dilated) window sizes.
        window_strides: the strides.
        padding: the padding name (case-insensitive).

    Returns:
        One ``(low, high)`` pair per spatial axis.

    Example:
        >>> from fungrad import lax
        >>> lax.padtype_to_pads((5, 5), (3, 3), (2, 2), 'SAME')
        [(1, 1), (1, 1)]
        >>> lax.padtype_to_pads((5, 5), (3, 3), (2, 2), 'VALID')
        [(0, 0), (0, 0)]
    """
    return named_padding("padtype_to_pads", in_shape, window_shape, window_strides, padding)


def named_padding(caller: str, in_shape, window_shape, window_strides, padding: str):
    """:func:`padtype_to_pads` whose error names ``caller``."""
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"{caller}: unknown padding {padding!r}; pass 'SAME', "
                         "'SAME_LOWER', 'VALID' or a sequence of (low, high) pairs")
    pads = []
    for size, window, stride in zip(in_shape, window_shape, window_strides, strict=True):
        total = max((-(-size // stride) - 1) * stride + window - size, 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if kind == "SAME" else (big, small))
    return pads


def strided_windows(x, axes: Sequence[int], window: Sequence[int], strides: Sequence[int],
                    window_dilation: Sequence[int]):
    """A view of every window of ``x`` along ``axes``: window axes are appended at the end.

    Window position ``i`` along an axis starts at ``i * stride``; the window takes every
    ``window_dilation``-th element. No data is copied.
    """
    reach = [dilate_dim(w, d) for w, d in zip(window, window_dilation, strict=True)]
    xp = get_array_module(x)
    view = xp.lib.stride_tricks.sliding_window_view(x, reach, axis=tuple(axes))
    index = [slice(None)] * x.ndim
    for axis, stride in zip(axes, strides, strict=True):
        index[axis] = slice(None, None, stride)
    index += [slice(None, None, d) for d in window_dilation]
    return view[tuple(index)]


def pad_and_dilate(x, value, config):
    """Eagerly pad ``x`` (NumPy) by ``((lo, hi, interior), ...)``; negative lo/hi crop."""
    if all(c == (0, 0, 0) for c in config):
        return x
    return pad_p.impl(x, x.dtype.type(value), padding_config=tuple(config))


# ---------------------------------------------------------------------------------------
# Dimension numbers


def conv_dimension_numbers(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                           dimension_numbers) -> ConvDimensionNumbers:
    """Normalise ``dimension_numbers`` to a :class:`ConvDimensionNumbers` of axis indices.

    Args:
        lhs_shape, rhs_shape: the operand shapes (only their ranks are used).
        dimension_numbers: None (fungrad's default: ``("NHWC", "HWIO", "NHWC")`` and its
            1-D/3-D analogues, unlike JAX whose default is NCHW), a triple of strings such
            as ``("NCHW", "OIHW", "NCHW")``, or a ``ConvDimensionNumbers`` of axis indices.

    Returns:
        The axis indices of (batch, feature, *spatial) of lhs and out and (out feature, in
        feature, *spatial) of rhs.

    Example:
        >>> from fungrad import lax
        >>> lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ('NHWC', 'HWIO', 'NHWC'))
        ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    rank = len(lhs_shape)
    if len(rhs_shape) != rank or rank < 3:
        raise ShapeError(f"conv_general_dilated: lhs shape {tuple(lhs_shape)} and rhs shape "
                         f"{tuple(rhs_shape)} need the same rank, at least 3 (batch, feature "
                         "and at least one spatial axis)")
    if dimension_numbers is None:
        lhs = (0, rank - 1, *range(1, rank - 1))
        return ConvDimensionNumbers(lhs, (rank - 1, rank - 2, *range(rank - 2)), lhs)
    if len(dimension_numbers) != 3:
        raise ValueError(_dnums_error(dimension_numbers, "is not a triple (lhs, rhs, out)"))
    if all(isinstance(s, str) for s in dimension_numbers):
        return _parse_spec_strings(dimension_numbers, rank)
    specs = tuple(tuple(int(a) for a in s) for s in dimension_numbers)
    if any(sorted(s) != list(range(rank)) for s in specs):
        raise ValueError(_dnums_error(dimension_numbers, f"must each be a permutation of "
                                      f"range({rank})"))
    return ConvDimensionNumbers(*specs)


def _dnums_error(dimension_numbers, problem: str) -> str:
    return (f"conv_general_dilated: dimension_numbers {dimension_numbers!r} {problem}. Pass "
            "strings such as ('NHWC', 'HWIO', 'NHWC') or ('NCHW', 'OIHW', 'NCHW'), one letter "
            "per axis: N batch, C feature (O/I for the kernel), any other letter spatial.")


def _parse_spec_strings(specs, rank: int) -> ConvDimensionNumbers:
    lhs, rhs, out = specs
    for spec, pair in ((lhs, "NC"), (rhs, "OI"), (out, "NC")):
        if len(spec) != rank or len(set(spec)) != rank:
            raise ValueError(_dnums_error(specs, f"need {rank} distinct letters each (the "
                                          "operands' rank)"))
        if spec.count(pair[0]) != 1 or spec.count(pair[1]) != 1:
            raise ValueError(_dnums_error(specs, f"lack the letters {pair[0]} and {pair[1]} "
                                          f"in {spec!r}"))
    spatial = [c for c in rhs if c not in "OI"]
    if set(spatial) != set(lhs) - set("NC") or set(spatial) != set(out) - set("NC"):
        raise ValueError(_dnums_error(specs, "name different spatial axes"))
    return ConvDimensionNumbers(
        (lhs.index("N"), lhs.index("C"), *(lhs.index(c) for c in spatial)),
        (rhs.index("O"), rhs.index("I"), *(rhs.index(c) for c in spatial)),
        (out.index("N"), out.index("C"), *(out.index(c) for c in spatial)))


# ---------------------------------------------------------------------------------------
# The public function


def conv_general_dilated(  # noqa: PLR0917 (JAX's signature)
                         lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers=None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision=None,
                         preferred_element_type=None):
    """General N-D convolution (cross-correlation, like JAX and every DL library).

    Unlike JAX, the default layout (``dimension_numbers=None``) is channels-last:
    ``("NHWC", "HWIO", "NHWC")`` for 2-D, ``("NWC", "WIO", "NWC")`` for 1-D, and so on.

    Args:
        lhs: the input, ``(N, H, W, C)`` in the default layout.
        rhs: the kernel, ``(KH, KW, C // feature_group_count, O)`` in the default layout.
        window_strides: one stride per spatial axis (in the kernel's spatial order).
        padding: ``"SAME"``, ``"SAME_LOWER"``, ``"VALID"`` or one ``(low, high)`` pair per
            spatial axis (negative values crop).
        lhs_dilation: input dilation per spatial axis (a transposed convolution); string
            padding is not allowed with it, as in JAX.
        rhs_dilation: kernel dilation per spatial axis (atrous convolution).
        dimension_numbers: None, a string triple such as ``("NCHW", "OIHW", "NCHW")`` or a
            :class:`ConvDimensionNumbers`.
        feature_group_count: split C and O into this many groups convolved separately
            (``C`` groups with ``O = C * k``: a depthwise convolution).
        batch_group_count: only 1 is supported.
        precision: accepted for JAX compatibility and ignored (NumPy computes in the
            operands' dtype).
        preferred_element_type: dtype of the result (the operands are cast to it first).

    Returns:
        The convolution, laid out as ``dimension_numbers``' output spec says.

    Example:
        >>> x, w = np.ones((2, 5, 5, 3)), np.ones((3, 3, 3, 4))
        >>> conv_general_dilated(x, w, (1, 1), "SAME").shape
        (2, 5, 5, 4)
    """
    del precision
    if batch_group_count != 1:
        raise NotImplementedError("conv_general_dilated: batch_group_count other than 1 is "
                                  "not supported; express the computation with "
                                  "feature_group_count instead")
    dnums = conv_dimension_numbers(core.shape_of(lhs), core.shape_of(rhs), dimension_numbers)
    lhs_perm, rhs_perm, out_perm = _canonical_perms(dnums)
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    core.check_same_dtypes("conv_general_dilated", core.get_aval(lhs), core.get_aval(rhs))
    lhs_c, rhs_c = transpose(lhs, lhs_perm), transpose(rhs, rhs_perm)
    params = _conv_params(core.shape_of(lhs_c), core.shape_of(rhs_c),
                          window_strides=window_strides, padding=padding,
                          lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                          feature_group_count=feature_group_count)
    _check_conv(core.shape_of(lhs_c), core.shape_of(rhs_c), params,
                f"conv_general_dilated: lhs shape {core.shape_of(lhs)}, rhs shape "
                f"{core.shape_of(rhs)}, dimension_numbers {dimension_numbers!r}")
    out = conv_general_dilated_p.bind(lhs_c, rhs_c, **params)
    return transpose(out, tuple(int(i) for i in np.argsort(out_perm)))


def _canonical_perms(dnums: ConvDimensionNumbers):
    """Permutations into (N, *spatial, C), (*spatial, I, O), and out's (N, *spatial, O)."""
    (ln, lc, *ls), (ro, ri, *rs), (on, oc, *os_) = dnums
    return (ln, *ls, lc), (*rs, ri, ro), (on, *os_, oc)


def _conv_params(lhs_shape, rhs_shape, *, window_strides, padding, lhs_dilation,
                 rhs_dilation, feature_group_count, fn: str = "conv_general_dilated") -> dict:
    k = len(lhs_shape) - 2
    strides = _per_axis(fn, "window_strides", window_strides, k)
    lhs_dil = _per_axis(fn, "lhs_dilation", lhs_dilation, k)
    rhs_dil = _per_axis(fn, "rhs_dilation", rhs_dilation, k)
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dil):
            raise ValueError(f"{fn}: string padding is not supported with "
                             f"lhs_dilation {lhs_dil} (a transposed convolution); pass "
                             "explicit (low, high) pairs")
        reach = [dilate_dim(w, d) for w, d in zip(rhs_shape[:k], rhs_dil, strict=True)]
        pads = named_padding(fn, lhs_shape[1:-1], reach, strides, padding)
    else:
        pads = _pairs(fn, padding, k)
    return dict(window_strides=strides, padding=tuple(pads), lhs_dilation=lhs_dil,
                rhs_dilation=rhs_dil, feature_group_count=int(feature_group_count))


def _per_axis(fn: str, name: str, values, k: int) -> tuple[int, ...]:
    if values is None:
        return (1,) * k
    values = tuple(int(v) for v in values)
    if len(values) != k or any(v < 1 for v in values):
        raise ValueError(f"{fn}: {name}={values} needs {k} positive ints, "
                         f"one per spatial axis")
    return values


def _pairs(fn: str, padding, k: int) -> tuple[tuple[int, int], ...]:
    try:
        pads = tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: padding {padding!r} is neither 'SAME', "
                         "'SAME_LOWER', 'VALID' nor a sequence of (low, high) pairs") from None
    if len(pads) != k:
        raise ShapeError(f"{fn}: padding {padding!r} has {len(pads)} (low, "
                         f"high) pairs; the operands have {k} spatial axes, so pass {k}")
    return pads


# ---------------------------------------------------------------------------------------
# Shape rule (canonical layout)


def _check_conv(lhs_shape, rhs_shape, params, where: str) -> tuple[int, ...]:
    """Check canonical operand shapes against ``params``; return the output shape."""
    k = len(params["window_strides"])
    groups = params["feature_group_count"]
    if len(lhs_shape) != k + 2 or len(rhs_shape) != k + 2 or len(params["padding"]) != k:
        raise ShapeError(f"{where}: lhs, rhs and padding need {k} spatial axes")
    channels, (in_features, out_features) = lhs_shape[-1], rhs_shape[-2:]
    if groups < 1 or channels % groups or out_features % groups:
        raise ShapeError(f"{where}: feature_group_count={groups} must be >= 1 and divide both "
                         f"the lhs features ({channels}) and the rhs output features "
                         f"({out_features})")
    if channels // groups != in_features:
        raise ShapeError(f"{where}: lhs has {channels} features and feature_group_count="
                         f"{groups}, so rhs needs {channels // groups} input features, not "
                         f"{in_features}; fix the kernel's I axis or feature_group_count")
    if any(w < 1 for w in rhs_shape[:k]):
        raise ShapeError(f"{where}: the kernel's spatial sizes {rhs_shape[:k]} must be >= 1")
    spatial = []
    for i in range(k):
        pads, size = params["padding"][i], lhs_shape[1 + i]
        if pads[0] + pads[1] + dilate_dim(size, params["lhs_dilation"][i]) < 0:
            raise ShapeError(f"{where}: padding {pads} crops spatial axis {i} (size {size}) "
                             "to a negative size")
        spatial.append(window_output_size(
            size, pads, base_dilation=params["lhs_dilation"][i], window=rhs_shape[i],
            window_dilation=params["rhs_dilation"][i], stride=params["window_strides"][i]))
    return (lhs_shape[0], *spatial, out_features)


def _conv_abstract_eval(lhs, rhs, **params):
    shape = _check_conv(lhs.shape, rhs.shape, params,
                        f"conv_general_dilated: lhs shape {lhs.shape}, rhs shape {rhs.shape} "
                        "(canonical N...C / ...IO layout)")
    dtype = core.check_same_dtypes("conv_general_dilated", lhs, rhs)
    return ShapedArray(shape, dtype, lhs.weak_type and rhs.weak_type)


# ---------------------------------------------------------------------------------------
# Eager impl: im2col, one matmul per feature group, over chunks of images

_WINDOW_MATRIX_BUDGET = 1 << 23  # elements of the window matrix built at once (64 MiB f64)


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               feature_group_count):
    xp = get_array_module(lhs, rhs)
    lhs, rhs = xp.asarray(lhs), xp.asarray(rhs)
    params = dict(window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
                  rhs_dilation=rhs_dilation, feature_group_count=feature_group_count)
    out_shape = _check_conv(lhs.shape, rhs.shape, params, "conv_general_dilated")
    dtype = np.result_type(lhs.dtype, rhs.dtype)
    if dtypes.is_low_precision(dtype):  # float16/bfloat16 accumulate in float32, as in JAX
        lhs, rhs = lhs.astype(np.float32), rhs.astype(np.float32)
    if math.prod(out_shape) == 0 or rhs.size == 0:
        return xp.zeros(out_shape, dtype)
    k = len(window_strides)
    dilated = zip(padding, lhs_dilation, strict=True)
    config = [(0, 0, 0), *((lo, hi, d - 1) for (lo, hi), d in dilated), (0, 0, 0)]
    # Contiguous features make each window row a run of contiguous copies.
    x = xp.ascontiguousarray(pad_and_dilate(lhs, 0, config))
    kernel = _grouped_kernel(rhs, feature_group_count)
    per_image = math.prod(out_shape[1:-1]) * lhs.shape[-1] * math.prod(rhs.shape[:k])
    chunk = max(1, _WINDOW_MATRIX_BUDGET // max(per_image, 1))
    parts = [_conv_chunk(x[i:i + chunk], kernel, rhs.shape[:k], window_strides, rhs_dilation)
             for i in range(0, x.shape[0], chunk)]
    out = parts[0] if len(parts) == 1 else xp.concatenate(parts)
    return out.astype(dtype, copy=False)


def _grouped_kernel(rhs, groups: int):
    """``(*K, I, G * Og)`` -> ``(G, prod(K) * I, Og)``, rows ordered like the window matrix.

    The result is C-contiguous: NumPy's matmul runs on BLAS only for such layouts and falls
    back to a slow loop for other strides.
    """
    k = rhs.ndim - 2
    in_features, out_features = rhs.shape[-2:]
    w = rhs.reshape(*rhs.shape[:k], in_features, groups, out_features // groups)
    w = w.transpose(k + 1, *range(k), k, k + 2)
    return get_array_module(w).ascontiguousarray(w.reshape(groups, -1, out_features // groups))


def _conv_chunk(x, kernel, window, strides, rhs_dilation):
    """Convolve padded images ``x`` (n, *spatial, C) with a grouped kernel (G, rows, Og)."""
    k = len(window)
    windows = strided_windows(x, range(1, k + 1), window, strides, rhs_dilation)
    lead = windows.shape[:k + 1]  # (n, *out_spatial); windows is (*lead, C, *window)
    groups, rows, group_out = kernel.shape
    m = math.prod(lead)
    windows = windows.reshape(*lead, groups, rows // math.prod(window), *window)
    # To (G, *lead, *window, Cg): the copy made by the reshape below reads features last.
    order = (k + 1, *range(k + 1), *range(k + 3, 2 * k + 3), k + 2)
    cols = windows.transpose(order).reshape(groups, m, rows)
    out = get_array_module(cols).matmul(cols, kernel)  # (G, m, Og)
    if groups > 1:
        out = out.transpose(1, 0, 2)
    return out.reshape(*lead, groups * group_out)


# ---------------------------------------------------------------------------------------
# Derivatives: bilinear; each transpose is another conv_general_dilated


def _conv(lhs, rhs, **params):
    return conv_general_dilated_p.bind(lhs, rhs, **params)


def _conv_transpose(ct, lhs, rhs, **params):
    if is_linear(lhs) and is_linear(rhs):
        raise TypeError("conv_general_dilated: transposing a convolution of two linear "
                        "values (it is not linear)")
    if is_linear(lhs):
        return [_lhs_cotangent(ct, rhs, lhs.aval.shape, **params), None]
    return [None, _rhs_cotangent(ct, lhs, rhs.aval.shape, **params)]


def _lhs_cotangent(ct, rhs, lhs_shape, *, window_strides, padding, lhs_dilation,
                   rhs_dilation, feature_group_count):
    """Convolve the stride-dilated cotangent with the flipped, I/O-swapped kernel."""
    rhs_shape, ct_shape = core.shape_of(rhs), core.shape_of(ct)
    k, groups = len(window_strides), feature_group_count
    window, (in_features, out_features) = rhs_shape[:k], rhs_shape[k:]
    kernel = reshape(rev(rhs, range(k)), (*window, in_features, groups, out_features // groups))
    kernel = transpose(kernel, (*range(k), k + 2, k + 1, k))
    kernel = reshape(kernel, (*window, out_features // groups, groups * in_features))
    pads = tuple(transposed_padding(lhs_shape[1 + i], ct_shape[1 + i], padding[i],
                                    window=window[i], stride=window_strides[i],
                                    base_dilation=lhs_dilation[i],
                                    window_dilation=rhs_dilation[i]) for i in range(k))
    return _conv(ct, kernel, window_strides=lhs_dilation, padding=pads,
                 lhs_dilation=window_strides, rhs_dilation=rhs_dilation,
                 feature_group_count=groups)


def _rhs_cotangent(ct, lhs, rhs_shape, *, window_strides, padding, lhs_dilation,
                   rhs_dilation, feature_group_count):
    """Convolve the input (C as batch, N as features) with the cotangent as the kernel."""
    lhs_shape, ct_shape = core.shape_of(lhs), core.shape_of(ct)
    k, groups = len(window_strides), feature_group_count
    if math.prod(ct_shape[:-1]) == 0:
        return zeros_like_aval(ShapedArray(rhs_shape, core.get_aval(ct).dtype))
    n, spatial, channels = lhs_shape[0], lhs_shape[1:-1], lhs_shape[-1]
    x = reshape(lhs, (n, *spatial, groups, channels // groups))
    x = transpose(x, (k + 2, *range(1, k + 1), k + 1, 0))  # (Cg, *spatial, G, N)
    x = reshape(x, (channels // groups, *spatial, groups * n))
    kernel = transpose(ct, (*range(1, k + 1), 0, k + 1))  # (*out_spatial, N, O)
    pads = []
    for i in range(k):
        (lo, hi), out_size = padding[i], ct_shape[1 + i]
        padded = lo + dilate_dim(spatial[i], lhs_dilation[i]) + hi
        used = dilate_dim(out_size, window_strides[i]) - 1 + dilate_dim(rhs_shape[i],
                                                                         rhs_dilation[i])
        pads.append((lo, hi - (padded - used)))  # crop the tail no window reached
    out = _conv(x, kernel, window_strides=rhs_dilation, padding=tuple(pads),
                lhs_dilation=lhs_dilation, rhs_dilation=window_strides,
                feature_group_count=groups)
    return transpose(out, (*range(1, k + 1), 0, k + 1))  # (Cg, *K, O) -> (*K, Cg, O)


conv_general_dilated_p.def_impl(_conv_impl)
conv_general_dilated_p.def_abstract_eval(_conv_abstract_eval)
defjvp(conv_general_dilated_p,
       lambda t, ans, lhs, rhs, **params: _conv(t, rhs, **params),
       lambda t, ans, lhs, rhs, **params: _conv(lhs, t, **params))
transpose_rules[conv_general_dilated_p] = _conv_transpose
conv_general_dilated_p.linear = True  # linear in each operand separately (bilinear)


# ---------------------------------------------------------------------------------------
# Batching: fold the mapped axis into N, into O, or into the feature groups


def _conv_batch(vals, dims, **params):
    (lhs, rhs), (ld, rd) = vals, dims
    k, groups = len(params["window_strides"]), params["feature_group_count"]
    if rd is None:
        x = move_axis(lhs, ld, 0)
        size, *example = core.shape_of(x)
        out = _conv(reshape(x, (size * example[0], *example[1:])), rhs, **params)
        return reshape(out, (size, example[0], *core.shape_of(out)[1:])), 0
    if ld is None:
        return _conv_batch_rhs(lhs, move_axis(rhs, rd, k + 1), params), 0
    x = move_axis(lhs, ld, k + 1)  # (N, *spatial, B, C): example b's features form groups
    w = move_axis(rhs, rd, k + 1)  # (*K, I, B, O)    b * G to (b + 1) * G
    x_shape, w_shape = core.shape_of(x), core.shape_of(w)
    size = x_shape[k + 1]
    x = reshape(x, (*x_shape[:k + 1], size * x_shape[-1]))
    w = reshape(w, (*w_shape[:k + 1], size * w_shape[-1]))
    out = _conv(x, w, **{**params, "feature_group_count": size * groups})
    out_shape = core.shape_of(out)
    return move_axis(reshape(out, (*out_shape[:-1], size, out_shape[-1] // size)), k + 1, 0), 0


def _conv_batch_rhs(lhs, w, params):
    """Only the kernel is batched, at axis k + 1 of (*K, I, B, O): fold B into each group."""
    k, groups = len(params["window_strides"]), params["feature_group_count"]
    *window, in_features, size, out_features = core.shape_of(w)
    group_out = out_features // groups
    w = reshape(w, (*window, in_features, size, groups, group_out))
    w = transpose(w, (*range(k + 1), k + 2, k + 1, k + 3))  # (*K, I, G, B, Og)
    out = _conv(lhs, reshape(w, (*window, in_features, groups * size * group_out)), **params)
    out_shape = core.shape_of(out)
    out = reshape(out, (*out_shape[:-1], groups, size, group_out))
    out = move_axis(out, k + 2, 0)  # (B, N, *spatial, G, Og)
    return reshape(out, (size, *out_shape[:-1], out_features))


batching_rules[conv_general_dilated_p] = _conv_batch
