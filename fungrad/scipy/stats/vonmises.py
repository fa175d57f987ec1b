"""The von Mises distribution on the circle: ``stats.vonmises.logpdf(x, kappa)`` and
``pdf``.

As in JAX and SciPy the density is the periodic one (``x`` is not reduced to an interval),
and it is nan where ``kappa <= 0``. The normalizer uses ``i0e`` so large ``kappa`` does not
overflow.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, kappa):
    """``kappa (cos x - 1) - log(2 pi i0e(kappa))``; nan where ``kappa <= 0``.

    Example:
        >>> import math
        >>> from fungrad.scipy import stats
        >>> round(float(stats.vonmises.logpdf(0.0, 1e-9)) + math.log(2 * math.pi), 6)
        0.0
    """
    x, kappa = floats("vonmises.logpdf", x, kappa)
    ok = kappa > 0
    kappa = fnp.where(ok, kappa, 1.0)
    out = kappa * (fnp.cos(x) - 1) - _LOG_2PI - fnp.log(special.i0e(kappa))
    return fnp.where(ok, out, np.nan)


def pdf(x, kappa):
    """The von Mises density ``exp(kappa cos x) / (2 pi i0(kappa))``."""
    return fnp.exp(logpdf(x, kappa))
