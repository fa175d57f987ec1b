"""jax.lax's convolution shape helpers: the output shape of a convolution, a transposed
convolution or a window reduction, and the axis permutations of dimension numbers.

They compute with the shape code the primitives use (``window_output_size``,
``named_padding`` and ``conv_dimension_numbers`` in ``convolution``, the transposed
padding of ``conv_shorthands``, the window parameters of ``windowed``), so a shape helper
and the operation it describes cannot disagree. ``conv_shape_tuple`` works in JAX's
canonical NCHW / OIHW order, as in JAX; the helpers that take ``dimension_numbers`` accept
None too, meaning fungrad's default channels-last layout (JAX needs strings there).
Sizes are Python ints (JAX returns NumPy integers for some entries).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "conv_shape_tuple",
    "conv_general_shape_tuple",
    "conv_transpose_shape_tuple",
    "reduce_window_shape_tuple",
    "conv_general_permutations",
]

from fungrad.errors import ShapeError
from fungrad.lax.conv_shorthands import conv_transpose_pads
from fungrad.lax.convolution import (
    ConvDimensionNumbers,
    conv_dimension_numbers,
    named_padding,
    window_output_size,
)
from fungrad.lax.windowed import _output_shape, _window_params


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of a convolution in canonical order: ``(N, C, *spatial)`` lhs and
    ``(O, I, *spatial)`` rhs give ``(N // batch_group_count, O, *spatial)``.

    Args:
        lhs_shape, rhs_shape: the operand shapes in canonical (NCHW / OIHW) order.
        strides: one stride per spatial axis.
        pads: ``"SAME"``, ``"SAME_LOWER"``, ``"VALID"`` or one ``(low, high)`` pair per
            spatial axis.
        batch_group_count: divides the batch size.

    Returns:
        The output shape, a tuple of ints.

    Example:
        >>> conv_shape_tuple((2, 3, 9, 9), (4, 3, 3, 3), (2, 2), [(1, 1), (0, 0)])
        (2, 4, 5, 4)
    """
    lhs_shape, rhs_shape = tuple(int(d) for d in lhs_shape), tuple(int(d) for d in rhs_shape)
    strides = tuple(int(s) for s in strides)
    k = len(lhs_shape) - 2
    if len(rhs_shape) != k + 2 or len(strides) != k or k < 1:
        raise ShapeError(f"conv_shape_tuple: lhs_shape {lhs_shape} and rhs_shape {rhs_shape} "
                         f"need the same rank (at least 3) and strides {strides} one entry "
                         "per spatial axis")
    if isinstance(pads, str):
        pads = named_padding("conv_shape_tuple", lhs_shape[2:], rhs_shape[2:], strides, pads)
    pads = [(int(lo), int(hi)) for lo, hi in pads]
    if len(pads) != k:
        raise ShapeError(f"conv_shape_tuple: pads {pads} has {len(pads)} (low, high) pairs; "
                         f"the shapes have {k} spatial axes, so pass {k}")
    if batch_group_count < 1 or lhs_shape[0] % batch_group_count:
        raise ShapeError(f"conv_shape_tuple: batch_group_count={batch_group_count} must "
                         f"divide the batch size {lhs_shape[0]} of lhs_shape {lhs_shape}")
    spatial = (window_output_size(n, p, base_dilation=1, window=w, window_dilation=1,
                                  stride=s)
               for n, w, s, p in zip(lhs_shape[2:], rhs_shape[2:], strides, pads))
    return (lhs_shape[0] // batch_group_count, rhs_shape[0], *spatial)


def _canonical(lhs_shape, rhs_shape, dimension_numbers):
    dnums = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(int(lhs_shape[a]) for a in dnums.lhs_spec)
    rhs = tuple(int(rhs_shape[a]) for a in dnums.rhs_spec)
    return dnums, lhs, rhs


def _laid_out(shape, dnums: ConvDimensionNumbers) -> tuple[int, ...]:
    """A canonical ``(N, C, *spatial)`` shape in the output spec's axis order."""
    return tuple(shape[i] for i in np.argsort(dnums.out_spec))


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers):
    """The output shape of :func:`conv_general_dilated` (no dilation, no groups).

    ``dimension_numbers=None`` means fungrad's channels-last default (JAX needs strings).

    Example:
        >>> conv_general_shape_tuple((2, 9, 9, 3), (3, 3, 3, 4), (2, 1), "SAME",
        ...                          ("NHWC", "HWIO", "NHWC"))
        (2, 5, 9, 4)
    """
    dnums, lhs, rhs = _canonical(lhs_shape, rhs_shape, dimension_numbers)
    return _laid_out(conv_shape_tuple(lhs, rhs, window_strides, padding), dnums)


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers):
    """The output shape of :func:`conv_transpose` (no kernel dilation).

    String padding is the padding that makes ``conv_transpose`` a forward convolution's
    gradient (``n * s`` for ``"SAME"``, ``n * s + max(k - s, 0)`` for ``"VALID"``); pairs
    pad the stride-dilated input. ``dimension_numbers=None`` means fungrad's channels-last
    default.

    Example:
        >>> conv_transpose_shape_tuple((2, 9, 9, 3), (3, 3, 3, 4), (2, 2), "VALID",
        ...                            ("NHWC", "HWIO", "NHWC"))
        (2, 19, 19, 4)
    """
    dnums, lhs, rhs = _canonical(lhs_shape, rhs_shape, dimension_numbers)
    strides = tuple(int(s) for s in window_strides)
    k = len(lhs) - 2
    if len(strides) != k:
        raise ShapeError(f"conv_transpose_shape_tuple: window_strides {strides} needs {k} "
                         f"entries, one per spatial axis of lhs_shape {tuple(lhs_shape)}")
    if isinstance(padding, str):
        pads = [conv_transpose_pads("conv_transpose_shape_tuple", w, s, padding)
                for w, s in zip(rhs[2:], strides)]
    else:
        pads = [(int(lo), int(hi)) for lo, hi in padding]
        if len(pads) != k:
            raise ShapeError(f"conv_transpose_shape_tuple: padding {pads} has {len(pads)} "
                             f"(low, high) pairs; pass {k}, one per spatial axis")
    spatial = (window_output_size(n, p, base_dilation=s, window=w, window_dilation=1,
                                  stride=1)
               for n, w, s, p in zip(lhs[2:], rhs[2:], strides, pads))
    return _laid_out((lhs[0], rhs[0], *spatial), dnums)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
    """The output shape of :func:`reduce_window` with these window parameters.

    ``padding`` is one ``(low, high)`` pair per axis, or (beyond JAX) a padding name.

    Example:
        >>> reduce_window_shape_tuple((5, 7), (2, 3), (1, 2), [(0, 0), (1, 1)])
        (4, 4)
    """
    shape = tuple(int(d) for d in operand_shape)
    params = _window_params(shape, window_dimensions, window_strides, padding,
                            base_dilation=base_dilation, window_dilation=window_dilation)
    return _output_shape(shape, params, "reduce_window_shape_tuple")


def conv_general_permutations(dimension_numbers):
    """The axis indices of ``(batch, feature, *spatial)`` of lhs and out and of ``(out
    feature, in feature, *spatial)`` of rhs, for string dimension numbers.

    Args:
        dimension_numbers: a string triple such as ``("NHWC", "HWIO", "NHWC")`` (or a
            ``ConvDimensionNumbers``, returned as plain tuples).

    Returns:
        ``(lhs_perm, rhs_perm, out_perm)``, tuples of ints.

    Example:
        >>> conv_general_permutations(("NHWC", "HWIO", "NHWC"))
        ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    try:
        rank = len(dimension_numbers[0])
    except TypeError:
        raise TypeError(f"conv_general_permutations: dimension_numbers {dimension_numbers!r} "
                        "is not a triple of strings such as ('NHWC', 'HWIO', 'NHWC')") from None
    dnums = conv_dimension_numbers((0,) * rank, (0,) * rank, dimension_numbers)
    return tuple(tuple(int(a) for a in spec) for spec in dnums)
