"""Table rows with complex inputs: values, JVPs and VJPs against JAX, to second order.

Complex arguments have real and imaginary parts uniform on the given range; ``C(low=0.5)``
keeps values in the first quadrant, away from the branch cuts of log and sqrt. check_grads
perturbs complex inputs along real and imaginary directions, and VJPs are checked as
transposes under JAX's pairing ``Re(sum(a * b))`` (no conjugation).
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, C, Case, Const

S = (3, 4)
_rng = np.random.default_rng(11)


def _hermitian_pd(n: int, batch=()):
    """Hermitian positive definite ``B B^H + n I`` with distinct eigenvalues."""
    shape = (*batch, n, n)
    b = _rng.uniform(-1, 1, shape) + 1j * _rng.uniform(-1, 1, shape)
    return b @ np.conj(np.swapaxes(b, -1, -2)) + n * np.eye(n) + np.diag(np.arange(n) * 0.7)


H3, H3B = _hermitian_pd(3), _hermitian_pd(3, (2,))
M43 = _rng.uniform(-1, 1, (4, 3)) + 1j * _rng.uniform(-1, 1, (4, 3))
G3 = _rng.uniform(-1, 1, (3, 3)) + 1j * _rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)


def _same(name):
    return lambda jnp, lax: getattr(jnp, name)


# Rows whose functions are holomorphic in their complex arguments: the Jacobian table also
# checks jacfwd(holomorphic=True) == jacrev(holomorphic=True) on them.
HOLO = ("holomorphic",)
_HOLOMORPHIC_UNARY = {"exp", "log", "sin", "cos", "tanh", "sqrt", "square", "negative",
                      "reciprocal", "expm1", "log1p", "tan", "sinh", "cosh", "arcsin",
                      "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "exp2", "log2",
                      "log10"}


def _eigh_invariants(linalg):
    """Eigenvalues and |V|^2: free of each eigenvector's arbitrary phase."""

    def fun(a):
        w, v = linalg.eigh(a)
        return w, (v * v.conj()).real

    return fun


def _svd_invariants(linalg):
    """Singular values and |U|^2, |Vh|^2 (free of the singular vectors' phases)."""

    def fun(a):
        u, s, vh = linalg.svd(a, full_matrices=False)
        return s, (u * u.conj()).real, (vh * vh.conj()).real

    return fun


def _tracer_methods(x):
    return x.real * x.imag + x.conj() * x.conjugate().imag + abs(x).sum()


