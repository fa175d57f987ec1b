"""Values of the rest of fungrad.numpy's NumPy names against NumPy itself (the table in
tests/tables/numpy_more.py compares them with JAX), the errors for traced arguments that
must be static or concrete, and the host-only helpers."""

import operator

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError

RNG = np.random.default_rng(0)


def _floats(dtype):
    info = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0, 0.5, 3.0, 0.1, info.tiny,
               info.smallest_subnormal, -info.smallest_subnormal, info.max, -info.max,
               1 - info.epsneg, 3 * info.smallest_subnormal, info.tiny * (1 - info.eps)]
    drawn = RNG.standard_normal(500) * 10.0 ** RNG.integers(-30, 30, 500)
    return np.concatenate([np.array(special, dtype), drawn.astype(dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_representation_equals_numpy_everywhere(dtype):
    x = _floats(dtype)
    mantissa, exponent = fnp.frexp(x)
    want_m, want_e = np.frexp(x)
    np.testing.assert_array_equal(mantissa, want_m)
    np.testing.assert_array_equal(exponent, want_e)
    assert mantissa.dtype == dtype and exponent.dtype == np.int32
    for target in [np.inf, -np.inf, 0.0, np.nan, 1.0, -3.0]:
        with np.errstate(over="ignore"):
            want = np.nextafter(x, np.asarray(target, dtype))
        got = fnp.nextafter(x, np.asarray(target, dtype))
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want, err_msg=f"toward {target}")
    with np.errstate(over="ignore"):
        want = np.spacing(x)
    np.testing.assert_array_equal(fnp.spacing(x), want)


def test_float_representation_under_jit_vmap_and_its_derivatives():
    x = np.array([3.0, -0.3, 1e-310, 7.0])
    np.testing.assert_array_equal(fg.jit(fnp.spacing)(x), np.spacing(x))
    np.testing.assert_array_equal(fg.vmap(lambda v: fnp.frexp(v)[1])(x), np.frexp(x)[1])
    assert float(fg.grad(lambda v: fnp.frexp(v)[0])(3.0)) == 0.25
    # nextafter moves by one ulp: derivative 1 in x1, 0 in x2 (jax.numpy has none).
    d1, d2 = fg.grad(fnp.nextafter, argnums=(0, 1))(1.0, 2.0)
    assert (float(d1), float(d2)) == (1.0, 0.0)
    assert float(fg.grad(fnp.spacing)(5.0)) == 0.0
    with pytest.raises(TypeError, match="fnp.frexp: complex input"):
        fnp.frexp(np.array([1j]))


def test_i0_matches_numpy_and_has_derivative_i1():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(fnp.i0(x), np.i0(x), rtol=1e-14)
    assert float(fg.grad(fnp.i0)(0.0)) == 0.0
    from fungrad.scipy import special

    np.testing.assert_allclose(fg.vmap(fg.grad(fnp.i0))(x), special.i1(x), rtol=1e-13)
    np.testing.assert_allclose(special.i0(x), np.i0(x), rtol=1e-14)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "bool"])
def test_bitwise_count_every_integer_dtype(dtype):
    if dtype == "bool":
        x = np.array([True, False])
    else:
        info = np.iinfo(dtype)
        x = np.concatenate([np.array([0, 1, 7, info.min, info.max, info.min + 1], dtype),
                            RNG.integers(info.min, info.max, 200, dtype=dtype, endpoint=True)])
    got = fnp.bitwise_count(x)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.bitwise_count(x))
    np.testing.assert_array_equal(fg.jit(fnp.bitwise_count)(x), np.bitwise_count(x))


def test_packbits_and_unpackbits_equal_numpy():
    bits = RNG.integers(0, 2, (3, 13))
    for axis in [None, 0, 1, -1]:
        for order in ["big", "little"]:
            packed = np.packbits(bits, axis, order)
            np.testing.assert_array_equal(fnp.packbits(bits, axis, order), packed)
            for count in [None, 0, 3, -5, 40]:
                np.testing.assert_array_equal(fnp.unpackbits(packed, axis, count, order),
                                              np.unpackbits(packed, axis, count, order))
    with pytest.raises(TypeError, match="fnp.unpackbits: a must be a uint8 array"):
        fnp.unpackbits(np.array([1, 2]))


