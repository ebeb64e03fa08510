"""The GAN's training step, once per backend (TensorFlow: ``GradientTape``; JAX: stateless).

Both do the same thing in the same order, so a seeded run means the same on either:

1. draw the step's noise from the model's ``SeedGenerator`` (:meth:`GAN.draw_noise`);
2. ``d_steps`` times: generate a batch, score real and fake, minimise the discriminator's
   loss (+ the gradient penalty for ``"wgan-gp"``) with the discriminator's optimizer;
3. generate again from fresh codes and minimise the generator's loss with its optimizer.

The generator runs in training mode in both phases (batch statistics, as in DCGAN). The
backend modules (``tensorflow``, ``jax``) are imported inside the functions, so the JAX
environment never imports TensorFlow.
"""

from __future__ import annotations

import keras
from keras import ops

from .gan_losses import gradient_penalty_from_gradients, mix


def _images(data):
    """The batch of real images, rescaled from [0, 1] to the generator's [-1, 1]."""
    x = data[0] if isinstance(data, (tuple, list)) else data
    return 2.0 * ops.cast(x, "float32") - 1.0


def tensorflow_train_step(model, data):
    import tensorflow as tf

    real = _images(data)
    z_d, z_g, eps = model.draw_noise(tf.shape(real)[0])
    d_vars = model.discriminator.trainable_variables
    g_vars = model.generator.trainable_variables
    gp = tf.constant(0.0)
    for i in range(model.d_steps):
        fake = model.generator(z_d[i], training=True)
        with tf.GradientTape() as tape:
            d_real = model.discriminator(real, training=True)
            d_fake = model.discriminator(fake, training=True)
            d_loss = model.d_loss(d_real, d_fake)
            if model.loss_name == "wgan-gp":
                x_hat = mix(real, fake, eps[i])
                with tf.GradientTape() as inner:
                    inner.watch(x_hat)
                    score = model.discriminator(x_hat, training=True)
                gp = gradient_penalty_from_gradients(inner.gradient(score, x_hat))
                d_loss = d_loss + model.gp_weight * gp
        grads = tape.gradient(d_loss, d_vars)
        model.d_optimizer.apply(grads, d_vars)
    with tf.GradientTape() as tape:
        fake = model.generator(z_g, training=True)
        g_loss = model.g_loss(model.discriminator(fake, training=True))
    grads = tape.gradient(g_loss, g_vars)
    model.g_optimizer.apply(grads, g_vars)
    values = [d_loss, g_loss, gp]
    logs = {}
    for tracker, value in zip(model.metrics, values, strict=False):
        tracker.update_state(value)
        logs[tracker.name] = tracker.result()
    return logs


def _positions(subset, variables):
    index = {id(v): i for i, v in enumerate(variables)}
    return [index[id(v)] for v in subset]


def jax_train_step(model, state, data):
    import jax

    trainable, non_trainable, optimizer_vars, metric_vars = state
    trainable, non_trainable = list(trainable), list(non_trainable)
    gen, disc = model.generator, model.discriminator
    g_tv = _positions(gen.trainable_variables, model.trainable_variables)
    d_tv = _positions(disc.trainable_variables, model.trainable_variables)
    g_ntv = _positions(gen.non_trainable_variables, model.non_trainable_variables)
    d_ntv = _positions(disc.non_trainable_variables, model.non_trainable_variables)
    (seed_pos,) = _positions([model.seed_generator.state], model.non_trainable_variables)

    def pick(values, positions):
        return [values[i] for i in positions]

    def put(values, positions, new):
        for i, v in zip(positions, new, strict=True):
            values[i] = v

    real = _images(data)
    # 1. the step's noise, from the seed generator's current state
    seed_var = model.seed_generator.state
    with keras.StatelessScope(state_mapping=[(seed_var, non_trainable[seed_pos])]) as scope:
        z_d, z_g, eps = model.draw_noise(real.shape[0])
        non_trainable[seed_pos] = scope.get_current_value(seed_var)

    n_d = len(model.d_optimizer.variables)
    d_opt, g_opt = list(optimizer_vars[:n_d]), list(optimizer_vars[n_d:])

    # 2. the discriminator's updates
    def d_loss_fn(d_weights, d_state, g_weights, g_state, z, e):
        fake, g_state = gen.stateless_call(g_weights, g_state, z, training=True)
        fake = jax.lax.stop_gradient(fake)
        d_real, d_state = disc.stateless_call(d_weights, d_state, real, training=True)
        d_fake, d_state = disc.stateless_call(d_weights, d_state, fake, training=True)
        loss = model.d_loss(d_real, d_fake)
        gp = ops.convert_to_tensor(0.0)
        if model.loss_name == "wgan-gp":
            def critic_sum(x):
                return ops.sum(disc.stateless_call(d_weights, d_state, x, training=True)[0])

            gp = gradient_penalty_from_gradients(jax.grad(critic_sum)(mix(real, fake, e)))
            loss = loss + model.gp_weight * gp
        return loss, (d_state, g_state, gp)

    d_weights, g_weights = pick(trainable, d_tv), pick(trainable, g_tv)
    d_state, g_state = pick(non_trainable, d_ntv), pick(non_trainable, g_ntv)
    for i in range(model.d_steps):
        (d_loss, (d_state, g_state, gp)), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(
            d_weights, d_state, g_weights, g_state, z_d[i], eps[i])
        d_weights, d_opt = model.d_optimizer.stateless_apply(d_opt, grads, d_weights)

    # 3. the generator's update
    def g_loss_fn(g_weights, g_state, d_state):
        fake, g_state = gen.stateless_call(g_weights, g_state, z_g, training=True)
        d_fake, d_state = disc.stateless_call(d_weights, d_state, fake, training=True)
        return model.g_loss(d_fake), (g_state, d_state)

    (g_loss, (g_state, d_state)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
        g_weights, g_state, d_state)
    g_weights, g_opt = model.g_optimizer.stateless_apply(g_opt, grads, g_weights)

    put(trainable, d_tv, d_weights)
    put(trainable, g_tv, g_weights)
    put(non_trainable, d_ntv, d_state)
    put(non_trainable, g_ntv, g_state)

    logs, new_metric_vars, start = {}, [], 0
    for tracker, value in zip(model.metrics, [d_loss, g_loss, gp], strict=False):
        n = len(tracker.variables)
        mine = tracker.stateless_update_state(metric_vars[start:start + n], value)
        logs[tracker.name] = tracker.stateless_result(mine)
        new_metric_vars.extend(mine)
        start += n
    new_metric_vars.extend(metric_vars[start:])
    return logs, (trainable, non_trainable, [*d_opt, *g_opt], new_metric_vars)


__all__ = ["jax_train_step", "tensorflow_train_step"]
