"""Adaptive rescalings from optax: Yogi, Adadelta, NovoGrad, Adan and SM3.

Each is optax's block of the same name, arguments and state. The moments are written
leafwise with fungrad.numpy (as in `moments`), so the blocks run eagerly, under grad,
jit and vmap alike.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import GradientTransformation
from fungrad.optim.leafwise import (
    astype_like,
    increment,
    map_leaves,
    require_params,
    scalar_like,
    step_number,
    structure_error,
    tree_select,
    weak_scalar,
    zeros_tree,
)
from fungrad.optim.moments import ScaleByAdamState, debiased, map_moments, moment
from fungrad.tree_util import tree_flatten

__all__ = [
    "scale_by_yogi",
    "scale_by_adadelta",
    "ScaleByAdaDeltaState",
    "scale_by_novograd",
    "ScaleByNovogradState",
    "scale_by_adan",
    "ScaleByAdanState",
    "scale_by_sm3",
    "ScaleBySM3State",
]


def _zero_count():
    return fnp.zeros((), dtype=np.int32)


def _full_tree(name: str, params: Any, value: Any) -> Any:
    return map_leaves(name, lambda p: fnp.full_like(p, value), ("params", params))


# --- Yogi -----------------------------------------------------------------------------------


def scale_by_yogi(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-3,
    eps_root: float = 0.0,
    initial_accumulator_value: float = 1e-6,
) -> GradientTransformation:
    """Yogi (Zaheer et al., 2018): Adam whose second moment moves additively.

    ``nu <- nu - (1 - b2) * sign(nu - g**2) * g**2``, so it cannot grow as fast as Adam's.

    Args:
      b1: decay rate of the first moment.
      b2: rate of the additive second-moment update.
      eps: added to the denominator ``sqrt(nu_hat + eps_root)``.
      eps_root: added to the second moment inside the square root.
      initial_accumulator_value: the value both moments start from (positive).

    Returns:
      A `GradientTransformation` with a `ScaleByAdamState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_yogi()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, tx.init(params), params)
        >>> np.round(updates['w'], 4).tolist()
        [0.996, -0.9994]
    """
    name = "scale_by_yogi"
    b1, b2, eps, eps_root = (weak_scalar(x, f"{name}: {n}") for x, n in
                             ((b1, "b1"), (b2, "b2"), (eps, "eps"), (eps_root, "eps_root")))
    initial = weak_scalar(initial_accumulator_value, f"{name}: initial_accumulator_value")

    def init(params):
        return ScaleByAdamState(count=_zero_count(), mu=_full_tree(name, params, initial),
                                nu=_full_tree(name, params, initial))

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)

        def step(g, m, v):
            m = moment(g, m, b1)
            g2 = fnp.square(g)
            v = astype_like(v - fnp.multiply(scalar_like(1 - b2, v), fnp.sign(v - g2) * g2), v)
            den = fnp.sqrt(debiased(v, b2, t) + scalar_like(eps_root, v)) + scalar_like(eps, v)
            return astype_like(debiased(m, b1, t) / den, g), m, v

        return map_moments(name, step, updates, state, count, ScaleByAdamState)

    return GradientTransformation(init, update)


# --- Adadelta --------------------------------------------------------------------------------


class ScaleByAdaDeltaState(NamedTuple):
    """Adadelta's running averages of squared gradients (`e_g`) and squared updates (`e_x`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_adadelta().init({'w': np.zeros(2)})._fields
        ('e_g', 'e_x')
    """

    e_g: Any
    e_x: Any


def scale_by_adadelta(rho: float = 0.9, eps: float = 1e-6) -> GradientTransformation:
    """Adadelta (Zeiler, 2012): ``g * sqrt(E[dx**2] + eps) / sqrt(E[g**2] + eps)``.

    Args:
      rho: decay rate of both running averages.
      eps: added inside both square roots.

    Returns:
      A `GradientTransformation` with a `ScaleByAdaDeltaState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_adadelta()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, tx.init(params), params)
        >>> np.round(updates['w'], 6).tolist()
        [0.003162, -0.003162]
    """
    name = "scale_by_adadelta"
    rho, eps = weak_scalar(rho, f"{name}: rho"), weak_scalar(eps, f"{name}: eps")

    def init(params):
        return ScaleByAdaDeltaState(e_g=zeros_tree(name, params), e_x=zeros_tree(name, params))

    def update(updates, state, params=None):
        del params

        def step(g, e_g, e_x):
            e_g = moment(g, e_g, rho, 2)
            eps_ = scalar_like(eps, e_g)
            u = astype_like(fnp.sqrt(e_x + eps_) / fnp.sqrt(e_g + eps_) * g, g)
            return u, e_g, moment(u, e_x, rho, 2)

        new, e_g, e_x = map_leaves(name, step, ("updates", updates), ("state.e_g", state.e_g),
                                   ("state.e_x", state.e_x), n_outputs=3)
        return new, ScaleByAdaDeltaState(e_g=e_g, e_x=e_x)

    return GradientTransformation(init, update)


# --- NovoGrad ------------------------------------------------------------------------------


class ScaleByNovogradState(NamedTuple):
    """NovoGrad's step count, first moment `mu` (leafwise) and layer second moment `nu`.

    `nu` holds one scalar per leaf: the running average of the leaf's squared norm.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_novograd().init({'w': np.zeros(2)})._fields
        ('count', 'mu', 'nu')
    """

    count: Any
    mu: Any
    nu: Any


def scale_by_novograd(  # noqa: PLR0917 (optax's signature)
    b1: float = 0.9,
    b2: float = 0.25,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    weight_decay: float = 0.0,
    mu_dtype: Any = None,
) -> GradientTransformation:
    """NovoGrad (Ginsburg et al., 2019): layerwise second moments, momentum on normalized steps.

    Per leaf: ``nu <- b2 * nu + (1 - b2) * ||g||**2`` (``||g||**2`` at the first step),
    ``mu <- b1 * mu + g / (sqrt(nu + eps_root) + eps) + weight_decay * params`` (without
    the ``b1 * mu`` at the first step); the update is `mu`.

    Args:
      b1, b2: decay rates of the first and (layerwise) second moments.
      eps, eps_root: added to the denominator, outside and inside the square root.
      weight_decay: coupled weight decay added to the normalized gradient.
      mu_dtype: the first moment's dtype (None: the params').

    Returns:
      A `GradientTransformation` with a `ScaleByNovogradState`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_novograd()
        >>> params = {'w': np.array([3.0, 4.0])}
        >>> updates, state = tx.update({'w': np.array([3.0, 4.0])}, tx.init(params), params)
        >>> np.round(updates['w'], 6).tolist()
        [0.6, 0.8]
    """
    name = "scale_by_novograd"
    b1, b2, eps, eps_root, weight_decay = (
        weak_scalar(x, f"{name}: {n}") for x, n in ((b1, "b1"), (b2, "b2"), (eps, "eps"),
                                                    (eps_root, "eps_root"),
                                                    (weight_decay, "weight_decay")))

    def init(params):
        return ScaleByNovogradState(
            count=_zero_count(), mu=zeros_tree(name, params, mu_dtype),
            nu=map_leaves(name, lambda p: fnp.zeros((), dtype=fnp.result_type(p)),
                          ("params", params)))

    def update(updates, state, params=None):
        require_params(name, params)
        count = increment(state.count)
        first = count == 1

        def step(g, p, m, n):
            sq = astype_like(fnp.sum(fnp.square(g)), n)
            n = tree_select(first, sq, moment(sq, n, b2, 1))
            u = g / (fnp.sqrt(n + scalar_like(eps_root, n)) + scalar_like(eps, n))
            u = u + fnp.multiply(scalar_like(weight_decay, p), p)
            m = astype_like(tree_select(first, u, fnp.multiply(scalar_like(b1, m), m) + u), m)
            return m, m, n

        leaves_g, treedef = tree_flatten(updates)
        leaves_n, nu_def = tree_flatten(state.nu)
        if nu_def != treedef:
            raise structure_error(name, "updates", updates, "state.nu", state.nu)
        map_leaves(name, lambda *a: None, ("updates", updates), ("params", params),
                   ("state.mu", state.mu))  # checks structures and shapes
        out = [step(g, p, m, n) for g, p, m, n in zip(
            leaves_g, tree_flatten(params)[0], tree_flatten(state.mu)[0], leaves_n)]
        mu = treedef.unflatten([o[0] for o in out])
        nu = treedef.unflatten([o[2] for o in out])
        return mu, ScaleByNovogradState(count=count, mu=mu, nu=nu)

    return GradientTransformation(init, update)


# --- Adan ----------------------------------------------------------------------------------


class ScaleByAdanState(NamedTuple):
    """Adan's moments of gradients (`m`), gradient differences (`v`), the squared term
    (`n`), the previous gradient (`g`) and the step count (`t`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_adan().init({'w': np.zeros(2)})._fields
        ('m', 'v', 'n', 'g', 't')
    """

    m: Any
    v: Any
    n: Any
    g: Any
    t: Any


def scale_by_adan(
    b1: float = 0.98,
    b2: float = 0.92,
    b3: float = 0.99,
    eps: float = 1e-8,
    eps_root: float = 0.0,
) -> GradientTransformation:
    """Adan (Xie et al., 2022): Nesterov-style momentum from gradient differences.

    Args:
      b1: decay rate of the gradients' average.
      b2: decay rate of the gradient differences' average.
      b3: decay rate of the average of ``(g + (1 - b2) * (g - g_prev))**2``.
      eps, eps_root: added to the denominator, outside and inside the square root.

    Returns:
      A `GradientTransformation` with a `ScaleByAdanState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_adan()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, tx.init(params), params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    name = "scale_by_adan"
    b1, b2, b3, eps, eps_root = (
        weak_scalar(x, f"{name}: {n}") for x, n in ((b1, "b1"), (b2, "b2"), (b3, "b3"),
                                                    (eps, "eps"), (eps_root, "eps_root")))

    def init(params):
        return ScaleByAdanState(m=zeros_tree(name, params), v=zeros_tree(name, params),
                                n=zeros_tree(name, params), g=zeros_tree(name, params),
                                t=_zero_count())

    def update(updates, state, params=None):
        del params
        first = state.t == 0
        t = increment(state.t)
        tn = step_number(t)

        def step(g, m, v, n, g_prev):
            diff = tree_select(first, fnp.zeros_like(g), g - g_prev)
            m, v = moment(g, m, b1), moment(diff, v, b2)
            n = moment(g + fnp.multiply(scalar_like(1 - b2, g), diff), n, b3, 2)
            u = debiased(m, b1, tn) + fnp.multiply(scalar_like(1 - b2, v), debiased(v, b2, tn))
            den = fnp.sqrt(debiased(n, b3, tn) + scalar_like(eps_root, n)) + scalar_like(eps, n)
            return astype_like(u / den, g), m, v, n

        new, m, v, n = map_leaves(
            name, step, ("updates", updates), ("state.m", state.m), ("state.v", state.v),
            ("state.n", state.n), ("state.g", state.g), n_outputs=4)
        return new, ScaleByAdanState(m=m, v=v, n=n, g=updates, t=t)

    return GradientTransformation(init, update)


# --- SM3 -----------------------------------------------------------------------------------


class ScaleBySM3State(NamedTuple):
    """SM3's per-axis accumulators (`mu`: a list of vectors per leaf) and momentum (`nu`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> [m.shape for m in optim.scale_by_sm3().init({'w': np.zeros((2, 3))}).mu['w']]
        [(2,), (3,)]
    """

    mu: Any
    nu: Any


def _axis_accumulators(p: Any) -> list:
    shape = fnp.shape(p)
    if not shape:  # a scalar leaf keeps one accumulator (optax fails on scalar leaves)
        return [fnp.zeros((), dtype=fnp.result_type(p))]
    return [fnp.zeros((n,), dtype=fnp.result_type(p)) for n in shape]


def scale_by_sm3(b1: float = 0.9, b2: float = 1.0, eps: float = 1e-8) -> GradientTransformation:
    """SM3 (Anil et al., 2019): memory-efficient second moments, one vector per axis.

    Each leaf keeps, per axis, the maximum over the other axes of its accumulated squared
    gradients; the accumulator at an element is the minimum over its axes of those,
    plus ``g**2``. Updates are ``g / sqrt(accumulator + eps)`` averaged with momentum `b1`.

    Args:
      b1: the momentum's decay rate.
      b2: decay of the accumulators (1: a plain sum, as in the paper).
      eps: added inside the square root.

    Returns:
      A `GradientTransformation` with a `ScaleBySM3State`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_sm3()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, tx.init(params), params)
        >>> np.round(updates['w'], 6).tolist()
        [0.1, -0.1]
    """
    name = "scale_by_sm3"
    b1, b2, eps = (weak_scalar(x, f"{name}: {n}") for x, n in
                   ((b1, "b1"), (b2, "b2"), (eps, "eps")))
    c_new = 1.0 if b2 == 1.0 else 1.0 - b2

    def init(params):
        leaves, treedef = tree_flatten(params)
        return ScaleBySM3State(mu=treedef.unflatten([_axis_accumulators(p) for p in leaves]),
                               nu=zeros_tree(name, params))

    def leaf(g, axes, nu):
        ndim = fnp.ndim(g)
        if ndim < 2:
            prev = fnp.reshape(axes[0], fnp.shape(g))
        else:
            prev = None
            for i, a in enumerate(axes):
                shaped = fnp.reshape(a, [1] * i + [fnp.shape(g)[i]] + [1] * (ndim - i - 1))
                prev = shaped if prev is None else fnp.minimum(prev, shaped)
        acc = fnp.multiply(scalar_like(c_new, g), fnp.square(g)) + fnp.multiply(
            scalar_like(b2, prev), prev)
        inv = fnp.where(acc > 0, 1.0 / fnp.sqrt(acc + scalar_like(eps, acc)), 0.0)
        nu = moment(astype_like(g * inv, g), nu, b1)
        if ndim < 2:
            new_axes = [fnp.reshape(acc, fnp.shape(axes[0]))]
        else:
            new_axes = [fnp.max(acc, axis=tuple(j for j in range(ndim) if j != i))
                        for i in range(ndim)]
        return astype_like(nu, g), [astype_like(a, nu) for a in new_axes]

    def update(updates, state, params=None):
        del params
        g_leaves, treedef = tree_flatten(updates)
        nu_leaves, nu_def = tree_flatten(state.nu)
        if nu_def != treedef:
            raise structure_error(name, "updates", updates, "state.nu", state.nu)
        mu_lists = treedef.flatten_up_to(state.mu)
        out = [leaf(g, axes, nu) for g, axes, nu in zip(g_leaves, mu_lists, nu_leaves)]
        nu = treedef.unflatten([o[0] for o in out])
        return nu, ScaleBySM3State(mu=treedef.unflatten([o[1] for o in out]), nu=nu)

    return GradientTransformation(init, update)
