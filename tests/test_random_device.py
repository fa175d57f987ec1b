"""Random draws with device parameters (issue 11): keys stay host values; samples are made on
the device of the sampler's array parameters (``minval``, ``p``, ``logits``, ``mean``...),
equal to the host's samples for the same key. Samplers with no array parameter follow JAX's
default device, which is the host on this branch. Run on the stand-in device type."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
from fungrad import array_module
from fungrad import random as R
from tests.fake_device import FakeDeviceArray, to_fake

KEY = R.key(0)
P = np.array([0.2, 0.5, 0.9])

SAMPLERS = {
    "uniform": lambda t: R.uniform(KEY, (3,), minval=t(np.zeros(3)), maxval=t(np.full(3, 2.0))),
    "bernoulli": lambda t: R.bernoulli(KEY, t(P)),
    "categorical": lambda t: R.categorical(KEY, t(np.log(np.tile([0.2, 0.3, 0.5], (4, 1))))),
    "gamma": lambda t: R.gamma(KEY, t(P + 1)),
    "beta": lambda t: R.beta(KEY, t(P + 1), t(P + 2)),
    "dirichlet": lambda t: R.dirichlet(KEY, t(P + 1)),
    "chisquare": lambda t: R.chisquare(KEY, t(P + 1)),
    "t": lambda t: R.t(KEY, t(P + 1)),
    "f": lambda t: R.f(KEY, t(P + 1), t(P + 2)),
    "loggamma": lambda t: R.loggamma(KEY, t(P + 1)),
    "poisson": lambda t: R.poisson(KEY, t(P * 3)),
    "geometric": lambda t: R.geometric(KEY, t(P)),
    "binomial": lambda t: R.binomial(KEY, t(np.array([3.0, 4.0, 5.0])), t(P)),
    "multinomial": lambda t: R.multinomial(KEY, t(np.array([5.0, 6.0])),
                                           t(np.array([[0.2, 0.8], [0.5, 0.5]]))),
    "multivariate_normal": lambda t: R.multivariate_normal(KEY, t(np.zeros(3)), t(np.eye(3))),
    "lognormal": lambda t: R.lognormal(KEY, t(P)),
    "pareto": lambda t: R.pareto(KEY, t(P + 1)),
    "truncated_normal": lambda t: R.truncated_normal(KEY, t(-P), t(P)),
    "wald": lambda t: R.wald(KEY, t(P + 1)),
    "weibull_min": lambda t: R.weibull_min(KEY, t(P + 1), t(P + 1), (3,)),
    "rayleigh": lambda t: R.rayleigh(KEY, t(P + 1)),
    "triangular": lambda t: R.triangular(KEY, t(P * 0), t(P), t(P + 1)),
    "double_sided_maxwell": lambda t: R.double_sided_maxwell(KEY, t(P), t(P + 1), (3,)),
    "choice": lambda t: R.choice(KEY, t(P), (2,)),
    "permutation": lambda t: R.permutation(KEY, t(P)),
}


def _same(got, want, name):
    assert type(got) is FakeDeviceArray, f"{name}: samples of type {type(got).__name__}"
    host = array_module.to_host(got)
    assert host.dtype == np.asarray(want).dtype, name
    np.testing.assert_array_equal(host, np.asarray(want), err_msg=name)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samples_are_made_on_the_parameters_device(name):
    sampler = SAMPLERS[name]
    _same(sampler(to_fake), sampler(lambda x: x), name)


@pytest.mark.parametrize("name", ["uniform", "bernoulli", "gamma", "categorical"])
def test_jit_samples_with_device_parameters_stay_on_the_device(name):
    sampler = SAMPLERS[name]
    previous = fg.config.jit_backend
    fg.config.update("jit_backend", "numpy")
    try:
        # the parameters are the jitted function's arguments (traced), the key is closed over
        params = []
        sampler(lambda x: params.append(x) or x)
        rebuilt = fg.jit(lambda *ps: sampler(_Replay(ps)))
        _same(rebuilt(*[to_fake(p) for p in params]), sampler(lambda x: x), name)
    finally:
        fg.config.update("jit_backend", previous)


class _Replay:
    """Hands a sampler the jitted function's arguments in the order it asks for them."""

    def __init__(self, values):
        self.values = iter(values)

    def __call__(self, _host_value):
        return next(self.values)


def test_keys_stay_host_values_and_samplers_without_arrays_stay_on_the_host():
    keys = R.split(KEY)
    assert type(keys) is not FakeDeviceArray and not array_module.is_device_array(keys)
    for out in (R.normal(KEY, (3,)), R.exponential(KEY, (3,)), R.uniform(KEY, (2,))):
        # no array parameter: JAX's default device; this branch has no default-device notion,
        # so the host
        assert not array_module.is_device_array(out)


def test_device_parameters_with_a_host_array_parameter_raise():
    with pytest.raises((fg.errors.DeviceMismatchError, TypeError)):
        R.uniform(KEY, (3,), minval=to_fake(np.zeros(3)), maxval=np.full(3, 2.0))
