"""The truncated normal distribution: ``stats.truncnorm.logpdf(x, a, b, loc=0, scale=1)``
and friends.

``a`` and ``b`` are the bounds of the standardized variable ``y = (x - loc) / scale``, as
in SciPy and JAX. The normal mass between two bounds is formed in whichever tail keeps
its digits (both bounds below 0, both above, or one on each side), so the density stays
finite for bounds far out in a tail. Where ``a >= b`` the results are nan.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _log_normal_mass(a, b):
    """``log(ndtr(b) - ndtr(a))`` for ``a < b``; each branch sees only bounds it is finite
    at, so that no derivative meets an ``inf * 0``."""
    left, right = b <= 0, a > 0
    tail = left | right
    # the mass above 0 is the mirror image of the mass below it
    lo = fnp.where(tail, fnp.where(right, -b, a), -2.0)
    hi = fnp.where(tail, fnp.where(right, -a, b), -1.0)
    # an infinite lower bound takes no mass away (log_ndtr's slope there is inf: inf * 0)
    bounded = lo > -np.inf
    log_hi = special.log_ndtr(hi)
    log_lo = special.log_ndtr(fnp.where(bounded, lo, hi - 1))
    tail_mass = fnp.where(bounded, log_hi + fnp.log(-fnp.expm1(log_lo - log_hi)), log_hi)
    mid_a, mid_b = fnp.where(tail, -1.0, a), fnp.where(tail, 1.0, b)
    central_mass = fnp.log1p(-special.ndtr(mid_a) - special.ndtr(-mid_b))
    return fnp.where(tail, tail_mass, central_mass)


def _interior(a, b):
    """A point strictly between ``a < b`` (either may be infinite), formed without inf - inf."""
    fin_a, fin_b = fnp.isfinite(a), fnp.isfinite(b)
    fa, fb = fnp.where(fin_a, a, 0.0), fnp.where(fin_b, b, 0.0)
    return fnp.where(fin_a & fin_b, 0.5 * (fa + fb),
                     fnp.where(fin_a, fa + 1, fnp.where(fin_b, fb - 1, 0.0)))


def _prepared(name, x, a, b, loc, scale):
    """``(y, a, b, bad)`` with ``a, b`` replaced by ``-1, 1`` where ``a >= b`` (``bad``)."""
    x, a, b, loc, scale = floats(name, x, a, b, loc, scale)
    bad = a >= b
    return (x - loc) / scale, fnp.where(bad, -1.0, a), fnp.where(bad, 1.0, b), bad, scale


def logpdf(x, a, b, loc=0, scale=1):
    """``norm.logpdf(x, loc, scale) - log(ndtr(b) - ndtr(a))`` on ``a <= y <= b``, ``-inf``
    outside; nan where ``a >= b``.

    Example:
        >>> from fungrad.scipy import stats
        >>> round(float(stats.truncnorm.pdf(0.5, 0.0, float("inf"))), 6)  # 2 norm.pdf(0.5)
        0.704131
    """
    y, a, b, bad, scale = _prepared("truncnorm.logpdf", x, a, b, loc, scale)
    out = -0.5 * y * y - _LOG_SQRT_2PI - fnp.log(scale) - _log_normal_mass(a, b)
    out = fnp.where((y < a) | (y > b), -np.inf, out)
    return fnp.where(bad, np.nan, out)


def pdf(x, a, b, loc=0, scale=1):
    """The truncated normal density."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _logcdf(y, a, b, bad):
    inside = (y > a) & (y < b)
    y_in = fnp.where(inside, y, _interior(a, b))
    mass = _log_normal_mass(a, b)
    log_cdf = _log_normal_mass(a, y_in) - mass
    near_one = log_cdf > -0.1  # then 1 - sf keeps more digits
    log_sf = fnp.where(near_one, _log_normal_mass(y_in, b) - mass, -1.0)
    out = fnp.where(near_one, fnp.log1p(-fnp.exp(log_sf)), log_cdf)
    out = fnp.where(y >= b, 0.0, fnp.where(y <= a, -np.inf, out))
    return fnp.where(bad | fnp.isnan(y), np.nan, out)


def logcdf(x, a, b, loc=0, scale=1):
    """The log of the CDF: ``-inf`` at and below ``a``, 0 at and above ``b``."""
    y, a, b, bad, _ = _prepared("truncnorm.logcdf", x, a, b, loc, scale)
    return _logcdf(y, a, b, bad)


def cdf(x, a, b, loc=0, scale=1):
    """The truncated normal CDF."""
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    """The log of the survival function (the mirrored ``logcdf``)."""
    y, a, b, bad, _ = _prepared("truncnorm.logsf", x, a, b, loc, scale)
    return _logcdf(-y, -b, -a, bad)


def sf(x, a, b, loc=0, scale=1):
    """The truncated normal survival function."""
    return fnp.exp(logsf(x, a, b, loc, scale))
