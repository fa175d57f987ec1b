"""Table rows: lax.dot_general and the fungrad.numpy products (dot, matmul, einsum...)."""

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Int


def _dg(dims):
    """A dot_general row's fungrad function and JAX reference for dimension numbers ``dims``."""
    return (lambda x, y: flax.dot_general(x, y, dims),
            lambda jnp, lax: lambda x, y: lax.dot_general(x, y, dims))


def _dg_case(name, lhs, rhs, dims):
    fun, ref = _dg(dims)
    return Case(f"lax.dot_general_{name}", fun, [lhs, rhs], jax=ref)


def _fnp_case(fn_name, suffix, args, **kw):
    return Case(f"fnp.{fn_name}_{suffix}", getattr(fnp, fn_name), args,
                jax=lambda jnp, lax: getattr(jnp, fn_name), **kw)


def _einsum_case(suffix, subscripts, args):
    return Case(f"fnp.einsum_{suffix}", lambda *xs: fnp.einsum(subscripts, *xs), args,
                jax=lambda jnp, lax: lambda *xs: jnp.einsum(subscripts, *xs))


NONE = ((), ())

CASES = [
    # lax.dot_general: every operand layout the impl distinguishes, batch dims, no contraction
    _dg_case("mm", A(3, 4), A(4, 5), (((1,), (0,)), NONE)),
    _dg_case("mm_rhsT", A(3, 4), A(5, 4), (((1,), (1,)), NONE)),
    _dg_case("mm_lhsT", A(4, 3), A(4, 5), (((0,), (0,)), NONE)),
    _dg_case("batch", A(2, 3, 4), A(2, 4, 5), (((2,), (1,)), ((0,), (0,)))),
    _dg_case("batch_mid", A(3, 2, 4), A(4, 5, 2), (((2,), (0,)), ((1,), (2,)))),
    _dg_case("two_contract", A(3, 4, 2), A(2, 4, 5), (((1, 2), (1, 0)), NONE)),
    _dg_case("two_batch", A(2, 3, 4, 5), A(5, 2, 1, 4), (((3, 2), (0, 3)), ((0,), (1,)))),
    _dg_case("outer", A(3), A(4), (NONE, NONE)),
    _dg_case("size1", A(1, 4), A(4, 1), (((1,), (0,)), NONE)),
    _dg_case("elementwise", A(3, 2), A(3, 2), (NONE, ((0, 1), (0, 1)))),
    Case("lax.dot", flax.dot, [A(3, 4), A(4)], jax=lambda jnp, lax: lax.dot),
    # fnp.dot: 0-D, 1-D, 2-D, N-D (a's last axis with b's second-to-last)
    *[_fnp_case("dot", suffix, args) for suffix, args in [
        ("scalar", [A(), A(2, 3)]), ("vv", [A(4), A(4)]), ("mv", [A(3, 4), A(4)]),
        ("mm", [A(3, 4), A(4, 2)]), ("3d3d", [A(2, 3, 4), A(2, 4, 3)]),
        ("3d1d", [A(2, 3, 4), A(4)])]],
    # fnp.matmul: 1-D promotion and broadcasting batch dims
    *[_fnp_case("matmul", suffix, args) for suffix, args in [
        ("mv", [A(3, 4), A(4)]), ("vm", [A(4), A(4, 2)]), ("mm", [A(3, 4), A(4, 2)]),
        ("3d2d", [A(2, 3, 4), A(4, 5)]), ("2d3d", [A(3, 4), A(2, 4, 5)]),
        ("1d3d", [A(4), A(2, 4, 5)]), ("3d1d", [A(2, 3, 4), A(4)]),
        ("batch", [A(2, 3, 4), A(2, 4, 5)]),
        ("bcast", [A(2, 1, 3, 4), A(5, 4, 2)]), ("size1", [A(1, 3, 1), A(2, 1, 4)])]],
    Case("fnp.matmul_operator", lambda a, b: fnp.asarray(a) @ b, [A(2, 3, 4), A(4, 5)],
         jax=lambda jnp, lax: lambda a, b: a @ b),
    Case("fnp.matmul_f32_f64", fnp.matmul, [A(3, 4, dtype="float32"), A(4, 2)],
         jax=lambda jnp, lax: jnp.matmul, order=1),
    Case("fnp.matmul_f32", fnp.matmul, [A(3, 4, dtype="float32"), A(4, 2, dtype="float32")],
         jax=lambda jnp, lax: jnp.matmul, order=1, atol=1e-3, rtol=1e-3),
    Case("fnp.matmul_int", fnp.matmul, [Int(3, 4, low=-3, high=3), Int(4, 2, low=-3, high=3)],
         jax=lambda jnp, lax: jnp.matmul, diff=False),
    Case("fnp.matmul_int_float", fnp.matmul, [Int(3, 4, low=-3, high=3), A(4, 2)],
         jax=lambda jnp, lax: jnp.matmul),
    # vdot, inner, outer, tensordot
    _fnp_case("vdot", "2d", [A(2, 3), A(3, 2)]),
    _fnp_case("inner", "1d", [A(4), A(4)]),
    _fnp_case("inner", "2d3d", [A(3, 4), A(2, 5, 4)]),
    _fnp_case("inner", "scalar", [A(2, 3), A()]),
    _fnp_case("outer", "1d", [A(3), A(4)]),
    _fnp_case("outer", "2d", [A(2, 3), A(1, 2)]),
    _fnp_case("tensordot", "default", [A(2, 3, 4), A(3, 4, 5)]),
    Case("fnp.tensordot_int1", lambda a, b: fnp.tensordot(a, b, 1), [A(2, 3), A(3, 4)],
         jax=lambda jnp, lax: lambda a, b: jnp.tensordot(a, b, 1)),
    Case("fnp.tensordot_pairs", lambda a, b: fnp.tensordot(a, b, ((0, 2), (2, 0))),
         [A(2, 3, 4), A(4, 5, 2)],
         jax=lambda jnp, lax: lambda a, b: jnp.tensordot(a, b, ((0, 2), (2, 0)))),
    Case("fnp.tensordot_0", lambda a, b: fnp.tensordot(a, b, 0), [A(2), A(3)],
         jax=lambda jnp, lax: lambda a, b: jnp.tensordot(a, b, 0)),
    # einsum
    *[_einsum_case(suffix, subscripts, args) for suffix, subscripts, args in [
        ("matmul", "ij,jk->ik", [A(2, 3), A(3, 4)]),
        ("implicit", "ij,jk", [A(2, 3), A(3, 4)]),
        ("trace", "ii", [A(3, 3)]),
        ("diag", "ii->i", [A(3, 3)]),
        ("batch", "bij,bjk->bik", [A(2, 3, 4), A(2, 4, 3)]),
        ("outer", "i,j->ij", [A(3), A(4)]),
        ("transpose", "ij->ji", [A(3, 4)]),
        ("sum", "ij->", [A(3, 4)]),
        ("ellipsis", "...ij,...jk->...ik", [A(2, 3, 4), A(4, 2)]),
        ("chain", "ij,jk,kl->il", [A(2, 3), A(3, 4), A(4, 2)]),
        ("attention", "bhqd,bhkd->bhqk", [A(2, 2, 3, 4), A(2, 2, 5, 4)]),
        ("bcast1", "ij,ij->ij", [A(3, 1), A(3, 4)]),
        ("diag_mixed", "iij,jk->ik", [A(3, 3, 2), A(2, 4)]),
        ("full_contract", "ijk,kji", [A(2, 3, 4), A(4, 3, 2)]),
    ]],
]

# '...' axes of the inputs that the output does not name are summed over, as in jax.numpy
# (NumPy refuses; fnp.einsum raised ValueError).
CASES += [_einsum_case(suffix, subscripts, args) for suffix, subscripts, args in [
    ("ellipsis_summed", "ij...->j", [A(2, 3, 4)]),
    ("ellipsis_summed_two", "...i,...i->", [A(2, 3), A(3)]),
]]
