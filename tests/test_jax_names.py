"""Everyday JAX names fungrad added late, each compared with JAX 0.10.2 (x64 on): values, and
grad / vmap / jit where they apply. Groups: fnp.linalg's array-API and tensor functions,
tree_util's one-level flattening, nn's logmeanexp and sparse_sigmoid, lax conveniences, and
top-level config context managers."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(7)


def _close(a, b, tol=1e-10):
    for x, y in zip(fg.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        assert np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype, (np.asarray(x).dtype, y.dtype)
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def _check_all(fun, jfun, *args, grads=True):
    """fun(*args) == jfun(*args), eager and under jit; gradients match JAX's and finite
    differences; vmap over a stacked first argument matches the loop."""
    _close(fun(*args), jfun(*args))
    _close(fg.jit(fun)(*args), jfun(*args))
    if grads:
        check_grads(fun, args, order=2)
        loss = lambda *a: fnp.sum(fnp.real(fun(*a)) ** 2)  # noqa: E731
        jloss = lambda *a: jnp.sum(jnp.real(jfun(*a)) ** 2)  # noqa: E731
        argnums = tuple(range(len(args)))
        _close(fg.grad(loss, argnums)(*args), jax.grad(jloss, argnums)(*args), 1e-8)
    stacked = np.stack([args[0], args[0] * 0.5 + 0.25])
    out = fg.vmap(fun, in_axes=(0,) + (None,) * (len(args) - 1))(stacked, *args[1:])
    _close(out, jax.vmap(jfun, in_axes=(0,) + (None,) * (len(args) - 1))(stacked, *args[1:]))


# ---------------------------------------------------------------------------------------
# fnp.linalg: the array-API names and the tensor functions

V3, W3 = RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, (3,))
M = RNG.uniform(-1, 1, (2, 3, 4))
T6 = RNG.uniform(-1, 1, (6, 2, 3)) + 3 * np.eye(6).reshape(6, 2, 3)


@pytest.mark.parametrize("name,fun,args", [
    ("cross", lambda m: lambda a, b: m.linalg.cross(a, b), (V3, W3)),
    ("cross_axis0", lambda m: lambda a, b: m.linalg.cross(a, b, axis=0), (V3.T, V3.T[:, :1])),
    ("diagonal", lambda m: lambda a: m.linalg.diagonal(a), (M,)),
    ("diagonal_offset", lambda m: lambda a: m.linalg.diagonal(a, offset=-1), (M,)),
    ("outer", lambda m: lambda a, b: m.linalg.outer(a, b), (W3, V3[0, :2])),
    ("tensordot", lambda m: lambda a, b: m.linalg.tensordot(a, b, axes=1), (M, V3)),
    ("tensordot_pairs", lambda m: lambda a, b: m.linalg.tensordot(a, b, axes=([1], [1])),
     (M, V3)),
    ("trace", lambda m: lambda a: m.linalg.trace(a), (M,)),
    ("trace_offset", lambda m: lambda a: m.linalg.trace(a, offset=1), (M,)),
    ("vecdot", lambda m: lambda a, b: m.linalg.vecdot(a, b), (V3, W3)),
    ("vecdot_axis", lambda m: lambda a, b: m.linalg.vecdot(a, b, axis=0), (V3.T, V3.T)),
    ("tensorinv", lambda m: lambda a: m.linalg.tensorinv(a, ind=1), (T6,)),
    ("tensorinv_ind2", lambda m: lambda a: m.linalg.tensorinv(a), (T6.reshape(2, 3, 2, 3),)),
    ("tensorsolve", lambda m: lambda a, b: m.linalg.tensorsolve(a, b),
     (T6.reshape(2, 3, 2, 3), M[0, :2, :3])),
    ("tensorsolve_axes", lambda m: lambda a, b: m.linalg.tensorsolve(a, b, axes=(0,)),
     (T6, M[0, :2, :3])),
], ids=lambda v: v if isinstance(v, str) else "")
def test_linalg_names_match_jax(name, fun, args):
    _check_all(fun(fnp), fun(jnp), *args)


def test_linalg_integer_inputs_match_jax():
    ints = np.arange(8).reshape(2, 2, 2)
    _close(fnp.linalg.trace(ints), jnp.linalg.trace(ints))
    _close(fnp.linalg.diagonal(ints, offset=1), jnp.linalg.diagonal(ints, offset=1))
    eye = (2 * np.eye(4, dtype=np.int64)).reshape(4, 2, 2)
    _close(fnp.linalg.tensorinv(eye, ind=1), jnp.linalg.tensorinv(eye, ind=1))


@pytest.mark.parametrize("call,match", [
    (lambda m: m.linalg.cross(np.ones(2), np.ones(2)), r"cross: .*3-vectors.*\(2,\) and \(2,\)"),
    (lambda m: m.linalg.outer(np.ones((2, 2)), np.ones(2)), r"outer: .*1-D.*\(2, 2\)"),
    (lambda m: m.linalg.diagonal(np.ones(3)), r"diagonal: .*rank >= 2.*\(3,\)"),
    (lambda m: m.linalg.trace(np.ones(3)), r"trace: .*rank >= 2.*\(3,\)"),
    (lambda m: m.linalg.tensorinv(np.ones((2, 3, 4)), ind=1),
     r"tensorinv: .*\(2\) must equal .*\(12\).*\(2, 3, 4\)"),
    (lambda m: m.linalg.tensorinv(np.ones((2, 2)), ind=0), r"tensorinv: ind must be a positive"),
    (lambda m: m.linalg.tensorsolve(np.ones((2, 3, 4)), np.ones((2, 3))),
     r"tensorsolve: .*6 != .*4.*\(2, 3, 4\).*\(2, 3\)"),
    (lambda m: m.linalg.tensorsolve(np.ones((6, 2, 3)), np.ones(6), axes=(0,)),
     r"tensorsolve: a's leading axes .*\(2, 3, 6\).*\(6,\)"),
])
def test_linalg_errors_where_jax_raises(call, match):
    with pytest.raises(ValueError):
        call(jnp)
    with pytest.raises(ValueError, match=match):
        call(fnp)


def test_linalg_tensorinv_is_an_inverse_under_tensordot():
    inv = fnp.linalg.tensorinv(T6, ind=1)
    np.testing.assert_allclose(fnp.tensordot(inv, T6, 1), np.eye(6).reshape(2, 3, 2, 3),
                               atol=1e-12)
    np.testing.assert_allclose(fnp.tensordot(T6, inv, 2), np.eye(6), atol=1e-12)


# ---------------------------------------------------------------------------------------
# tree_util: one level of a node, associative reduction

Point = __import__("collections").namedtuple("Point", "x y")


@pytest.mark.parametrize("tree", [
    {"b": 1, "a": (2, 3)}, [1, [2]], (1, None), None, Point(1, [2]),
    __import__("collections").OrderedDict(b=1, a=2),
], ids=["dict", "list", "tuple", "None", "namedtuple", "OrderedDict"])
def test_flatten_one_level_matches_jax(tree):
    children, aux = fg.tree_util.flatten_one_level(tree)
    jchildren, jaux = jax.tree_util.flatten_one_level(tree)
    assert list(children) == list(jchildren) and aux == jaux
    pairs, aux = fg.tree_util.flatten_one_level_with_keys(tree)
    jpairs, jaux = jax.tree_util.flatten_one_level_with_keys(tree)
    assert [c for _, c in pairs] == [c for _, c in jpairs] and aux == jaux
    # JAX 0.10.2 names both namedtuple fields "x" (a JAX bug); compare the keys' text.
    ours = [fg.tree_util.keystr((k,)) for k, _ in pairs]
    expected = ([".x", ".y"] if isinstance(tree, Point)
                else [jax.tree_util.keystr((k,)) for k, _ in jpairs])
    assert ours == expected


def test_flatten_one_level_of_a_registered_class_and_a_leaf():
    @fg.tree_util.register_pytree_node_class
    class Box:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten(self):
            return (self.a, self.b), "meta"

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    children, aux = fg.tree_util.flatten_one_level(Box(1, [2]))
    assert list(children) == [1, [2]] and aux == "meta"
    for leaf in (1, np.ones(2)):
        with pytest.raises(ValueError):
            jax.tree_util.flatten_one_level(leaf)
        with pytest.raises(ValueError, match=r"flatten_one_level: a (int|ndarray) is a leaf"):
            fg.tree_util.flatten_one_level(leaf)
        with pytest.raises(ValueError, match=r"flatten_one_level_with_keys: a .* is a leaf"):
            fg.tree_util.flatten_one_level_with_keys(leaf)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 11])
def test_tree_reduce_associative_matches_jax(n):
    tree = {"a": list(range(n // 2)), "b": tuple(range(n // 2, n))}
    pair = lambda a, b: (a, b)  # noqa: E731 (shows the grouping)
    assert fg.tree_util.tree_reduce_associative(pair, tree) == \
        jax.tree_util.tree_reduce_associative(pair, tree)
    matmul = lambda a, b: a @ b  # noqa: E731 (associative, not commutative)
    mats = [RNG.uniform(-1, 1, (2, 2)) for _ in range(n)]
    np.testing.assert_allclose(fg.tree_util.tree_reduce_associative(matmul, mats),
                               jax.tree_util.tree_reduce_associative(matmul, mats), rtol=1e-12)


def test_tree_reduce_associative_identity_and_is_leaf():
    assert fg.tree_util.tree_reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    with pytest.raises(TypeError):
        jax.tree_util.tree_reduce_associative(lambda a, b: a + b, [])
    with pytest.raises(TypeError, match="tree_reduce_associative: .*no leaves; pass identity="):
        fg.tree_util.tree_reduce_associative(lambda a, b: a + b, [])
    is_leaf = lambda x: isinstance(x, list)  # noqa: E731
    assert fg.tree_util.tree_reduce_associative(lambda a, b: a + b, ([1], [2, 3]),
                                                is_leaf=is_leaf) == [1, 2, 3]


def test_tree_reduce_associative_under_grad():
    x = np.array([0.5, -1.0, 2.0])
    fun = lambda t: fg.tree_util.tree_reduce_associative(lambda a, b: a * b, t)  # noqa: E731
    jfun = lambda t: jax.tree_util.tree_reduce_associative(lambda a, b: a * b, t)  # noqa: E731
    _close(fg.grad(lambda v: fnp.sum(fun([v, v ** 2, fnp.sin(v)])))(x),
           jax.grad(lambda v: jnp.sum(jfun([v, v ** 2, jnp.sin(v)])))(x))


# ---------------------------------------------------------------------------------------
# nn: logmeanexp and sparse_sigmoid (their table rows check derivatives to second order)

X34 = RNG.uniform(-3, 3, (3, 4))
MASK34 = np.array([[True, False, True, True], [False, False, False, False], [True] * 4])


@pytest.mark.parametrize("kw", [{}, {"axis": 1}, {"axis": (0, 1), "keepdims": True},
                                {"axis": 1, "where": MASK34}])
def test_logmeanexp_matches_jax(kw):
    ours = lambda x: fg.nn.logmeanexp(x, **kw)  # noqa: E731
    theirs = lambda x: jax.nn.logmeanexp(x, **kw)  # noqa: E731
    _close(ours(X34), theirs(X34))  # the all-masked row is nan in both
    _close(fg.jit(ours)(X34), theirs(X34))
    loss = lambda f, np_: lambda x: np_.sum(np_.where(np_.isnan(f(x)), 0.0, f(x)))  # noqa: E731
    _close(fg.grad(loss(ours, fnp))(X34), jax.grad(loss(theirs, jnp))(X34))
    _close(fg.vmap(ours)(np.stack([X34, -X34])), jax.vmap(theirs)(np.stack([X34, -X34])))


def test_logmeanexp_extremes_and_integers():
    big = np.array([1000.0, 1000.0, -np.inf])
    _close(fg.nn.logmeanexp(big), jax.nn.logmeanexp(big))
    _close(fg.nn.logmeanexp(np.array([1, 2])), jax.nn.logmeanexp(np.array([1, 2])))
    _close(fg.nn.logmeanexp(np.ones((2, 0)), axis=1), jax.nn.logmeanexp(np.ones((2, 0)), axis=1))


def test_sparse_sigmoid_matches_jax_with_kink_gradients():
    x = np.array([-2.0, -1.0, -0.3, 0.0, 0.7, 1.0, 2.0])
    _close(fg.nn.sparse_sigmoid(x), jax.nn.sparse_sigmoid(x))
    _close(fg.vmap(fg.grad(fg.nn.sparse_sigmoid))(x), jax.vmap(jax.grad(jax.nn.sparse_sigmoid))(x))
    _close(fg.jit(fg.nn.sparse_sigmoid)(x), jax.nn.sparse_sigmoid(x))
    # It is the derivative of sparse_plus, away from the kinks.
    inner = np.array([-0.9, 0.2, 0.95])
    _close(fg.vmap(fg.grad(fg.nn.sparse_plus))(inner), jax.nn.sparse_sigmoid(inner))


def test_logsumexp_of_an_empty_axis_is_minus_inf_as_jax():
    _close(fg.nn.logsumexp(np.ones((2, 0)), axis=1), jax.nn.logsumexp(np.ones((2, 0)), axis=1))


# ---------------------------------------------------------------------------------------
# lax conveniences

A234 = RNG.uniform(-1, 1, (2, 3, 4))


@pytest.mark.parametrize("name,fun,args", [
    ("broadcast_to_rank", lambda lx: lambda x: lx.broadcast_to_rank(x, 4), (A234,)),
    ("broadcast_to_rank_lower", lambda lx: lambda x: lx.broadcast_to_rank(x, 1), (A234,)),
    ("collapse", lambda lx: lambda x: lx.collapse(x, 1), (A234,)),
    ("collapse_stop", lambda lx: lambda x: lx.collapse(x, 0, 2), (A234,)),
    ("collapse_negative", lambda lx: lambda x: lx.collapse(x, -2, -1), (A234,)),
    ("dynamic_update_index_in_dim", lambda lx: lambda x, u: lx.dynamic_update_index_in_dim(
        x, u, 1, 1), (A234, A234[:, 0])),
    ("dynamic_update_index_in_dim_keep", lambda lx: lambda x, u: lx.dynamic_update_index_in_dim(
        x, u, -1, 0), (A234, A234[:1])),
    ("index_take", lambda lx: lambda x: lx.index_take(
        x, (np.array([0, 2, 2]), np.array([1, 0, 3])), (1, 2)), (A234,)),
    ("index_take_one", lambda lx: lambda x: lx.index_take(x, (np.array([3, 0]),), (2,)), (A234,)),
    ("approx_max_k", lambda lx: lambda x: lx.approx_max_k(x, 2), (A234,)),
    ("approx_min_k_dim", lambda lx: lambda x: lx.approx_min_k(x, 2, reduction_dimension=1),
     (A234,)),
    ("approx_max_k_recall", lambda lx: lambda x: lx.approx_max_k(x, 3, recall_target=0.5),
     (A234,)),
    ("optimization_barrier", lambda lx: lambda x, y: lx.optimization_barrier((x * 2, {"y": y})),
     (A234, A234[0])),
], ids=lambda v: v if isinstance(v, str) else "")
def test_lax_names_match_jax(name, fun, args):
    import fungrad.lax as flax

    ours, theirs = fun(flax), fun(jlax)
    _close(ours(*args), theirs(*args))
    _close(fg.jit(ours)(*args), theirs(*args))
    floats = lambda f: lambda *a: [v for v in fg.tree_util.tree_leaves(f(*a))  # noqa: E731
                                   if np.dtype(v.dtype).kind == "f"]
    loss = lambda f, np_: lambda *a: sum(np_.sum(np_.sin(v)) for v in floats(f)(*a))  # noqa: E731
    _close(fg.grad(loss(ours, fnp), tuple(range(len(args))))(*args),
           jax.grad(loss(theirs, jnp), tuple(range(len(args))))(*args))
    check_grads(lambda *a: floats(ours)(*a), args, order=2)
    stacked = np.stack([args[0], -args[0]])
    in_axes = (0,) + (None,) * (len(args) - 1)
    _close(fg.vmap(ours, in_axes=in_axes)(stacked, *args[1:]),
           jax.vmap(theirs, in_axes=in_axes)(stacked, *args[1:]))


def test_lax_broadcast_shapes_and_empty_match_jax():
    from fungrad import lax as flax

    for shapes in [((2, 1), (3,)), ((2, 1),), ((), (4, 1), (1, 5))]:
        assert flax.broadcast_shapes(*shapes) == jlax.broadcast_shapes(*shapes)
    with pytest.raises(ValueError):
        jlax.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match=r"broadcast_shapes: the shapes \[\(2,\), \(3,\)\]"):
        flax.broadcast_shapes((2,), (3,))
    for shape, dtype in [((2, 3), np.float32), (3, np.int64), ((), np.bool_)]:
        _close(flax.empty(shape, dtype), jlax.empty(shape, dtype))
    assert fg.jit(lambda: flax.empty((2,), np.float64))().shape == (2,)


def test_lax_reduce_xor_matches_jax():
    from fungrad import lax as flax

    bools = RNG.uniform(size=(3, 4, 5)) > 0.5
    ints = RNG.integers(-1000, 1000, (3, 4, 5), dtype=np.int32)
    for x in (bools, ints, ints.astype(np.uint8)):
        for axes in [(0,), (1, 2), (0, 1, 2)]:
            _close(flax.reduce_xor(x, axes), jlax.reduce_xor(x, axes))
            _close(fg.jit(lambda v, axes=axes: flax.reduce_xor(v, axes))(x),
                   jlax.reduce_xor(x, axes))
        _close(fg.vmap(lambda v: flax.reduce_xor(v, (1,)), in_axes=2)(x),
               jax.vmap(lambda v: jlax.reduce_xor(v, (1,)), in_axes=2)(x))
    with pytest.raises(TypeError):
        jlax.reduce_xor(np.ones(2), (0,))
    for name in ("reduce_and", "reduce_or", "reduce_xor"):
        with pytest.raises(TypeError):
            getattr(jlax, name)(np.ones(2), (0,))
        with pytest.raises(TypeError, match=f"{name}: operand has dtype float64.*x != 0"):
            getattr(flax, name)(np.ones(2), (0,))


def test_lax_nextafter_matches_jax_and_passes_x1s_tangent():
    from fungrad import lax as flax

    x = np.array([1.0, -0.0, 0.0, 3.5, np.inf, -1e-308])
    y = np.array([2.0, 1.0, -1.0, 3.5, 0.0, -np.inf])
    _close(flax.nextafter(x, y), jlax.nextafter(x, y), tol=0)
    _close(flax.nextafter(x.astype(np.float32), np.float32(0)),
           jlax.nextafter(x.astype(np.float32), np.float32(0)), tol=0)
    _close(fg.jit(flax.nextafter)(x, y), jlax.nextafter(x, y), tol=0)
    _close(fg.vmap(flax.nextafter, in_axes=(0, None))(np.stack([x, y]), y),
           jax.vmap(jlax.nextafter, in_axes=(0, None))(np.stack([x, y]), y), tol=0)
    # JAX raises NotImplementedError for its derivative; fungrad's is 1 in x1, 0 in x2.
    with pytest.raises(NotImplementedError):
        jax.grad(lambda v: jlax.nextafter(v, 2.0))(1.0)
    assert fg.grad(lambda v: flax.nextafter(v, 2.0))(1.0) == 1.0
    assert fg.grad(lambda w: flax.nextafter(1.0, w))(2.0) == 0.0
    check_grads(lambda v: flax.nextafter(v, np.full(3, 5.0)), (np.array([0.5, 1.0, 2.0]),),
                order=2)
    with pytest.raises(TypeError, match="nextafter: operand x1 has dtype int64"):
        flax.nextafter(np.array([1]), np.array([2]))


def test_lax_conv_with_general_padding_matches_jax_in_fungrads_layout():
    from fungrad import lax as flax

    lhs, rhs = RNG.uniform(-1, 1, (2, 7, 3)), RNG.uniform(-1, 1, (3, 3, 4))  # NWC, WIO
    ours = lambda a, b: flax.conv_with_general_padding(a, b, (2,), [(1, 2)], (2,), (1,))  # noqa: E731

    def theirs(a, b):  # JAX's default layout is channels first: NCW, OIW
        out = jlax.conv_with_general_padding(jnp.moveaxis(a, -1, 1), jnp.transpose(b, (2, 1, 0)),
                                             (2,), [(1, 2)], (2,), (1,))
        return jnp.moveaxis(out, 1, -1)

    _check_all(ours, theirs, lhs, rhs)


# ---------------------------------------------------------------------------------------
# Top level: ensure_compile_time_eval, typeof, devices, option context managers


def test_ensure_compile_time_eval_gives_concrete_values_under_jit():
    seen = []

    def f(x):
        with fg.ensure_compile_time_eval():
            n = fnp.sum(fnp.arange(4.0))  # no traced operand: computed now
            staged = x * 2.0  # a traced operand: staged as usual
        seen.append((n, staged))
        scale = float(n)  # concrete, so Python may read it
        return x * scale if n > 5 else x

    def jf(x):
        with jax.ensure_compile_time_eval():
            n = jnp.sum(jnp.arange(4.0))
            big = bool(n > 5)  # JAX's values stay concrete only inside the block
        return x * float(n) if big else x

    out = fg.jit(f)(np.array([1.0, 2.0]))
    _close(out, jax.jit(jf)(np.array([1.0, 2.0])))
    n, staged = seen[-1]
    assert not isinstance(n, fg.core.Tracer) and float(n) == 6.0
    assert isinstance(staged, fg.core.Tracer)
    # The constant is baked in: the program holds the product by 6, no arange or sum.
    text = str(fg.make_jaxpr(f)(np.ones(2)))
    assert "iota" not in text and "reduce_sum" not in text
    # Outside the block staging is back, and grad/vmap of the jitted function work.
    _close(fg.grad(lambda x: fnp.sum(fg.jit(f)(x)))(np.ones(2)), np.full(2, 6.0))
    _close(fg.vmap(fg.jit(f))(np.ones((3, 2))), np.full((3, 2), 6.0))
    with pytest.raises(fg.errors.ConcretizationError):
        fg.jit(lambda x: fnp.sum(x) > 0 and x)(np.ones(2))
    assert not fg.core._context.compile_time_eval


def test_ensure_compile_time_eval_restores_after_an_error():
    with pytest.raises(ValueError):
        with fg.ensure_compile_time_eval():
            raise ValueError("inside")
    assert not fg.core._context.compile_time_eval


@pytest.mark.parametrize("value", [np.ones((2, 3), np.float32), np.arange(3), 1.0, 2, True,
                                   np.float64(1.5)], ids=["f32", "i64", "float", "int", "bool",
                                                           "np_scalar"])
def test_typeof_matches_jax(value):
    ours, theirs = fg.typeof(value), jax.typeof(value)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert ours.weak_type == theirs.weak_type
    seen = []
    fg.jit(lambda x: seen.append(fg.typeof(x)) or x)(value)
    assert seen[0].shape == theirs.shape and seen[0].dtype == theirs.dtype
    with pytest.raises(TypeError):
        jax.typeof([1.0])
    with pytest.raises(TypeError, match="fg.typeof: .*list is not an array"):
        fg.typeof([1.0])


def test_local_device_count_and_default_device():
    assert fg.local_device_count() == fg.device_count() == len(fg.local_devices())
    assert fg.local_device_count("cpu") == 1
    assert fg.default_device.value is None
    for device in ("cpu", fg.devices("cpu")[0]):
        with fg.default_device(device):
            assert fg.default_device.value == device
            assert fg.device_put(np.ones(2)).device == fg.devices("cpu")[0]
        assert fg.default_device.value is None
    with pytest.raises(ValueError, match="default_device' takes None, a device"):
        with fg.default_device(3):
            pass
    with pytest.raises(TypeError, match=r"fg.default_device\(\) needs a value"):
        fg.default_device()


def test_log_compiles_logs_each_trace(caplog):
    f = fg.jit(lambda x: x + 1.0)
    with fg.log_compiles(True), caplog.at_level("WARNING", logger="fungrad.jit"):
        f(np.ones(2))
        f(np.ones(2))  # cached: no second message
        f(np.ones(3, np.float32))
    messages = [r.getMessage() for r in caplog.records if r.name == "fungrad.jit"]
    assert len(messages) == 2 and all(m.startswith("Compiling jit of `") for m in messages)
    assert messages[0].endswith("<lambda>` for arguments f64[2]")
    assert messages[1].endswith("<lambda>` for arguments f32[3]")
    caplog.clear()
    fg.jit(lambda x: x * 3.0)(np.ones(2))
    assert not [r for r in caplog.records if r.name == "fungrad.jit"]


@pytest.mark.parametrize("name,accepted,declined", [
    ("numpy_dtype_promotion", ["standard"], ["strict"]),
    ("numpy_rank_promotion", ["allow"], ["warn", "raise"]),
    ("default_matmul_precision", [None, "highest", "bfloat16", "tensorfloat32", "float32",
                                  "F64_F64_F64"], []),
    ("enable_checks", [True, False], []),
    ("debug_key_reuse", [False], [True]),
    ("log_compiles", [True, False], []),
    ("transfer_guard_host_to_device", [None, "allow"], ["log", "disallow", "log_explicit",
                                                         "disallow_explicit"]),
    ("transfer_guard_device_to_host", ["allow"], ["disallow"]),
    ("transfer_guard_device_to_device", ["allow"], ["log"]),
])
def test_option_context_managers_take_jaxs_values(name, accepted, declined):
    ours, theirs = getattr(fg, name), getattr(jax, name)
    before = ours.value
    assert before == getattr(jax.config, f"jax_{name}")  # the same default as JAX
    for value in accepted:
        with theirs(value):
            pass
        with ours(value):
            assert ours.value == value and fg.config.values[name] == value
        assert ours.value == before
    for value in declined:
        with theirs(value):  # JAX accepts it; fungrad says it cannot honour it
            pass
        with pytest.raises(NotImplementedError, match=f"'{name}'={value!r} is not supported"):
            with ours(value):
                pass
        assert ours.value == before
    for bad in ("bogus", 3):
        if not isinstance(before, bool):  # JAX's boolean options take any value's truth
            with pytest.raises((TypeError, ValueError)):
                with theirs(bad):
                    pass
        with pytest.raises((TypeError, ValueError), match=name):
            with ours(bad):
                pass


def test_transfer_guard_sets_all_three():
    with fg.transfer_guard("allow"):
        assert [fg.transfer_guard_host_to_device.value, fg.transfer_guard_device_to_host.value,
                fg.transfer_guard_device_to_device.value] == ["allow"] * 3
    assert fg.transfer_guard_host_to_device.value is None
    with pytest.raises(NotImplementedError, match="transfer_guard_host_to_device"):
        with fg.transfer_guard("disallow"):
            pass
    assert fg.transfer_guard_device_to_host.value is None


def test_default_matmul_precision_changes_nothing():
    a = RNG.uniform(-1, 1, (4, 4))
    with fg.default_matmul_precision("bfloat16"):
        low = fg.jit(lambda x: x @ x)(a)
    np.testing.assert_array_equal(low, a @ a)


def test_nextafter_at_the_largest_float_and_fnp_sharing_the_primitive():
    from fungrad import lax as flax

    big = np.array([np.finfo(np.float64).max, -np.finfo(np.float64).max, 5e-324])
    toward = np.array([np.inf, -np.inf, 0.0])
    _close(flax.nextafter(big, toward), jlax.nextafter(big, toward), tol=0)  # no warning
    _close(fnp.nextafter(big, toward), jnp.nextafter(big, toward), tol=0)
    text = str(fg.make_jaxpr(lambda a, b: fnp.nextafter(a, b))(big, 1.0))
    assert "nextafter" in text
    _close(fg.grad(lambda v: fnp.nextafter(v, 0))(2.0), np.float64(1.0))
