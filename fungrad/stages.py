"""fungrad.stages: the classes of jit's stages, under JAX's module name ``jax.stages``.

``Wrapped`` is what ``fg.jit`` returns; ``Lowered`` what ``jitted.lower(*args)`` returns
(the optimized IR, its fusion plan and kernel sources). ``Lowered.compile()`` returns the
compiled program as a plain function of the flat arguments, so fungrad has no
``Compiled`` class; JAX's ``Traced``, ``ArgInfo`` and ``CompilerOptions`` have no
counterpart either.

>>> import fungrad as fg
>>> f = fg.jit(lambda x: x * 2.0)
>>> isinstance(f, fg.stages.Wrapped), isinstance(f.lower(1.0), fg.stages.Lowered)
(True, True)
"""

from fungrad.transforms.jit import JittedFunction as Wrapped
from fungrad.transforms.jit import Lowered

__all__ = ["Lowered", "Wrapped"]
