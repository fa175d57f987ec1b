"""A diagonal Gaussian parameterised by its mean and log standard deviation (optax's
`multi_normal`), for stochastic optimisation over distributions (say the search
distribution of an evolution strategy): samples, log-densities and the parameter list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad import random
from fungrad.scipy.stats import norm

__all__ = ["MultiNormalDiagFromLogScale", "multi_normal"]


class MultiNormalDiagFromLogScale:
    """The Gaussian ``N(loc, diag(exp(log_scale))**2)`` over arrays of the broadcast shape
    of `loc` and `log_scale`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim, random
        >>> dist = optim.multi_normal(np.zeros(2), np.log(np.array([1.0, 2.0])))
        >>> dist.sample((5,), random.PRNGKey(0)).shape
        (5, 2)
        >>> round(float(dist.log_prob(np.zeros(2))), 4)
        -2.531
    """

    def __init__(self, loc: Any, log_scale: Any):
        self._log_scale = fnp.asarray(log_scale)
        self._scale = fnp.exp(self._log_scale)
        self._mean = fnp.asarray(loc)
        self._param_shape = np.broadcast_shapes(fnp.shape(self._mean),
                                                fnp.shape(self._scale))

    def sample(self, shape: Sequence[int], key: Any) -> Any:
        """``shape + param_shape`` draws (fungrad's random bits, not JAX's).

        Example:
            >>> import numpy as np
            >>> from fungrad import optim, random
            >>> optim.multi_normal(np.ones(3), np.zeros(3)).sample((2,), random.PRNGKey(1)).shape
            (2, 3)
        """
        draws = random.normal(key, tuple(shape) + self._param_shape,
                              fnp.result_type(self._scale))
        return draws * self._scale + self._mean

    def log_prob(self, x: Any) -> Any:
        """The log-density of `x`, summed over the parameter axes.

        Example:
            >>> import numpy as np
            >>> from fungrad import optim
            >>> dist = optim.multi_normal(np.zeros(1), np.zeros(1))
            >>> round(float(dist.log_prob(np.array([1.0]))), 4)
            -1.4189
        """
        each = norm.logpdf(x, loc=self._mean, scale=self._scale)
        return fnp.sum(each, axis=tuple(-(i + 1) for i in range(len(self._param_shape))))

    @property
    def log_scale(self) -> Any:
        """The log standard deviation."""
        return self._log_scale

    @property
    def params(self) -> list:
        """``[loc, log_scale]``, the parameters one differentiates with respect to."""
        return [self._mean, self._log_scale]


def multi_normal(loc: Any, log_scale: Any) -> MultiNormalDiagFromLogScale:
    """The diagonal Gaussian with mean `loc` and standard deviation ``exp(log_scale)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> [p.tolist() for p in optim.multi_normal(np.zeros(2), np.ones(2)).params]
        [[0.0, 0.0], [1.0, 1.0]]
    """
    return MultiNormalDiagFromLogScale(loc=loc, log_scale=log_scale)
