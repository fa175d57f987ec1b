"""Bad arguments to constructors, samplers, creation functions and loops raise errors that
name the function and the argument, not NumPy's or Python's internals."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax, nn, random

KEY = random.key(0)

CASES = [
    # (what, call, error type, fragments the message must contain)
    ("Linear str size", lambda: nn.Linear("3", 2, key=KEY), TypeError,
     ["Linear", "in_features", "'3'"]),
    ("Linear float size", lambda: nn.Linear(3, 2.5, key=KEY), TypeError,
     ["Linear", "out_features", "2.5"]),
    ("LSTMCell zero hidden", lambda: nn.LSTMCell(3, 0, key=KEY), ValueError,
     ["LSTMCell", "hidden_size", ">= 1"]),
    ("Embedding str", lambda: nn.Embedding(10, "x", key=KEY), TypeError,
     ["Embedding", "embedding_size"]),
    ("Conv2d float channels", lambda: nn.Conv2d(3, 4.0, 3, key=KEY), TypeError,
     ["Conv2d", "out_channels"]),
    ("MultiheadAttention str", lambda: nn.MultiheadAttention(2, "4", key=KEY), TypeError,
     ["MultiheadAttention", "query_size"]),
    ("BatchNorm negative", lambda: nn.BatchNorm(-1), ValueError, ["BatchNorm", "num_features"]),
    ("LayerNorm str", lambda: nn.LayerNorm(["a"]), TypeError, ["LayerNorm", "shape"]),
    ("bernoulli str p", lambda: random.bernoulli(KEY, "a"), TypeError, ["bernoulli", "p", "'a'"]),
    ("uniform None minval", lambda: random.uniform(KEY, (2,), minval=None), TypeError,
     ["uniform", "minval"]),
    ("gamma str a", lambda: random.gamma(KEY, "x"), TypeError, ["gamma", "a"]),
    ("ones str shape", lambda: fnp.ones("a"), TypeError, ["fnp.ones", "shape", "'a'"]),
    ("zeros float shape", lambda: fnp.zeros((2, 2.0)), TypeError, ["fnp.zeros", "2.0"]),
    ("zeros negative", lambda: fnp.zeros((2, -1)), ValueError, ["fnp.zeros", "-1"]),
    ("full str value", lambda: fnp.full((2,), "a"), TypeError, ["fnp.full", "numbers"]),
    ("asarray str", lambda: fnp.asarray("abc"), TypeError, ["fnp.asarray", "<U3"]),
    ("array object", lambda: fnp.array(object()), TypeError, ["fnp.asarray", "object"]),
    ("fori_loop str bound", lambda: lax.fori_loop(0, "a", lambda i, c: c, 0.0), TypeError,
     ["fori_loop", "upper"]),
    ("lax.slice past the end", lambda: lax.slice(fnp.arange(6.0), (0,), (9,)), ValueError,
     ["lax.slice", "limit 9", "size 6"]),
    ("lax.slice wrong rank", lambda: lax.slice(fnp.ones((2, 2)), (0,), (1,)), TypeError,
     ["lax.slice", "one entry per dimension"]),
    ("lax.transpose partial permutation", lambda: lax.transpose(fnp.ones((2, 3)), (0,)),
     TypeError, ["lax.transpose", "(0,)", "shape (2, 3)"]),
    ("lax.reshape -1", lambda: lax.reshape(fnp.ones(2), (-1,)), TypeError,
     ["lax.reshape", ">= 0"]),
    ("lax.pad below zero", lambda: lax.pad(fnp.ones(3), 0.0, ((-2, -2, 0),)), ValueError,
     ["lax.pad", "shape (3,)"]),
    ("concatenate float axis",
     lambda: fnp.concatenate([fnp.ones((2, 2)), fnp.ones((2, 2))], axis=1.0), TypeError,
     ["fnp.concatenate", "axis", "1.0", "int(1.0)"]),
    ("argmin float axis", lambda: fnp.argmin(fnp.arange(4.0), axis=0.5), TypeError,
     ["fnp.argmin", "axis", "0.5"]),
    ("linspace float num", lambda: fnp.linspace(0, 1, num=2.5), TypeError,
     ["fnp.linspace", "num", "2.5", "int(2.5)"]),
    ("tile float reps", lambda: fnp.tile(fnp.arange(4.0), 2.5), TypeError,
     ["fnp.tile", "reps", "2.5", "int(2.5)"]),
    ("repeat float repeats", lambda: fnp.repeat(fnp.arange(4.0), 2.5), TypeError,
     ["fnp.repeat", "repeats", "2.5", "int(2.5)"]),
    ("pad float width", lambda: fnp.pad(fnp.arange(4.0), 1.5), TypeError,
     ["fnp.pad", "pad_width", "1.5", "int(1.5)"]),
    ("tri negative N", lambda: fnp.tri(-2), TypeError, ["fnp.tri", "N", "-2", ">= 0"]),
    ("zeros str dtype", lambda: fnp.zeros(3, dtype=str), TypeError,
     ["fnp.zeros", "dtype", "str", "numeric dtype"]),
    ("zeros object dtype", lambda: fnp.zeros(3, dtype=object), TypeError,
     ["fnp.zeros", "dtype", "object", "numeric dtype"]),
    ("arange complex", lambda: fnp.arange(1 + 2j), ValueError,
     ["fnp.arange", "start", "(1+2j)", "real"]),
    ("one_hot negative classes", lambda: nn.one_hot(fnp.arange(3), -1), TypeError,
     ["one_hot", "num_classes", "-1", ">= 0"]),
    ("one_hot float classes", lambda: nn.one_hot(fnp.arange(3), 2.5), TypeError,
     ["one_hot", "num_classes", "2.5", "int(2.5)"]),
    ("choice negative n", lambda: random.choice(KEY, -3), ValueError,
     ["choice", "a=-3", "negative", ">= 1"]),
    ("register_pytree_node not callable",
     lambda: fg.tree_util.register_pytree_node(type("C", (), {}), "notcallable", None),
     TypeError, ["register_pytree_node", "flatten_func", "'notcallable'", "function"]),
    ("custom_linear_solve wrong shape",
     lambda: lax.custom_linear_solve(lambda v: 2 * v, fnp.ones(3), lambda mv, r: fnp.ones(2)),
     ValueError, ["custom_linear_solve", "solve", "[(2,)]", "[(3,)]", "shaped like b"]),
    ("dynamic_slice float start", lambda: lax.dynamic_slice(fnp.arange(4.0), (1.5,), (2,)),
     TypeError, ["lax.dynamic_slice", "start index 0", "1.5", "integer"]),
    ("select float pred", lambda: lax.select(fnp.ones(3), fnp.ones(3), fnp.zeros(3)),
     TypeError, ["lax.select", "pred", "float64", "boolean"]),
    ("jit donate_argnums out of range", lambda: fg.jit(lambda a, b: a + b, donate_argnums=5),
     ValueError, ["jit of", "donate_argnums=(5,)", "2 positional arguments", "-2 to 1"]),
    ("jit donated static argument",
     lambda: fg.jit(lambda a, b: a + b, donate_argnums=0, static_argnums=0), ValueError,
     ["jit of", "['a']", "static and donated"]),
    ("jit unknown donate_argnames", lambda: fg.jit(lambda a, b: a + b, donate_argnames="zz"),
     ValueError, ["jit of", "donate_argnames ['zz']", "not parameters", "['a', 'b']"]),
    ("checkpoint static_argnums out of range",
     lambda: fg.checkpoint(lambda a, b: a * b, static_argnums=5)(1.0, 2.0), ValueError,
     ["checkpoint of", "static_argnums=(5,)", "2 positional arguments", "[5]"]),
    ("reshape float shape", lambda: fnp.reshape(fnp.arange(6.0), (2.0, 3)), TypeError,
     ["fnp.reshape", "shape[0]", "2.0", "int(2.0)"]),
    ("broadcast_to float shape", lambda: fnp.broadcast_to(fnp.ones(1), (2.5,)), TypeError,
     ["fnp.broadcast_to", "shape[0]", "2.5", "int(2.5)"]),
    ("lax.reshape float size", lambda: lax.reshape(fnp.arange(6.0), (2.0, 3)), TypeError,
     ["lax.reshape", "new_sizes[0]", "2.0", "int(2.0)"]),
    ("lax.broadcast_in_dim float size",
     lambda: lax.broadcast_in_dim(fnp.ones(1), (2.5,), (0,)), TypeError,
     ["lax.broadcast_in_dim", "shape[0]", "2.5", "int(2.5)"]),
    ("diff float n", lambda: fnp.diff(fnp.arange(6.0), n=1.5), TypeError,
     ["fnp.diff", "n must be", "1.5", "int(1.5)"]),
    ("fft float n", lambda: fnp.fft.fft(fnp.arange(6.0), n=2.5), TypeError,
     ["fnp.fft.fft", "n must be", "2.5", "int(2.5)"]),
    ("fftn float s", lambda: fnp.fft.fftn(fnp.arange(6.0), s=(2.5,)), TypeError,
     ["fnp.fft.fftn", "s[0]", "2.5", "int(2.5)"]),
    ("sum float axis in a tuple", lambda: fnp.sum(fnp.ones((2, 3)), axis=(0.0,)), TypeError,
     ["fnp.sum", "axis[0]", "0.0", "int(0.0)"]),
    ("partition float kth", lambda: fnp.partition(fnp.arange(6.0), 1.5), TypeError,
     ["fnp.partition", "kth", "1.5", "int(1.5)"]),
    ("diagonal float offset", lambda: fnp.diagonal(fnp.ones((3, 3)), offset=1.5), TypeError,
     ["fnp.diagonal", "offset", "1.5", "int(1.5)"]),
    ("diag float k", lambda: fnp.diag(fnp.ones((3, 3)), k=1.5), TypeError,
     ["fnp.diag", "k must be", "1.5", "int(1.5)"]),
    # eye's k and trace's offset: jax.numpy raises ValueError, NumPy TypeError (the error
    # is both); eye(2, k=1.0) was truncated and accepted
    ("eye float k", lambda: fnp.eye(2, k=1.0), ValueError, ["fnp.eye", "k must be", "1.0",
                                                             "int(1.0)"]),
    ("eye float k numpy", lambda: fnp.eye(2, k=1.5), TypeError, ["fnp.eye", "k must be"]),
    ("trace float offset", lambda: fnp.trace(fnp.ones((3, 3)), offset=1.5), ValueError,
     ["fnp.trace", "offset must be", "1.5", "int(1.5)"]),
    ("linalg.trace float offset", lambda: fnp.linalg.trace(fnp.ones((3, 3)), offset=1.0),
     TypeError, ["fnp.trace", "offset must be", "1.0"]),
    # an integer base to a negative Python int power: NumPy's ValueError (its own message),
    # jax.numpy's TypeError; the error is both and names the fix
    ("power negative int exponent", lambda: fnp.power(fnp.arange(3), -2), TypeError,
     ["fnp.power", "int64", "-2", "fnp.power(x.astype(float), -2)", "-2.0"]),
    ("power negative int exponent numpy", lambda: fnp.power(np.array([True]), -1), ValueError,
     ["fnp.power", "bool", "-1"]),
    ("split float index", lambda: fnp.split(fnp.arange(6.0), [1.5]), TypeError,
     ["fnp.split", "indices_or_sections[0]", "1.5", "int(1.5)"]),
    ("rollaxis float start", lambda: fnp.rollaxis(fnp.ones((3, 3)), 0, start=1.5), TypeError,
     ["fnp.rollaxis", "start", "1.5", "int(1.5)"]),
    ("vander float N", lambda: fnp.vander(fnp.arange(3.0), N=2.5), TypeError,
     ["fnp.vander", "N must be", "2.5", "int(2.5)"]),
    ("indices float dimension", lambda: fnp.indices((2.5,)), TypeError,
     ["fnp.indices", "dimensions[0]", "2.5", "int(2.5)"]),
    ("unravel_index float shape", lambda: fnp.unravel_index(fnp.asarray(1), (2.5,)), TypeError,
     ["fnp.unravel_index", "shape[0]", "2.5", "int(2.5)"]),
    ("mask_indices float n", lambda: fnp.mask_indices(2.5, fnp.triu), TypeError,
     ["fnp.mask_indices", "n must be", "2.5", "int(2.5)"]),
    ("ravel_multi_index float dims",
     lambda: fnp.ravel_multi_index((fnp.asarray([1]),), dims=(2.5,)), TypeError,
     ["fnp.ravel_multi_index", "dims[0]", "2.5", "int(2.5)"]),
    ("resize float shape", lambda: fnp.resize(fnp.arange(6.0), 2.5), TypeError,
     ["fnp.resize", "new_shape", "2.5", "int(2.5)"]),
    ("eye float N", lambda: fnp.eye(2.0), TypeError, ["fnp.eye", "N must be", "2.0", "int(2.0)"]),
    ("pad bool width", lambda: fnp.pad(fnp.arange(4.0), True), TypeError,
     ["fnp.pad", "pad_width", "booleans True", "pass ints"]),
    ("jit static_argnums out of range", lambda: fg.jit(lambda a, b: a + b, static_argnums=5),
     ValueError, ["jit of", "static_argnums=(5,)", "2 positional arguments", "-2 to 1",
                  "static_argnames"]),
    ("dynamic_slice bool start", lambda: lax.dynamic_slice(fnp.arange(4.0), (True,), (2,)),
     TypeError, ["lax.dynamic_slice", "start index 0", "True", "bool", "integer"]),
    ("lax.transpose float permutation", lambda: lax.transpose(fnp.ones((2, 3)), (1.0, 0)),
     TypeError, ["lax.transpose", "permutation[0]", "1.0", "int(1.0)"]),
    ("lax.squeeze float dimension", lambda: lax.squeeze(fnp.ones((1, 3)), (0.0,)), TypeError,
     ["lax.squeeze", "dimensions[0]", "0.0", "int(0.0)"]),
    ("lax.expand_dims float dimension", lambda: lax.expand_dims(fnp.ones(3), (0.5,)),
     TypeError, ["lax.expand_dims", "dimensions[0]", "0.5", "int(0.5)"]),
    ("lax.rev float dimension", lambda: lax.rev(fnp.ones(3), (0.0,)), TypeError,
     ["lax.rev", "dimensions[0]", "0.0", "int(0.0)"]),
    ("lax.slice float start", lambda: lax.slice(fnp.arange(4.0), (1.0,), (3,)), TypeError,
     ["lax.slice", "start_indices[0]", "1.0", "int(1.0)"]),
    ("lax.slice float stride", lambda: lax.slice(fnp.arange(4.0), (1,), (3,), (1.5,)),
     TypeError, ["lax.slice", "strides[0]", "1.5", "int(1.5)"]),
    ("lax.iota float size", lambda: lax.iota(np.float32, 2.5), TypeError,
     ["lax.iota", "size must be", "2.5", "int(2.5)"]),
    ("lax.broadcasted_iota float shape",
     lambda: lax.broadcasted_iota(np.float32, (2.0, 3), 1), TypeError,
     ["lax.broadcasted_iota", "shape[0]", "2.0", "int(2.0)"]),
    ("lax.full float shape", lambda: lax.full((2.5,), 1.0), TypeError,
     ["lax.full", "shape[0]", "2.5", "int(2.5)"]),
    ("lax.broadcast float size", lambda: lax.broadcast(fnp.ones(3), (2.0,)), TypeError,
     ["lax.broadcast", "sizes[0]", "2.0", "int(2.0)"]),
    ("lax.concatenate float dimension",
     lambda: lax.concatenate([fnp.ones(2), fnp.ones(2)], 0.0), TypeError,
     ["lax.concatenate", "dimension must be", "0.0", "int(0.0)"]),
    ("lax.pad float padding", lambda: lax.pad(fnp.ones(3), 0.0, ((1.5, 0, 0),)), TypeError,
     ["lax.pad", "padding_config[0][0]", "1.5", "int(1.5)"]),
    ("lax.reduce_sum float axis", lambda: lax.reduce_sum(fnp.ones(3), (0.0,)), TypeError,
     ["lax.reduce_sum", "axes[0]", "0.0", "int(0.0)"]),
    ("lax.reduce_max float axis", lambda: lax.reduce_max(fnp.ones(3), (0.5,)), TypeError,
     ["lax.reduce_max", "axes[0]", "0.5", "int(0.5)"]),
    ("lax.argmax float axis", lambda: lax.argmax(fnp.ones(3), 0.0, np.int32), TypeError,
     ["lax.argmax", "axis must be", "0.0", "int(0.0)"]),
    ("broadcast_shapes float size", lambda: fnp.broadcast_shapes((2.0,), (1,)), TypeError,
     ["fnp.broadcast_shapes", "shapes[0][0]", "2.0", "int(2.0)"]),
    ("diagflat float k", lambda: fnp.diagflat(fnp.ones(3), k=1.5), TypeError,
     ["fnp.diagflat", "k must be", "1.5", "int(1.5)"]),
    ("take_along_axis float axis",
     lambda: fnp.take_along_axis(fnp.arange(4.0), fnp.asarray([0, 1]), axis=0.0), TypeError,
     ["fnp.take_along_axis", "axis must be", "0.0", "int(0.0)"]),
    ("save missing folder", lambda: fg.save("/nonexistent-fungrad/x.npz", {"a": 1.0}),
     FileNotFoundError, ["save", "/nonexistent-fungrad", "does not exist"]),
]


@pytest.mark.parametrize("what, call, error, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_error_names_the_function_and_argument(what, call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{what}: {fragment!r} missing from {message!r}"


def test_good_inputs_still_work():
    assert nn.Linear(3, 2, key=KEY).out_features == 2
    assert fnp.zeros((2, 0)).shape == (2, 0)
    assert fnp.tri(0).shape == (0, 0) and fnp.tri(2, 0).shape == (2, 0)
    assert nn.one_hot(fnp.arange(3), 0).shape == (3, 0)
    assert nn.one_hot(fnp.arange(3), np.int64(3)).shape == (3, 3)
    assert random.choice(KEY, -3, (0,)).shape == (0,)  # no samples taken, as in JAX
    assert random.permutation(KEY, -3).shape == (0,)  # range(-3) is empty, as in JAX
    assert float(fg.jit(lambda a, *rest: a, donate_argnums=3)(1.0)) == 1.0  # *args: any
    assert float(fg.jit(lambda a, b: a + b, donate_argnums=-1)(1.0, 2.0)) == 3.0
    assert float(fg.jit(lambda a, *rest: a, static_argnums=5)(1.0)) == 1.0  # *args: any
    assert float(fg.jit(lambda a, b, *, c=1.0: a * b + c, static_argnums=-1)(2.0, 3)) == 7.0
    power = fg.checkpoint(lambda x, n=2: x ** n, static_argnames="n")
    assert float(fg.grad(power)(3.0)) == 6.0  # the default fills the static position
    assert fnp.asarray([True, False]).dtype == bool
    assert fnp.eye(2, k=np.int32(1))[0, 1] == 1 and fnp.eye(3, k=np.array(-1))[1, 0] == 1
    assert float(fnp.trace(fnp.ones((3, 3)), offset=np.int64(1))) == 2.0
    assert fnp.reshape(fnp.arange(6.0), (np.int64(2), np.array(3))).shape == (2, 3)
    assert lax.broadcast_in_dim(fnp.ones(1), (np.int64(2),), (np.int64(0),)).shape == (2,)
    assert fg.jit(lambda x: fnp.broadcast_to(x, (np.int64(2), 3)))(fnp.ones(3)).shape == (2, 3)
    assert fnp.diff(fnp.arange(6.0), n=np.array(2)).shape == (4,)
    assert fnp.sum(fnp.ones((2, 3)), axis=(np.int64(0), np.array(1))).shape == ()
    assert fg.vmap(lambda r: fnp.sum(r, axis=(np.int64(0),)))(fnp.ones((4, 2, 3))).shape == (4, 3)
    assert fnp.partition(fnp.arange(6.0), np.array(2)).shape == (6,)
    assert fg.jit(lambda v: fnp.diag(v, k=np.int64(1)))(fnp.arange(3.0)).shape == (4, 4)
    assert [p.shape for p in fnp.split(fnp.arange(6.0), np.array([2, 4]))] == [(2,)] * 3
    assert fg.vmap(lambda v: fnp.vander(v, N=np.int64(2)))(fnp.ones((4, 3))).shape == (4, 3, 2)
    assert fnp.indices((np.int64(2), np.array(3))).shape == (2, 2, 3)
    assert fg.vmap(lambda v: fnp.resize(v, np.int64(4)))(fnp.ones((2, 3))).shape == (2, 4)
    assert fnp.eye(np.array(2), np.int64(3), k=np.int64(1)).shape == (2, 3)
    assert fnp.pad(fnp.arange(4.0), ((True, 2),)).shape == (7,)  # an int array, as in NumPy
    assert fg.jit(lambda x: fnp.fft.fft(x, n=np.int64(4)))(fnp.arange(6.0)).shape == (4,)
    i1, i0 = np.int64(1), np.array(0)
    assert lax.transpose(fnp.ones((2, 3)), (i1, i0)).shape == (3, 2)
    assert lax.squeeze(fnp.ones((1, 3)), np.array([0])).shape == (3,)
    assert lax.slice(fnp.arange(4.0), (i1,), (np.int32(3),), (i1,)).shape == (2,)
    assert lax.iota(np.float32, np.int64(3)).shape == (3,) and lax.full(i1, 0.0).shape == (1,)
    assert lax.pad(fnp.ones(3), 0.0, ((i1, i0, 0),)).shape == (4,)
    assert lax.concatenate([fnp.ones(2), fnp.ones(2)], i0).shape == (4,)
    assert float(lax.reduce_sum(fnp.ones((2, 3)), (i0, i1))) == 6.0
    assert int(lax.argmax(fnp.arange(3.0), i0, np.int32)) == 2
    assert fg.jit(lambda x: lax.reduce_max(lax.rev(x, (i0,)), (i0,)))(fnp.arange(3.0)) == 2.0
    assert fg.vmap(lambda x: lax.expand_dims(x, (i0,)))(fnp.ones((4, 3))).shape == (4, 1, 3)
    assert fnp.broadcast_shapes(np.int64(2), (np.array(1),), (2, 1)) == (2, 2)
    assert fg.jit(lambda v: fnp.diagflat(v, k=np.int64(1)))(fnp.ones(2)).shape == (3, 3)
    take = lambda x: fnp.take_along_axis(x, fnp.asarray([[0], [1]]), axis=np.int64(-1))
    assert fg.vmap(take)(fnp.ones((4, 2, 3))).shape == (4, 2, 1)
    assert fnp.take(fnp.arange(4.0), fnp.asarray([1]), axis=np.array(0)).shape == (1,)
    assert float(lax.fori_loop(0, 3, lambda i, c: c + i, 0.0)) == 3.0
    assert random.bernoulli(KEY, fnp.asarray(0.5), (3,)).shape == (3,)
