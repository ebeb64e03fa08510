"""The machinery of the build-and-train exercises: a student's step runs alike on every
backend, eagerly and compiled."""

import numpy as np
import pytest


def _noisy_step(layer, optimizer, seed, x):
    """A step whose loss draws noise from a SeedGenerator inside ``loss_fn``."""
    import keras
    from keras import ops

    from unsuplab.exercises import value_and_grad

    def loss_fn():
        noise = keras.random.normal((4, 3), seed=seed)
        return ops.mean(layer(x + noise) ** 2), noise

    (loss, noise), grads = value_and_grad(loss_fn, layer.trainable_variables, has_aux=True)
    optimizer.apply(grads, layer.trainable_variables)
    return loss, ops.sum(noise)


@pytest.mark.parametrize("compile", [False, True], ids=["eager", "compiled"])
def test_a_seed_generator_advanced_inside_the_loss_advances(compile):
    # on JAX the loss runs in a stateless scope: its assignments must be carried out, as the
    # tape lets them happen on TensorFlow, or every call would draw the same noise
    import keras
    from keras import ops

    from unsuplab.exercises.stepping import compiled

    layer = keras.layers.Dense(1)
    layer.build((None, 3))
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build(layer.trainable_variables)
    seed = keras.random.SeedGenerator(3)
    step = compiled(_noisy_step, (layer, optimizer, seed), returns=("loss", "noise"),
                    compile=compile)
    sums = [float(ops.convert_to_numpy(step(ops.ones((4, 3)))[1])) for _ in range(3)]
    assert len(set(np.round(sums, 5))) == 3, sums


def test_value_and_grad_names_a_loss_fn_that_does_not_return_a_pair():
    import keras
    from keras import ops

    from unsuplab.exercises import Mismatch, value_and_grad

    layer = keras.layers.Dense(1)
    layer.build((None, 3))
    with pytest.raises(Mismatch, match="has_aux=True"):
        value_and_grad(lambda: ops.mean(layer(ops.ones((2, 3)))), layer.trainable_variables,
                       has_aux=True)
