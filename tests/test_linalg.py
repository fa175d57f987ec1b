"""dot_general's BLAS layout, fnp contractions and fnp.linalg beyond the primitive table:
NumPy agreement over many shapes, errors, named results and edge cases."""

import tracemalloc

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError

rng = np.random.default_rng(0)


def R(*shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------------------------------
# dot_general: BLAS without copies


@pytest.mark.parametrize("layout", ["x@w", "x@w.T", "x.T@w", "3d@w"])
def test_dot_general_makes_no_copies(layout):
    x = np.ones((128, 784), np.float32)
    w = np.ones((784, 512), np.float32)
    args = {
        "x@w": (x, w, (((1,), (0,)), ((), ()))),
        "x@w.T": (x, np.ascontiguousarray(w.T), (((1,), (1,)), ((), ()))),
        "x.T@w": (np.ascontiguousarray(x.T), w, (((0,), (0,)), ((), ()))),
        "3d@w": (x.reshape(4, 32, 784), w, (((2,), (0,)), ((), ()))),
    }[layout]
    lax.dot_general(*args)  # warm up
    tracemalloc.start()
    out = lax.dot_general(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out.size == 128 * 512
    assert peak <= out.nbytes * 1.05 + 4096, f"{layout}: allocated {peak} bytes"


def test_matmul_traces_to_one_dot_general():
    ir = fg.make_ir(lambda x, w: x @ w)(R(2, 3), R(3, 4))
    assert [e.prim.name for e in ir.eqns] == ["dot_general"]


def test_dot_general_rejects_mismatched_dims():
    with pytest.raises(ShapeError, match=r"dot_general.*\(3, 4\).*\(5, 6\)"):
        lax.dot_general(R(3, 4), R(5, 6), (((1,), (0,)), ((), ())))
    with pytest.raises(ShapeError, match="distinct dimensions"):
        lax.dot_general(R(3, 4), R(4, 6), (((1,), (0,)), ((1,), (1,))))


def test_dot_general_preferred_element_type():
    x = np.ones((2, 3), np.int8) * 100
    out = lax.dot_general(x, x.T, (((1,), (0,)), ((), ())), preferred_element_type=np.int32)
    assert out.dtype == np.int32 and out[0, 0] == 30000


# ---------------------------------------------------------------------------------------
# fnp products agree with NumPy


SHAPE_PAIRS = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)),
               ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
               ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 5)), ((6, 2, 3, 4), (1, 4, 5))]


@pytest.mark.parametrize("sa, sb", SHAPE_PAIRS)
def test_matmul_and_dot_match_numpy(sa, sb):
    a, b = R(*sa), R(*sb)
    np.testing.assert_allclose(fnp.matmul(a, b), np.matmul(a, b), atol=1e-12)
    if len(sb) < 3 or len(sa) >= 2:
        np.testing.assert_allclose(fnp.dot(a, b), np.dot(a, b), atol=1e-12)


