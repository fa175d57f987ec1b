"""fungrad.distributed and fg.pmap in one process (no mpiexec): pmap equals vmap for every
collective (values, grad, jit), allreduce_gradients' packing, and the errors.

The same `CASES` run over two MPI processes in tests/test_distributed_mpi.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.lax as lax
import fungrad.numpy as fnp
from fungrad import distributed
from fungrad.distributed import training, world

# name -> function of one lane's value (shape (4,)) that uses collectives over "i"
CASES = {
    "psum": lambda v: lax.psum(v, "i") * v,
    "pmean": lambda v: lax.pmean(v, "i") * fnp.sin(v),
    "pmax": lambda v: lax.pmax(v, "i") * v,
    "pmin": lambda v: lax.pmin(v * v, "i") + v,
    "all_gather": lambda v: lax.all_gather(v, "i") * v,
    "all_gather_tiled": lambda v: lax.all_gather(v * v, "i", axis=0, tiled=True),
    "psum_scatter": lambda v: lax.psum_scatter(v * v, "i") * v[0],
    "psum_scatter_tiled": lambda v: lax.psum_scatter(fnp.concatenate([v, v * v]), "i",
                                                     tiled=True),
    "ppermute_cycle": lambda v: lax.ppermute(v * v, "i", [(j, (j + 1) % 4) for j in range(4)]),
    "ppermute_partial": lambda v: lax.ppermute(v, "i", [(0, 3), (3, 1), (1, 2)]) * v,
    "axis_index": lambda v: v * lax.axis_index("i") + lax.axis_size("i"),
    "all_to_all": lambda v: lax.all_to_all(fnp.outer(v, v[:2]), "i", 0, 1) * v[0],
    "all_to_all_tiled": lambda v: lax.all_to_all(fnp.outer(v[:2], v * v), "i", 1, 0, tiled=True),
    "pswapaxes": lambda v: lax.pswapaxes(fnp.sin(v), "i", 0) * v,
    "pshuffle": lambda v: lax.pshuffle(v * v, "i", [3, 0, 2, 1]) * v,
    "cond_psum": lambda v: lax.cond(v[0] > 0, lambda u: lax.psum(u, "i"), lambda u: -u, v),
    "scan_psum": lambda v: lax.scan(lambda c, u: (c * lax.psum(u, "i"), c), v,
                                    fnp.ones((2, 4)))[0],
    "jit_inside": lambda v: fg.jit(lambda u: lax.pmax(fnp.cos(u), "i") * u)(v),
}
GLOBAL_LANES = 4


def global_input(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The global batch ``(4 lanes, 4)`` and the output weights of the grad check."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((GLOBAL_LANES, 4)), rng.standard_normal((GLOBAL_LANES, 4, 4))


def weights_for(out, w):
    return w[tuple(slice(0, s) for s in np.shape(out))]


def check_case(name: str, rank: int = 0, nprocs: int = 1, rtol: float = 1e-12) -> None:
    """pmap of CASES[name] on this rank's shard equals the rank's lanes of the vmap over
    the global batch: values, jit(pmap), and the grad of a weighted sum."""
    f = CASES[name]
    x, w = global_input()
    lanes = GLOBAL_LANES // nprocs
    mine = slice(rank * lanes, (rank + 1) * lanes)
    ref = np.asarray(fg.vmap(f, axis_name="i")(x))
    got = np.asarray(fg.pmap(f, "i")(x[mine]))
    np.testing.assert_allclose(got, ref[mine], rtol=rtol, atol=1e-13, err_msg=name)
    jitted = np.asarray(fg.jit(fg.pmap(f, "i"))(x[mine]))
    np.testing.assert_allclose(jitted, ref[mine], rtol=rtol, atol=1e-13, err_msg=name)
    wout = weights_for(ref, w.reshape(-1)[:ref.size].reshape(ref.shape))
    ref_g = fg.grad(lambda a: fnp.sum(fg.vmap(f, axis_name="i")(a) * wout))(x)
    got_g = fg.grad(lambda a: fnp.sum(fg.pmap(f, "i")(a) * wout[mine]))(x[mine])
    np.testing.assert_allclose(np.asarray(got_g), np.asarray(ref_g)[mine], rtol=1e-11,
                               atol=1e-12, err_msg=f"grad {name}")
    # vmap around pmap: the process primitives' batching rules
    xs = np.stack([x, 2.0 * x[::-1]])
    ref_b = np.asarray(fg.vmap(fg.vmap(f, axis_name="i"))(xs))
    got_b = np.asarray(fg.vmap(fg.pmap(f, "i"))(xs[:, mine]))
    np.testing.assert_allclose(got_b, ref_b[:, mine], rtol=rtol, atol=1e-13,
                               err_msg=f"vmap of pmap {name}")
    # grad inside the map: per-lane gradient of a collective-using function
    inner = lambda v: fnp.sum(f(v))
    if name == "cond_psum":  # batched predicate, collective in a branch: refused, not wrong
        for mapped, arg in ((fg.vmap(fg.grad(inner), axis_name="i"), x),
                            (fg.pmap(fg.grad(inner), "i"), x[mine])):
            try:
                mapped(arg)
            except NotImplementedError as err:
                assert "predicate is batched" in str(err), str(err)
            else:
                raise AssertionError("grad inside the map of cond_psum did not raise")
        return
    ref_i = np.asarray(fg.vmap(fg.grad(inner), axis_name="i")(x))
    got_i = np.asarray(fg.pmap(fg.grad(inner), "i")(x[mine]))
    np.testing.assert_allclose(got_i, ref_i[mine], rtol=1e-11, atol=1e-12,
                               err_msg=f"inner grad {name}")


def check_nested(rank: int = 0, nprocs: int = 1) -> None:
    """pmap over "i" around vmap over "j": collectives over one name and over both."""
    x = global_input()[0].reshape(GLOBAL_LANES, 2, 2)
    lanes = GLOBAL_LANES // nprocs
    mine = slice(rank * lanes, (rank + 1) * lanes)
    g = lambda v: (lax.psum(v, ("i", "j")) * v + lax.pmax(v, "i")
                   - lax.all_gather(v, "j")[0] * lax.axis_index(("i", "j")))
    ref = fg.vmap(fg.vmap(g, axis_name="j"), axis_name="i")(x)
    got = fg.pmap(fg.vmap(g, axis_name="j"), "i")(x[mine])
    np.testing.assert_allclose(np.asarray(got), np.asarray(ref)[mine], rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pmap_equals_vmap(name):
    check_case(name)


def test_pmap_nested_names():
    check_nested()


def test_pmap_in_and_out_axes_static_and_jit_ir():
    x = np.arange(12.0).reshape(3, 4)
    f = lambda a, s, k: a * lax.psum(a, "i") * k + s
    got = fg.pmap(f, "i", in_axes=(1, None), out_axes=1, static_broadcasted_argnums=2)(
        x, 1.5, 2.0)
    ref = fg.vmap(f, in_axes=(1, None, None), out_axes=1, axis_name="i")(x, 1.5, 2.0)
    np.testing.assert_allclose(np.asarray(got), np.asarray(ref))
    text = str(fg.make_ir(fg.pmap(lambda a: lax.psum(a, "i"), "i"))(x))
    assert "process_allreduce[op=sum, size=1]" in text, text
    text = str(fg.make_ir(fg.pmap(lambda a: lax.all_gather(a, "i"), "i"))(x))
    assert "process_allgather" in text, text


def test_pmap_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="devices.*not supported"):
        fg.pmap(lambda a: a, "i", devices=["cpu"])
    with pytest.raises(ValueError, match="(?s)pmap of `.*<lambda>` got inconsistent sizes"):
        fg.pmap(lambda a, b: a + b, "i")(x, np.ones((3, 3)))
    with pytest.raises(NameError, match="unbound axis name 'j'"):
        fg.pmap(lambda a: lax.psum(a, "j"), "i")(x)


def test_pmap_signature_matches_jax():
    import inspect

    jax = pytest.importorskip("jax")
    ours = inspect.signature(fg.pmap).parameters
    theirs = inspect.signature(jax.pmap).parameters
    assert list(ours) == list(theirs)
    for k in theirs:
        assert ours[k].kind == theirs[k].kind and ours[k].default == theirs[k].default, k
    from jax.experimental import multihost_utils

    for mine, ref in ((distributed.initialize, jax.distributed.initialize),
                      (distributed.broadcast_one_to_all, multihost_utils.broadcast_one_to_all)):
        a, b = inspect.signature(mine).parameters, inspect.signature(ref).parameters
        assert list(a) == list(b), mine
        assert [p.default for p in a.values()] == [p.default for p in b.values()], mine


def test_one_process_world():
    distributed.initialize()
    assert distributed.process_index() == 0 and distributed.process_count() == 1
    tree = {"a": np.arange(3.0), "b": [np.float32(2.0)]}
    assert distributed.broadcast_one_to_all(tree)["a"].tolist() == [0.0, 1.0, 2.0]
    out = distributed.allreduce_gradients(tree)
    assert out["b"][0].dtype == np.float32 and out["b"][0].shape == ()
    assert distributed.shard_range(10) == range(10)
    with pytest.raises(ValueError, match="coordinator_address"):
        distributed.initialize(coordinator_address="localhost:1234")
    with pytest.raises(ValueError, match="num_processes=2"):
        distributed.initialize(num_processes=2)


def mlp_grads(dtypes=(np.float64,) * 6):
    shapes = [(64, 32), (32,), (32, 16), (16,), (16, 10), (10,)]
    rng = np.random.default_rng(1)
    return [{"w": rng.standard_normal(shapes[2 * i]).astype(dtypes[2 * i]),
             "b": rng.standard_normal(shapes[2 * i + 1]).astype(dtypes[2 * i + 1])}
            for i in range(3)]


def test_buckets_pack_by_dtype_and_size():
    leaves = [np.asarray(x) for x in fg.tree_util.tree_leaves(mlp_grads())]
    assert training.buckets(leaves, 2 ** 20) == [[0, 1, 2, 3, 4, 5]]
    assert training.buckets(leaves, 1) == [[i] for i in range(6)]
    mixed = [np.asarray(x) for x in fg.tree_util.tree_leaves(
        mlp_grads((np.float32, np.float64) * 3))]
    assert training.buckets(mixed, 2 ** 20) == [[0, 2, 4], [1, 3, 5]]
    # leaves in tree order: b (32), w (64, 32), b (16), w (32, 16)...; a bucket closes
    # before it would pass bucket_bytes, a leaf of bucket_bytes or more is alone
    assert training.buckets(leaves, 64 * 32 * 8) == [[0], [1], [2, 3, 4, 5]]


class FakeTwoRanks:
    """A two-rank world in one process: the other rank sends ``other(buf)``."""

    def __init__(self, monkeypatch, other=lambda b: b, other_signature=None):
        self.calls = []
        monkeypatch.setattr(world.world, "size", 2)
        monkeypatch.setattr(world.world, "rank", 0)
        monkeypatch.setattr(world.world, "initialized", True)
        fake = self

        class Comm:
            def allgather(self, sig):
                return [sig, other_signature if other_signature is not None else sig]

        monkeypatch.setattr(world.world, "comm", Comm())

        def allgather_bytes(buf, what):
            fake.calls.append((what, buf.size))
            if other_signature is not None and "checking" in what:
                theirs = world._digest(other_signature)
            else:
                theirs = other(buf)
            return np.stack([buf, theirs])

        monkeypatch.setattr(world, "allgather_bytes", allgather_bytes)


def test_allreduce_is_one_message_per_bucket(monkeypatch):
    grads = mlp_grads()
    fake = FakeTwoRanks(monkeypatch)  # the other rank holds the same values: mean = x
    out = distributed.allreduce_gradients(grads, op="mean")
    data = [c for c in fake.calls if "checking" not in c[0]]
    assert len(data) == 1 and data[0][1] == sum(x.nbytes for x in
                                                fg.tree_util.tree_leaves(grads))
    for a, b in zip(fg.tree_util.tree_leaves(out), fg.tree_util.tree_leaves(grads)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    fake.calls.clear()
    total = distributed.allreduce_gradients(grads, op="sum", bucket_bytes=1)
    assert len([c for c in fake.calls if "checking" not in c[0]]) == 6
    np.testing.assert_array_equal(total[0]["w"], 2 * grads[0]["w"])


def test_allreduce_mismatch_names_rank_and_key_path(monkeypatch):
    grads = mlp_grads()
    leaves = fg.tree_util.tree_flatten_with_path(grads)[0]
    paths = [(fg.tree_util.keystr(p), np.asarray(x)) for p, x in leaves]
    theirs = list(world.signature_of(paths))
    theirs[2] = (theirs[2][0], (64, 31), theirs[2][2])
    treedef = str(fg.tree_util.tree_structure(grads))
    FakeTwoRanks(monkeypatch, other_signature=(treedef, tuple(theirs)))
    with pytest.raises(distributed.DistributedError,
                       match=r"rank 1 differs.*leaf \[1\]\['b'\] has shape \(64, 31\)"):
        distributed.allreduce_gradients(grads)


def test_training_kit_errors():
    with pytest.raises(ValueError, match="op='median'"):
        distributed.allreduce_gradients({"a": np.ones(2)}, op="median")
    with pytest.raises(TypeError, match=r"leaf \['n'\] has dtype int64"):
        distributed.allreduce_gradients({"n": np.arange(3)})
    with pytest.raises(ValueError, match="same length along axis 0"):
        distributed.process_shard((np.ones(4), np.ones(3)))
    with pytest.raises(TypeError, match="outside jit"):
        fg.jit(lambda g: distributed.allreduce_gradients(g))(np.ones(2))
