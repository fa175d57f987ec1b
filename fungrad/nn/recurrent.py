"""Recurrent layers: `LSTMCell` (one step) and `LSTM` (a cell run over a sequence)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import lax, random
from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.activations import sigmoid
from fungrad.nn.linear import check_features
from fungrad.nn.module import Module, check_size

__all__ = ["LSTMCell", "LSTM"]

Array = Any
State = tuple[Any, Any]


class LSTMCell(Module):
    """One step of a long short-term memory cell: ``(h, c) = cell(x, (h, c))``.

    With ``z = x @ weight_ih + h @ weight_hh + bias`` split into four gates ``i, f, g, o``
    (in that order, as in PyTorch): ``c' = sigmoid(f) * c + sigmoid(i) * tanh(g)`` and
    ``h' = sigmoid(o) * tanh(c')``. Leading batch axes are allowed. Parameters start
    uniform in ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import nn
        >>> cell = nn.LSTMCell(3, 5, key=fg.random.key(0))
        >>> h, c = cell(np.ones((2, 3)), (np.zeros((2, 5)), np.zeros((2, 5))))
        >>> h.shape, c.shape
        ((2, 5), (2, 5))
    """

    weight_ih: Array
    weight_hh: Array
    bias: Array | None
    input_size: int
    hidden_size: int

    def __init__(self, input_size: int, hidden_size: int, use_bias: bool = True, *, key: Any,
                 dtype: Any = np.float32):
        """Build the cell.

        Args:
          input_size: size of the input's last axis.
          hidden_size: size of the hidden and cell states.
          use_bias: add a learned bias to the gates (otherwise `bias` is None).
          key: a PRNG key for the initial parameters.
          dtype: the parameters' dtype.
        """
        input_size = check_size("LSTMCell", "input_size", input_size, 0)
        hidden_size = check_size("LSTMCell", "hidden_size", hidden_size)
        k_ih, k_hh, k_b = random.split(key, 3)
        limit = 1.0 / math.sqrt(max(hidden_size, 1))
        gates = 4 * hidden_size
        self.weight_ih = random.uniform(k_ih, (input_size, gates), dtype, -limit, limit)
        self.weight_hh = random.uniform(k_hh, (hidden_size, gates), dtype, -limit, limit)
        self.bias = random.uniform(k_b, (gates,), dtype, -limit, limit) if use_bias else None
        self.input_size, self.hidden_size = input_size, hidden_size

    def __call__(self, x: Array, state: State) -> State:
        """Advance the cell by one step.

        Args:
          x: an input of shape ``(..., input_size)``.
          state: ``(h, c)``, each of shape ``(..., hidden_size)``.

        Returns:
          The new ``(h, c)``.
        """
        check_features("LSTMCell", "x", x, (self.input_size,))
        if not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(
                f"LSTMCell: state must be a pair (h, c) of arrays of shape (..., "
                f"{self.hidden_size}), got {type(state).__name__} ({state!r:.60}). Start from "
                f"(fnp.zeros({self.hidden_size}), fnp.zeros({self.hidden_size})) or the state "
                "the previous step returned.")
        h, c = state
        check_features("LSTMCell", "state[0] (h)", h, (self.hidden_size,))
        check_features("LSTMCell", "state[1] (c)", c, (self.hidden_size,))
        z = fnp.matmul(x, self.weight_ih) + fnp.matmul(h, self.weight_hh)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = fnp.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * fnp.tanh(g)
        return sigmoid(o) * fnp.tanh(c), c


class LSTM(Module):
    """An `LSTMCell` run over the time axis (axis 0) of a sequence, with `lax.scan`.

    >>> import fungrad as fg
    >>> lstm = LSTM(3, 5, key=fg.random.key(0))
    >>> ys, (h, c) = lstm(np.zeros((7, 2, 3), np.float32))  # 7 steps, batch of 2
    >>> ys.shape, h.shape
    ((7, 2, 5), (2, 5))
    """

    cell: LSTMCell

    def __init__(self, input_size: int, hidden_size: int, use_bias: bool = True, *, key: Any,
                 dtype: Any = np.float32):
        """Build the layer.

        Args:
          input_size: size of the input's last axis.
          hidden_size: size of the hidden and cell states.
          use_bias: add a learned bias to the gates.
          key: a PRNG key for the initial parameters.
          dtype: the parameters' dtype.
        """
        self.cell = LSTMCell(input_size, hidden_size, use_bias, key=key, dtype=dtype)

    def __call__(self, xs: Array, state: State | None = None) -> tuple[Array, State]:
        """Run the cell over the sequence.

        Args:
          xs: inputs of shape ``(T, ..., input_size)``, time first.
          state: the initial ``(h, c)``, each ``(..., hidden_size)``; zeros by default.

        Returns:
          ``(ys, (h, c))``: the hidden state after each step, shape
          ``(T, ..., hidden_size)``, and the final state.
        """
        shape = tuple(fnp.shape(xs))
        if len(shape) < 2:
            raise ShapeError(
                f"LSTM: xs must have a time axis and a feature axis, (T, ..., "
                f"{self.cell.input_size}); got shape {shape}."
            )
        if state is None:
            dtype = self.cell.weight_hh.dtype
            # zeros_like: on the device of xs (fnp.zeros would make host zeros)
            zeros = fnp.zeros_like(xs[0], shape=(*shape[1:-1], self.cell.hidden_size),
                                   dtype=dtype)
            state = (zeros, zeros)

        def step(carry, x):
            carry = self.cell(x, carry)
            return carry, carry[0]

        final, ys = lax.scan(step, state, xs)
        return ys, final
