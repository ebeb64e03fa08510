import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import IdleMonitor, fit


def _tiny_autoencoder():
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(4)(h)
    h = keras.layers.Dense(64, activation="sigmoid")(h)
    outputs = keras.layers.Reshape((8, 8, 1))(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    return model


def _pair(batch):
    return batch, batch


def _images(n=64):
    return np.random.default_rng(0).integers(0, 256, size=(n, 8, 8), dtype=np.uint8)


def test_fit_trains_and_reports_each_epoch():
    config.set_seed(0)
    model = _tiny_autoencoder()
    x = _images()
    history = fit(model, x, map_fn=_pair, epochs=3, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_is_reproducible_with_a_seed():
    losses = []
    for _ in range(2):
        config.set_seed(1)
        model = _tiny_autoencoder()
        x = _images()
        losses.append(
            fit(model, x, map_fn=_pair, epochs=2, batch_size=16, seed=1, verbose=0).history["loss"]
        )
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)


def test_fit_under_mirrored_strategy_on_two_logical_cpus(mirrored_strategy):
    strategy = mirrored_strategy
    with strategy.scope():
        model = _tiny_autoencoder()
    x = _images()
    history = fit(model, x, map_fn=_pair, epochs=2, batch_size=16, verbose=0)
    assert model.distribute_strategy is strategy
    assert np.isfinite(history.history["loss"]).all()


def test_idle_monitor_records_each_epoch():
    model = _tiny_autoencoder()
    x = _images()
    monitor = IdleMonitor(interval=0.01)
    fit(model, x, map_fn=_pair, epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
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
