r"""Exercise 04.6's machinery: a GAN's training step written by the student, checked by running it.

The student writes ``gan_train_step(generator, discriminator, d_optimizer, g_optimizer, real,
z_d, z_g)``: one discriminator update (from codes ``z_d``) then one generator update (from
fresh codes ``z_g``) with the non-saturating loss, each network with its own optimizer; it
returns ``(d_loss, g_loss)``. Gradients come from :func:`value_and_grad`, the one
backend-specific line (a ``tf.GradientTape`` on TensorFlow, ``jax.value_and_grad`` over the
variables' values on JAX), so the same answer runs on both backends.

The check has two parts:

1. *step by step*: from the same weights, codes and batches, the student's step must move both
   networks exactly as the reference step does (three steps, Adam); when it does not, the
   feedback says which network goes wrong first, and tries the usual mistakes (saturating
   loss, generator before discriminator, ...) to say which one it is;
2. *trained*: a few hundred of the student's steps on a 2-D mixture of 8 Gaussians on a ring
   (the toy problem of GAN papers), next to the reference's, must cover as many modes.
"""

from __future__ import annotations

import functools

import numpy as np

from .feedback import Mismatch
from .stepping import compiled, gap, run_steps, value_and_grad, weights

LATENT = 2
MODES = 8
RADIUS = 2.0
SPREAD = 0.05


def mixture(n, rng):
    """``n`` points (n, 2) of the ring of ``MODES`` Gaussians, and their mode indices."""
    modes = rng.integers(0, MODES, n)
    angle = 2 * np.pi * modes / MODES
    centres = RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return (centres + SPREAD * rng.standard_normal((n, 2))).astype(np.float32), modes


def coverage(points, *, min_share=0.02, near_distance=0.6):
    """The number of modes of the ring that hold at least ``min_share`` of the points (each
    point counted for its nearest mode, if within ``near_distance``), and the share of the
    points that near a mode (the samples' quality; the modes are 1.5 apart)."""
    angle = 2 * np.pi * np.arange(MODES) / MODES
    centres = RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    d = np.linalg.norm(points[:, None] - centres[None], axis=-1)
    near = d.min(axis=1) < near_distance
    nearest = d.argmin(axis=1)
    counts = np.bincount(nearest[near], minlength=MODES)
    return int(np.sum(counts >= min_share * len(points))), float(near.mean())


def networks(seed):
    """A small generator (2 -> 2) and discriminator (2 -> 1 logit): MLPs, no batch norm."""
    import keras

    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(32, "relu"),
                                  keras.layers.Dense(32, "relu"), keras.layers.Dense(2)],
                                 name="generator")
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, "leaky_relu"),
                                      keras.layers.Dense(32, "leaky_relu"),
                                      keras.layers.Dense(1)], name="discriminator")
    return generator, discriminator


def optimizers(generator, discriminator, learning_rate):
    """Adam for training (``learning_rate`` a number); for the step-by-step comparison
    (``learning_rate=None``) SGD with momentum, a different rate for each network: its update
    is linear in the gradient, so rounding differences stay small (Adam's first step is the
    sign of the gradient, which rounding can flip), and using one network's optimizer for the
    other shows."""
    import keras

    if learning_rate is None:
        d_opt = keras.optimizers.SGD(0.05, momentum=0.5)
        g_opt = keras.optimizers.SGD(0.03, momentum=0.5)
    else:
        d_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
        g_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    return d_opt, g_opt


def reference_step(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g, *,
                   saturating=False, generator_first=False):
    """The reference step (and two classic mistakes, for the feedback)."""
    from keras import ops

    def d_step():
        fake = generator(z_d, training=True)

        def d_loss():
            return (ops.mean(ops.softplus(-discriminator(real, training=True)))
                    + ops.mean(ops.softplus(discriminator(fake, training=True))))

        loss, grads = value_and_grad(d_loss, discriminator.trainable_variables)
        d_optimizer.apply(grads, discriminator.trainable_variables)
        return loss

    def g_step():
        def g_loss():
            logits = discriminator(generator(z_g, training=True), training=True)
            return (-ops.mean(ops.softplus(logits)) if saturating
                    else ops.mean(ops.softplus(-logits)))

        loss, grads = value_and_grad(g_loss, generator.trainable_variables)
        g_optimizer.apply(grads, generator.trainable_variables)
        return loss

    if generator_first:
        g = g_step()
        return d_step(), g
    d = d_step()
    return d, g_step()


