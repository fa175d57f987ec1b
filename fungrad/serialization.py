"""Checkpoints: ``save(path, tree)`` and ``load(path, like=tree)`` for pytrees of arrays.

A checkpoint is an ``.npz`` file (a zip of ``.npy`` members that ``np.load`` also reads)
with one member per leaf, named by the leaf's key path as ``keystr`` writes it
(``['params'][0].w``), plus a JSON member, ``__fungrad__.json``, that records the format,
the treedef and each leaf's shape and dtype (bfloat16 leaves are stored as NumPy writes
ml_dtypes' type, raw 2-byte ``<V2`` records, and read back as bfloat16 from that dtype
name). Key paths rather than leaf positions name the arrays, so a checkpoint stays readable
after code changes that reorder a structure, and a mismatch can be reported by name.

Writes are atomic: the archive goes to a temporary file in the target's directory, is
flushed and fsync'ed, and only then renamed onto the target with ``os.replace``. A crash
mid-write leaves any existing checkpoint untouched, and the temporary file is removed, an
interrupt included. A process killed outright (``kill -9``) cannot clean up: its temporary
file's name records the target and the writer's process id, so the next save of the same
path removes it once that process no longer exists.

Reading never trusts the file: sizes in member headers are checked against the member's
stored size before anything is allocated, pickles are refused, and whatever is wrong with a
corrupt file is reported as a `CheckpointError` that names the path.

Example::

    fg.save("ckpt.npz", {"w": w, "opt": opt_state})
    state = fg.load("ckpt.npz", like={"w": w, "opt": opt_state})  # checks the structure
    flat = fg.load("ckpt.npz")  # {"['opt'].count": ..., "['w']": ...}
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from fungrad import dtypes
from fungrad.array_module import device_of, is_device_array, to_device, to_host
from fungrad.core import Tracer
from fungrad.errors import FungradError
from fungrad.numpy.array_type import as_array_type
from fungrad.tree_util import PyTree, keystr, tree_flatten_with_path

__all__ = ["save", "load", "CheckpointError"]

_META = "__fungrad__.json"
_FORMAT = "fungrad-checkpoint"
_VERSION = 1
_SCALAR_DTYPES = {
    bool: np.dtype(np.bool_),
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
}


class CheckpointError(FungradError, ValueError):
    """A file is not a valid fungrad checkpoint, or does not match the `like` tree.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'params.npz')
        >>> fg.save(path, {'w': np.ones(2)})
        >>> try:
        ...     fg.load(path, like={'w': np.ones(3)})
        ... except fg.CheckpointError:
        ...     print('shape mismatch')
        shape mismatch
    """


class _NotGiven:
    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN: Any = _NotGiven()  # None is a pytree (an empty one), so it cannot mean "absent"

# --- save --------------------------------------------------------------------------------


def save(path: str | os.PathLike, tree: PyTree) -> None:
    """Write a pytree of arrays to `path` as an ``.npz`` checkpoint, atomically.

    Args:
      path: the file to write (no suffix is added); an existing file is replaced only once
        the new one is complete and on disk.
      tree: a pytree (dicts, lists, tuples, NamedTuples, None, registered classes) whose
        leaves are arrays or scalars; traced values and object arrays are rejected.

    Returns:
      None.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'params.npz')
        >>> fg.save(path, {'layers': [{'w': np.eye(2)}], 'step': np.array(10)})
        >>> like = {'layers': [{'w': np.zeros((2, 2))}], 'step': np.array(0)}
        >>> params = fg.load(path, like=like)
        >>> params['step'], params['layers'][0]['w'].shape
        (Array(10), (2, 2))
    """
    leaves, treedef = tree_flatten_with_path(tree)
    entries = {}
    for key_path, leaf in leaves:
        name = keystr(key_path)
        if name in entries:
            raise ValueError(
                f"save: two leaves have the key path {name or '<root>'}; a custom pytree node "
                "gives equal keys to different children. Give each child a distinct key."
            )
        entries[name] = _leaf_array(name, leaf)
    meta = {
        "format": _FORMAT,
        "version": _VERSION,
        "treedef": repr(treedef),
        "leaves": [
            {"path": name, "shape": list(a.shape), "dtype": str(a.dtype)}
            for name, a in entries.items()
        ],
    }
    _write_atomically(path, lambda f: _write_archive(f, entries, meta))


def _leaf_array(name: str, leaf) -> np.ndarray:
    where = f"the leaf at key path {name or '<root>'}"
    if isinstance(leaf, Tracer):
        raise TypeError(
            f"save: {where} is a traced value ({leaf.aval.str_short()}). Save concrete arrays: "
            "return them from the transformed function and save outside it."
        )
    leaf = to_host(leaf)  # checkpoints hold host arrays (CuPy's and registered devices')
    arr = np.asarray(leaf)
    if arr.dtype.hasobject:
        raise TypeError(
            f"save: {where} is not an array of numbers (a {type(leaf).__name__}, dtype "
            f"{arr.dtype}); checkpoints store numeric, bool and string arrays only."
        )
    member = name + ".npy"
    if zipfile.ZipInfo(member).filename != member:
        raise ValueError(f"save: {where} cannot name a zip member (NUL or path separator).")
    return arr


def _write_archive(f: BinaryIO, entries: dict[str, np.ndarray], meta: dict) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_META, json.dumps(meta))
        for name, arr in entries.items():
            # Members are streamed, so zipfile must be told up front that one may be huge.
            with zf.open(name + ".npy", "w", force_zip64=arr.nbytes > 1 << 30) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Write through `write` to a temporary file, fsync it, then rename it onto `path`."""
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    base = os.path.basename(target)
    _remove_stale_temps(directory, base)
    # `claimed` holds the temporary's name from *before* it is created, so that an interrupt
    # landing anywhere (even between os.open returning and its result being stored) still
    # lets the handler below remove the file.
    claimed: list[str] = []
    try:
        fd = _create_temp(directory, base, claimed)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(claimed[0], target)
        claimed.clear()
    except BaseException:
        for tmp in claimed:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _fsync_directory(directory)


