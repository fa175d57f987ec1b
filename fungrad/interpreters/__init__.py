"""The interpreters: forward mode, linearize and transpose, batching, IR transformations
and the executable that runs an IR.

This package sits below the primitives. It imports only :mod:`fungrad.core`,
:mod:`fungrad.ir`, :mod:`fungrad.ir_passes`, :mod:`fungrad.dtypes` and
:mod:`fungrad.errors`, and knows nothing about the primitives it interprets: every rule
comes from a table that the module defining a primitive fills (the ``lax``,
``transforms`` and ``random`` packages). The two array operations the interpreters
themselves need (broadcasting a zero, moving a batch axis) are hooks that the ``lax``
package installs at import (:mod:`fungrad.interpreters.hooks`); tangent sums use the
``add_any`` primitive defined here (:mod:`fungrad.interpreters.jvp`).

The stack is one-directional: core -> ir -> interpreters -> lax -> numpy ->
transforms / nn / optim.
"""
