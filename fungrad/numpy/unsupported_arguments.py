"""The errors for arguments that fnp functions take for JAX's (and NumPy's) signatures but
cannot honour: ``out=`` (fungrad arrays are immutable), a ufunc's ``where=``, and the
sharding arguments (``out_sharding=``, ``sharding=``: fungrad has no sharding).

Each such argument is accepted at its default (None), so code written for jax.numpy runs
unchanged; any other value raises NotImplementedError naming the function, the argument
and what to write instead, as jax.numpy does for ``out=``/``where=`` of its ufuncs.
"""

from __future__ import annotations

__all__: list[str] = []  # nothing public: the functions below serve the fnp families

IMMUTABLE = "fungrad arrays are immutable"


def reject_unsupported(fn: str, why: str | None, fix: str, **args) -> None:
    """Raise NotImplementedError for the first of ``args`` (name=value) that is not None.

    The message reads ``fnp.<fn>: the `<name>` argument is not supported (<why>); <fix>``.
    """
    for name, value in args.items():
        if value is not None:
            reason = f" ({why})" if why else ""
            raise NotImplementedError(f"fnp.{fn}: the `{name}` argument is not supported"
                                      f"{reason}; {fix}")


def reject_sharding(fn: str, **args) -> None:
    """Raise NotImplementedError when a sharding argument (``out_sharding=``...) is set."""
    reject_unsupported(fn, "fungrad has no sharding: arrays live on one device", "pass None "
                       "(place values with device= or fg.device_put)", **args)


def reject_out_where(fn: str, out, where) -> None:
    """Raise NotImplementedError for ``out=``/``where=`` of a ufunc-like fnp function.

    jax.numpy's ufuncs raise NotImplementedError for both, too: ``out`` would write into an
    array, and ``where`` leaves the unselected entries of ``out`` as they were.
    """
    reject_unsupported(fn, IMMUTABLE, "use the return value", out=out)
    reject_unsupported(fn, "it keeps the entries of an out= array where it is False",
                       f"compute fnp.where(mask, fnp.{fn}(...), other) instead", where=where)