CASES = [
    # lax complex parts
    Case("lax.real", flax.real, [C(*S)], jax=lambda jnp, lax: lax.real),
    Case("lax.imag", flax.imag, [C(*S)], jax=lambda jnp, lax: lax.imag),
    Case("lax.conj", flax.conj, [C(*S)], jax=lambda jnp, lax: lax.conj),
    Case("lax.complex", flax.complex, [A(*S), A(*S)], jax=lambda jnp, lax: lax.complex),
    Case("lax.complex_rank0", flax.complex, [A(*S), A()], jax=lambda jnp, lax: lax.complex),
    Case("lax.abs_complex", flax.abs, [C(*S)], jax=lambda jnp, lax: lax.abs),
    Case("lax.mul_complex", flax.mul, [C(*S), C(*S)], jax=lambda jnp, lax: lax.mul),
    Case("lax.convert_c128_to_f64", lambda x: flax.convert_element_type(x, np.float64),
         [C(*S)], jax=lambda jnp, lax: lambda x: lax.real(x)),
    Case("lax.convert_f64_to_c128", lambda x: flax.convert_element_type(x, np.complex128),
         [A(*S)], jax=lambda jnp, lax: lambda x: lax.convert_element_type(x, np.complex128)),
    # fnp unary functions of complex arrays
    *[Case(f"fnp.{n}_complex", getattr(fnp, n), [arg], jax=_same(n),
           tags=HOLO if n in _HOLOMORPHIC_UNARY else ())
      for n, arg in [
          ("exp", C(*S, low=-1, high=1)), ("log", C(*S, low=0.5)), ("sin", C(*S, low=-1, high=1)),
          ("cos", C(*S, low=-1, high=1)), ("tanh", C(*S, low=-0.5, high=0.5)),
          ("sqrt", C(*S, low=0.5)), ("abs", C(*S)), ("absolute", C(*S)), ("real", C(*S)),
          ("imag", C(*S)), ("conj", C(*S)), ("conjugate", C(*S)), ("angle", C(*S, low=0.5)),
          ("square", C(*S)), ("negative", C(*S)), ("reciprocal", C(*S, low=0.5)),
          ("expm1", C(*S, low=-1, high=1)), ("log1p", C(*S, low=0.5)),
          ("tan", C(*S, low=-0.5, high=0.5)), ("sinh", C(*S, low=-1, high=1)),
          ("cosh", C(*S, low=-1, high=1)), ("arcsin", C(*S, low=0.2, high=0.7)),
          ("arccos", C(*S, low=0.2, high=0.7)), ("arctan", C(*S, low=0.2, high=0.7)),
          ("arcsinh", C(*S, low=0.2, high=0.7)), ("arccosh", C(*S, low=0.5, high=1.5)),
          ("arctanh", C(*S, low=0.2, high=0.7)), ("exp2", C(*S, low=-1, high=1)),
          ("log2", C(*S, low=0.5)), ("log10", C(*S, low=0.5)),
      ]],
    *[Case(f"fnp.{n}_of_real", getattr(fnp, n), [A(*S)], jax=_same(n))
      for n in ["real", "imag", "conj", "angle"]],
    Case("fnp.angle_deg", lambda z: fnp.angle(z, deg=True), [C(*S, low=0.5)],
         jax=lambda jnp, lax: lambda z: jnp.angle(z, deg=True)),
    Case("fnp.sign_complex", fnp.sign, [C(*S)], jax=_same("sign"), diff=False),
    # fnp binary arithmetic: complex with complex, with float64 and float32 (promotion)
    *[Case(f"fnp.{n}_complex{suffix}", getattr(fnp, n), args, jax=_same(n), tags=HOLO)
      for n in ["add", "subtract", "multiply", "divide"]
      for suffix, args in [("", [C(*S), C(*S, low=0.5)]),
                           ("_real", [A(*S), C(*S, low=0.5)]),
                           ("_c64_f64", [C(*S, low=0.5, dtype="complex64"), A(*S)])]
      if not (suffix == "_c64_f64" and n == "divide")],
    # arctan2 of complex operands: jax.numpy's (XLA's) -i log((x2 + i x1) / sqrt(x1^2 + x2^2))
    # (it raised NumPy's TypeError: NumPy has no complex arctan2)
    Case("fnp.arctan2_complex", fnp.arctan2, [C(*S, low=0.2), C(*S, low=0.2)],
         jax=_same("arctan2"), tags=HOLO),
    Case("fnp.arctan2_complex_real", fnp.arctan2, [A(*S), C(*S, low=0.5)],
         jax=_same("arctan2")),
    Case("fnp.divide_by_real", fnp.divide, [C(*S), A(*S, low=0.5)], jax=_same("divide")),
    Case("fnp.power_complex", fnp.power, [C(*S, low=0.5), C(*S, low=-1, high=1)],
         jax=_same("power"), tags=HOLO),
    Case("fnp.power_int_complex", lambda z: fnp.power(z, 3), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.power(z, 3), tags=HOLO),
    Case("fnp.scalar_complex", lambda z: (1 - 2j) * z + 0.5j, [A(*S)],
         jax=lambda jnp, lax: lambda z: (1 - 2j) * z + 0.5j),
    Case("tracer_methods_complex", _tracer_methods, [C(*S)],
         jax=lambda jnp, lax: _tracer_methods),
    # contractions and reductions
    Case("fnp.matmul_complex", fnp.matmul, [C(3, 4), C(4, 2)], jax=_same("matmul"), tags=HOLO),
    Case("fnp.matmul_complex_real", fnp.matmul, [C(3, 4), A(4, 2)], jax=_same("matmul")),
    Case("fnp.dot_complex", fnp.dot, [C(4), C(4)], jax=_same("dot"), tags=HOLO),
    Case("fnp.vdot_complex", fnp.vdot, [C(2, 3), C(2, 3)], jax=_same("vdot")),
    Case("fnp.einsum_complex", lambda a, b: fnp.einsum("ij,kj->ik", a, b), [C(3, 4), C(2, 4)],
         jax=lambda jnp, lax: lambda a, b: jnp.einsum("ij,kj->ik", a, b), tags=HOLO),
    Case("fnp.sum_complex", lambda z: fnp.sum(z, axis=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.sum(z, axis=1), tags=HOLO),
    Case("fnp.mean_complex", fnp.mean, [C(*S)], jax=_same("mean"), tags=HOLO),
    Case("fnp.prod_complex", lambda z: fnp.prod(z, axis=0), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.prod(z, axis=0), tags=HOLO),
    # complex max/min order lexicographically (real part, then imaginary), as NumPy and JAX
    Case("fnp.max_complex", lambda z: fnp.max(z, axis=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.max(z, axis=1)),
    Case("fnp.min_complex", fnp.min, [C(*S)], jax=_same("min")),
    Case("lax.reduce_max_complex", lambda z: flax.reduce_max(z, (0,)), [C(*S)],
         jax=lambda jnp, lax: lambda z: lax.reduce_max(z, (0,))),
    Case("fnp.cumsum_complex", lambda z: fnp.cumsum(z, axis=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.cumsum(z, axis=1), tags=HOLO),
    Case("fnp.cumprod_complex", lambda z: fnp.cumprod(z, axis=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.cumprod(z, axis=1), tags=HOLO),
    Case("fnp.var_complex", lambda z: fnp.var(z, axis=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.var(z, axis=1)),
    Case("fnp.std_complex", lambda z: fnp.std(z, ddof=1), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.std(z, ddof=1)),
    Case("fnp.trace_complex", fnp.trace, [C(3, 3)], jax=_same("trace"), tags=HOLO),
    Case("fnp.abs2_sum", lambda z: fnp.sum(fnp.real(z * fnp.conj(z))), [C(*S)],
         jax=lambda jnp, lax: lambda z: jnp.sum(jnp.real(z * jnp.conj(z)))),
    # norms of complex vectors and matrices
    *[Case(f"fnp.linalg.norm_complex_vec_{o}", lambda x, o=o: fnp.linalg.norm(x, o), [C(5)],
           jax=lambda jnp, lax, o=o: lambda x: jnp.linalg.norm(x, o))
      for o in [None, 1, 2, 3, np.inf, -np.inf]],
    Case("fnp.linalg.norm_complex_vec_0", lambda x: fnp.linalg.norm(x, 0), [C(5)],
         jax=lambda jnp, lax: lambda x: jnp.linalg.norm(x, 0), diff=False),
    *[Case(f"fnp.linalg.norm_complex_mat_{o}", lambda x, o=o: fnp.linalg.norm(x, o),
           [C(4, 3)], jax=lambda jnp, lax, o=o: lambda x: jnp.linalg.norm(x, o))
      for o in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]],
    Case("fnp.linalg.norm_complex_axis", lambda x: fnp.linalg.norm(x, axis=1, keepdims=True),
         [C(3, 4, 2)], jax=lambda jnp, lax: lambda x: jnp.linalg.norm(x, axis=1, keepdims=True)),
    Case("fnp.linalg.norm_complex_flat", fnp.linalg.norm, [C(2, 3, 2)],
         jax=lambda jnp, lax: jnp.linalg.norm),
    # solves, inverses and determinants of complex matrices
    Case("fnp.linalg.solve_complex", fnp.linalg.solve, [Const(G3), C(3, 2)],
         jax=lambda jnp, lax: jnp.linalg.solve),
    Case("fnp.linalg.inv_complex", fnp.linalg.inv, [Const(G3)],
         jax=lambda jnp, lax: jnp.linalg.inv),
    Case("fnp.linalg.det_complex", fnp.linalg.det, [Const(G3)],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.slogdet_complex", lambda a: tuple(fnp.linalg.slogdet(a)), [Const(G3)],
         jax=lambda jnp, lax: lambda a: tuple(jnp.linalg.slogdet(a))),
    Case("lax.triangular_solve_complex",
         lambda a, b: flax.linalg.triangular_solve(a, b, left_side=True, lower=True),
         [Const(np.tril(G3)), C(3, 2)],
         jax=lambda jnp, lax: lambda a, b: lax.linalg.triangular_solve(a, b, left_side=True,
                                                                        lower=True)),
    Case("fnp.linalg.qr_complex", lambda a: tuple(fnp.linalg.qr(a)), [Const(M43)],
         jax=lambda jnp, lax: lambda a: tuple(jnp.linalg.qr(a))),
    # Hermitian decompositions (symmetrised with the conjugate transpose, as JAX)
    Case("fnp.linalg.cholesky_hermitian", fnp.linalg.cholesky, [Const(H3)],
         jax=lambda jnp, lax: jnp.linalg.cholesky),
    Case("fnp.linalg.cholesky_hermitian_batch", fnp.linalg.cholesky, [Const(H3B)],
         jax=lambda jnp, lax: jnp.linalg.cholesky),
    Case("fnp.linalg.eigh_hermitian", _eigh_invariants(fnp.linalg), [Const(H3B)],
         jax=lambda jnp, lax: _eigh_invariants(jnp.linalg)),
    Case("fnp.linalg.eigvalsh_hermitian", fnp.linalg.eigvalsh, [Const(H3)],
         jax=lambda jnp, lax: jnp.linalg.eigvalsh),
    Case("fnp.linalg.svd_complex", _svd_invariants(fnp.linalg), [Const(M43)],
         jax=lambda jnp, lax: _svd_invariants(jnp.linalg)),
    Case("fnp.linalg.svd_complex_wide", _svd_invariants(fnp.linalg), [Const(M43.T)],
         jax=lambda jnp, lax: _svd_invariants(jnp.linalg)),
    # The factors themselves, phases included: numpy and jaxlib both call LAPACK on CPU, so
    # values agree, and the JVPs fix each phase as JAX does (U takes the free part). Finite
    # differences follow LAPACK's own phase choice instead, so these rows are JAX-only.
    Case("fnp.linalg.eigh_hermitian_factors", lambda a: tuple(fnp.linalg.eigh(a)), [Const(H3B)],
         jax=lambda jnp, lax: lambda a: tuple(jnp.linalg.eigh(a)), order=0),
    Case("fnp.linalg.svd_complex_factors", lambda a: tuple(fnp.linalg.svd(a, False)),
         [Const(M43)], jax=lambda jnp, lax: lambda a: tuple(jnp.linalg.svd(a, False)), order=0),
]
