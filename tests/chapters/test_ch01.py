import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch01
from unsuplab.models import ConvAutoencoder, DenseAutoencoder

SHAPE = (8, 8, 1)


def _images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, *SHAPE)).astype(np.float32)


def _weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def test_load_data_gives_the_settings_subsets_in_the_unit_interval():
    data = ch01.load_data(train_size=50, test_size=20)
    assert data.x_train.shape == (50, 28, 28, 1) and data.x_test.shape == (20, 28, 28, 1)
    assert data.x_train.dtype == np.float32
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert len(data.y_train) == 50 and len(data.class_names) == 10
    assert len(np.unique(data.y_train)) == 10  # class-balanced subset
    with config.use_mode("quick"):
        assert len(ch01.load_data().x_train) == config.setting("ae.train_size")


def test_train_autoencoder_logs_learning_curves():
    x = _images()
    model = ch01.train_autoencoder("conv", 2, x, epochs=2, batch_size=16, validation_data=x[:16],
                                   filters=(4, 8))
    assert isinstance(model, ConvAutoencoder) and model.filters == (4, 8)
    assert set(model.training_history) == {"loss", "val_loss"}
    assert len(model.training_history["val_loss"]) == 2
    assert np.isfinite(model.training_history["loss"]).all()


def test_defaults_come_from_the_settings():
    with config.use_mode("quick"):
        model = ch01.train_autoencoder("dense", 2, _images(32))
        assert len(model.training_history["loss"]) == config.setting("ae.dense_epochs")


@pytest.mark.slow
def test_the_recipe_is_seeded():
    x = (_images() * 255).astype(np.uint8)  # uint8 is scaled by the pipeline
    runs = [ch01.train_autoencoder("deep", 2, x, epochs=1, batch_size=16, seed=5,
                                   hidden_units=(8,)) for _ in range(2)]
    for a, b in zip(_weights(runs[0]), _weights(runs[1]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_cached_autoencoder_hits_and_misses():
    x, other = _images(), _images(seed=1)
    kwargs = {"epochs": 1, "batch_size": 16, "validation_data": x[:16]}
    first, trained = ch01.cached_autoencoder("dense", 2, x, **kwargs)
    assert trained and isinstance(first, DenseAutoencoder)
    again, trained = ch01.cached_autoencoder("dense", 2, x, **kwargs)
    assert not trained  # loaded: same weights, same learning curves
    for a, b in zip(_weights(first), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.training_history == first.training_history
    assert ch01.cached_autoencoder("dense", 2, other, **kwargs)[1]  # other images: retrained
    assert ch01.cached_autoencoder("dense", 2, x, **{**kwargs, "learning_rate": 1e-3})[1]
    assert ch01.cached_autoencoder("dense", 2, x, hidden_units=(4,), **kwargs)[1]  # other model
    assert ch01.cached_autoencoder("dense", 2, x, retrain=True, **kwargs)[1]


@pytest.mark.tensorflow_only
def test_train_autoencoder_under_mirrored_strategy(mirrored_strategy):
    strategy = mirrored_strategy
    x = (_images() * 255).astype(np.uint8)
    with strategy.scope():
        model = ch01.train_autoencoder("dense", 3, x, epochs=2, batch_size=16)
    assert model.distribute_strategy is strategy
    assert np.isfinite(model.training_history["loss"]).all()
    assert model.reconstruct(x).shape == (64, *SHAPE)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: ch01.train_autoencoder("dense", 2, x, epochs=0), ValueError, "epochs"),
        (lambda x: ch01.train_autoencoder("dense", 2, x, epochs=1, learning_rate=0.0),
         ValueError, "learning_rate"),
        (lambda x: ch01.train_autoencoder("gan", 2, x, epochs=1), ValueError,
         "Unknown architecture"),
        (lambda x: ch01.train_autoencoder("conv", 0, x, epochs=1), ValueError, "latent_dim"),
        (lambda x: ch01.train_autoencoder("dense", 2, x * 255, epochs=1), ValueError, "/ 255"),
        (lambda x: ch01.cached_autoencoder("dense", 2, x[0, ..., 0], epochs=1), ValueError,
         "rank"),
    ],
)
def test_bad_arguments_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call(_images(8))


@pytest.mark.parametrize(("kwargs", "error"), [({"train_size": "three"}, TypeError),
                                               ({"test_size": -1}, ValueError),
                                               ({"train_size": 2.5}, TypeError)])
def test_load_data_names_its_own_sizes(kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=rf"Received: {name}="):
        ch01.load_data(**kwargs)
