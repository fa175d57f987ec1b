"""Programs in the style of JAX's documentation, one module per group of guides; importing
the package registers them all in :data:`registry.PROGRAMS`."""

from tests.jax_doc_programs import (  # noqa: F401
    api_examples,
    autodiff,
    control_flow_random,
    custom_rules,
    float32_programs,
    guides2,
    guides3,
    guides4,
    jit_gotchas,
    lax_numpy,
    training_libraries,
    vmap_pytrees,
)
