r"""Training steps written by students, run as Keras runs its own: the machinery of the
build-and-train exercises (02.6, 03.6, 04.6 and 08.6's steps; 07.6's loop uses
:func:`value_and_grad`).

A student's step takes the networks and optimizers, then one batch of tensors, and updates the
weights with gradients from :func:`value_and_grad` -- the one backend-specific line (a
``tf.GradientTape`` on TensorFlow, ``jax.value_and_grad`` over the variables' values on JAX),
so the same answer runs on both backends. :func:`compiled` binds a step to its networks and
compiles it as ``fit`` would (``tf.function``; ``jax.jit`` of the stateless step, written back
after each call); :func:`run_steps` feeds it batches; :func:`weights` and :func:`gap` compare
where two runs left the networks.
"""

from __future__ import annotations

import functools

import numpy as np

from .feedback import Mismatch, describe

_SCOPES = []  # the stateless scope of the step being compiled on JAX (see `compiled`)


def value_and_grad(loss_fn, variables, *, has_aux=False):
    """``(loss, gradients)`` of ``loss_fn()`` (no arguments, a scalar tensor) with respect to
    ``variables`` (a list of Keras variables), on the backend in use. A variable that the loss
    does not reach gets a zero gradient. With ``has_aux=True``, as in ``jax.value_and_grad``,
    ``loss_fn`` returns ``(loss, aux)`` (values to report, not differentiated) and the result
    is ``((loss, aux), gradients)``."""
    import keras
    from keras import ops

    variables = list(variables)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            out = loss_fn()
        grads = tape.gradient(_loss_of(out, has_aux), variables)
        return out, [ops.zeros_like(v) if g is None else g for g, v in zip(grads, variables,
                                                                              strict=True)]
    if backend == "jax":
        import jax

        outer = _SCOPES[-1] if _SCOPES else None  # compiled: the variables' current values
        differentiated = {id(v) for v in variables}
        assigned = []  # the other variables loss_fn assigns (a SeedGenerator's state, ...)

        def of_values(values):
            scope = _recording_scope()()
            if outer is not None:
                scope.state_mapping.update(outer.state_mapping)
            scope.state_mapping.update({id(v): x for v, x in zip(variables, values,
                                                                  strict=True)})
            with scope:
                out = loss_fn()
            _loss_of(out, has_aux)
            assigned[:] = [v for k, v in scope.assigned.items() if k not in differentiated]
            updates = [scope.get_current_value(v) for v in assigned]
            return (out, updates) if not has_aux else (out[0], (out[1], updates))

        value, grads = jax.value_and_grad(of_values, has_aux=True)(
            [v.value for v in variables])
        if has_aux:
            loss, (aux, updates) = value
            value = (loss, aux)
        else:
            value, updates = value
        for v, x in zip(assigned, updates, strict=True):  # as the tape lets them happen on TF
            v.assign(x)
        return value, grads
    raise NotImplementedError(f"value_and_grad is written for TensorFlow and JAX. Received: "
                              f"backend={backend!r}")


@functools.cache
def _recording_scope():
    """``keras.StatelessScope`` that also remembers the variables assigned in it (built on first
    use: Keras is imported lazily)."""
    import keras

    class RecordingScope(keras.StatelessScope):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.assigned = {}

        def add_update(self, update):
            super().add_update(update)
            self.assigned[id(update[0])] = update[0]

    return RecordingScope


def _loss_of(out, has_aux):
    if not has_aux:
        return out
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Mismatch(f"With has_aux=True, loss_fn must return the pair (loss, aux); yours "
                       f"returned {describe(out)}.")
    return out[0]


def _variables(net):
    """A network's or optimizer's variables; a ``SeedGenerator``'s state."""
    return list(net.variables) if hasattr(net, "variables") else [net.state]


def weights(model):
    from keras import ops

    return [ops.convert_to_numpy(w) for w in model.trainable_weights]


