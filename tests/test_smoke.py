"""A few end-to-end checks of the core that everything else relies on."""

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp


def test_nested_grad_no_perturbation_confusion():
    assert fg.grad(lambda x: fg.grad(lambda y: x * y)(2.0) * x)(3.0) == 6.0


def test_third_order_and_forward_over_reverse():
    np.testing.assert_allclose(fg.grad(fg.grad(fg.grad(fnp.sin)))(1.0), -np.cos(1.0))
    _, t = fg.jvp(fg.grad(fnp.sin), (1.0,), (1.0,))
    np.testing.assert_allclose(t, -np.sin(1.0))
    np.testing.assert_allclose(fg.grad(lambda x: fg.jvp(fnp.sin, (x,), (1.0,))[1])(1.0),
                               -np.sin(1.0))