def _batches(steps, batch_size, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield (mixture(batch_size, rng)[0],
               rng.standard_normal((batch_size, LATENT)).astype(np.float32),
               rng.standard_normal((batch_size, LATENT)).astype(np.float32))


def _setup(seed, learning_rate):
    generator, discriminator = networks(seed)
    return (generator, discriminator, *optimizers(generator, discriminator, learning_rate))


def _diagnose(student_nets, seed, batch, run):
    """After one step from the same start: which network went wrong, and how."""
    mine_g, mine_d = (weights(m) for m in student_nets[:2])
    start_g, start_d = (weights(m) for m in networks(seed))
    ref = _setup(seed, None)
    run_steps(compiled(reference_step, ref, compile=False), [batch], run)
    for kwargs, advice in (
        (dict(generator_first=True), "Your generator is updated before the discriminator: do "
         "the discriminator's step first, then the generator's, which must see the updated "
         "discriminator."),
        (dict(saturating=True), "Your generator minimises log(1 - D(G(z))), the saturating "
         "loss: it is flat where the discriminator wins. Use the non-saturating loss."),
    ):
        other = _setup(seed, None)
        run_steps(compiled(lambda *a, kw=kwargs: reference_step(*a, **kw), other, compile=False),
             [batch], run)
        if gap(mine_g + mine_d, weights(other[0]) + weights(other[1])) < 1e-5:
            return advice
    if gap(mine_d, start_d) == 0:
        return ("The discriminator did not change: no gradient reaches it (is its loss made "
                "of keras.ops on the discriminator's outputs, without stop_gradient or a "
                "NumPy round trip?), or its update is never applied.")
    if gap(mine_d, weights(ref[1])) > 1e-5:
        return ("The discriminator's update differs from the reference's: check its loss "
                "(real images are the positive class, generated ones the negative, from "
                "logits, each term a mean over its batch), that the fake images come from "
                "z_d, and that d_optimizer updates the discriminator.")
    if gap(mine_g, start_g) == 0:
        return ("The generator did not change: no gradient reaches it (are the generated "
                "images computed inside the function you differentiate, without "
                "stop_gradient?), or its update is never applied.")
    return ("The generator's update differs from the reference's: check its loss (the "
            "non-saturating one, from the discriminator's logits on fresh images from z_g) and "
            "that g_optimizer updates the generator.")


def check_gan_step(step, run):
    """The check of exercise 04.6: ``step`` the student's function, ``run(thunk)`` runs a call
    of it and turns a failure into feedback (``core.run_in_model``)."""
    seed, steps = 4, 3
    batches = list(_batches(steps, 32, seed))
    student, ref = _setup(seed, None), _setup(seed, None)
    mine = compiled(step, student, compile=False)
    theirs = compiled(reference_step, ref, compile=False)
    losses = run_steps(mine, batches[:1], run)
    expected = run_steps(theirs, batches[:1], run)
    if gap(weights(student[0]) + weights(student[1]),
            weights(ref[0]) + weights(ref[1])) > 1e-5:
        raise Mismatch(_diagnose(student, seed, batches[0], run))
    if not np.allclose(losses, expected, rtol=1e-5, atol=1e-6):
        raise Mismatch("Both networks are updated right, but the losses you return are not "
                       "the ones you minimised: return (d_loss, g_loss) of this step.")
    run_steps(mine, batches[1:], run)
    run_steps(theirs, batches[1:], run)
    drift = gap(weights(student[0]) + weights(student[1]), weights(ref[0]) + weights(ref[1]))
    if drift > 1e-4:
        raise Mismatch(f"Your first step is right, but after {steps} steps the weights are "
                       f"{drift:.2g} away from the reference's: does your step keep state between "
                       "calls, or reuse codes or batches from an earlier call?")
    return train_and_compare(step, run)


def train_and_compare(step, run, *, steps=300, batch_size=128, seed=0):
    """Train the student's step and the reference's from the same start on the ring of
    Gaussians; the student's must cover as many modes, with samples as close to them."""
    (modes, near) = trained_coverage(step, run, steps, batch_size, seed)
    import keras

    ref_modes, ref_near = _reference_coverage(steps, batch_size, seed, keras.backend.backend())
    if modes < ref_modes - 1 or near < ref_near - 0.1:
        raise Mismatch(f"Trained {steps} steps on a ring of {MODES} Gaussians, your GAN covers "
                       f"{modes} modes with {near:.0%} of its samples on a mode; the reference "
                       f"covers {ref_modes} with {ref_near:.0%}.")
    return (modes, near), (ref_modes, ref_near)


def trained_coverage(step, run, steps, batch_size, seed):
    """:func:`coverage` of 2000 samples of a generator trained ``steps`` steps by ``step``."""
    from keras import ops

    nets = _setup(seed, 2e-3)
    run_steps(compiled(step, nets), _batches(steps, batch_size, seed + 1), run)
    z = np.random.default_rng(seed + 2).standard_normal((2000, LATENT)).astype(np.float32)
    return coverage(ops.convert_to_numpy(nets[0](ops.convert_to_tensor(z), training=False)))


@functools.cache
def _reference_coverage(steps, batch_size, seed, backend=None):
    return trained_coverage(reference_step, lambda thunk: thunk(), steps, batch_size, seed)
