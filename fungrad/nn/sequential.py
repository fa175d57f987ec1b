"""`Sequential`: call layers one after another."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from fungrad import random
from fungrad.nn.linear import Lambda
from fungrad.nn.module import Module

__all__ = ["Sequential"]


@functools.cache
def _takes_key(layer_type: type) -> bool:
    """Whether ``layer_type.__call__`` has a parameter named ``key``."""
    try:
        return "key" in inspect.signature(layer_type.__call__).parameters
    except (TypeError, ValueError):
        return False


class Sequential(Module):
    """Layers called in order, each on the previous one's output.

    Plain functions (e.g. ``nn.relu``) may be given as layers; they are wrapped in
    `Lambda`, so they are static and not pytree leaves. Layers run as ``layer(x)``, and
    when `key` is passed, ``split(key, len(layers))`` gives one key per layer, passed as
    ``layer(x, key=k)`` to the layers whose ``__call__`` has a `key` parameter (such as
    `Dropout`). Layers with state (`BatchNorm`) do not fit here; call them directly.

    >>> import fungrad as fg, numpy as np
    >>> k1, k2 = fg.random.split(fg.random.key(0))
    >>> from fungrad.nn import Linear, relu
    >>> mlp = Sequential([Linear(2, 8, key=k1), relu, Linear(8, 1, key=k2)])
    >>> mlp(np.ones((4, 2), np.float32)).shape
    (4, 1)
    """

    layers: tuple[Module, ...]

    def __init__(self, layers: Sequence[Module | Callable]):
        """Build the sequence.

        Args:
          layers: Modules or functions of one argument.
        """
        if callable(layers) or isinstance(layers, str) or not hasattr(layers, "__iter__"):
            raise TypeError(
                f"Sequential: layers must be a list or tuple of layers, got {layers!r:.60}; "
                "e.g. Sequential([Linear(...), relu]).")
        wrapped = []
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential: layers[{i}] is not callable: {layer!r:.60}.")
            wrapped.append(layer if isinstance(layer, Module) else Lambda(layer))
        self.layers = tuple(wrapped)

    def __call__(self, x: Any, *, key: Any = None) -> Any:
        """Run the layers.

        Args:
          x: the first layer's input.
          key: optional PRNG key, split among the layers that take one.

        Returns:
          The last layer's output.
        """
        keys = [None] * len(self.layers) if key is None else random.split(key, len(self.layers))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            try:
                x = layer(x, key=k) if k is not None and _takes_key(type(layer)) else layer(x)
            except Exception as e:
                if hasattr(e, "add_note"):  # Python >= 3.11
                    e.add_note(f"(raised in Sequential .layers[{i}], a {type(layer).__name__})")
                raise
        return x

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int | slice) -> Module:
        """``seq[i]`` is a layer; ``seq[a:b]`` a `Sequential` of those layers."""
        return Sequential(self.layers[i]) if isinstance(i, slice) else self.layers[i]
