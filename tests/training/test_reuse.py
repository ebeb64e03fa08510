"""reuse_compiled: one compiled model trained again and again gives a new model's numbers."""

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import fit, reuse_compiled


def _classifier(seed, learning_rate=1e-2, activation="relu"):
    """Seeded weights, a seeded dropout, batch norm statistics, Adam: all the state a reuse
    must reset."""
    config.set_seed(seed)
    inputs = keras.Input((8, 8, 1), name="images")  # named layers: the same config twice
    h = keras.layers.Flatten(name="flat")(inputs)
    h = keras.layers.Dense(16, activation=activation, name="hidden")(h)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Dropout(0.3, seed=seed, name="drop")(h)
    model = keras.Model(inputs, keras.layers.Dense(3, name="logits")(h))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_a_reused_model_trains_like_a_new_one():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (96, 8, 8), dtype=np.uint8)
    y = rng.integers(0, 3, 96)
    pool, kept = {}, []
    for seed in (0, 1, 0):
        new = _classifier(seed)
        fit(new, x, y, epochs=2, batch_size=16, seed=seed, verbose=0)
        model = reuse_compiled(_classifier(seed), pool)
        fit(model, x, y, epochs=2, batch_size=16, seed=seed, verbose=0)
        kept.append(model)
        np.testing.assert_array_equal(model.predict(x[..., None] / 255.0, verbose=0),
                                      new.predict(x[..., None] / 255.0, verbose=0))
    assert kept[0] is kept[1] is kept[2] and len(pool) == 1
    other = reuse_compiled(_classifier(0, learning_rate=1e-3), pool)  # another optimiser
    assert other is not kept[0] and len(pool) == 2


def test_other_architectures_are_never_merged():
    pool = {}
    first = reuse_compiled(_classifier(0), pool)
    assert reuse_compiled(_classifier(0, activation="tanh"), pool) is not first
    auto = [keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)]) for units in (1, 2, 1)]
    for model in auto:  # automatic names (dense_7, adam_3) do not matter; the sizes do
        model.compile(optimizer="adam", loss="mse")
    assert [reuse_compiled(m, pool) for m in auto] == [auto[0], auto[1], auto[0]]
    assert len(pool) == 4
    other_loss = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    other_loss.compile(optimizer="adam", loss="mae")
    assert reuse_compiled(other_loss, pool) is other_loss and len(pool) == 5


def test_copy_state_refuses_another_architecture():
    from unsuplab.training import copy_state

    small = _classifier(0)
    wide = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(5)])
    wide.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="same variables"):
        copy_state(small, wide)


def test_reuse_needs_a_compiled_model():
    with pytest.raises(ValueError, match="must be compiled"):
        reuse_compiled(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), {})