def gap(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


def compiled(step, nets, *, returns=("d_loss", "g_loss"), compile=True):
    """``step`` bound to ``nets`` (networks, then optimizers) and compiled as Keras compiles a
    training step: ``tf.function`` on TensorFlow; on JAX ``jax.jit`` of the step run
    statelessly over every variable of ``nets``, written back after each call. The step must
    return a tuple of ``len(returns)`` losses (named ``returns`` in the feedback).
    ``compile=False``: run eagerly (a few steps cost less than compiling)."""
    import keras

    def call(*batch):
        out = step(*nets, *batch)
        if not isinstance(out, (tuple, list)) or len(out) != len(returns):
            raise Mismatch(f"Return the tuple ({', '.join(returns)}); yours returned "
                           f"{describe(out)}.")
        return tuple(out)

    if not compile:
        return call
    if keras.backend.backend() != "jax":
        from .._backend import compile_fn

        return compile_fn(call)
    import jax

    variables = [v for n in nets for v in _variables(n)]

    def pure(values, *batch):
        with keras.StatelessScope(state_mapping=list(zip(variables, values,
                                                         strict=True))) as scope:
            _SCOPES.append(scope)
            try:
                out = call(*batch)
            finally:
                _SCOPES.pop()
        return out, [scope.get_current_value(v) for v in variables]

    jitted = jax.jit(pure)

    def run(*batch):
        out, values = jitted([v.value for v in variables], *batch)
        for v, x in zip(variables, values, strict=True):
            v.assign(x)
        return out

    return run


def run_steps(fn, batches, run):
    """``fn`` (a compiled step) on each batch, through ``run``; the losses it returns, an
    array (steps, losses per step)."""
    from keras import ops

    losses = []
    for batch in batches:
        tensors = [ops.convert_to_tensor(a) for a in batch]
        out = run(lambda t=tensors: fn(*t))
        losses.append([float(np.reshape(ops.convert_to_numpy(v), -1)[0]) for v in out])
    return np.array(losses)


def compare_steps(step, reference, setup, batches, run, *, returns, n_networks, mistakes,
                  otherwise, wrong_values, drifted, atol=1e-5):
    """The first part of every build-and-train check: the student's ``step`` and the
    ``reference`` step, each bound to its own ``setup()`` (networks, then optimizers and seed
    generators: the same start), eagerly, on ``batches``. After the first batch the networks
    (the first ``n_networks`` of the setup) must be where the reference's are, within 1e-3 of
    how far the reference moved; else the feedback is the advice of the first of ``mistakes``
    (``(kwargs of reference, advice)``) that moves them alike, or ``otherwise(mine, start,
    ref)`` (each a list of per-network weight lists). Then the returned values must match
    (else ``wrong_values``), and after every batch the weights again (else ``drifted``, the
    likely cause)."""
    student, ref = setup(), setup()
    start = [weights(n) for n in setup()[:n_networks]]

    def learned(nets):
        return [weights(n) for n in nets[:n_networks]]

    def flat(per_network):
        return [w for ws in per_network for w in ws]

    mine = compiled(step, student, returns=returns, compile=False)
    theirs = compiled(reference, ref, returns=returns, compile=False)
    losses = run_steps(mine, batches[:1], run)
    expected = run_steps(theirs, batches[:1], run)
    moved = gap(flat(learned(ref)), flat(start))
    if gap(flat(learned(student)), flat(learned(ref))) > 1e-3 * moved:
        for kwargs, advice in mistakes:
            other = setup()
            run_steps(compiled(functools.partial(reference, **kwargs), other, returns=returns,
                               compile=False), batches[:1], run)
            if gap(flat(learned(student)), flat(learned(other))) < 1e-6:
                raise Mismatch(advice)
        raise Mismatch(otherwise(learned(student), start, learned(ref)))
    if not np.allclose(losses, expected, rtol=1e-4, atol=atol):
        raise Mismatch(wrong_values)
    run_steps(mine, batches[1:], run)
    run_steps(theirs, batches[1:], run)
    drift = gap(flat(learned(student)), flat(learned(ref)))
    if drift > 1e-3 * moved:
        raise Mismatch(f"Your first step is right, but after {len(batches)} steps the weights "
                       f"are {drift:.2g} away from the reference's: {drifted}")