_TEMP_SUFFIX = ".fungrad-tmp"


def _temp_prefix(base: str) -> str:
    return f".{base}."


def _create_temp(directory: str, base: str, claimed: list[str]) -> int:
    # Same directory as the target, so os.replace is a rename within one filesystem. Mode
    # 0o666 lets the umask decide permissions, as for any new file (mkstemp would use 0o600).
    # The name is .<target>.<pid>-<random>.fungrad-tmp (see _remove_stale_temps).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(
            directory, f"{_temp_prefix(base)}{os.getpid()}-{secrets.token_hex(6)}{_TEMP_SUFFIX}")
        claimed.append(tmp)
        try:
            return os.open(tmp, flags, 0o666)
        except FileExistsError:
            claimed.pop()  # someone else's file: never remove it
    raise FileExistsError(f"save: could not create a temporary file in {directory!r}.")


def _remove_stale_temps(directory: str, base: str) -> None:
    """Remove temporaries of earlier saves of ``base`` whose writing process has died.

    A file is provably ours when its name has the exact form `_create_temp` gives it for
    this target; it is stale when the process id in the name no longer exists on this
    machine (a live id, even one reused by another program, keeps the file).
    """
    prefix = _temp_prefix(base)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)):
            continue
        pid, sep, token = name[len(prefix):-len(_TEMP_SUFFIX)].partition("-")
        if not (sep and pid.isdigit() and len(token) == 12 and _hex(token)):
            continue
        if int(pid) != os.getpid() and not _process_exists(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))


def _hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else, or we cannot tell: keep the file
    return True


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) everywhere.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- load --------------------------------------------------------------------------------


def load(path: str | os.PathLike, like: PyTree = _NOT_GIVEN) -> PyTree:
    """Read a checkpoint written by `save`.

    Args:
      path: the checkpoint file.
      like: a pytree of the expected structure, whose leaves give the expected shapes and
        dtypes (arrays, scalars, or anything with ``.shape`` and ``.dtype`` such as
        ``ShapedArray``). Leaves are matched by key path; a missing or extra key path, or a
        shape or dtype that differs, raises CheckpointError naming the first one.

    Returns:
      A pytree with `like`'s structure holding the stored arrays (Python scalars where
      `like` has Python scalars); without `like`, a dict ``{key path string: array}`` in
      the order they were saved.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), 'params.npz')
        >>> fg.save(path, {'w': np.ones(2), 'b': np.zeros(1)})
        >>> fg.load(path)
        {"['b']": Array([0.]), "['w']": Array([1., 1.])}
    """
    meta, arrays = _read_archive(path)
    if like is _NOT_GIVEN:
        return arrays
    leaves, treedef = tree_flatten_with_path(like)
    names = [keystr(p) for p, _ in leaves]
    _check_key_paths(path, names, arrays, meta, treedef)
    values = [_restore_leaf(path, keystr(p), arrays[keystr(p)], leaf) for p, leaf in leaves]
    return treedef.unflatten(values)


def _read_archive(path) -> tuple[dict, dict[str, np.ndarray]]:
    # Opening is outside the conversion below: a missing or unreadable file is an OSError
    # about the file (FileNotFoundError, PermissionError), not a corrupt checkpoint.
    with open(path, "rb") as f:
        try:
            return _parse_archive(f)
        except MemoryError:
            raise  # sizes were checked against the file: a real shortage of memory
        except Exception as err:  # anything else a damaged file provokes in zipfile/NumPy
            why = str(err) if isinstance(err, _Invalid) else f"{type(err).__name__}: {err}"
            raise CheckpointError(
                f"load: {os.fspath(path)!r} is not a valid fungrad checkpoint: {why}. The file "
                "is truncated or corrupt, or was not written by fungrad.save."
            ) from err


