"""Walk the Tracer method table: every routed name is a fungrad.numpy function that works.

Each operator, comparison, unary operator, method and property that
``fungrad/numpy/tracer_methods.py`` installs is called on a tracer under ``jit`` and
compared with NumPy's ndarray on the same values.
"""

import operator

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.numpy import tracer_methods as tm

ROUTES = ([(f"__{op}__", name) for op, name in tm.BINARY_OPERATORS.items()]
          + [(f"__{op}__", name) for op, name in tm.COMPARISONS.items()]
          + [(f"__{op}__", name) for op, name in tm.UNARY_OPERATORS.items()]
          + [(name, name) for name in tm.METHODS]
          + [(name, name) for name in tm.PROPERTIES])

F = np.array([[0.5, -1.25, 2.0, 0.0], [3.0, -0.75, 1.5, -2.5], [0.25, 1.0, -3.0, 2.25]])
I = np.array([[5, -3, 12, 0], [7, 1, -8, 2], [3, 9, -1, 6]])  # noqa: E741
SHIFT = np.array([[0, 1, 2, 3], [4, 5, 1, 0], [2, 2, 3, 1]])
INTEGER_OPS = {"and", "or", "xor", "lshift", "rshift", "invert"}
METHOD_ARGS = {  # arguments for methods that need them (NumPy's ndarray takes the same)
    "swapaxes": (0, 1), "clip": (-1.0, 1.0), "dot": (F.T,), "repeat": (2,),
    "take": (np.array([0, 5]),),
}


def _operands(op: str):
    if op in INTEGER_OPS:
        return I, (SHIFT if op in ("lshift", "rshift") else I[::-1])
    return (np.abs(F) + 0.5, F[::-1]) if op == "pow" else (F, F[::-1] + 4.0)


def _check_binary(op: str, transform: str):
    x, y = _operands(op)
    if op == "matmul":
        y = y.T
    forward = getattr(operator, f"__{op}__")
    want = forward(x, y)
    if transform == "vmap":  # a batch of two equal examples
        np.testing.assert_array_equal(fg.vmap(lambda a: forward(a, y))(np.stack([x, x]))[1],
                                      want)
        np.testing.assert_array_equal(fg.vmap(lambda b: forward(x, b))(np.stack([y, y]))[1],
                                      want)
        return
    wrap = fg.jit if transform == "jit" else _under_jvp
    np.testing.assert_array_equal(wrap(lambda a: forward(a, y))(x), want)
    np.testing.assert_array_equal(wrap(lambda b: forward(x, b))(y), want)


def _under_jvp(f):
    """f called on a JVP tracer (float inputs only: integers get no JVP tracers)."""
    return lambda a: fg.jvp(f, (a,), (np.ones_like(a),))[0]


def _check_method(attr: str, transform: str):
    x = I if attr in ("__invert__",) else F
    args = METHOD_ARGS.get(attr, ())
    method = getattr(x, attr, None) or (lambda *a: getattr(np, attr)(x, *a))  # NumPy 2: np.ptp
    want = method(*args)
    kwargs = {"size": len(want[0])} if attr == "nonzero" else {}  # traced: needs a size

    def f(a):
        return getattr(a, attr)(*args, **kwargs)

    if transform == "jit":
        got = fg.jit(f)(x)
    elif transform == "jvp":
        got = _under_jvp(f)(x)
    else:
        got = fg.tree_util.tree_map(lambda o: o[1], fg.vmap(f)(np.stack([x, x])))
    for g, w in zip(fg.tree_util.tree_leaves(got), fg.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-13)


# (jvp x integer-only operators is not generated: integer values never become JVP tracers,
# their tangents are float0)
ROUTE_CELLS = [(attr, name, transform) for attr, name in ROUTES
               for transform in ("jit", "vmap", "jvp")
               if not (transform == "jvp" and attr.strip("_") in INTEGER_OPS)]


@pytest.mark.parametrize("attr, name, transform", ROUTE_CELLS,
                         ids=[f"{a}-{t}" for a, _, t in ROUTE_CELLS])
def test_routed_name_exists_and_works_on_a_tracer(attr, name, transform):
    assert callable(getattr(fnp, name, None)), f"Tracer.{attr} routes to missing fnp.{name}"
    op = attr.strip("_")
    if op in tm.BINARY_OPERATORS or op in tm.COMPARISONS:
        _check_binary(op, transform)
    elif name in tm.PROPERTIES:
        np.testing.assert_array_equal(fg.jit(lambda a: getattr(a, attr))(F), getattr(F, attr))
    else:
        _check_method(attr, transform)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_table_entry_is_installed_and_not_shadowed_by_a_tracer_subclass():
    # A tracer's own attribute (a slot named `var`, say) would hide the method x.var().
    for attr, _ in ROUTES:
        assert hasattr(fg.core.Tracer, attr), attr
        for cls in _subclasses(fg.core.Tracer):
            owner = next(k for k in cls.__mro__ if attr in vars(k))
            assert owner is fg.core.Tracer, f"{cls.__name__}.{attr} shadows Tracer.{attr}"


@pytest.mark.parametrize("transform", ["jit", "jvp"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_flatten_takes_order_as_ndarray_and_jax_do(order, transform):
    # x.flatten('F') on a tracer raised TypeError (flatten took no arguments).
    wrap = fg.jit if transform == "jit" else _under_jvp
    np.testing.assert_array_equal(wrap(lambda a: a.flatten(order))(F), F.flatten(order))
    np.testing.assert_array_equal(wrap(lambda a: a.flatten(order=order))(F), F.flatten(order))


def test_flatten_order_f_gradient():
    g = fg.grad(lambda a: fnp.sum(a.flatten("F") * np.arange(12.0)))(F)
    np.testing.assert_array_equal(g, np.arange(12.0).reshape(4, 3).T)
