"""Tests for fungrad.serialization: exact round trips, mismatch errors, atomic writes."""

import dataclasses
import json
import os
import pathlib
import typing
import zipfile

import numpy as np
import pytest

import fungrad as fg
from fungrad import serialization
from fungrad.core import ShapedArray
from fungrad.serialization import CheckpointError, load, save
from fungrad.tree_util import register_dataclass, tree_flatten, tree_leaves


class ScaleByAdamState(typing.NamedTuple):
    count: np.ndarray
    mu: typing.Any
    nu: typing.Any


@register_dataclass
@dataclasses.dataclass
class Linear:
    w: np.ndarray
    b: np.ndarray
    name: str = dataclasses.field(default="linear", metadata={"static": True})


def _tree():
    rng = np.random.default_rng(0)
    params = {
        "layers": [
            (rng.normal(size=(3, 4)).astype(np.float32), np.zeros(4, np.float32)),
            (rng.normal(size=(4, 2)), np.array([np.nan, -0.0])),
        ],
        "embed": Linear(np.asfortranarray(rng.normal(size=(2, 3))), np.array(1.5)),
    }
    state = ScaleByAdamState(
        np.array(7, np.int32), {"w": np.ones((2, 2))}, [None, np.array([True, False])]
    )
    return {
        "params": params,
        "opt": (state, None),
        "step": np.int64(12),
        "lr": 0.5,
        "epoch": 3,
        "done": False,
        "empty": np.zeros((0, 3), np.uint8),
        "c": np.array([1 + 2j], np.complex64),
    }


def _assert_identical(a, b):
    leaves_a, tree_a = tree_flatten(a)
    leaves_b, tree_b = tree_flatten(b)
    assert tree_a == tree_b
    for x, y in zip(leaves_a, leaves_b):
        assert type(x) is type(y) or isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
        xa, ya = np.asarray(x), np.asarray(y)
        assert xa.shape == ya.shape and xa.dtype == ya.dtype
        assert xa.tobytes() == ya.tobytes()  # bitwise: NaN payloads and -0.0 included


def _only_files(directory):
    return sorted(os.listdir(directory))


# --- Round trips -------------------------------------------------------------------------


def test_round_trip_is_exact(tmp_path):
    tree = _tree()
    path = tmp_path / "ckpt.npz"
    save(path, tree)
    _assert_identical(load(path, like=tree), tree)
    assert _only_files(tmp_path) == ["ckpt.npz"]


def test_round_trip_keeps_scalar_types(tmp_path):
    tree = {"i": 3, "f": 0.25, "b": True, "n": np.float32(2.5), "a": np.array(4.0)}
    save(tmp_path / "s.npz", tree)
    out = load(tmp_path / "s.npz", like=tree)
    assert out == {"i": 3, "f": 0.25, "b": True, "n": np.float32(2.5), "a": 4.0}
    assert type(out["i"]) is int and type(out["b"]) is bool and type(out["n"]) is np.float32
    assert isinstance(out["a"], np.ndarray) and out["a"].shape == ()


def test_root_leaf_and_empty_trees(tmp_path):
    save(tmp_path / "leaf.npz", np.arange(3))
    out = load(tmp_path / "leaf.npz", like=np.zeros(3, np.int64))
    np.testing.assert_array_equal(out, [0, 1, 2])
    save(tmp_path / "none.npz", None)
    assert load(tmp_path / "none.npz", like=None) is None
    assert load(tmp_path / "none.npz") == {}
    save(tmp_path / "empty.npz", {"a": [], "b": ()})
    assert load(tmp_path / "empty.npz", like={"a": [], "b": ()}) == {"a": [], "b": ()}


def test_load_without_like_gives_flat_dict_by_key_path(tmp_path):
    tree = _tree()
    save(tmp_path / "c.npz", tree)
    flat = load(tmp_path / "c.npz")
    assert list(flat)[:2] == ["['c']", "['done']"]
    assert "['opt'][0].mu['w']" in flat and "['params']['embed'].w" in flat
    assert len(flat) == len(tree_leaves(tree))
    np.testing.assert_array_equal(flat["['opt'][0].count"], 7)


def test_file_is_a_plain_npz(tmp_path):
    save(tmp_path / "c.npz", {"w": np.arange(4.0), "b": [np.int8(1)]})
    with np.load(tmp_path / "c.npz") as npz:
        assert set(npz.files) == {"__fungrad__.json", "['w']", "['b'][0]"}
        np.testing.assert_array_equal(npz["['w']"], np.arange(4.0))
    with zipfile.ZipFile(tmp_path / "c.npz") as zf:
        meta = json.loads(zf.read("__fungrad__.json"))
    assert meta["treedef"] == "PyTreeDef({'b': [*], 'w': *})"
    assert meta["leaves"][0] == {"path": "['b'][0]", "shape": [], "dtype": "int8"}


def test_like_may_hold_abstract_values(tmp_path):
    save(tmp_path / "c.npz", {"w": np.ones((2, 3), np.float32)})
    out = load(tmp_path / "c.npz", like={"w": ShapedArray((2, 3), np.float32)})
    np.testing.assert_array_equal(out["w"], np.ones((2, 3), np.float32))


def test_overwrite_and_permissions(tmp_path):
    path = str(tmp_path / "c.npz")
    save(path, {"a": np.zeros(2)})
    save(path, {"a": np.ones(2)})
    np.testing.assert_array_equal(load(path)["['a']"], [1.0, 1.0])
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600