def _parse_archive(f: BinaryIO) -> tuple[dict, dict[str, np.ndarray]]:
    with zipfile.ZipFile(f) as zf:
        if _META not in zf.namelist():
            raise _Invalid(f"it has no {_META} member (written by np.savez or another tool?)")
        meta = json.loads(zf.read(_META))
        _check_meta(meta)
        arrays = {}
        for entry in meta["leaves"]:
            info = zf.getinfo(entry["path"] + ".npy")
            with zf.open(info) as member:
                _check_member_size(member, info, entry["path"])
            with zf.open(info) as member:
                arr = _extension_dtype(np.lib.format.read_array(member, allow_pickle=False),
                                       entry["dtype"])
            if list(arr.shape) != entry["shape"] or str(arr.dtype) != entry["dtype"]:
                raise _Invalid(f"member {entry['path']!r} disagrees with {_META}")
            arrays[entry["path"]] = as_array_type(arr)
    return meta, arrays


def _extension_dtype(arr: np.ndarray, dtype_name) -> np.ndarray:
    """Reinterpret a bfloat16 member: .npy stores ml_dtypes' bfloat16 as raw bytes (``<V2``).

    The metadata's dtype name says what the bytes are; loading one needs ml_dtypes.
    """
    if dtype_name == "bfloat16" and arr.dtype == np.dtype("V2"):
        return arr.view(dtypes.bfloat16())
    return arr


def _check_member_size(member, info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a member whose header describes more (or fewer) bytes than it stores."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise _Invalid(f"member {name!r} has .npy format version {version}, which fungrad "
                       "does not write")
    if dtype.hasobject:
        raise _Invalid(f"member {name!r} holds Python objects (a pickle); refused")
    count = 1
    for n in shape:
        count *= int(n)
    stored = info.file_size - member.tell()
    if count * dtype.itemsize != stored:
        raise _Invalid(
            f"member {name!r} claims shape {tuple(shape)} of {dtype} "
            f"({count * dtype.itemsize} bytes) but stores {stored} bytes")


class _Invalid(Exception):
    """Internal: the archive is readable but is not a well-formed checkpoint."""


def _check_meta(meta) -> None:
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise _Invalid(f"{_META} does not describe a {_FORMAT}")
    if not isinstance(meta.get("version"), int) or meta["version"] > _VERSION:
        raise _Invalid(
            f"format version {meta.get('version')!r} is newer than this fungrad reads "
            f"({_VERSION}); upgrade fungrad"
        )
    leaves = meta.get("leaves")
    if not isinstance(leaves, list) or not all(
        isinstance(e, dict) and isinstance(e.get("path"), str) for e in leaves
    ):
        raise _Invalid(f"{_META} has no valid list of leaves")


def _check_key_paths(path, names: list[str], arrays: dict, meta: dict, treedef) -> None:
    if len(set(names)) != len(names):
        raise ValueError("load: `like` has two leaves with the same key path; keys must differ.")
    wanted = set(names)
    missing = [n for n in names if n not in arrays]
    extra = [n for n in arrays if n not in wanted]
    if not missing and not extra:
        return
    first = (
        f"key path {missing[0] or '<root>'} is in `like` but not in the file"
        if missing
        else f"key path {extra[0] or '<root>'} is in the file but not in `like`"
    )
    raise CheckpointError(
        f"load: the checkpoint {os.fspath(path)!r} does not match the structure of `like`: "
        f"{first} ({len(missing)} missing: {_listing(missing)}; {len(extra)} extra: "
        f"{_listing(extra)}).\n  file: {meta.get('treedef')}\n  like: {treedef!r}\n"
        "Pass the structure the checkpoint was saved from, or call load(path) without `like` "
        "to get a flat {key path: array} dict."
    )


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(n or "<root>" for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "") or "none"


def _restore_leaf(path, name: str, arr: np.ndarray, like_leaf):
    shape, dtype = _expected(like_leaf)
    if arr.shape != shape or arr.dtype != dtype:
        what = "shape" if arr.shape != shape else "dtype"
        raise CheckpointError(
            f"load: the checkpoint {os.fspath(path)!r} does not match `like` at key path "
            f"{name or '<root>'}: {what} differs; the file has shape {arr.shape} dtype "
            f"{arr.dtype}, `like` has shape {shape} dtype {dtype}. Fix `like` to describe the "
            "saved arrays, or load(path) without `like` and convert them yourself."
        )
    if type(like_leaf) in _SCALAR_DTYPES:
        return arr.item()
    if isinstance(like_leaf, np.generic):
        return arr[()]
    if is_device_array(like_leaf):  # back onto the device the `like` leaf lives on
        return to_device(arr, device_of(like_leaf))
    return arr


def _expected(leaf) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a `like` leaf asks for."""
    scalar_dtype = _SCALAR_DTYPES.get(type(leaf))
    if scalar_dtype is not None:
        return (), scalar_dtype
    if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
        return tuple(leaf.shape), np.dtype(leaf.dtype)
    arr = np.asarray(leaf)
    return arr.shape, arr.dtype
