import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import IdleMonitor, fit


class SelfTarget(keras.Model):
    """A functional model trained on its input as target (as the package's autoencoders)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, x if y is None else y, y_pred, sample_weight, training)


def _tiny_autoencoder(learning_rate=1e-2, activation="sigmoid", optimizer="adam"):
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(4)(h)
    h = keras.layers.Dense(64, activation=activation)(h)
    outputs = keras.layers.Reshape((8, 8, 1))(h)
    model = SelfTarget(inputs, outputs)
    optimizer = keras.optimizers.get({"class_name": optimizer,
                                      "config": {"learning_rate": learning_rate}})
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _images(n=64):
    return np.random.default_rng(0).integers(0, 256, size=(n, 8, 8), dtype=np.uint8)


def test_fit_trains_and_reports_each_epoch():
    config.set_seed(0)
    model = _tiny_autoencoder()
    x = _images()
    history = fit(model, x, epochs=3, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_is_reproducible_with_a_seed():
    losses = []
    for _ in range(2):
        config.set_seed(1)
        model = _tiny_autoencoder()
        x = _images()
        losses.append(
            fit(model, x, epochs=2, batch_size=16, seed=1, verbose=0).history["loss"]
        )
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)


class CountingTraces(SelfTarget):
    """Counts the Python runs of its training step: one per trace (TensorFlow, JAX)."""

    traces = 0

    def train_step(self, *args, **kwargs):
        type(self).traces += 1
        return super().train_step(*args, **kwargs)


def test_the_training_step_is_traced_once():
    """fit() builds the optimizer before Keras traces the step: built inside the first trace,
    its new variables made TensorFlow trace the whole step a second time."""
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64)(keras.layers.Flatten()(
        inputs)))
    model = CountingTraces(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    CountingTraces.traces = 0
    fit(model, _images(), epochs=2, batch_size=16, verbose=0)
    assert CountingTraces.traces == 1
    assert model.optimizer.built and len(model.optimizer.variables) > 2


@pytest.mark.tensorflow_only
def test_fit_under_mirrored_strategy_on_two_logical_cpus(mirrored_strategy):
    strategy = mirrored_strategy
    with strategy.scope():
        model = _tiny_autoencoder()
    x = _images()
    history = fit(model, x, epochs=2, batch_size=16, verbose=0)
    assert model.distribute_strategy is strategy
    assert np.isfinite(history.history["loss"]).all()


def test_idle_monitor_records_each_epoch():
    model = _tiny_autoencoder()
    x = _images()
    monitor = IdleMonitor(interval=0.01)
    fit(model, x, epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
    assert len(monitor.epoch_idle_share) == 2
    assert all(0.0 <= s <= 1.0 for s in monitor.epoch_idle_share)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2, "batch_size": 0}, "batch_size"),
        ({"epochs": 2, "initial_epoch": 2}, "initial_epoch"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, match):
    model = _tiny_autoencoder()
    with pytest.raises(ValueError, match=match):
        fit(model, _images(), **kwargs)


def test_fit_requires_a_compiled_model():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    with pytest.raises(ValueError, match="compiled"):
        fit(model, _images(), epochs=1)


@pytest.mark.jax_only
def test_fit_data_parallel_on_two_jax_devices():
    import jax

    devices = jax.devices()
    assert len(devices) >= 2, "conftest gives JAX two host devices"
    distribution = keras.distribution.DataParallel(devices=devices[:2])
    keras.distribution.set_distribution(distribution)
    try:
        config.set_seed(0)
        model = _tiny_autoencoder()
        history = fit(model, _images(), epochs=2, batch_size=16, verbose=0)
        kernel = model.layers[2].kernel.value
        assert len(kernel.sharding.device_set) == 2  # replicated on both devices
    finally:
        keras.distribution.set_distribution(None)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_records_training_history_and_appends_on_resume():
    config.set_seed(0)
    model = _tiny_autoencoder()
    x = _images()
    fit(model, x, epochs=2, batch_size=16, validation_data=x[:16], verbose=0)
    assert set(model.training_history) == {"loss", "val_loss"}
    assert len(model.training_history["loss"]) == 2
    fit(model, x, epochs=3, initial_epoch=2, batch_size=16, verbose=0)
    assert len(model.training_history["loss"]) == 3


def test_fit_stops_with_a_clear_message_when_the_loss_diverges():
    config.set_seed(0)
    model = _tiny_autoencoder(learning_rate=1e6, activation=None, optimizer="sgd")
    x = _images()
    with pytest.raises(FloatingPointError, match=r"diverged.*learning rate"):
        fit(model, x, epochs=5, batch_size=16, verbose=0)
    assert model.stop_training


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.full((8, 8, 8), 200.0, np.float32), "255"),  # grey levels as floats
        (np.full((8, 8, 8), -0.5, np.float32), r"\[0, 1\]"),
        (np.zeros((8, 8), np.float32), "rank"),
    ],
)
def test_fit_refuses_images_it_would_silently_mistrain_on(x, match):
    with pytest.raises(ValueError, match=match):
        fit(_tiny_autoencoder(), x, epochs=1)


def test_fit_refuses_callbacks_that_are_not_callbacks():
    with pytest.raises(TypeError, match="callbacks"):
        fit(_tiny_autoencoder(), _images(), epochs=1, callbacks=[print])
