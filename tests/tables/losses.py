"""Table rows: the optax losses of fungrad.nn.losses, against optax's own (JAX) functions.

Kinks (huber at |e| = delta, hinge at 1) are hit with probability zero by the drawn
arguments. Labels, paddings and targets that are configuration are `Const`.
"""

import numpy as np

import fungrad.nn.losses as L
from tests.tables.spec import A, Case, Const, Pos

try:
    import optax.losses as _optax_losses
except ImportError:  # the JAX comparison is skipped without optax
    _optax_losses = None

S = (3, 4)
_rng = np.random.default_rng(7)
PROBS = _rng.dirichlet(np.ones(4), size=3)
PROBS[0, 2] = 0.0
PROBS[0] /= PROBS[0].sum()
BINARY = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
SIGNS = 2 * BINARY - 1
CTC_LABELS = np.array([[1, 2, 2], [3, 1, 0]])
CTC_LABEL_PAD = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
CTC_LOGIT_PAD = np.array([[0.0] * 5, [0.0, 0.0, 0.0, 0.0, 1.0]])


def _ref(name, **kwargs):
    if _optax_losses is None:
        return None
    return lambda jnp, lax: lambda *args: getattr(_optax_losses, name)(*args, **kwargs)


CASES = [
    Case("losses.huber_loss", lambda p, t: L.huber_loss(p, t, delta=0.7), [A(*S), A(*S)],
         jax=_ref("huber_loss", delta=0.7)),
    Case("losses.cosine_similarity", L.cosine_similarity, [A(*S), A(*S)],
         jax=_ref("cosine_similarity")),
    Case("losses.cosine_distance_axis0", lambda p, t: L.cosine_distance(p, t, axis=0),
         [A(*S), A(*S)], jax=_ref("cosine_distance", axis=0)),
    # Targets with a zero entry are closed over: their derivative there is one-sided.
    Case("losses.kl_divergence", lambda lp: L.kl_divergence(lp, PROBS),
         [A(*S, low=-3, high=-0.1)],
         jax=lambda jnp, lax: lambda lp: _optax_losses.kl_divergence(lp, jnp.asarray(PROBS))),
    Case("losses.kl_divergence_targets", lambda t, lp: L.kl_divergence(lp, t),
         [Pos(*S, low=0.1, high=1.0), A(*S, low=-3, high=-0.1)],
         jax=lambda jnp, lax: lambda t, lp: _optax_losses.kl_divergence(lp, t)),
    Case("losses.hinge_loss", L.hinge_loss, [A(*S), Const(SIGNS)], jax=_ref("hinge_loss")),
    Case("losses.smooth_labels", lambda y: L.smooth_labels(y, 0.2), [Pos(*S, low=0, high=1)],
         jax=lambda jnp, lax: lambda y: _optax_losses.smooth_labels(y, 0.2)),
    Case("losses.sigmoid_focal_loss",
         lambda x: L.sigmoid_focal_loss(x, BINARY, alpha=0.3, gamma=2.0),
         [A(*S, low=-4, high=4)],
         jax=lambda jnp, lax: lambda x: _optax_losses.sigmoid_focal_loss(
             x, jnp.asarray(BINARY), alpha=0.3, gamma=2.0)),
    Case("losses.sigmoid_focal_loss_soft", lambda x, y: L.sigmoid_focal_loss(x, y, gamma=1.5),
         [A(*S), Pos(*S, low=0.1, high=0.9)], jax=_ref("sigmoid_focal_loss", gamma=1.5)),
    Case("losses.safe_softmax_cross_entropy", lambda x: L.safe_softmax_cross_entropy(x, PROBS),
         [A(*S)], jax=lambda jnp, lax: lambda x: _optax_losses.safe_softmax_cross_entropy(
             x, jnp.asarray(PROBS))),
    Case("losses.ctc_loss",
         lambda x: L.ctc_loss(x, CTC_LOGIT_PAD, CTC_LABELS, CTC_LABEL_PAD),
         [A(2, 5, 4)],
         jax=lambda jnp, lax: lambda x: _optax_losses.ctc_loss(
             x, jnp.asarray(CTC_LOGIT_PAD), jnp.asarray(CTC_LABELS), jnp.asarray(CTC_LABEL_PAD))),
]
if _optax_losses is None:
    for case in CASES:
        case.jax = None