def test_gcd_lcm_equal_numpy_with_large_values():
    a = RNG.integers(-10 ** 15, 10 ** 15, 300)
    b = RNG.integers(-10 ** 6, 10 ** 6, 300)
    a[:5], b[3:8] = 0, 0
    np.testing.assert_array_equal(fnp.gcd(a, b), np.gcd(a, b))
    np.testing.assert_array_equal(fnp.lcm(a[:50] % 10 ** 6, b[:50]), np.lcm(a[:50] % 10 ** 6,
                                                                            b[:50]))
    np.testing.assert_array_equal(fg.vmap(fnp.gcd)(a[:4], b[:4]), np.gcd(a[:4], b[:4]))
    with pytest.raises(TypeError, match="fnp.gcd: x1 must be an integer array"):
        fnp.gcd(1.5, 2)


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows_equal_numpy(name):
    for m in [-2, 0, 1, 2, 5, 8]:
        np.testing.assert_allclose(getattr(fnp, name)(m), getattr(np, name)(m), atol=1e-15)
    with pytest.raises(ConcretizationError, match=f"fnp.{name}: M must be a static integer"):
        fg.jit(getattr(fnp, name))(4)


def test_kaiser_equals_numpy():
    for m in [0, 1, 2, 7]:
        np.testing.assert_allclose(fnp.kaiser(m, 4.0), np.kaiser(m, 4.0), rtol=1e-13)


def test_polynomials_equal_numpy():
    u, v = np.array([1.0, -3.0, 2.0, 5.0]), np.array([2.0, 1.0, -1.0])
    q, r = fnp.polydiv(u, v)
    want_q, want_r = np.polydiv(u, v)
    np.testing.assert_allclose(q, want_q)
    np.testing.assert_allclose(r[-len(want_r):], want_r)  # jax.numpy keeps u's length
    np.testing.assert_allclose(fnp.polydiv(u, v, trim_leading_zeros=True)[1], want_r)
    np.testing.assert_allclose(fnp.polyint(u, 2, [1.0, 2.0]), np.polyint(u, 2, [1.0, 2.0]))
    np.testing.assert_allclose(fnp.polyder(u, 2), np.polyder(u, 2))
    np.testing.assert_allclose(fnp.polymul(u, v), np.polymul(u, v))
    np.testing.assert_allclose(fnp.polyadd(u, v), np.polyadd(u, v))
    np.testing.assert_allclose(fnp.poly(np.array([1.0, 2.0, -3.0])), np.poly([1.0, 2.0, -3.0]))
    np.testing.assert_allclose(np.sort(fnp.roots(np.array([1.0, -3.0, 2.0, 0.0])).real),
                               [0.0, 1.0, 2.0], atol=1e-12)
    assert fnp.roots(np.array([0.0, 0.0])).shape == (0,)
    x, y = np.arange(6.0), np.arange(6.0) ** 2 + RNG.normal(size=6) * 0.1
    for kw in [{}, {"w": np.arange(1.0, 7.0)}, {"full": True}, {"cov": True},
               {"cov": "unscaled"}]:
        got, want = fnp.polyfit(x, y, 2, **kw), np.polyfit(x, y, 2, **kw)
        for g, w in zip(*(([a] if not isinstance(a, tuple) else a) for a in (got, want))):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(fnp.vander(np.array([1, 2, 3]), 4), np.vander([1, 2, 3], 4))


