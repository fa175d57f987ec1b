"""``fungrad.scipy.special``: SciPy's special functions, like ``jax.scipy.special``.

Every function is differentiable (where JAX's is) and works under ``vmap`` and ``jit``.
Operands are promoted and broadcast like NumPy; integers become float64. The special
primitives themselves are in ``fungrad.lax.special`` and ``fungrad.lax.special_scipy``;
this module composes them.

Where fungrad differs from JAX: ``i0`` and ``i1`` have their exact derivatives at 0 (JAX's
``i0'(0)`` is 1, from ``|x|``'s derivative); ``erfcinv`` exists (SciPy's name; JAX has
none); ``log_ndtr`` accepts ``series_order`` but does not need it (it is computed from
``erfcx`` in the lower tail, accurate to ``x = -1e150``); ``ndtri`` keeps its digits down to
``p = 1e-300``.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.lax import special_scipy
from fungrad.nn.softmax import logsumexp as _nn_logsumexp
from fungrad.numpy.float_functions import i1 as bessel_i1
from fungrad.scipy.special_integrals import dawsn, exp1, expi, expn, fresnel, owens_t, sici, spence
from fungrad.scipy.special_operands import floats as _floats
from fungrad.scipy.special_series import bernoulli, bessel_jn, hyp1f1
from fungrad.transforms.custom_derivatives import custom_jvp

__all__ = [
    "erf", "erfc", "erfinv", "erfcinv", "erfcx", "expit", "logit", "gammaln", "loggamma",
    "gamma", "gammasgn", "digamma", "psi", "polygamma", "multigammaln", "betaln", "beta",
    "betainc", "gammainc", "gammaincc", "xlogy", "xlog1py", "ndtr", "ndtri", "log_ndtr",
    "entr", "kl_div", "rel_entr", "i0", "i0e", "i1", "i1e", "logsumexp", "softmax",
    "log_softmax", "factorial", "comb", "poch", "zeta", "boxcox", "boxcox1p",
    "exp1", "expi", "expn", "dawsn", "spence", "sici", "fresnel", "owens_t", "bernoulli",
    "bessel_jn", "hyp1f1",
]

_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO = math.sqrt(2.0)


# Docstring examples of the functions `_unary` makes: name -> (the call, what it shows).
# doctest runs them (tests/test_doctests.py), so they stay true.
_EXAMPLES = {
    "erf": (
        "special.erf(np.array([0.0, 1.0, -np.inf]))",
        "array([ 0.        ,  0.84270079, -1.        ])"),
    "erfc": ("special.erfc(np.array([0.0, 10.0]))", "array([1.00000000e+00, 2.08848758e-45])"),
    "erfinv": ("special.erfinv(np.array([0.0, 0.5]))", "array([0.        , 0.47693628])"),
    "erfcinv": ("special.erfcinv(np.array([1.0, 1e-300]))", "array([ 0.        , 26.20946996])"),
    "erfcx": ("special.erfcx(np.array([0.0, 100.0]))", "array([1.        , 0.00564161])"),
    "expit": (
        "special.expit(np.array([-1000.0, 0.0, 2.0]))",
        "array([0.        , 0.5       , 0.88079708])"),
    "gammaln": (
        "special.gammaln(np.array([1.0, 10.0, 200.0]))",
        "array([  0.        ,  12.80182748, 857.93366983])"),
    "digamma": ("special.digamma(np.array([1.0, 2.0]))", "array([-0.57721566,  0.42278434])"),
    "i0e": ("special.i0e(np.array([0.0, 1000.0]))", "array([1.        , 0.01261724])"),
    "i1e": ("special.i1e(np.array([0.0, 1000.0]))", "array([0.        , 0.01261093])"),
}


def _with_example(doc: str, name: str) -> str:
    """``doc`` followed by the ``Example:`` section of ``name`` from ``_EXAMPLES``."""
    call, shown = _EXAMPLES[name]
    return (f"{doc}\n\nExample:\n    >>> import numpy as np\n"
            f"    >>> from fungrad.scipy import special\n    >>> {call}\n    {shown}\n")


def _unary(lax_fn, name: str, doc: str):
    def fn(x):
        return lax_fn(_floats(name, x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(doc, name)
    return fn


erf = _unary(lax.erf, "erf", "The error function, elementwise (``scipy.special.erf``).")
erfc = _unary(lax.erfc, "erfc", "The complementary error function ``1 - erf(x)``.")
erfinv = _unary(lax.erf_inv, "erfinv", "The inverse error function on ``[-1, 1]``.")
erfcinv = _unary(special_scipy.erfc_inv, "erfcinv",
                 "The inverse of erfc on ``[0, 2]``, accurate in both tails (SciPy's name).")
erfcx = _unary(special_scipy.erfcx, "erfcx", "The scaled complementary error function "
               "``exp(x^2) erfc(x)``.")
expit = _unary(lax.logistic, "expit", "The logistic sigmoid ``1 / (1 + exp(-x))``.")
gammaln = _unary(lax.lgamma, "gammaln", "``log|Gamma(x)|`` (``inf`` at the poles, as JAX).")
digamma = _unary(lax.digamma, "digamma", "The digamma function ``d/dx gammaln(x)``.")
psi = digamma
i0e = _unary(special_scipy.bessel_i0e, "i0e", "``exp(-|x|) I_0(x)``, the scaled modified "
             "Bessel function of order 0.")
i1e = _unary(special_scipy.bessel_i1e, "i1e", "``exp(-|x|) I_1(x)``, the scaled modified "
             "Bessel function of order 1.")


def logit(x):
    """``log(x / (1 - x))``, the inverse of expit (``-inf`` at 0, ``inf`` at 1).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.logit(np.array([0.25, 0.5, 0.75]))
        array([-1.09861229,  0.        ,  1.09861229])
    """
    x = _floats("logit", x)
    return fnp.log(x / (1 - x))


def loggamma(x):
    """``log(Gamma(x))`` for real ``x > 0``; nan for ``x <= 0`` (as JAX's real loggamma).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.loggamma(np.array([1.0, 0.5]))
        array([0.        , 0.57236494])
    """
    x = _floats("loggamma", x)
    return fnp.where(x > 0, lax.lgamma(x), np.nan)


def gammasgn(x):
    """The sign of ``Gamma(x)`` (1 or -1; nan at the negative integers and at nan; the sign
    of the zero at ``x = ±0``). Its derivative is 0.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.gammasgn(np.array([0.5, -0.5, -1.5]))
        array([ 1., -1.,  1.])
    """
    x = _floats("gammasgn", x)
    one = fnp.ones_like(x)
    floor_x = fnp.floor(x)
    pole = ((x < 0) & (x == floor_x)) | fnp.isnan(x)
    # arctan2(±0, -1) = ±pi tells the zeros' signs apart
    negative = ((x < 0) & (fnp.fmod(floor_x, 2) != 0)) | ((x == 0) & (fnp.arctan2(x, -one) < 0))
    return lax.stop_gradient(fnp.where(pole, np.nan * one, fnp.where(negative, -one, one)))


def gamma(x):
    """The gamma function ``sign * exp(gammaln(x))``; nan at the negative integers.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.gamma(np.array([1.0, 5.0, 0.5, -0.5]))
        array([ 1.        , 24.        ,  1.77245385, -3.5449077 ])
    """
    x = _floats("gamma", x)
    return gammasgn(x) * fnp.exp(lax.lgamma(x))


def polygamma(n, x):
    """The ``n``-th derivative of digamma (``n`` whole; differentiable in ``x`` only).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.polygamma(1, np.array([1.0, 2.0]))
        array([1.64493407, 0.64493407])
    """
    n, x = _floats("polygamma", n, x)
    return lax.polygamma(lax.stop_gradient(n), x)


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension ``d`` (a static int):
    ``d (d-1)/4 log(pi) + sum_(j<d) gammaln(a - j/2)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.multigammaln(np.array([2.0, 3.0]), 2)
        array([0.45158271, 1.55019499])
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"fungrad.scipy.special.multigammaln: `d` must be a Python int (the "
                        f"dimension, static), got {type(d).__name__} {d!r}")
    a = _floats("multigammaln", a)
    total = sum(lax.lgamma(a - 0.5 * j) for j in range(int(d)))
    return total + 0.25 * d * (d - 1) * math.log(math.pi)


def betaln(a, b):
    """``log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.betaln(np.array([1.0, 100.0]), np.array([1.0, 100.0]))
        array([   0.        , -139.66525909])
    """
    a, b = _floats("betaln", a, b)
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def beta(a, b):
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``, signed.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.beta(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
        array([1.        , 0.08333333])
    """
    a, b = _floats("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * fnp.exp(betaln(a, b))


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)`` (differentiable in ``x``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.betainc(2.0, 3.0, np.array([0.0, 0.5, 1.0]))
        array([0.    , 0.6875, 1.    ])
    """
    a, b, x = _floats("betainc", a, b, x)
    return special_scipy.betainc(a, b, x)


def gammainc(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.gammainc(1.0, np.array([0.0, 1.0, np.inf]))
        array([0.        , 0.63212056, 1.        ])
    """
    a, x = _floats("gammainc", a, x)
    return lax.igamma(a, x)


def gammaincc(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.gammaincc(1.0, np.array([0.0, 1.0, np.inf]))
        array([1.        , 0.36787944, 0.        ])
    """
    a, x = _floats("gammaincc", a, x)
    return lax.igammac(a, x)


@custom_jvp
def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0`` (nan in ``y`` propagates).

    Its derivative is JAX's: ``log(y) dx + x / y dy`` (so at ``(0, 0)``: ``-inf`` in x,
    nan in y).
    """
    x, y = _floats("xlogy", x, y)
    used = (x != 0) | fnp.isnan(y)
    # log sees 1 where x == 0: no log(0) = -inf, no 0 * -inf (nor NumPy's warnings)
    return fnp.where(used, x * fnp.log(fnp.where(used, y, 1.0)), 0.0)


@xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    x, y = _floats("xlogy", *primals)
    dx, dy = tangents
    return xlogy(x, y), dx * fnp.log(y) + dy * (x / y)


@custom_jvp
def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0`` (nan in ``y`` propagates); derivative as JAX's."""
    x, y = _floats("xlog1py", x, y)
    used = (x != 0) | fnp.isnan(y)
    return fnp.where(used, x * fnp.log1p(fnp.where(used, y, 0.0)), 0.0)


@xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    x, y = _floats("xlog1py", *primals)
    dx, dy = tangents
    return xlog1py(x, y), dx * fnp.log1p(y) + dy * (x / (1 + y))


@custom_jvp
def _xlogx(x):
    return xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return _xlogx(x), dx * (fnp.log(x) + 1)


def entr(x):
    """The elementwise entropy ``-x log x``: 0 at 0, ``-inf`` for ``x < 0``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.entr(np.array([0.25, 0.5, 1.0]))
        array([ 0.34657359,  0.34657359, -0.        ])
    """
    x = _floats("entr", x)
    negative = x < 0
    # _xlogx sees 1 where x < 0 (log of a negative number would be nan, with a warning)
    return fnp.where(negative, -np.inf, -_xlogx(fnp.where(negative, 1.0, x)))


def rel_entr(p, q):
    """``p log(p / q)`` for ``p, q > 0``; 0 where ``p == 0 <= q``; ``inf`` elsewhere.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.rel_entr(np.array([0.5, 0.0, 1.0]), np.array([0.25, 1.0, 0.0]))
        array([0.34657359, 0.        ,        inf])
    """
    p, q = _floats("rel_entr", p, q)
    both = (p > 0) & (q > 0)
    safe_p, safe_q = fnp.where(both, p, 1.0), fnp.where(both, q, 1.0)
    inside = _xlogx(safe_p) - xlogy(safe_p, safe_q)
    return fnp.where(both, inside, fnp.where((p == 0) & (q >= 0), 0.0, np.inf))


def kl_div(p, q):
    """``p log(p / q) - p + q`` (``rel_entr(p, q) - p + q``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.kl_div(np.array([0.5, 0.0]), np.array([0.25, 1.0]))
        array([0.09657359, 1.        ])
    """
    p, q = _floats("kl_div", p, q)
    return rel_entr(p, q) - p + q


def ndtr(x):
    """The standard normal CDF ``(1 + erf(x / sqrt 2)) / 2``, accurate in the lower tail.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.ndtr(np.array([0.0, 1.96, -40.0]))
        array([0.5      , 0.9750021, 0.       ])
    """
    x = _floats("ndtr", x)
    return 0.5 * lax.erfc(x * -_SQRT_HALF)


def ndtri(p):
    """The inverse of ndtr on ``[0, 1]`` (``-inf`` at 0, ``inf`` at 1, nan outside).

    Computed as ``-sqrt(2) erfcinv(2 p)``; ``2 p`` and (for ``p > 3/4``) ``2 (1 - p)`` are
    exact, so both tails keep their digits (``ndtri(1e-300) = -37.047096...``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.ndtri(np.array([0.5, 0.975]))
        array([-0.        ,  1.95996398])
    """
    p = _floats("ndtri", p)
    return special_scipy.erfc_inv(2.0 * p) * -_SQRT_TWO


_ERFCX_CAP = 1e18


def log_ndtr(x, series_order: int = 3):
    """``log(ndtr(x))``, accurate in both tails: ``log_ndtr(-40) = -804.608...``.

    For ``x <= 0`` it is ``log(erfcx(-x / sqrt 2) / 2) - x^2 / 2`` (no underflow), for
    ``x > 0`` ``log1p(-ndtr(-x))``. ``series_order`` (JAX's asymptotic-series length, 0 to
    30) is checked and otherwise not needed.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.log_ndtr(np.array([0.0, -40.0]))
        array([-6.93147181e-01, -8.04608442e+02])
    """
    if isinstance(series_order, bool) or not isinstance(series_order, (int, np.integer)) \
            or not 0 <= series_order <= 30:
        raise ValueError(f"fungrad.scipy.special.log_ndtr: `series_order` must be an int in "
                         f"[0, 30], got {series_order!r}")
    x = _floats("log_ndtr", x)
    lower = x <= 0
    neg = fnp.where(lower, x, 0.0)  # each branch sees only its own half (no nan gradients)
    pos = fnp.where(lower, 0.0, x)
    # erfcx(t) ~ 1/(t sqrt(pi)) never underflows before t ~ 1e18 is capped, so x = -inf
    # gives -inf with no log(0) (the capped log term's slope, ~1/t, is far below x's).
    t = fnp.minimum(neg * -_SQRT_HALF, _ERFCX_CAP)
    low = fnp.log(0.5 * special_scipy.erfcx(t)) - 0.5 * neg * neg
    high = fnp.log1p(-0.5 * lax.erfc(pos * _SQRT_HALF))
    return fnp.where(lower, low, high)


def i0(x):
    """The modified Bessel function of the first kind of order 0, ``i0e(x) exp(|x|)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.i0(np.array([0.0, 1.0]))
        array([1.        , 1.26606588])
    """
    return fnp.i0(_floats("i0", x))


def i1(x):
    """The modified Bessel function of the first kind of order 1, ``i1e(x) exp(|x|)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.i1(np.array([0.0, 1.0]))
        array([0.       , 0.5651591])
    """
    return bessel_i1(_floats("i1", x))


def factorial(n, exact: bool = False):
    """``Gamma(n + 1)`` (0 for ``n < 0``); ``exact=True`` is not supported (as in JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.factorial(np.array([0.0, 3.0, 5.0]))
        array([  1.,   6., 120.])
    """
    if exact:
        raise NotImplementedError("fungrad.scipy.special.factorial: exact=True is not "
                                  "supported (no arbitrary-precision integers); use "
                                  "math.factorial for exact values")
    n = _floats("factorial", n)
    return fnp.where(n < 0, 0.0, fnp.exp(lax.lgamma(n + 1)))


def comb(N, k, *, repetition: bool = False):  # noqa: N803 (SciPy's name)
    """The binomial coefficient ``N choose k`` as a float (0 where ``N < 0``, ``k < 0`` or
    ``k > N``); with ``repetition=True`` the number of multisets ``comb(N + k - 1, k)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.comb(np.array([5.0, 10.0]), 2)
        array([10., 45.])
        >>> special.comb(3, 2, repetition=True)
        array(6.)
    """
    N, k = _floats("comb", N, k)  # noqa: N806
    if repetition:
        return fnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k))
    ok = (k <= N) & (N >= 0) & (k >= 0)
    safe_n, safe_k = fnp.where(ok, N, 0.0), fnp.where(ok, k, 0.0)
    out = fnp.exp(lax.lgamma(safe_n + 1) - lax.lgamma(safe_k + 1)
                  - lax.lgamma(safe_n + 1 - safe_k))
    return fnp.where(ok, out, 0.0)


def poch(z, m):
    """The Pochhammer symbol ``Gamma(z + m) / Gamma(z)`` (1 where ``m == 0``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.poch(np.array([1.0, 3.0]), 3.0)
        array([ 6., 60.])
    """
    z, m = _floats("poch", z, m)
    return fnp.where(m == 0, 1.0, gamma(z + m) / gamma(z))


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum_k (q + k)^-x`` (differentiable in ``q``).

    ``q=None`` (the Riemann zeta function) is not implemented, as in JAX: pass ``q=1``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.zeta(np.array([2.0, 4.0]), 1.0)
        array([1.64493407, 1.08232323])
        >>> float(special.zeta(2.0, 2.0))
        0.6449340668482265
    """
    if q is None:
        raise NotImplementedError("fungrad.scipy.special.zeta: the Riemann zeta function "
                                  "(q=None) is not implemented; pass q=1.0")
    x, q = _floats("zeta", x, q)
    return special_scipy.zeta(x, q)


# ---------------------------------------------------------------------------------------
# logsumexp and the softmax family


def _axes(name: str, axis, ndim: int):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ShapeError(f"fungrad.scipy.special.{name}: axis {ax} is out of bounds for "
                             f"an array of rank {ndim}")
        out.append(int(ax) % ndim)
    return tuple(out)


# jax.scipy.special.logsumexp and jax.nn.logsumexp are one function; so are ours.
logsumexp = _nn_logsumexp


def softmax(x, /, *, axis=None):
    """``exp(x) / sum(exp(x), axis)`` computed stably (``axis=None``: over all axes).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.softmax(np.array([1.0, 2.0, 3.0]))
        array([0.09003057, 0.24472847, 0.66524096])
        >>> special.softmax(np.zeros((2, 2)), axis=1)
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    x = _floats("softmax", x)
    axes = _axes("softmax", axis, fnp.ndim(x))
    unnormalized = fnp.exp(x - lax.stop_gradient(fnp.max(x, axis=axes, keepdims=True)))
    return unnormalized / fnp.sum(unnormalized, axis=axes, keepdims=True)


def log_softmax(x, /, *, axis=None):
    """``x - logsumexp(x, axis)`` computed stably (``axis=None``: over all axes).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.log_softmax(np.array([1.0, 2.0, 3.0]))
        array([-2.40760596, -1.40760596, -0.40760596])
    """
    x = _floats("log_softmax", x)
    axes = _axes("log_softmax", axis, fnp.ndim(x))
    shifted = x - lax.stop_gradient(fnp.max(x, axis=axes, keepdims=True))
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axes, keepdims=True))


