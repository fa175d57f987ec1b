"""Wrappers: transformations that run another one on part of the tree or on some steps.

`masked` applies an inner transformation to a subset of leaves, `apply_if_finite` skips
steps whose updates hold NaN or inf, `MultiSteps` accumulates gradients over k calls
and applies the inner optimizer once per k.

Where a wrapper's choice depends on a value (is this step finite? is this the k-th
micro-step?), a known value picks the branch in Python, so an eager step runs only the
branch it needs; under vmap both branches run and ``fnp.where`` selects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    Schedule,
    check_state,
    with_extra_args_support,
)
from fungrad.optim.leafwise import (
    add_,
    all_finite,
    astype_like,
    concrete_bool,
    div_,
    increment,
    map_leaves,
    scalar_like,
    tree_select,
)
from fungrad.tree_util import broadcast_prefix, tree_flatten, tree_leaves, tree_map

__all__ = [
    "masked",
    "MaskedState",
    "MaskedNode",
    "apply_if_finite",
    "ApplyIfFiniteState",
    "MultiSteps",
    "MultiStepsState",
    "ShouldSkipUpdateFunction",
]

PyTree = Any


# --- masked --------------------------------------------------------------------------------


class MaskedState(NamedTuple):
    """The inner transformation's state, over the unmasked leaves only.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.masked(optim.sgd(0.1, momentum=0.9), {'a': True, 'b': False})
        >>> state = tx.init({'a': np.zeros(2), 'b': np.zeros(3)})
        >>> isinstance(state, optim.MaskedState)
        True
        >>> state.inner_state[0].trace
        {'a': Array([0., 0.]), 'b': MaskedNode()}
    """

    inner_state: Any


class MaskedNode(NamedTuple):
    """Stands in for a masked-out leaf: an empty pytree node, so it holds no state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.MaskedNode()
        MaskedNode()
        >>> import fungrad
        >>> fungrad.tree_util.tree_leaves({'a': optim.MaskedNode(), 'b': 1.0})
        [1.0]
    """


def _mask_is_function(mask: Any) -> bool:
    leaves = tree_leaves(mask)
    return bool(leaves) and all(callable(leaf) for leaf in leaves)


def _mask_flags(mask_tree: PyTree, tree: PyTree, label: str) -> list[bool]:
    """One Python bool per leaf of `tree`, spreading each mask leaf over its subtree."""
    try:
        flags = broadcast_prefix(mask_tree, tree)
    except ValueError as err:
        raise ValueError(
            f"masked: the mask must have the structure of the {label} (or of a prefix of "
            f"it), with a bool per leaf or per subtree.\n{err}"
        ) from None
    out = []
    for flag in flags:
        is_scalar_array = isinstance(flag, np.ndarray | np.generic) and flag.shape == ()
        value = flag.item() if is_scalar_array else flag
        if not isinstance(value, bool | None):
            raise TypeError(
                f"masked: mask leaves must be Python or NumPy booleans, not {flag!r:.60}. "
                "The mask selects leaves statically; build it from shapes or key names."
            )
        out.append(bool(value))
    return out


def _hide(tree: PyTree, flags: list[bool]) -> PyTree:
    leaves, treedef = tree_flatten(tree)
    return treedef.unflatten(
        [leaf if keep else MaskedNode() for leaf, keep in zip(leaves, flags, strict=True)]
    )


def masked(
    inner: GradientTransformation, mask: Any, *, mask_compatible_extra_args: bool = False
) -> GradientTransformationExtraArgs:
    """Apply `inner` to the leaves where `mask` is True; pass the others through unchanged.

    Args:
      inner: the transformation for the selected leaves (it keeps state only for them).
      mask: a pytree of bools with the params' structure (or a prefix of it: one bool
        then covers a whole subtree), or a function ``params -> such a pytree``.
      mask_compatible_extra_args: also mask the extra keyword arguments of ``update``
        that have the updates' structure (say a ``grad=`` for a line search).

    Returns:
      A `GradientTransformationExtraArgs` with a `MaskedState`.

    >>> import numpy as np, fungrad.optim as optim
    >>> t = masked(optim.scale(0.0), {'w': True, 'b': False})
    >>> u, _ = t.update({'w': np.ones(1), 'b': np.ones(1)}, t.init(None))
    >>> u
    {'b': array([1.]), 'w': array([0.])}
    """
    as_function = _mask_is_function(mask)
    inner = with_extra_args_support(inner)

    def init(params):
        if params is None:
            return MaskedState(inner_state=inner.init(None))
        flags = _mask_flags(mask(params) if as_function else mask, params, "params")
        return MaskedState(inner_state=inner.init(_hide(params, flags)))

    def update(updates, state, params=None, **extra_args):
        check_state("masked", state, MaskedState)
        flags = _mask_flags(mask(updates) if as_function else mask, updates, "updates")
        hidden_params = None if params is None else _hide(params, flags)
        hidden_updates = _hide(updates, flags)
        if mask_compatible_extra_args:
            structure = tree_flatten(updates)[1]
            extra_args = {
                k: _hide(v, flags) if tree_flatten(v)[1] == structure else v
                for k, v in extra_args.items()
            }
        new_inner, inner_state = inner.update(
            hidden_updates, state.inner_state, hidden_params, **extra_args
        )
        new_leaves = tree_leaves(new_inner)
        if len(new_leaves) != sum(flags):
            raise ValueError(
                f"masked: the inner transformation returned {len(new_leaves)} update leaves "
                f"for {sum(flags)} unmasked ones; it must keep the updates' structure."
            )
        replaced = iter(new_leaves)
        leaves, treedef = tree_flatten(updates)
        out = [next(replaced) if keep else leaf for leaf, keep in zip(leaves, flags, strict=True)]
        return treedef.unflatten(out), MaskedState(inner_state=inner_state)

    return GradientTransformationExtraArgs(init, update)


# --- apply_if_finite ---------------------------------------------------------------------------


class ApplyIfFiniteState(NamedTuple):
    """Counters of non-finite steps, and the inner transformation's state.

    Attributes:
      notfinite_count: consecutive non-finite steps so far (int32).
      last_finite: whether the last step's updates were all finite.
      total_notfinite: non-finite steps in total (int32).
      inner_state: the inner state, unchanged by skipped steps.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.apply_if_finite(optim.sgd(0.1), max_consecutive_errors=3)
        >>> params = {'w': np.ones(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([np.nan, 1.0])}, state, params)
        >>> int(state.notfinite_count), int(state.total_notfinite)
        (1, 1)
    """

    notfinite_count: Any
    last_finite: Any
    total_notfinite: Any
    inner_state: Any


def apply_if_finite(
    inner: GradientTransformation, max_consecutive_errors: int
) -> GradientTransformation:
    """Skip steps whose updates hold NaN or inf: they return zero updates, state unchanged.

    Args:
      inner: the transformation (usually a whole optimizer) to protect.
      max_consecutive_errors: after this many non-finite steps in a row, apply the next
        ones anyway (so a diverged run shows up instead of stalling silently).

    Returns:
      A `GradientTransformation` with an `ApplyIfFiniteState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.apply_if_finite(optim.sgd(0.1), max_consecutive_errors=3)
        >>> params = {'w': np.ones(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([np.nan, 1.0])}, state, params)
        >>> updates['w'].tolist()
        [0.0, 0.0]
        >>> updates, state = tx.update({'w': np.array([2.0, 1.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.2, -0.1]
    """

    def init(params):
        zero = fnp.zeros((), dtype=np.int32)
        return ApplyIfFiniteState(zero, fnp.asarray(True), zero, inner.init(params))

    def update(updates, state, params=None):
        check_state("apply_if_finite", state, ApplyIfFiniteState)
        finite = all_finite(updates)
        notfinite_count = fnp.where(finite, 0, increment(state.notfinite_count))
        total = fnp.where(finite, state.total_notfinite, increment(state.total_notfinite))
        apply = fnp.logical_or(finite, fnp.greater(notfinite_count, max_consecutive_errors))
        known = concrete_bool(apply)
        if known is False:
            zeros = map_leaves("apply_if_finite", fnp.zeros_like, ("updates", updates))
            new_updates, inner_state = zeros, state.inner_state
        else:
            new_updates, inner_state = inner.update(updates, state.inner_state, params)
        if known is None:
            zeros = tree_map(fnp.zeros_like, new_updates)
            new_updates = tree_select(apply, new_updates, zeros)
            inner_state = tree_select(apply, inner_state, state.inner_state)
        new_state = ApplyIfFiniteState(notfinite_count, fnp.asarray(finite), total, inner_state)
        return new_updates, new_state

    return GradientTransformation(init, update)


# --- MultiSteps --------------------------------------------------------------------------------


class MultiStepsState(NamedTuple):
    """Gradient accumulation state.

    Attributes:
      mini_step: micro-batches accumulated since the last real step (int32).
      gradient_step: real (inner) steps taken so far (int32).
      inner_opt_state: the inner optimizer's state.
      acc_grads: the running mean (or sum) of the accumulated gradients.
      skip_state: what ``should_skip_update_fn`` returned last (``()`` without one).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.MultiSteps(optim.sgd(0.1), every_k_schedule=2)
        >>> state = opt.init({'w': np.zeros(2)})
        >>> isinstance(state, optim.MultiStepsState)
        True
        >>> int(state.mini_step), int(state.gradient_step)
        (0, 0)
    """

    mini_step: Any
    gradient_step: Any
    inner_opt_state: Any
    acc_grads: Any
    skip_state: Any = ()


class ShouldSkipUpdateFunction(Protocol):
    """The type of `MultiSteps`' ``should_skip_update_fn``:
    ``f(updates, gradient_step, params) -> (skip, skip_state)``.

    `skip` is a boolean scalar (skip this call's gradients); `skip_state` is any pytree,
    kept in ``MultiStepsState.skip_state`` (``skip_not_finite`` and ``skip_large_updates``
    are two such functions).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> fn: optim.ShouldSkipUpdateFunction = optim.skip_not_finite
        >>> bool(fn({'w': np.array([np.nan])}, np.int32(0), None)[0])
        True
    """

    def __call__(self, updates: Any, gradient_step: Any, params: Any) -> tuple[Any, Any]:
        """Whether to skip `updates`, and the pytree to keep in ``skip_state``."""


class MultiSteps:
    """Accumulate gradients over k calls, then take one step of the inner optimizer.

    With ``use_grad_mean=True``, k calls with gradients ``g1..gk`` equal one inner step on
    their mean; the first k-1 calls return zero updates. Use ``init``/``update`` like a
    `GradientTransformation` (or `gradient_transformation()` to get one).

    Args:
      opt: the inner optimizer.
      every_k_schedule: k, or a schedule giving k from the number of real steps taken.
      use_grad_mean: accumulate the mean (True) or the sum of the gradients.
      should_skip_update_fn: ``f(updates, gradient_step, params) -> (skip, skip_state)``
        (say `skip_not_finite`); a call where `skip` is True changes nothing but the
        state's `skip_state` and returns zeros.
      accumulator_dtype: the dtype of the accumulated gradients (None: the params';
        optax defaults to float32).

    >>> import fungrad.optim as optim
    >>> opt = optim.MultiSteps(optim.adam(1e-3), every_k_schedule=4)
    """

    def __init__(
        self,
        opt: GradientTransformation,
        every_k_schedule: int | Schedule,
        use_grad_mean: bool = True,
        should_skip_update_fn: ShouldSkipUpdateFunction | None = None,
        accumulator_dtype: Any = None,
    ):
        if not callable(every_k_schedule):
            k = int(every_k_schedule)
            if k < 1:
                raise ValueError(f"MultiSteps: every_k_schedule must be >= 1, got {k}.")
            every_k_schedule = lambda step: k  # noqa: ARG005
        self._opt = opt
        self._every_k: Callable[[Any], Any] = every_k_schedule
        self._use_grad_mean = use_grad_mean
        self._should_skip = should_skip_update_fn
        self._accumulator_dtype = None if accumulator_dtype is None else np.dtype(accumulator_dtype)

    @property
    def inner_opt(self) -> GradientTransformation:
        """The wrapped optimizer."""
        return self._opt

    def init(self, params: PyTree) -> MultiStepsState:
        """The initial state: zero accumulators and the inner optimizer's state."""
        zero = fnp.zeros((), dtype=np.int32)
        dtype = self._accumulator_dtype
        acc = map_leaves("MultiSteps", lambda p: fnp.zeros_like(p, dtype=dtype), ("params", params))
        skip_state = ()
        if self._should_skip is not None:
            zeros = map_leaves("MultiSteps", fnp.zeros_like, ("params", params))
            _, skip_state = self._should_skip(zeros, zero, params)
        return MultiStepsState(zero, zero, self._opt.init(params), acc, skip_state)

    def _accumulate(self, g, acc, n):
        if not self._use_grad_mean:
            return astype_like(fnp.add(g, acc), acc)
        # The running mean acc + (g - acc) / (n + 1) stays on the gradients' scale.
        out = div_(fnp.subtract(g, acc), scalar_like(increment(n), acc))
        return astype_like(add_(out, acc), acc)

    def update(self, updates: PyTree, state: MultiStepsState, params: PyTree = None,
               **extra_args: Any):
        """Accumulate `updates`; every k-th call, return the inner optimizer's step.

        Extra keyword arguments go to the inner optimizer when it takes them.

        Returns:
          ``(updates, state)``: zeros on accumulating calls, the inner step on the k-th.
        """
        check_state("MultiSteps", state, MultiStepsState)
        name = "MultiSteps"
        if self._should_skip is not None:
            skip, skip_state = self._should_skip(updates, state.gradient_step, params)
            if concrete_bool(skip) is None:
                raise NotImplementedError(
                    "MultiSteps: should_skip_update_fn returned a traced value (under vmap); "
                    "fungrad decides the skip in Python, so it must be concrete."
                )
            if concrete_bool(skip):
                zeros = map_leaves(name, fnp.zeros_like, ("updates", updates))
                return zeros, state._replace(skip_state=skip_state)
            state = state._replace(skip_state=skip_state)
        k = self._every_k(state.gradient_step)
        acc = map_leaves(
            name,
            lambda g, a: self._accumulate(g, a, state.mini_step),
            ("updates", updates), ("state.acc_grads", state.acc_grads),
        )
        emit = fnp.equal(state.mini_step, fnp.subtract(k, 1))
        mini_step = fnp.remainder(increment(state.mini_step), k)
        known = concrete_bool(emit)
        if known is False:
            zeros = map_leaves(name, fnp.zeros_like, ("updates", updates))
            return zeros, state._replace(mini_step=mini_step, acc_grads=acc)
        grads = map_leaves(name, astype_like, ("state.acc_grads", acc), ("updates", updates))
        new_updates, inner_state = with_extra_args_support(self._opt).update(
            grads, state.inner_opt_state, params, **extra_args
        )
        cleared = tree_map(fnp.zeros_like, acc)
        step = increment(state.gradient_step)
        if known is None:
            new_updates = tree_select(emit, new_updates, tree_map(fnp.zeros_like, new_updates))
            inner_state = tree_select(emit, inner_state, state.inner_opt_state)
            cleared = tree_select(emit, cleared, acc)
            step = fnp.where(emit, step, state.gradient_step)
        return new_updates, MultiStepsState(mini_step, step, inner_state, cleared, state.skip_state)

    def has_updated(self, state: MultiStepsState) -> Any:
        """Whether the last `update` call took a real inner step."""
        return fnp.logical_and(fnp.equal(state.mini_step, 0), fnp.greater(state.gradient_step, 0))

    def gradient_transformation(self) -> GradientTransformationExtraArgs:
        """This accumulator as a `GradientTransformationExtraArgs`."""
        return GradientTransformationExtraArgs(self.init, self.update)