@pytest.mark.parametrize("fn", ["dot", "matmul", "inner", "outer", "vdot"])
def test_products_promote_dtypes_like_numpy(fn):
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.ones((3, 2) if fn in ("dot", "matmul", "vdot") else (4, 3), np.float32)
    out = getattr(fnp, fn)(a, b)
    ref = getattr(np, fn)(a, b)
    assert np.asarray(out).dtype == np.asarray(ref).dtype
    np.testing.assert_allclose(out, ref)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("aB,BC", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("iii->i", [(2, 2, 2)]), ("iij->j", [(3, 3, 2)]),
    ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]), ("i,i", [(4,), (4,)]), ("i,j", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("...ij->...ji", [(2, 5, 3, 4)]),
    ("i...->...", [(3, 2, 2)]), ("ii...->i...", [(3, 3, 2)]), ("...i,...i", [(2, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("ab,cd,bc->ad", [(2, 3), (4, 5), (3, 4)]),
    ("ij,ij->ij", [(3, 1), (3, 4)]), ("ij,jk", [(3, 1), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ijk,kji", [(2, 3, 4), (4, 3, 2)]), (" ij , jk -> ki ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUMS, ids=[s for s, _ in EINSUMS])
def test_einsum_matches_numpy(subscripts, shapes):
    args = [R(*s) for s in shapes]
    out = fnp.einsum(subscripts, *args)
    ref = np.einsum(subscripts, *args)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_allclose(out, ref, atol=1e-12)


SUBLISTS = [
    ([(2, 3), (3, 4)], [[0, 1], [1, 2], [0, 2]]), ([(2, 3), (3, 4)], [[0, 1], [1, 2]]),
    ([(3, 4)], [[0, 1], [1, 0]]), ([(3, 3)], [[4, 4]]), ([(5, 2, 3), (3, 4)],
    [[Ellipsis, 0, 1], [1, 2], [Ellipsis, 0, 2]]), ([(5, 2, 3)], [[9, Ellipsis, 7], [Ellipsis, 9]]),
    ([(2, 3), (3, 4), (4, 5)], [[30, 2], [2, 40], [40, 1]]),
]


@pytest.mark.parametrize("shapes, subs", SUBLISTS)
def test_einsum_interleaved_sublists_match_numpy(shapes, subs):
    args = [R(*s) for s in shapes]
    interleaved = [v for pair in zip(args, subs) for v in pair] + subs[len(args):]
    np.testing.assert_allclose(fnp.einsum(*interleaved), np.einsum(*interleaved), atol=1e-12)
    assert fnp.einsum_path(*interleaved)[0] == np.einsum_path(*interleaved)[0][1:]
    text = _as_string(subs, len(args))
    g = fg.grad(lambda a: fnp.sum(fnp.einsum(a, *interleaved[1:])))(args[0])
    want = fg.grad(lambda a: fnp.sum(fnp.einsum(text, a, *args[1:])))(args[0])
    np.testing.assert_allclose(g, want, atol=1e-12)
    np.testing.assert_allclose(fnp.einsum(text, *args), np.einsum(*interleaved), atol=1e-12)


def _as_string(subs, n):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    labels = sorted({i for sub in subs for i in sub if i is not Ellipsis})
    term = lambda sub: "".join("..." if i is Ellipsis else letters[labels.index(i)]
                               for i in sub)
    text = ",".join(term(sub) for sub in subs[:n])
    return text + ("->" + term(subs[n]) if len(subs) > n else "")


def test_einsum_interleaved_errors():
    with pytest.raises(TypeError, match="interleaved form.*argument 3 is str"):
        fnp.einsum(R(2, 3), [0, 1], R(3, 4), "jk")


def test_einsum_gradient_of_chain():
    a, b, c = R(2, 3), R(3, 4), R(4, 2)
    g = fg.grad(lambda b: fnp.einsum("ij,jk,kl->", a, b, c))(b)
    np.testing.assert_allclose(g, np.einsum("ij,kl->jk", a, c), atol=1e-12)


@pytest.mark.parametrize("call, pattern", [
    (lambda: fnp.matmul(R(2, 3), R(2, 3)), r"fnp.matmul: shapes \(2, 3\) and \(2, 3\)"),
    (lambda: fnp.matmul(R(2, 2, 3), R(3, 3, 4)), r"batch shapes \(2,\) and \(3,\)"),
    (lambda: fnp.matmul(R(3), 2.0), "at least one dimension"),
    (lambda: fnp.dot(R(2, 3), R(2, 3)), r"fnp.dot: shapes \(2, 3\) and \(2, 3\)"),
    (lambda: fnp.inner(R(2, 3), R(2, 4)), r"fnp.inner: shapes \(2, 3\) and \(2, 4\)"),
    (lambda: fnp.tensordot(R(2, 3), R(2, 3), 3), "axes=3"),
    (lambda: fnp.vdot(R(2, 3), R(5)), "same number of elements"),
    (lambda: fnp.einsum("ij,jk", R(2, 3), R(2, 3)), r"label 'j'.*\(2, 3\)"),
    (lambda: fnp.einsum("ijk", R(2, 3)), "names 3 axes"),
    (lambda: fnp.einsum("ij,jk", R(2, 3)), "name 2 operands but 1"),
    (lambda: fnp.einsum("ij->k", R(2, 3)), "output label 'k'"),
    (lambda: fnp.linalg.inv(R(2, 3)), r"fnp.linalg.inv: .*\(2, 3\)"),
    (lambda: fnp.linalg.solve(R(3, 3), R(4)), r"a of shape \(3, 3\) and b of shape \(4,\)"),
    (lambda: fnp.linalg.norm(R(2, 3, 4), 2), "pass axis"),
    (lambda: fnp.linalg.norm(R(5), "fro"), "matrix norm"),
])
def test_errors_name_function_and_shapes(call, pattern):
    with pytest.raises((ShapeError, ValueError), match=pattern):
        call()


# ---------------------------------------------------------------------------------------
# fnp.linalg


NORMS = [(None, None), (2, None), (1, None), (np.inf, None), (-np.inf, None), (0, None),
         (3, None), (None, 0), (1, -1), (None, (0, 1)), ("fro", (1, 2)), ("nuc", (2, 0)),
         (2, (0, 2)), (-2, (0, 2)), (1, (1, 0)), (-1, (0, 1)), (np.inf, (2, 1)),
         (-np.inf, (0, 1))]


@pytest.mark.parametrize("ord_, axis", NORMS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(ord_, axis, keepdims):
    x = R(3, 4, 2)
    if axis is None and ord_ is not None:
        x = x[:, 0, 0]
    out = fnp.linalg.norm(x, ord_, axis, keepdims)
    ref = np.linalg.norm(x, ord_, axis, keepdims)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_decompositions_return_named_tuples():
    a = R(4, 3)
    spd = a.T @ a + np.eye(3)
    assert set(fnp.linalg.slogdet(spd)._fields) == {"sign", "logabsdet"}
    w, v = fnp.linalg.eigh(spd)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, spd, atol=1e-12)
    u, s, vh = fnp.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(u @ np.diag(s) @ vh, a, atol=1e-12)
    assert fnp.linalg.svd(a).U.shape == (4, 4)
    q, r = fnp.linalg.qr(a)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    assert fnp.linalg.qr(a, mode="complete").Q.shape == (4, 4)


def test_eigh_reads_the_requested_triangle():
    a = np.triu(R(3, 3)) + 5 * np.eye(3)
    w = fnp.linalg.eigh(a, UPLO="U", symmetrize_input=False).eigenvalues
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a, UPLO="U"), atol=1e-12)


def test_integer_input_becomes_float64():
    a = np.array([[2, 1], [1, 3]])
    assert fnp.linalg.inv(a).dtype == np.float64
    np.testing.assert_allclose(fnp.linalg.det(a), 5.0)


def test_failures_give_nans_not_exceptions():
    # as JAX: NaNs in the lower triangle, zeros above; a batch's other matrices keep theirs
    failed = fnp.linalg.cholesky(-np.eye(3))
    assert np.isnan(failed[np.tril_indices(3)]).all() and (failed[np.triu_indices(3, 1)] == 0).all()
    batch = fnp.linalg.cholesky(np.stack([-np.eye(2), 4 * np.eye(2)]))
    assert np.isnan(batch[0, 1, 0]) and np.array_equal(batch[1], 2 * np.eye(2))
    assert not np.isfinite(fnp.linalg.solve(np.zeros((2, 2)), np.ones(2))).all()


def test_hessian_of_logdet():
    # d^2/dA^2 log det A [E, E] = -trace(A^-1 E A^-1 E)
    a, e = R(3, 3) + 3 * np.eye(3), R(3, 3)
    logdet = lambda a: fnp.linalg.slogdet(a).logabsdet
    second = fg.jvp(lambda a: fg.jvp(logdet, (a,), (e,))[1], (a,), (e,))[1]
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(second, -np.trace(inv @ e @ inv @ e), rtol=1e-10)


def test_svd_full_matrices_derivative_needs_square():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fg.jvp(lambda a: fnp.linalg.svd(a).U, (R(4, 3),), (R(4, 3),))
