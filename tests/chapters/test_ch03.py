import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch03
from unsuplab.models import VAE
from unsuplab.models.vae import binarize

SHAPE = (8, 8, 1)
TINY = {"architecture": "mlp", "hidden_units": (16,)}


def _images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, *SHAPE)).astype(np.float32)


def _weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def test_load_data_holds_the_evaluation_binarization():
    data = ch03.load_data(train_size=40, test_size=20)
    assert data.x_train.shape == (40, 28, 28, 1) and data.x_test.shape == (20, 28, 28, 1)
    assert set(np.unique(data.x_test_bin)) <= {0.0, 1.0}
    np.testing.assert_array_equal(data.x_test_bin, binarize(data.x_test, seed=ch03.EVAL_SEED))
    with config.use_mode("quick"):
        assert len(ch03.load_data().x_train) == config.setting("vae.train_size")


def test_train_vae_binarizes_bernoulli_batches_and_logs_validation():
    x = _images()
    vae = ch03.train_vae(x, latent_dim=2, epochs=2, batch_size=16,
                         validation_data=binarize(x[:16], seed=0), **TINY)
    assert isinstance(vae, VAE) and vae.binarize and vae.seed == 0
    assert {"loss", "reconstruction_loss", "kl_loss", "val_loss"} <= set(vae.training_history)
    assert len(vae.training_history["val_loss"]) == 2
    gaussian = ch03.train_vae(x, epochs=1, batch_size=32, likelihood="gaussian", **TINY)
    assert not gaussian.binarize


def test_defaults_come_from_the_settings():
    with config.use_mode("quick"):
        vae = ch03.train_vae(_images(32), **TINY)
        assert len(vae.training_history["loss"]) == config.setting("vae.sweep_epochs")


def test_cached_vae_hits_and_misses():
    x = _images()
    kwargs = {"epochs": 1, "batch_size": 32, "beta": 0.5, **TINY}
    first, trained = ch03.cached_vae(x, **kwargs)
    assert trained and first.beta == 0.5
    again, trained = ch03.cached_vae(x, **kwargs)
    assert not trained
    for a, b in zip(_weights(first), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)  # the noise stream's state included
    assert again.training_history == first.training_history
    assert ch03.cached_vae(_images(seed=1), **kwargs)[1]  # other images: retrained
    assert ch03.cached_vae(x, **{**kwargs, "beta": 2.0})[1]  # another model
    assert ch03.cached_vae(x, seed=1, **kwargs)[1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate"),
        ({"beta": -1.0}, ValueError, "beta"),
        ({"architecture": "rnn"}, ValueError, "Unknown architecture"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        ch03.cached_vae(_images(8), **{"epochs": 1, **kwargs})


def test_images_outside_the_unit_interval_are_refused_before_training():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ch03.train_vae(_images(8) * 2.0, epochs=1, **TINY)