def test_value_dependent_shapes_name_the_argument_and_the_fix():
    p = np.array([1.0, -3.0, 2.0])
    with pytest.raises(ConcretizationError, match="fnp.roots: .* pass strip_zeros=False"):
        fg.jit(fnp.roots)(p)
    with pytest.raises(ConcretizationError, match="trim_leading_zeros=False"):
        fg.jit(lambda a: fnp.polymul(a, a, trim_leading_zeros=True))(p)
    with pytest.raises(ConcretizationError, match="fnp.trim_zeros: filt"):
        fg.jit(fnp.trim_zeros)(p)
    with pytest.raises(ConcretizationError, match="fnp.flatnonzero: .* size="):
        fg.jit(fnp.flatnonzero)(p)
    with pytest.raises(ConcretizationError, match="fnp.setxor1d: .* size="):
        fg.jit(fnp.setxor1d)(p, p)
    with pytest.raises(ConcretizationError, match="fnp.histogram: bins .* traced number"):
        fg.jit(lambda a, b: fnp.histogram(a, bins=b))(p, 3)
    with pytest.raises(ConcretizationError, match="fnp.delete: obj .* assume_unique_indices"):
        fg.jit(lambda i: fnp.delete(p, i))(1)
    with pytest.raises(ConcretizationError, match="fnp.place: mask .* fnp.where"):
        fg.jit(lambda m: fnp.place(p, m, 0.0, inplace=False))(p > 1)
    with pytest.raises(ConcretizationError, match="ravel_multi_index: mode='raise'"):
        fg.jit(lambda i: fnp.ravel_multi_index((i,), (3,)))(np.array([1]))
    with pytest.raises(ConcretizationError, match="fnp.partition: kth must be a static"):
        fg.jit(lambda k: fnp.partition(p, k))(1)
    with pytest.raises(ConcretizationError, match="fnp.real_if_close: a .* fnp.real"):
        fg.jit(fnp.real_if_close)(p + 0j)
    with pytest.raises(ValueError, match="inplace=False"):
        fnp.put(p, 0, 1.0)


def test_histograms_equal_numpy():
    a, w = RNG.normal(size=50), RNG.uniform(size=50)
    for kw in [{}, {"bins": 5}, {"bins": np.array([-1.0, 0.0, 0.5, 2.0])},
               {"bins": 4, "range": (-1, 1)}, {"weights": w}, {"density": True},
               {"bins": 3, "weights": w, "density": True}]:
        for got, want in zip(fnp.histogram(a, **kw), np.histogram(a, **kw)):
            np.testing.assert_allclose(got, want, err_msg=str(kw))
    x, y = RNG.normal(size=30), RNG.normal(size=30)
    for kw in [{}, {"bins": [2, 4]}, {"bins": np.linspace(-2, 2, 6)},
               {"bins": [np.linspace(-2, 2, 3), 4]}, {"range": [(-1, 1), (-2, 2)], "bins": 3},
               {"weights": w[:30], "density": True, "bins": 3}]:
        for got, want in zip(fnp.histogram2d(x, y, **kw), np.histogram2d(x, y, **kw)):
            np.testing.assert_allclose(got, want, err_msg=str(kw))
    sample = RNG.normal(size=(40, 3))
    for kw in [{}, {"bins": [2, 3, 4]}, {"density": True, "bins": 2},
               {"range": [None, (-1, 1), None], "bins": 2}]:
        got, want = fnp.histogramdd(sample, **kw), np.histogramdd(sample, **kw)
        np.testing.assert_allclose(got[0], want[0], err_msg=str(kw))
        for g, e in zip(got[1], want[1]):
            np.testing.assert_allclose(g, e)


def test_histogram_count_dtypes_follow_jax():
    # jax.numpy: histogram's counts are floats; histogramdd/histogram2d count in the default
    # int without weights (NumPy: float64), in the floating dtype with weights or density
    x = np.array([0.1, 0.5, 0.9], np.float32)
    assert fnp.histogram(x, bins=2)[0].dtype == np.float32
    assert fnp.histogram2d(x, x, bins=2)[0].dtype == np.int64
    assert fnp.histogramdd(np.stack([x, x], 1), bins=2)[0].dtype == np.int64
    assert fnp.histogram2d(x, x, bins=2, density=True)[0].dtype == np.float32
    assert fnp.histogram2d(x, x, bins=2, weights=np.ones(3))[0].dtype == np.float64
    assert fg.jit(lambda x: fnp.histogram2d(x, x, bins=2)[0])(x).tolist() == [[1, 0], [0, 2]]


