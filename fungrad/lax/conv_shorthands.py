"""``lax.conv``, ``lax.conv_with_general_padding`` and ``lax.conv_transpose``: JAX's
conveniences over conv_general_dilated.

Both use fungrad's default layout of ``conv_general_dilated`` (channels last:
``NHWC``/``HWIO`` in 2-D), which is also JAX's default for ``conv_transpose``; for ``conv``
JAX's default is channels first, a difference the README lists. A transposed convolution
is a convolution of the input dilated by ``strides``; string padding is the padding that
makes it the gradient of a forward convolution with that padding (output size ``n * s``
for ``"SAME"``, ``n * s + max(k - s, 0)`` for ``"VALID"``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["conv", "conv_with_general_padding", "conv_transpose"]

from fungrad.core import shape_of
from fungrad.lax.convolution import conv_dimension_numbers, conv_general_dilated
from fungrad.lax.shape_ops import rev


def conv(lhs, rhs, window_strides: Sequence[int], padding: str, precision=None,
         preferred_element_type=None):
    """Convolution with the default layout (channels last), no dilation, no groups.

    Example:
        >>> import numpy as np
        >>> conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), (1, 1), "VALID").shape
        (1, 3, 3, 4)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding,  # noqa: PLR0917
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision=None,
                              preferred_element_type=None):
    """Convolution with padding and dilations, the default layout (channels last, as
    ``conv``; JAX's is channels first) and no groups.

    Example:
        >>> import numpy as np
        >>> conv_with_general_padding(np.ones((1, 5, 1)), np.ones((3, 1, 1)), (1,), [(1, 1)],
        ...                           (2,), None).shape
        (1, 9, 1)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_transpose_pads(fn: str, kernel: int, stride: int, padding: str) -> tuple[int, int]:
    """Padding of the dilated input that inverts a forward conv's ``padding``."""
    if padding == "VALID":  # a full correlation, grown to cover the last stride
        return kernel - 1, max(kernel, stride) - 1
    if padding == "SAME":
        # The forward SAME conv pads max(k - s, 0) in total, the smaller half first;
        # its transpose pads the complement of that on each side of the dilated input.
        forward_low = max(kernel - stride, 0) // 2
        low = kernel - 1 - forward_low
        return low, kernel + stride - 2 - low
    raise ValueError(f"lax.{fn}: padding must be 'SAME', 'VALID' or a sequence of "
                     f"(low, high) pairs, got {padding!r}")


def conv_transpose(lhs, rhs, strides: Sequence[int], padding, rhs_dilation=None,  # noqa: PLR0917
                   dimension_numbers=None, transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None, use_consistent_padding: bool = False):
    """Transposed ("fractionally strided") convolution, JAX's signature and semantics.

    Args:
        lhs, rhs: input and kernel, laid out as ``dimension_numbers`` says (default
            channels last: ``NHWC`` and ``HWIO`` in 2-D).
        strides: the fractional stride per spatial axis (the input is dilated by it).
        padding: ``"SAME"``, ``"VALID"`` or ``(low, high)`` pairs. Pairs pad the dilated
            input, unless ``use_consistent_padding=True``, where they are the forward
            convolution's padding (PyTorch's convention: ``d * (k - 1) - p`` is padded).
        rhs_dilation: kernel dilation per spatial axis.
        transpose_kernel: flip the kernel's spatial axes and swap its in/out feature axes
            (the gradient of a forward convolution with the same kernel, as Keras does).
        precision: ignored (see ``lax.Precision``); preferred_element_type: result dtype.

    Example:
        >>> import numpy as np
        >>> conv_transpose(np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 5)), (2, 2), "SAME").shape
        (1, 8, 8, 5)
    """
    dn = conv_dimension_numbers(shape_of(lhs), shape_of(rhs), dimension_numbers)
    spatial = dn.rhs_spec[2:]
    k = len(spatial)
    strides = tuple(int(s) for s in strides)
    if len(strides) != k:
        raise ValueError(f"lax.conv_transpose: strides {strides} has {len(strides)} entries "
                         f"for {k} spatial axes")
    dilation = (1,) * k if rhs_dilation is None else tuple(int(d) for d in rhs_dilation)
    reach = [(shape_of(rhs)[a] - 1) * d + 1 for a, d in zip(spatial, dilation, strict=True)]
    if isinstance(padding, str):
        pads = [conv_transpose_pads("conv_transpose", r, s, padding)
                for r, s in zip(reach, strides)]
    else:
        pads = [(int(lo), int(hi)) for lo, hi in padding]
        if use_consistent_padding:
            pads = [(r - 1 - lo, r - 1 - hi) for r, (lo, hi) in zip(reach, pads, strict=True)]
    if transpose_kernel:
        rhs = rev(rhs, tuple(spatial))
        dn = dn._replace(rhs_spec=(dn.rhs_spec[1], dn.rhs_spec[0], *spatial))
    return conv_general_dilated(lhs, rhs, (1,) * k, pads, lhs_dilation=strides,
                                rhs_dilation=dilation, dimension_numbers=dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)
