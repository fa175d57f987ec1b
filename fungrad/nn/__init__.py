"""fungrad.nn: layers as pure Modules, activations, initializers and losses.

``from fungrad import nn``. Layers are `Module`s: frozen dataclasses that are pytrees, so a
model goes straight into `fg.grad`, `fg.vmap` and `fungrad.optim`. Parameters are made
from an explicit ``key=``; stateful layers (`BatchNorm`) take and return their state.
See `fungrad.nn.module` for how fields become pytree children or static data.
"""

from fungrad.nn import initializers, losses  # noqa: F401
from fungrad.nn.activations import *  # noqa: F401,F403
from fungrad.nn.attention import *  # noqa: F401,F403
from fungrad.nn.conv import *  # noqa: F401,F403
from fungrad.nn.dropout import *  # noqa: F401,F403
from fungrad.nn.linear import *  # noqa: F401,F403
from fungrad.nn.losses import *  # noqa: F401,F403
from fungrad.nn.module import *  # noqa: F401,F403
from fungrad.nn.normalization import *  # noqa: F401,F403
from fungrad.nn.recurrent import *  # noqa: F401,F403
from fungrad.nn.sequential import *  # noqa: F401,F403
from fungrad.nn.softmax import *  # noqa: F401,F403