def test_insert_delete_equal_numpy():
    a, b = np.arange(5), np.arange(6).reshape(2, 3)
    inserts = [(a, 2, 9, None), (b, 1, [7, 8], 1), (a, [1, 3], [9, 8], None),
               (a, slice(0, 4, 2), 9, None), (b, 1, [7, 8, 9], 0), (b, [0, 3, 3], [[1], [2]], 1),
               (a, -1, [7, 8], None), (a, 5, 1, None), (a, [3, 1], [9, 8], None),
               (b, 1, [[7], [8]], 1)]
    for arr, obj, values, axis in inserts:
        obj = np.asarray(obj) if isinstance(obj, list) else obj
        np.testing.assert_array_equal(fnp.insert(arr, obj, values, axis),
                                      np.insert(arr, obj, values, axis), err_msg=str(obj))
    deletes = [(a, 2, None), (a, [1, 3], None), (b, 1, 1), (a, slice(0, 4, 2), None),
               (b, [0, -1], None), (a, np.array([True, False, True, False, False]), None)]
    for arr, obj, axis in deletes:
        np.testing.assert_array_equal(fnp.delete(arr, obj, axis), np.delete(arr, obj, axis))


def test_index_objects_and_helpers_equal_numpy():
    a, v = np.array([[1, 2], [3, 4]]), np.array([5, 6])
    for make in [lambda m: m.r_[v, 0, 5:7], lambda m: m.r_["0,2", [1, 2], [3, 4]],
                 lambda m: m.r_["-1", a, a], lambda m: m.r_["1,2,0", v, v],
                 lambda m: m.r_["0,3,-2", v], lambda m: m.r_[0:1:5j], lambda m: m.c_[a, v],
                 lambda m: m.c_[1:3, 4:6]]:
        got, want = make(fnp), make(np)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want)
    for got, want in zip(fnp.mask_indices(4, fnp.triu, 1), np.mask_indices(4, np.triu, 1)):
        np.testing.assert_array_equal(got, want)
    index = (np.array([1, 2, -1, 5]), np.array([0, 3, 9, 2]))
    for mode in ["wrap", "clip"]:
        np.testing.assert_array_equal(fnp.ravel_multi_index(index, (3, 4), mode=mode),
                                      np.ravel_multi_index(index, (3, 4), mode=mode))
    for axis in range(-3, 3):
        for start in range(-3, 4):
            assert fnp.rollaxis(np.ones((2, 3, 4)), axis, start).shape == \
                np.rollaxis(np.ones((2, 3, 4)), axis, start).shape
    z = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    for filt in [np.array([0, 0, 1, 0, 2, 0]), np.zeros(3), z]:
        for trim in ["f", "b", "fb"]:
            np.testing.assert_array_equal(fnp.trim_zeros(filt, trim), np.trim_zeros(filt, trim))
    assert fnp.einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)),
                           np.ones((4, 5)))[0] == [(1, 2), (0, 1)]