def test_save_rejects_tracers_and_objects(tmp_path):
    def f(x):
        save(tmp_path / "t.npz", {"x": x})
        return x

    with pytest.raises(TypeError, match=r"save: the leaf at key path \['x'\] is a traced value"):
        fg.grad(f)(1.0)
    with pytest.raises(TypeError, match=r"key path \['f'\] is not an array of numbers"):
        save(tmp_path / "o.npz", {"f": print})
    assert _only_files(tmp_path) == []


# --- Mismatches --------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    tree = _tree()
    path = tmp_path / "ckpt.npz"
    save(path, tree)
    return path, tree


def test_missing_key_path(saved):
    path, tree = saved
    tree["params"]["layers"].append((np.zeros(2), np.zeros(2)))
    with pytest.raises(CheckpointError, match=r"key path \['params'\]\['layers'\]\[2\]\[0\] is in "
                       r"`like` but not in the file") as info:
        load(path, like=tree)
    assert "file: PyTreeDef(" in str(info.value) and "like: PyTreeDef(" in str(info.value)


def test_extra_key_path(saved):
    path, tree = saved
    del tree["opt"]
    with pytest.raises(CheckpointError, match=r"key path \['opt'\]\[0\].count is in the file but "
                       r"not in `like` \(0 missing: none; 3 extra"):
        load(path, like=tree)


def test_shape_mismatch(saved):
    path, tree = saved
    tree["params"]["layers"][0] = (np.zeros((3, 5), np.float32), tree["params"]["layers"][0][1])
    with pytest.raises(CheckpointError, match=r"at key path \['params'\]\['layers'\]\[0\]\[0\]: "
                       r"shape differs; the file has shape \(3, 4\) dtype float32, `like` has "
                       r"shape \(3, 5\) dtype float32"):
        load(path, like=tree)


def test_dtype_mismatch(saved):
    path, tree = saved
    tree["opt"][0].mu["w"] = np.ones((2, 2), np.float32)
    with pytest.raises(CheckpointError, match=r"at key path \['opt'\]\[0\].mu\['w'\]: dtype "
                       r"differs; the file has shape \(2, 2\) dtype float64, `like` has "
                       r"shape \(2, 2\) dtype float32"):
        load(path, like=tree)
    tree = _tree()
    tree["epoch"] = 3.0  # a Python float asks for float64; the file has int64
    with pytest.raises(CheckpointError, match=r"\['epoch'\]: dtype differs"):
        load(path, like=tree)


# --- Corrupt files -----------------------------------------------------------------------


def _corrupt(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "garbage":
        data = bytearray(b"not a checkpoint at all" * 10)
    elif how == "flipped byte":
        data[data.index(b"\x93NUMPY") + 200] ^= 0xFF  # inside the first array's data
    elif how == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "garbage", "flipped byte", "empty"])
def test_corrupt_file(tmp_path, how):
    path = tmp_path / "ckpt.npz"
    save(path, {"w": np.arange(100.0), "b": np.ones(3)})
    _corrupt(path, how)
    with pytest.raises(CheckpointError, match="is not a valid fungrad checkpoint"):
        load(path, like={"w": np.zeros(100), "b": np.zeros(3)})


def test_foreign_and_mislabelled_archives(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(CheckpointError, match="no __fungrad__.json member"):
        load(tmp_path / "plain.npz")
    with zipfile.ZipFile(tmp_path / "bad_meta.npz", "w") as zf:
        zf.writestr("__fungrad__.json", "{not json")
    with pytest.raises(CheckpointError, match="not a valid fungrad checkpoint"):
        load(tmp_path / "bad_meta.npz")
    with zipfile.ZipFile(tmp_path / "future.npz", "w") as zf:
        zf.writestr("__fungrad__.json", json.dumps({"format": "fungrad-checkpoint", "version": 99}))
    with pytest.raises(CheckpointError, match="version 99 is newer"):
        load(tmp_path / "future.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


# --- Atomic writes -----------------------------------------------------------------------


def test_crash_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save(path, {"w": np.arange(10.0)})
    before = path.read_bytes()
    real_write_array = np.lib.format.write_array
    calls = []

    def write_then_crash(fp, array, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after one array is already in the temporary file
            raise KeyboardInterrupt("simulated crash")
        return real_write_array(fp, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_crash)
    with pytest.raises(KeyboardInterrupt):
        save(path, {"w": np.zeros(10), "z": np.ones(1000)})
    assert path.read_bytes() == before
    assert _only_files(tmp_path) == ["ckpt.npz"]
    np.testing.assert_array_equal(load(path)["['w']"], np.arange(10.0))


def test_failed_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save(path, {"w": np.arange(10.0)})
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("simulated failure in os.replace")

    monkeypatch.setattr(serialization.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        save(path, {"w": np.zeros(10)})
    assert path.read_bytes() == before
    assert _only_files(tmp_path) == ["ckpt.npz"]


def test_crash_before_first_save_leaves_nothing(tmp_path, monkeypatch):
    def failing_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk"):
        save(pathlib.Path(tmp_path) / "new.npz", {"w": np.zeros(3)})
    assert _only_files(tmp_path) == []


def test_device_arrays_are_saved_from_the_host_copy(tmp_path):
    from tests.fake_device import to_fake  # noqa: PLC0415 (a device array stand-in)

    save(tmp_path / "g.npz", {"w": to_fake(np.arange(3.0))})
    np.testing.assert_array_equal(load(tmp_path / "g.npz")["['w']"], [0.0, 1.0, 2.0])
