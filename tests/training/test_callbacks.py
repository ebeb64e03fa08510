"""StopOnDivergence: when it looks at the loss, and what its message says."""

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import StopOnDivergence, fit


def _model(learning_rate=1e-2):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def _drive(callback, batches, steps_per_epoch=10):
    """Feed ``callback`` the logs of ``batches`` (one dict per step) of one epoch, as Keras
    does; return the step after which it asked to stop (or None)."""
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    for step, logs in enumerate(batches):
        callback.on_train_batch_end(step, logs)
        if callback.model.stop_training:
            return step + 1
    return None


def test_the_loss_is_read_every_n_steps_not_every_step():
    callback = StopOnDivergence(every=4)
    callback.set_model(_model())
    batches = [{"loss": 0.5}] * 2 + [{"loss": float("nan")}] * 8
    assert _drive(callback, batches) == 4  # diverged at step 3, seen at the 4th step
    seen = r"loss = nan \(seen at step 4 of epoch 1 .*every 4 steps"
    with pytest.raises(FloatingPointError, match=seen):
        callback.on_epoch_end(0, {"loss": float("nan")})


def test_without_every_it_looks_at_the_end_of_the_epoch_only():
    callback = StopOnDivergence(every=None)
    callback.set_model(_model())
    assert _drive(callback, [{"loss": float("nan")}] * 10) is None
    with pytest.raises(FloatingPointError, match="seen at the end of epoch 1"):
        callback.on_epoch_end(0, {"loss": float("nan"), "val_loss": 1.0})
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 1.0, "val_loss": float("nan")})  # training is fine


def test_the_message_names_the_gan_loss_and_says_the_weights_are_finite():
    callback = StopOnDivergence(every=1)
    model = _model(learning_rate=3e-4)
    callback.set_model(model)
    assert _drive(callback, [{"d_loss": 0.7, "g_loss": float("inf")}]) == 1
    with pytest.raises(FloatingPointError) as err:
        callback.on_epoch_end(0, {})
    text = str(err.value)
    assert "g_loss = inf" in text and "d_loss = 0.7" in text and "d_loss = nan" not in text
    assert "still finite" in text and "0.0003" in text and "[0, 1]" in text


def test_nan_weights_are_reported_as_unusable():
    callback = StopOnDivergence(every=1)
    model = _model()
    model.layers[-1].kernel.assign(np.full((4, 2), np.nan, np.float32))
    callback.set_model(model)
    _drive(callback, [{"loss": float("nan")}])
    with pytest.raises(FloatingPointError, match="weights are now NaN"):
        callback.on_epoch_end(0, {})


@pytest.mark.parametrize("every", [0, -1, 2.5, True, "10"])
def test_every_is_checked(every):
    with pytest.raises(ValueError, match="every"):
        StopOnDivergence(every=every)


def test_fit_stops_within_an_epoch_and_names_the_diverged_loss():
    config.set_seed(0)
    inputs = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(flat))
    model.compile(optimizer=keras.optimizers.SGD(1e6), loss="mse")
    x = np.random.default_rng(0).integers(0, 256, (64, 8, 8), dtype=np.uint8)
    y = np.full((64, 1), 1e3, np.float32)
    monitor = StopOnDivergence(every=2)
    with pytest.raises(FloatingPointError, match=r"diverged: loss = (nan|inf)"):
        fit(model, x, y, epochs=1, batch_size=4, callbacks=[monitor], verbose=0)
    assert model.stop_training