def test_sorting_and_choosing_extras_equal_numpy():
    x = RNG.normal(size=(4, 7))
    part = fnp.partition(x, 3, axis=1)
    assert np.all(part[:, :3] <= part[:, 3:4]) and np.all(part[:, 4:] >= part[:, 3:4])
    np.testing.assert_array_equal(part[:, 3], np.partition(x, 3, axis=1)[:, 3])
    np.testing.assert_array_equal(np.take_along_axis(x, fnp.argpartition(x, -2), 1)[:, -2],
                                  np.partition(x, -2)[:, -2])
    z = np.array([1 + 2j, 1 - 1j, 0 + 5j, 3])
    np.testing.assert_array_equal(fnp.sort_complex(z), np.sort_complex(z))
    assert fnp.sort_complex(np.array([3, 1], np.int8)).dtype == np.complex64
    x1 = np.array([-1.0, 0.0, 2.0])
    for conds, funcs in [([x1 < 0, x1 > 1], [lambda t: -t, lambda t: 10 * t, 7.0]),
                         (x1 > 0, [np.log, 5.0]), ([x1 < 0], [lambda t: -t])]:
        np.testing.assert_allclose(fnp.piecewise(x1, conds, funcs),
                                   np.piecewise(x1, conds, funcs))
    np.testing.assert_array_equal(fnp.setxor1d([1, 2, 3, 3], [2, 5]), np.setxor1d([1, 2, 3, 3],
                                                                                  [2, 5]))
    np.testing.assert_array_equal(fnp.ediff1d([[1, 2], [4, 8]], to_begin=[-1], to_end=9),
                                  np.ediff1d([[1, 2], [4, 8]], to_begin=[-1], to_end=9))
    p = np.cumsum(RNG.normal(size=(3, 20)) * 2, axis=1)
    for kw in [{}, {"period": 4.0}, {"discont": 4.0}, {"axis": 0}]:
        np.testing.assert_allclose(fnp.unwrap(p, **kw), np.unwrap(p, **kw), err_msg=str(kw))
    np.testing.assert_array_equal(fnp.put(np.arange(6), [0, 2], [1, 2, 3], inplace=False),
                                  [1, 1, 2, 3, 4, 5])
    for mode in ["wrap", "clip"]:
        want = np.arange(5)
        np.put(want, [0, 7, -1], [9, 8, 7], mode=mode)
        got = fnp.put(np.arange(5), np.array([0, 7, -1]), np.array([9, 8, 7]), mode=mode,
                      inplace=False)
        np.testing.assert_array_equal(got, want)
    want = np.arange(5)
    np.place(want, want > 1, [9, 8])
    np.testing.assert_array_equal(fnp.place(np.arange(5), np.arange(5) > 1, [9, 8],
                                            inplace=False), want)


def test_predicates_dtypes_and_aliases():
    assert fnp.isrealobj(1.0) and not fnp.isrealobj(np.array([1j]))
    np.testing.assert_array_equal(fnp.iscomplex(np.array([1 + 0j, 1j, 2])), [False, True,
                                                                             False])
    z = np.array([2.1 + 4e-14j, 5.2 + 3e-15j])
    np.testing.assert_array_equal(fnp.real_if_close(z), np.real_if_close(z))
    assert fnp.real_if_close(np.array([1 + 1e-3j])).dtype == np.complex128
    assert fnp.isdtype(fnp.float32, "real floating") and fnp.isdtype(np.int8, "integral")
    assert fnp.isdtype(fnp.bfloat16, ("real floating", "bool"))
    assert not fnp.isdtype(np.uint8, "signed integer")
    assert fnp.isdtype(np.complex64, fnp.csingle) and fnp.cdouble is fnp.complex128
    assert fnp.cdouble(1.0).dtype == np.complex128
    assert (fnp.character, fnp.flexible, fnp.object_) == (np.character, np.flexible,
                                                          np.object_)
    assert fnp.iterable([1]) and not fnp.iterable(3)
    assert bool(fnp.array_equiv([1, 2], [[1, 2], [1, 2]]))
    assert not bool(fnp.array_equiv([1, 2], [1, 2, 3]))


def test_ufunc_methods_equal_numpy_ufuncs():
    add = fnp.frompyfunc(operator.add, 2, 1, identity=0)
    assert isinstance(add, fnp.ufunc) and (add.nin, add.nout, add.identity) == (2, 1, 0)
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(add.reduce(x, axis=1), np.add.reduce(x, axis=1))
    np.testing.assert_allclose(add.reduce(x, axis=None), np.add.reduce(x, axis=None))
    np.testing.assert_allclose(add.reduce(x, axis=(0, 1), keepdims=True, initial=5.0),
                               np.add.reduce(x, axis=(0, 1), keepdims=True, initial=5.0))
    mask = x % 3 != 0
    np.testing.assert_allclose(add.reduce(x, axis=0, where=mask),
                               np.add.reduce(x, axis=0, where=mask))
    np.testing.assert_allclose(add.accumulate(x, axis=1), np.add.accumulate(x, axis=1))
    np.testing.assert_allclose(add.outer(x[0], x[1]), np.add.outer(x[0], x[1]))
    np.testing.assert_allclose(add.reduceat(np.arange(8.0), [0, 4, 1, 5]),
                               np.add.reduceat(np.arange(8.0), [0, 4, 1, 5]))
    want = np.arange(5.0)
    np.add.at(want, [0, 0, 3], 2.0)
    np.testing.assert_allclose(add.at(np.arange(5.0), np.array([0, 0, 3]), 2.0,
                                      inplace=False), want)
    assert float(add.reduce(np.zeros(0))) == 0.0
    with pytest.raises(ValueError, match="needs initial="):
        fnp.frompyfunc(operator.mul, 2, 1).reduce(np.zeros(0))
    np.testing.assert_allclose(fg.grad(lambda v: fnp.frompyfunc(operator.mul, 2, 1).reduce(v))(
        np.array([1.0, 2.0, 3.0])), [6.0, 3.0, 2.0])