def _boxcox_of_log(fn: str, log_x, lmbda):
    """``(exp(lmbda log_x) - 1) / lmbda``, ``log_x`` where ``lmbda == 0`` (exactly: no
    ``0 / 0``; the power branch divides by 1 there)."""
    zero = lmbda == 0
    safe = fnp.where(zero, 1.0, lmbda)
    return fnp.where(zero, log_x, fnp.expm1(safe * log_x) / safe)


def boxcox(x, lmbda):
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda`` (``log(x)`` at ``lmbda == 0``), as
    ``scipy.special.boxcox``: ``nan`` for ``x < 0``; at ``x == 0`` the limit (``-1 / lmbda``
    for ``lmbda > 0``, ``-inf`` otherwise). Differentiable in both arguments; at
    ``lmbda == 0`` the derivative in ``lmbda`` is 0, as JAX's (the branch taken there is
    ``log(x)``; the limit of the power branch's is ``log(x)**2 / 2``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.boxcox(np.array([1.0, 4.0, 4.0]), np.array([0.5, 0.0, 2.0]))
        array([0.        , 1.38629436, 7.5       ])
    """
    x, lmbda = _floats("boxcox", x, lmbda)
    # log of the positive entries only (no log(0) or log(-1) warnings); -inf at 0, nan below
    positive = x > 0
    log_x = fnp.where(positive, fnp.log(fnp.where(positive, x, 1.0)),
                      fnp.where(x == 0, -np.inf, np.nan))
    return _boxcox_of_log("boxcox", log_x, lmbda)


def boxcox1p(x, lmbda):
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``: ``((1 + x)**lmbda - 1)
    / lmbda`` (``log1p(x)`` at ``lmbda == 0``), as ``scipy.special.boxcox1p``; ``nan`` for
    ``x < -1``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import special
        >>> special.boxcox1p(np.array([1e-10, 3.0]), np.array([0.5, 0.0]))
        array([1.00000000e-10, 1.38629436e+00])
    """
    x, lmbda = _floats("boxcox1p", x, lmbda)
    above = x > -1
    log_x = fnp.where(above, fnp.log1p(fnp.where(above, x, 0.0)),
                      fnp.where(x == -1, -np.inf, np.nan))
    return _boxcox_of_log("boxcox1p", log_x, lmbda)
