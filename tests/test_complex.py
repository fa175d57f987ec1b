"""Complex numbers: JAX's conventions for values and derivatives, holomorphic=True, and
check_grads along imaginary directions (the table rows live in tests/tables/complex.py)."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.test_util import check_grads, check_vjp

Z = 1.1 + 1.2j
V = np.array([1 + 2j, 3 - 1j, -0.5 + 0.25j])
HERMITIAN = np.array([[4.0, 1 - 2j, 0.5j], [1 + 2j, 5.0, -1 + 1j], [-0.5j, -1 - 1j, 6.0]])


@pytest.fixture(scope="module")
def jax_modules():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jax, jnp


# ---------------------------------------------------------------------------------------
# The bugs this module was written for


def test_grad_of_abs_is_conj_z_over_abs_z():
    g = fg.grad(fnp.abs)(Z)
    np.testing.assert_allclose(g, np.conj(Z) / abs(Z), rtol=1e-15)
    np.testing.assert_allclose(g, 0.6757246285173464 - 0.7371541402007414j, rtol=1e-12)
    assert fg.grad(fnp.abs)(0j) == 0  # JAX's choice at the kink
    assert np.asarray(fnp.abs(np.array([Z]))).dtype == np.float64


def test_grad_of_abs_matches_jax(jax_modules):
    jax, jnp = jax_modules
    for z in [Z, -0.3 + 2j, 2.0 + 0j, -1j]:
        np.testing.assert_allclose(fg.grad(fnp.abs)(z), jax.grad(jnp.abs)(z), rtol=1e-14)


@pytest.mark.parametrize("ord_", [None, 2, 1, 3, np.inf, -np.inf, 0])
def test_norm_of_complex_vector_is_real(ord_):
    got = fnp.linalg.norm(V, ord_)
    want = np.linalg.norm(V, ord_)
    assert np.asarray(got).dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-14)


@pytest.mark.parametrize("ord_", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_norm_of_complex_matrix_is_real(ord_):
    m = HERMITIAN[:, :2] + 1j
    got = fnp.linalg.norm(m, ord_)
    assert np.asarray(got).dtype == np.float64
    np.testing.assert_allclose(got, np.linalg.norm(m, ord_), rtol=1e-13)


def test_norm_gradient_of_complex_vector_matches_jax(jax_modules):
    jax, jnp = jax_modules
    np.testing.assert_allclose(fg.grad(fnp.linalg.norm)(V), jax.grad(jnp.linalg.norm)(V),
                               rtol=1e-14)


def test_cholesky_keeps_the_imaginary_part():
    chol = np.asarray(fnp.linalg.cholesky(HERMITIAN))
    np.testing.assert_allclose(chol @ chol.conj().T, HERMITIAN, atol=1e-13)
    np.testing.assert_allclose(chol, np.linalg.cholesky(HERMITIAN), atol=1e-13)


def test_eigh_keeps_the_imaginary_part():
    w, v = fnp.linalg.eigh(HERMITIAN)
    w, v = np.asarray(w), np.asarray(v)
    assert w.dtype == np.float64
    np.testing.assert_allclose(v @ np.diag(w) @ v.conj().T, HERMITIAN, atol=1e-12)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(HERMITIAN), atol=1e-12)


def test_hermitian_decomposition_derivatives_match_jax(jax_modules):
    jax, jnp = jax_modules
    rng = np.random.default_rng(0)
    t = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    for fun, ref in [(fnp.linalg.cholesky, jnp.linalg.cholesky),
                     (fnp.linalg.eigvalsh, jnp.linalg.eigvalsh)]:
        _, got = fg.jvp(fun, (HERMITIAN,), (t,))
        _, want = jax.jvp(ref, (HERMITIAN,), (t,))
        np.testing.assert_allclose(got, want, atol=1e-12)
        ct = np.asarray(fun(HERMITIAN)) * 0 + rng.standard_normal(np.shape(got))
        np.testing.assert_allclose(fg.vjp(fun, HERMITIAN)[1](ct)[0],
                                   jax.vjp(ref, HERMITIAN)[1](ct)[0], atol=1e-12)


# ---------------------------------------------------------------------------------------
# Primitives and front ends


def test_transposes_follow_jax():
    z = np.array(Z)
    assert fg.vjp(lax.real, z)[1](np.array(2.0))[0] == 2 + 0j
    assert fg.vjp(lax.imag, z)[1](np.array(2.0))[0] == -2j
    assert fg.vjp(lax.conj, z)[1](np.array(2 + 1j))[0] == 2 - 1j
    ct_x, ct_y = fg.vjp(lax.complex, np.array(1.0), np.array(2.0))[1](np.array(2 + 3j))
    assert (ct_x, ct_y) == (2.0, -3.0)
    # mul transposes without conjugation: the cotangent of z in c * z is c * ct.
    assert fg.vjp(lambda x: x * (2 + 3j), Z)[1](1 + 1j)[0] == (2 + 3j) * (1 + 1j)


def test_holomorphic_grads_are_complex_derivatives():
    for fun, deriv in [(fnp.sin, np.cos), (fnp.exp, np.exp), (fnp.sqrt, lambda z: 0.5 / np.sqrt(z)),
                       (fnp.log, lambda z: 1 / z), (lambda z: z ** 3, lambda z: 3 * z ** 2)]:
        np.testing.assert_allclose(fg.grad(fun, holomorphic=True)(Z), deriv(Z), rtol=1e-13)
        np.testing.assert_allclose(fg.jacfwd(fun, holomorphic=True)(V), np.diag(deriv(V)),
                                   rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fg.jacrev(fun, holomorphic=True)(V), np.diag(deriv(V)),
                                   rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("transform", [fg.grad, fg.jacfwd, fg.jacrev])
def test_holomorphic_needs_complex_inputs_and_outputs(transform):
    name = transform.__name__
    with pytest.raises(TypeError, match=rf"{name} of `sin` with holomorphic=True requires "
                                        r"inputs with complex dtype, but got float64"):
        transform(fnp.sin, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match=rf"{name} of `absolute` with holomorphic=True requires "
                                        r"outputs with complex dtype, but got float64"):
        transform(fnp.abs, holomorphic=True)(Z)


@pytest.mark.parametrize("transform", [fg.grad, fg.jacrev])
def test_complex_outputs_need_holomorphic(transform):
    with pytest.raises(TypeError, match=r"requires real-valued outputs .*but got complex128.*"
                                        r"pass holomorphic=True"):
        transform(fnp.sin)(Z)


def test_jacfwd_needs_real_inputs_without_holomorphic():
    with pytest.raises(TypeError, match=r"jacfwd of `sin` requires real-valued inputs .*but got "
                                        r"complex128.*pass holomorphic=True"):
        fg.jacfwd(fnp.sin)(Z)
    np.testing.assert_allclose(fg.jacrev(fnp.abs)(V), np.diag(np.conj(V) / abs(V)), atol=1e-15)


def test_tracer_complex_methods():
    def f(z):
        return fnp.sum(z.real * z.imag + (z.conj() * z.conjugate()).real)

    z = V
    expected = np.sum(z.real * z.imag + (z.conj() ** 2).real)
    np.testing.assert_allclose(f(z), expected)
    # d/dre = im + 2 re, d/dim = re - 2 im; JAX's cotangent is d/dre - i d/dim.
    want = (z.imag + 2 * z.real) - 1j * (z.real - 2 * z.imag)
    np.testing.assert_allclose(fg.grad(f)(z), want, rtol=1e-14)


def test_real_inputs_to_complex_parts():
    x = np.array([-2.0, 0.5])
    assert fnp.real(x) is x and fnp.conj(x) is x
    np.testing.assert_array_equal(fnp.imag(x), [0.0, 0.0])
    np.testing.assert_allclose(fnp.angle(x), [np.pi, 0.0])
    np.testing.assert_array_equal(fg.grad(lambda y: fnp.sum(fnp.imag(y)))(x), [0.0, 0.0])


def test_promotion_with_complex():
    assert np.asarray(fnp.add(np.ones(2, np.float64), np.ones(2, np.complex64))).dtype == \
        np.complex128
    assert np.asarray(fnp.multiply(np.ones(2, np.float32), 1j)).dtype == np.complex64
    assert np.asarray(fnp.abs(np.ones(2, np.complex64))).dtype == np.float32
    assert np.asarray(fnp.real(np.ones(2, np.complex64))).dtype == np.float32


def test_lax_complex_parts_reject_real_operands():
    for real_part in (lax.real, fg.jit(lax.real)):  # eager and traced
        with pytest.raises(TypeError, match=r"lax.real: expected a complex operand, got "
                                            r"float64"):
            real_part(np.ones(2))
    with pytest.raises(TypeError, match=r"lax.complex: expected real floating operands"):
        lax.complex(np.ones(2, np.int64), np.ones(2, np.int64))


def test_complex_keeps_infinities_exact():
    z = np.asarray(lax.complex(np.array([np.inf, 1.0]), np.array([2.0, np.inf])))
    np.testing.assert_array_equal(z.real, [np.inf, 1.0])
    np.testing.assert_array_equal(z.imag, [2.0, np.inf])


# ---------------------------------------------------------------------------------------
# check_grads: imaginary directions, and reverse mode without any JVP


def _custom_vjp(fun, bwd):
    f = fg.custom_vjp(fun)
    f.defvjp(lambda x: (fun(x), x), bwd)
    return f


def test_check_grads_rev_only_checks_custom_vjp_without_jvp():
    f = _custom_vjp(lambda x: fnp.sin(x) * 2.0, lambda x, g: (2.0 * fnp.cos(x) * g,))
    check_grads(f, (np.array([0.3, 1.2]),), order=2, modes=("rev",))
    with pytest.raises(TypeError, match="custom_vjp"):  # forward mode would have failed
        check_grads(f, (np.array([0.3, 1.2]),), order=1, modes=("fwd",))


def test_check_grads_rev_only_catches_a_wrong_custom_vjp():
    f = _custom_vjp(lambda x: fnp.sin(x), lambda x, g: (fnp.sin(x) * g,))
    with pytest.raises(AssertionError, match="central differences"):
        check_grads(f, (np.array([0.3, 1.2]),), order=1, modes=("rev",))


def test_check_vjp_catches_an_error_only_the_imaginary_direction_sees():
    # d real(z) pulled back should be complex(ct, 0); complex(ct, ct) agrees with every
    # real perturbation and only an imaginary one exposes it.
    wrong = _custom_vjp(fnp.real, lambda z, g: (lax.complex(g, g),))
    with pytest.raises(AssertionError, match=r"imag direction"):
        check_vjp(wrong, (V,))
    check_vjp(_custom_vjp(fnp.real, lambda z, g: (lax.complex(g, fnp.zeros_like(g)),)), (V,))


def test_check_grads_catches_a_conjugating_vjp():
    wrong = _custom_vjp(lambda z: z * (2 - 1j), lambda z, g: (fnp.conj(2 - 1j) * g,))
    with pytest.raises(AssertionError):
        check_grads(wrong, (V,), order=1, modes=("rev",))


def test_check_grads_on_complex_functions():
    check_grads(lambda z: fnp.sin(z) * fnp.conj(z) + fnp.abs(z), (V,), order=2)
    check_grads(lambda z, x: fnp.angle(z * x), (V, np.array([0.5, 2.0, 1.5])), order=2)


def test_iscomplexobj():
    assert fnp.iscomplexobj(V) and fnp.iscomplexobj(1j)
    assert not fnp.iscomplexobj(np.ones(2)) and not fnp.iscomplexobj(2.0)
