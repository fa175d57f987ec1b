"""Perturbed functions (optax.perturbations, Berthet et al. 2020): a smooth Monte-Carlo
surrogate of a piecewise-constant function (an argmax, a ranking), whose gradient is an
unbiased estimate by the score function of the noise.

``make_perturbed_fun(f, num_samples, sigma, noise)(key, x)`` is ``E[f(x + sigma Z)]``
estimated over `num_samples` draws of `Z ~ noise`; its derivative in `x` is
``E[f(x + sigma Z) * grad(-log p)(Z) / sigma]`` (with `f(x)` as a baseline to cut its
variance). The draws are `fungrad.random`'s (Philox streams), not JAX's, so results agree
with optax's in distribution, not bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import fungrad.numpy as fnp
from fungrad import lax, random
from fungrad.optim.tree_random import tree_random_like
from fungrad.optim.tree_utils import tree_add_scale, tree_scale, tree_sum
from fungrad.transforms.vmap_api import vmap
from fungrad.tree_util import tree_map

__all__ = ["Normal", "Gumbel", "make_perturbed_fun"]


class Normal:
    """Standard normal noise: ``sample(key, shape, dtype)`` and the unnormalised
    ``log_prob(z) = -z**2 / 2``.

    Example:
        >>> from fungrad import optim, random
        >>> optim.perturbations.Normal().sample(random.PRNGKey(0), (3,)).shape
        (3,)
        >>> float(optim.perturbations.Normal().log_prob(2.0))
        -2.0
    """

    def sample(self, key: Any, sample_shape: Sequence[int] = (), dtype: Any = float) -> Any:
        """Draws of shape `sample_shape`."""
        return random.normal(key, tuple(sample_shape), dtype)

    def log_prob(self, inputs: Any) -> Any:
        """``-inputs**2 / 2`` (up to a constant)."""
        return -0.5 * fnp.asarray(inputs) ** 2


class Gumbel:
    """Standard Gumbel noise: ``sample(key, shape, dtype)`` and
    ``log_prob(z) = -z - exp(-z)``.

    Example:
        >>> from fungrad import optim, random
        >>> optim.perturbations.Gumbel().sample(random.PRNGKey(0), (2, 2)).shape
        (2, 2)
        >>> float(optim.perturbations.Gumbel().log_prob(0.0))
        -1.0
    """

    def sample(self, key: Any, sample_shape: Sequence[int] = (), dtype: Any = float) -> Any:
        """Draws of shape `sample_shape`."""
        return random.gumbel(key, tuple(sample_shape), dtype)

    def log_prob(self, inputs: Any) -> Any:
        """``-inputs - exp(-inputs)``."""
        inputs = fnp.asarray(inputs)
        return -inputs - fnp.exp(-inputs)


def _magic_box(x: Any) -> Any:
    """1 in value, with the derivative of ``exp(x)`` (the score-function trick)."""
    return fnp.exp(x - lax.stop_gradient(x))


def make_perturbed_fun(fun: Callable[[Any], Any], num_samples: int = 1000,
                       sigma: Any = 0.1, noise: Any = Gumbel(),  # noqa: B008 (stateless)
                       use_baseline: bool = True) -> Callable[[Any, Any], Any]:
    """A Monte-Carlo estimate of ``E[fun(x + sigma Z)]``, differentiable in `x` even when
    `fun` is piecewise constant.

    Args:
      fun: a function of a pytree (its derivative is not used).
      num_samples: the number of draws.
      sigma: the noise's scale.
      noise: an object with ``sample(key, shape, dtype)`` and ``log_prob(z)``
        (`Gumbel()` by default).
      use_baseline: subtract ``fun(x)`` in the gradient estimator (lower variance, same
        mean).

    Returns:
      ``perturbed(key, x)`` (a `fungrad.random` key): the estimate, a pytree of `fun`'s
      output's structure.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> from fungrad import optim, random
        >>> hard_argmax = lambda x: fnp.asarray(x == fnp.max(x), dtype=float)
        >>> soft = optim.perturbations.make_perturbed_fun(hard_argmax, 2000, sigma=0.5)
        >>> x = np.array([1.0, 1.2, -1.0])
        >>> probs = soft(random.PRNGKey(0), x)
        >>> round(float(probs.sum()), 6), bool(probs[1] > probs[0] > probs[2])
        (1.0, True)
        >>> g = fg.grad(lambda x: soft(random.PRNGKey(0), x)[1])(x)
        >>> bool(g[1] > 0 > g[0])
        True
    """
    if not (hasattr(noise, "sample") and hasattr(noise, "log_prob")):
        raise TypeError(f"make_perturbed_fun: noise must have sample(key, shape, dtype) and "
                        f"log_prob(z) (say perturbations.Normal()), got a "
                        f"{type(noise).__name__}.")

    def estimate(key: Any, x: Any) -> Any:
        def one(k, x, baseline):
            shifted = lax.stop_gradient(
                tree_map(lambda a, z: a + sigma * z, x, tree_random_like(k, x, noise.sample)))
            z = tree_map(lambda a, s: (s - a) / sigma, x, shifted)  # depends on x
            box = _magic_box(tree_sum(tree_map(noise.log_prob, z)))
            out = tree_scale(box, fun(shifted))
            return tree_add_scale(out, 1 - box, baseline) if use_baseline else out

        baseline = fun(lax.stop_gradient(x)) if use_baseline else None
        draws = vmap(one, in_axes=(0, None, None))(random.split(key, num_samples), x,
                                                   baseline)
        return tree_map(lambda d: fnp.mean(d, axis=0), draws)

    return estimate