def test_host_data_readers_and_printing(tmp_path):
    path = tmp_path / "x.bin"
    np.arange(4, dtype=np.int16).tofile(path)
    assert isinstance(fnp.fromfile(path, dtype=np.int16), fnp.Array)
    np.testing.assert_array_equal(fnp.fromfile(path, dtype=np.int16), np.arange(4))
    np.testing.assert_array_equal(fnp.frombuffer(b"\x01\x02", dtype=np.uint8), [1, 2])
    np.testing.assert_array_equal(fnp.fromstring("1, 2", sep=","), [1.0, 2.0])
    np.testing.assert_array_equal(fnp.fromiter(range(3), dtype=int), [0, 1, 2])
    np.testing.assert_array_equal(fnp.from_dlpack(np.arange(3)), [0, 1, 2])
    assert fnp.array_str(np.array([1.0, 2.5])) == "[1.  2.5]"
    assert fnp.array_repr(np.array([1, 2], np.int32)) == "array([1, 2], dtype=int32)"
    with fnp.printoptions(precision=2):
        assert fnp.get_printoptions()["precision"] == 2
        assert fnp.array_str(np.array([1 / 3])) == "[0.33]"
    with pytest.raises(ConcretizationError, match="fnp.array_str: the values of a traced"):
        fg.jit(fnp.array_str)(np.ones(2))


def test_floor_divide_of_booleans_divides_as_int8_as_numpy():
    # it raised: NumPy's sign has no bool loop (JAX gives int32, with XLA's x // 0)
    x, y = np.array([True, False, True]), np.array([True, True, True])
    for a, b in [(x, y), (True, y), (x, True)]:
        out = fnp.floor_divide(a, b)
        np.testing.assert_array_equal(out, np.floor_divide(a, b))
        assert out.dtype == np.int8


def test_integer_arithmetic_of_booleans_is_int8_as_numpy():
    # square of bools was int64 (neither NumPy's int8 nor JAX's int32); fungrad's integer
    # dtypes follow NumPy (README: default dtypes), JAX gives int32 for all of these
    x = np.array([True, False, True])
    for name in ["square", "power", "mod", "remainder", "fmod"]:
        args = (x,) if name == "square" else (x, np.array([True, True, True]))
        out = getattr(fnp, name)(*args)
        np.testing.assert_array_equal(out, getattr(np, name)(*args))
        assert out.dtype == np.int8, name
    assert fg.jit(fnp.square)(x).dtype == np.int8


def test_float_floor_divide_by_zero_is_inf_as_numpy_and_jax():
    # x // 0.0 was nan (x - fmod(x, 0) is nan); NumPy and JAX give +-inf (nan for 0 // 0)
    x, y = np.array([-2.5, 2.5, 0.0, 1.0, 7.0]), np.array([0.0, 0.0, 0.0, -0.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.floor_divide(x, y)
        for f in (fnp.floor_divide, fg.jit(fnp.floor_divide)):
            np.testing.assert_array_equal(f(x, y), expected)
        np.testing.assert_array_equal(fnp.floor_divide(x.astype(np.float32), 0.0),
                                      np.floor_divide(x.astype(np.float32), np.float32(0)))
