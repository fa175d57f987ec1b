"""The everyday fungrad.numpy API (issue 13) beyond the table rows: dtype names, ndarray,
dtype queries, unique/argwhere eagerly and with size= under jit/vmap, argument errors, and
signatures against jax.numpy."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.test_util import check_grads

X = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])

# ---------------------------------------------------------------------------------------
# Dtype names, ndarray, dtype queries

DTYPE_NAMES = ["float32", "int32", "float64", "int64", "float16", "bfloat16", "bool_",
               "uint8", "int8", "int16", "uint32", "complex64", "complex128"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names_are_specifiers_and_constructors(name):
    t = getattr(fnp, name)
    want = np.dtype(t)
    assert want.name == name.rstrip("_") or name == "bool_" and want == np.bool_
    assert fnp.zeros(3, t).dtype == want
    assert fnp.ones(2, dtype=t).dtype == want
    assert np.ones(2).astype(t).dtype == want
    assert fnp.asarray([1, 0], dtype=t).dtype == want
    made = t(1)  # as jnp.float32(1): an array, not a NumPy scalar
    assert isinstance(made, fnp.Array) and made.shape == () and made.dtype == want
    assert t(np.arange(3)).dtype == want
    assert t == want.type and hash(t) == hash(want.type)


def test_dtype_constructor_and_astype_under_transforms():
    f = fg.jit(lambda x: fnp.float32(x) * 2 + x.astype(fnp.float32))
    out = f(np.arange(3.0))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, 3.0, 6.0])
    g = fg.grad(lambda x: fnp.float64(fnp.astype(x, fnp.float32)).sum())(np.arange(3.0))
    np.testing.assert_array_equal(g, np.ones(3))
    assert fg.vmap(lambda x: fnp.int32(x))(np.arange(3.0)).dtype == np.int32


def test_ndarray_covers_eager_values_and_tracers():
    seen = []

    def f(x):
        seen.append(isinstance(x, fnp.ndarray))
        return x

    fg.jit(f)(np.ones(2))
    fg.vmap(f)(np.ones(2))
    fg.grad(lambda x: f(x).sum())(np.ones(2))
    assert seen == [True, True, True]
    for value in (fnp.zeros(2), np.zeros(2), fnp.sum(np.zeros(2)), fnp.sin(np.zeros(2))):
        assert isinstance(value, fnp.ndarray)
    assert not isinstance(1.0, fnp.ndarray) and not isinstance([1.0], fnp.ndarray)
    assert issubclass(fnp.Array, fnp.ndarray)
    assert not isinstance(np.zeros(2), fnp.Array)  # fnp.Array still means "has .at"
    with pytest.raises(TypeError, match="fnp.ndarray .* cannot be instantiated"):
        fnp.ndarray((2,))


def test_dtype_queries():
    assert fnp.dtype("float32") == np.float32 and fnp.dtype is np.dtype
    assert fnp.finfo(fnp.float32).eps == np.finfo(np.float32).eps
    assert fnp.finfo(fnp.bfloat16).eps == 2.0 ** -7
    assert fnp.finfo(np.zeros(2, np.float16)).max == np.finfo(np.float16).max
    assert fnp.iinfo(fnp.int8).min == -128 and fnp.iinfo("uint32").max == 2 ** 32 - 1
    with pytest.raises(ValueError, match="fnp.finfo: int32 is not an inexact dtype"):
        fnp.finfo(fnp.int32)
    with pytest.raises(ValueError, match="fnp.iinfo: float64 is not an integer dtype"):
        fnp.iinfo(np.float64)
    assert fnp.issubdtype(fnp.float32, fnp.floating)
    assert fnp.issubdtype(fnp.bfloat16, fnp.inexact)  # as jnp; np.issubdtype says False
    assert not fnp.issubdtype(fnp.int32, fnp.floating)
    assert fnp.issubdtype(np.dtype("uint8"), fnp.unsignedinteger)
    assert fnp.result_type(fnp.float32, 2.0) == np.float32  # Python scalars are weak
    assert fnp.result_type(np.zeros(2, np.int8), np.int16) == np.int16
    assert fnp.result_type(1, 2.0) == np.float64
    assert fnp.result_type(fnp.int32, fnp.float32) == np.float64  # NumPy's table (see doc)
    assert fnp.promote_types(fnp.uint8, fnp.int8) == np.int16
    assert fnp.can_cast(fnp.int8, fnp.float32) and not fnp.can_cast(fnp.float64, fnp.int64)
    with pytest.raises(ValueError, match="fnp.result_type: at least one"):
        fnp.result_type()
    assert (fnp.pi, fnp.e, fnp.newaxis) == (np.pi, np.e, None)
    assert np.isinf(fnp.inf) and np.isnan(fnp.nan)
    assert np.zeros(3)[fnp.newaxis].shape == (1, 3)


def test_tier2_dtype_names():
    for name, want in [("bool", np.bool_), ("float_", np.float64), ("int_", np.int64),
                       ("uint", np.uint64), ("uint16", np.uint16), ("uint64", np.uint64),
                       ("complex_", np.complex128), ("double", np.float64),
                       ("single", np.float32)]:
        assert np.dtype(getattr(fnp, name)) == want, name
    for kind in ["floating", "integer", "inexact", "number", "signedinteger",
                 "unsignedinteger", "complexfloating", "generic"]:
        assert getattr(fnp, kind) is getattr(np, kind)


def test_copy_and_astype():
    a = fnp.array([1.0, 2.0])
    b = fnp.copy(a)
    assert isinstance(b, fnp.Array) and b is not a and not np.shares_memory(a, b)
    assert fnp.astype(a, "int32").dtype == np.int32
    with pytest.raises(TypeError, match="fnp.astype: dtype is required"):
        fnp.astype(a, None)


# ---------------------------------------------------------------------------------------
# unique and argwhere


def test_unique_eager_matches_numpy():
    a = np.array([[3, 1, 1], [2, 3, 0]])
    got = fnp.unique(a, return_index=True, return_inverse=True, return_counts=True)
    want = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[2].shape == a.shape  # the inverse is shaped like the input (NumPy 2, JAX)
    np.testing.assert_array_equal(fnp.unique(a), [0, 1, 2, 3])
    rows, inv = fnp.unique(np.array([[1, 2], [0, 5], [1, 2]]), return_inverse=True, axis=0)
    np.testing.assert_array_equal(rows, [[0, 5], [1, 2]])
    np.testing.assert_array_equal(inv, [1, 0, 1])


def test_unique_nans():
    a = np.array([1.0, np.nan, np.nan, 0.0])
    np.testing.assert_array_equal(fnp.unique(a), [0.0, 1.0, np.nan])
    np.testing.assert_array_equal(fnp.unique(a, equal_nan=False), [0.0, 1.0, np.nan, np.nan])
    values, counts = fg.jit(lambda x: fnp.unique(x, return_counts=True, size=4))(a)
    np.testing.assert_array_equal(values, [0.0, 1.0, np.nan, 0.0])
    np.testing.assert_array_equal(counts, [1, 1, 2, 0])


@pytest.mark.parametrize("size, fill_value", [(10, None), (10, -1.0), (7, None), (3, 0.0)])
def test_sized_unique_matches_jax(size, fill_value):
    jnp = pytest.importorskip("jax.numpy")
    import jax

    jax.config.update("jax_enable_x64", True)

    def run(np_):
        return np_.unique(X, return_index=True, return_inverse=True, return_counts=True,
                          size=size, fill_value=fill_value)

    want = run(jnp)
    for f in (lambda: run(fnp), fg.jit(lambda: run(fnp))):
        for g, w in zip(f(), want):
            np.testing.assert_array_equal(g, w)
            assert np.asarray(g).dtype == np.asarray(w).dtype


def test_sized_unique_under_vmap_and_grad():
    batch = np.stack([X, X[::-1] * 2])
    values = fg.vmap(lambda r: fnp.unique(r, size=4, fill_value=0.0))(batch)
    np.testing.assert_array_equal(values, [[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]])
    # Each unique value takes the derivative of its first occurrence.
    g = fg.grad(lambda x: fnp.unique(x, size=8, fill_value=0.0).sum())(X)
    np.testing.assert_array_equal(g, [1, 1, 1, 0, 1, 1, 1, 1])
    # The default padding is the smallest value, gathered: its derivative adds up (as JAX).
    g = fg.grad(lambda x: fnp.unique(x, size=8).sum())(X)
    np.testing.assert_array_equal(g, [1, 2, 1, 0, 1, 1, 1, 1])
    g = fg.grad(lambda x: fnp.unique(x).sum())(X)  # concrete under grad: no size needed
    np.testing.assert_array_equal(g, [1, 1, 1, 0, 1, 1, 1, 1])


def test_argwhere_eager_jit_vmap():
    a = np.array([[0, 2, 0], [1, 0, 3]])
    np.testing.assert_array_equal(fnp.argwhere(a), np.argwhere(a))
    assert fnp.argwhere(np.float64(3.0)).shape == (1, 0)
    got = fg.jit(lambda x: fnp.argwhere(x, size=4, fill_value=-1))(a)
    np.testing.assert_array_equal(got, [[0, 1], [1, 0], [1, 2], [-1, -1]])
    rows = fg.vmap(lambda r: fnp.argwhere(r > 0, size=2))(a.astype(float))
    np.testing.assert_array_equal(rows, [[[1], [0]], [[0], [2]]])
    np.testing.assert_array_equal(fg.jit(lambda x: fnp.where(x, size=2)[1])(a), [1, 0])


@pytest.mark.parametrize("fn", [fnp.unique, fnp.argwhere, fnp.where])
def test_traced_data_dependent_shapes_name_the_fix(fn):
    with pytest.raises(ConcretizationError, match=rf"fnp.{fn.__name__}: .*Pass size=N"):
        fg.jit(fn)(X)
    with pytest.raises(ConcretizationError, match="size=N"):
        fg.vmap(fn)(np.stack([X, X]))


# ---------------------------------------------------------------------------------------
# Other functions: results the table does not show, and argument errors


def test_triangle_indices_match_numpy_and_index_traced_arrays():
    for k, m in [(0, None), (1, None), (-1, 5)]:
        for ours, theirs in [(fnp.tril_indices, np.tril_indices),
                             (fnp.triu_indices, np.triu_indices)]:
            for g, w in zip(ours(4, k, m), theirs(4, k, m)):
                np.testing.assert_array_equal(g, w)
    m = np.arange(9.0).reshape(3, 3)
    got = fg.jit(lambda a: a[fnp.triu_indices_from(a, 1)])(m)
    np.testing.assert_array_equal(got, m[np.triu_indices(3, 1)])


def test_quantile_agrees_with_numpy_and_q_gradient():
    a = np.random.default_rng(0).standard_normal((4, 7))
    for method in ["linear", "lower", "higher", "midpoint"]:
        np.testing.assert_allclose(fnp.quantile(a, [0.2, 0.9], axis=1, method=method),
                                   np.quantile(a, [0.2, 0.9], axis=1, method=method))
    # d quantile / d q = (n - 1) * (upper - lower order statistic) for "linear"
    s = np.sort(a.ravel())
    g = fg.grad(lambda q: fnp.quantile(a, q))(0.31)
    pos = 0.31 * (a.size - 1)
    np.testing.assert_allclose(g, (a.size - 1) * (s[int(pos) + 1] - s[int(pos)]))
    assert np.isnan(fnp.median(np.array([1.0, np.nan, 2.0])))
    assert fnp.nanmedian(np.array([1.0, np.nan, 2.0])) == 1.5
    assert np.isnan(fnp.nanmax(np.array([np.nan, np.nan])))


def test_statistics_argument_errors():
    with pytest.raises(ValueError, match="fnp.quantile: method='cubic' is not one of"):
        fnp.quantile(X, 0.5, method="cubic")
    with pytest.raises(ShapeError, match="fnp.quantile: q must be a scalar or 1-D"):
        fnp.quantile(X, np.ones((2, 2)) / 2)
    with pytest.raises(TypeError, match="fnp.median: complex input"):
        fnp.median(X + 1j)
    with pytest.raises(NotImplementedError, match="fnp.quantile: the `weights` argument"):
        fnp.quantile(X, 0.5, weights=X)
    with pytest.raises(ShapeError, match="fnp.median: the reduction .* is empty"):
        fnp.median(np.zeros((0, 3)), axis=0)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="fnp.select: condlist has 2 entries but choicelist"):
        fnp.select([X > 1, X > 2], [X])
    with pytest.raises(TypeError, match=r"fnp.select: condlist\[0\] has dtype float64"):
        fnp.select([X], [X])
    with pytest.raises(ValueError, match="fnp.searchsorted: side must be"):
        fnp.searchsorted(X, 1.0, side="middle")
    with pytest.raises(ValueError, match="fnp.searchsorted: a must be 1-D"):
        fnp.searchsorted(np.ones((2, 2)), 1.0)
    with pytest.raises(ShapeError, match="fnp.interp: xp and fp must be"):
        fnp.interp(1.0, X, X[:3])
    with pytest.raises(ValueError, match="fnp.interp: left/right must be a value or"):
        fnp.interp(1.0, X, X, left="clamp")
    with pytest.raises(ShapeError, match="fnp.cross: the vector axis 0 of a"):
        fnp.cross(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match="fnp.diff: n must be non-negative"):
        fnp.diff(X, n=-1)
    with pytest.raises(TypeError, match="fnp.where: size= and fill_value= belong"):
        fnp.where(X > 1, X, 0.0, size=3)
    with pytest.raises(TypeError, match="fnp.unique: size must be a non-negative"):
        fnp.unique(X, size=-2)


def test_counting_indexing_and_files(tmp_path):
    np.testing.assert_array_equal(fnp.bincount(np.array([0, 1, 1, 3]), minlength=6),
                                  [1, 2, 0, 1, 0, 0])
    with pytest.raises(ConcretizationError, match="fnp.bincount: .*Pass length=N"):
        fg.jit(fnp.bincount)(np.array([0, 1]))
    with pytest.raises(TypeError, match="fnp.bincount: x must be a 1-D integer array"):
        fnp.bincount(np.array([0.5]))
    np.testing.assert_array_equal(fnp.indices((2, 3)), np.indices((2, 3)))
    for g, w in zip(fnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)):
        np.testing.assert_array_equal(g, w)
    assert fnp.s_[1:3] == np.s_[1:3] and fnp.mgrid[0:2, 0:3].shape == (2, 2, 3)
    with pytest.raises(ConcretizationError, match="fnp.choose: mode='raise' checks"):
        fg.jit(lambda a: fnp.choose(a, [X, X]))(np.zeros(8, int))
    with pytest.raises(ValueError, match=r"fnp.choose: indices must lie in \[0, 2\)"):
        fnp.choose(np.array([0, 2]), [np.ones(2), np.zeros(2)])
    fnp.save(tmp_path / "x.npy", fnp.arange(3.0))
    loaded = fnp.load(tmp_path / "x.npy")
    assert isinstance(loaded, fnp.Array)
    np.testing.assert_array_equal(loaded, [0.0, 1.0, 2.0])
    fnp.savez(tmp_path / "xy.npz", X, y=X * 2)
    with fnp.load(tmp_path / "xy.npz") as files:
        np.testing.assert_array_equal(files["y"], X * 2)
    with pytest.raises(ConcretizationError, match="fnp.save: cannot write a traced value"):
        fg.jit(lambda x: fnp.save(tmp_path / "t.npy", x))(X)
    with pytest.raises(NotImplementedError, match="fnp.gradient: edge_order=2"):
        fnp.gradient(X, edge_order=2)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1), (0, -1), [2, 0]])
def test_gradient_axis_tuples_match_numpy(axis):
    x = np.random.default_rng(0).normal(size=(4, 5, 6))
    got, want = fnp.gradient(x, axis=axis), np.gradient(x, axis=axis)
    if isinstance(want, np.ndarray):
        got, want = [got], [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    check_grads(lambda v: fnp.gradient(v, axis=axis), (x,), order=1)


def test_functional_update_and_convolution_errors():
    with pytest.raises(ValueError, match="fnp.put_along_axis: .* pass inplace=False"):
        fnp.put_along_axis(np.zeros((2, 2)), np.zeros((2, 1), int), 1.0, axis=1)
    with pytest.raises(ValueError, match="fnp.fill_diagonal: .* pass inplace=False"):
        fnp.fill_diagonal(np.zeros((2, 2)), 1.0)
    with pytest.raises(NotImplementedError, match="fnp.fill_diagonal: wrap=True"):
        fnp.fill_diagonal(np.zeros((4, 2)), 1.0, wrap=True, inplace=False)
    with pytest.raises(ValueError, match="fnp.convolve: mode must be one of"):
        fnp.convolve(X, X, mode="circular")
    with pytest.raises(ShapeError, match="fnp.correlate: a and v must be non-empty 1-D"):
        fnp.correlate(np.ones((2, 2)), X)
    with pytest.raises(ValueError, match="fnp.compress: size=9 exceeds the length 8"):
        fnp.compress(X > 2, X, size=9)
    with pytest.raises(ConcretizationError, match="fnp.compress: .*Pass size=N"):
        fg.jit(lambda x: fnp.extract(x > 2, x))(X)


def test_set_operations_eager_and_errors():
    a, b = np.array([5, 1, 3, 3, 8]), np.array([3, 9, 1, 1])
    np.testing.assert_array_equal(fnp.setdiff1d(a, b), np.setdiff1d(a, b))
    np.testing.assert_array_equal(fnp.union1d(a, b), np.union1d(a, b))
    for g, w in zip(fnp.intersect1d(a, b, return_indices=True),
                    np.intersect1d(a, b, return_indices=True)):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(ConcretizationError, match="fnp.setdiff1d: .*Pass size=N"):
        fg.jit(fnp.setdiff1d)(a, b)
    with pytest.raises(ValueError, match="fnp.vectorize: signature '.*' is not of the form"):
        fnp.vectorize(np.sum, signature="n->()")
    with pytest.raises(TypeError, match="fnp.vectorize: the signature names 2 inputs"):
        fnp.vectorize(lambda a: a, signature="(n),(n)->()")(X)


def test_take_along_axis_defaults_to_the_last_axis():
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    np.testing.assert_array_equal(fnp.take_along_axis(a, fnp.argsort(a)), np.sort(a))


# ---------------------------------------------------------------------------------------
# Signatures mirror jax.numpy

NAMES = ["isclose", "allclose", "array_equal", "astype", "copy", "argwhere", "unique",
         "median", "percentile", "quantile", "nanmean", "nanmax", "nanmin", "nanstd",
         "nanvar", "nanmedian", "nanpercentile", "nanquantile", "nan_to_num", "cross", "diff",
         "searchsorted", "interp", "select", "count_nonzero", "tril_indices", "triu_indices",
         "tril_indices_from", "triu_indices_from", "diag_indices", "where", "issubdtype",
         "result_type", "promote_types", "can_cast", "finfo", "iinfo", "take_along_axis",
         # tier 2
         "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh", "concat", "permute_dims",
         "matrix_transpose", "unstack", "cumulative_sum", "cumulative_prod", "sinc",
         "signbit", "copysign", "fmax", "fmin", "heaviside", "float_power", "isposinf",
         "isneginf", "isreal", "isscalar", "unique_values", "unique_counts", "unique_inverse",
         "unique_all", "isin", "nanprod", "nanargmax", "nanargmin", "nancumsum", "nancumprod",
         "kron", "append", "rot90", "trapezoid", "polyval", "digitize", "logspace",
         "geomspace", "vecdot", "divmod", "modf", "ldexp", "hsplit", "vsplit", "dsplit",
         "diagflat", "diag_indices_from", "indices", "ix_", "unravel_index", "cov",
         "corrcoef", "bincount", "choose", "gradient", "save", "savez", "load", "convolve",
         "correlate", "compress", "extract", "resize", "apply_along_axis", "put_along_axis",
         "fill_diagonal", "vectorize", "lexsort", "union1d", "setdiff1d", "intersect1d"]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_jax_numpy(name):
    jnp = pytest.importorskip("jax.numpy")
    ours, theirs = _params(getattr(fnp, name)), _params(getattr(jnp, name))
    assert [p[:2] for p in ours] == [p[:2] for p in theirs]
    assert [p[2] for p in ours] == [p[2] for p in theirs]


def test_python_ints_outside_an_integer_range_wrap_as_in_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    x = np.array([1, 2, -3], np.int8)
    u = np.array([1, 2, 250], np.uint8)
    cases = [(lambda m, a: m.add(a, 1000), x), (lambda m, a: m.multiply(300, a), x),
             (lambda m, a: m.subtract(a, -1), u), (lambda m, a: m.add(a, 2**20 + 7), u),
             (lambda m, a: m.maximum(a, -200), x)]
    for f, a in cases:
        want = np.asarray(f(jnp, jnp.asarray(a)))
        for got in (f(fnp, a), fg.jit(lambda a, f=f: f(fnp, a))(a),
                    fg.vmap(lambda a, f=f: f(fnp, a))(a)):
            assert np.asarray(got).dtype == want.dtype
            np.testing.assert_array_equal(np.asarray(got), want)
    with pytest.raises(OverflowError, match="beyond 64 bits"):
        fnp.add(x, 2**70)
