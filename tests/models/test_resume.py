"""Every Keras model of :mod:`unsuplab.models` resumes bit-identically from a ``.keras`` file.

ARCHITECTURE.md promises it for every model: a run stopped after one epoch, saved, loaded
and continued ends with the same weights as ONE uninterrupted ``fit`` call (not two calls on
one model object, which would hide randomness kept outside the saved state, like a
``Dropout`` layer's own seed generator). Tiny models, 2 + 2 steps.
"""

import keras
import numpy as np
import pytest

from unsuplab import config, models
from unsuplab.training import fit

SHAPE = (8, 8, 1)
STEPS, BATCH = 2, 4


def _images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, *SHAPE), dtype=np.float32)


def _labels(n=8, n_classes=3, seed=0):
    return np.random.default_rng(seed).integers(0, n_classes, n)


def _dec_targets(n=8, k=3, seed=0):
    q = np.random.default_rng(seed).random((n, k)).astype(np.float32) + 0.1
    return q / q.sum(1, keepdims=True)


def _adam():
    return {"optimizer": keras.optimizers.Adam(1e-2)}


#: name -> (build, compile kwargs, training data (x, y or None)); every Keras model class of
#: unsuplab.models must be here (test_every_keras_model_is_covered).
CASES = {
    "DenseAutoencoder": (lambda: models.DenseAutoencoder(3, hidden_units=(8,), batch_norm=True,
                                                         image_shape=SHAPE),
                         lambda: {**_adam(), "loss": "mse"}, lambda: (_images(), None)),
    "ConvAutoencoder": (lambda: models.ConvAutoencoder(3, filters=(4, 8), image_shape=SHAPE),
                        lambda: {**_adam(), "loss": "mse"}, lambda: (_images(), None)),
    "DenoisingUNet": (lambda: models.DenoisingUNet(filters=(4, 8), sigma=(0.0, 0.2), seed=0),
                      _adam, lambda: (_images(), None)),
    "InpaintingUNet": (lambda: models.InpaintingUNet(filters=(4, 8), hole_size=3, n_holes=2,
                                                     seed=0),
                       _adam, lambda: (_images(), None)),
    "BlindSpotDenoiser": (lambda: models.BlindSpotDenoiser(sigma=0.1, grid=2, filters=(4,),
                                                           seed=0),
                          _adam, lambda: (_images(), None)),
    "VAE": (lambda: models.VAE(2, architecture="mlp", hidden_units=(8,), image_shape=SHAPE,
                               seed=0),
            _adam, lambda: (_images(), None)),
    "GAN": (lambda: models.GAN(4, filters=(4, 8), image_shape=SHAPE, seed=3),
            dict, lambda: (_images(), None)),
    "DomainClassifier": (lambda: models.DomainClassifier(3, feature_dim=5, filters=(4,),
                                                         image_shape=SHAPE, seed=0),
                         lambda: {**_adam(), "loss": keras.losses.SparseCategoricalCrossentropy(
                             from_logits=True)},
                         lambda: (_images(), _labels())),
    "ContrastiveEncoder": (lambda: models.ContrastiveEncoder(4, filters=(4, 8), dense_units=(8,),
                                                             projection_units=(8,),
                                                             projection_dim=4, image_shape=SHAPE,
                                                             seed=0),
                           _adam, lambda: (_images(), None)),
    "DEC": (lambda: models.DEC(3, 2, filters=(4, 8), gamma=0.1, image_shape=SHAPE, seed=0),
            _adam, lambda: (_images(), _dec_targets())),
    "FeatureClustering": (lambda: models.FeatureClustering(1, filters=(4,), n_clusters=4,
                                                           seed=0),
                          _adam, lambda: (_images(), None)),
    "Diffusion": (lambda: models.Diffusion(image_shape=SHAPE, base_filters=4, depth=1,
                                           timesteps=50, seed=0),
                  _adam, lambda: (_images(), None)),
    "ImageClassifier": (lambda: models.ImageClassifier(3, SHAPE, filters=(4,), feature_dim=8,
                                                       dropout=0.5, seed=0),
                        _adam, lambda: (_images(), _labels())),
}


#: variants whose training draws differently from their class's case above (a gradient
#: penalty's interpolation, flow matching's times with labels, a random corruption per image,
#: a binarized Bernoulli VAE): ``"Class[variant]"`` -> the same triple.
VARIANTS = {
    "GAN[wgan-gp]": (lambda: models.GAN(4, loss="wgan-gp", filters=(4, 8), image_shape=SHAPE,
                                        seed=3),
                     dict, lambda: (_images(), None)),
    "Diffusion[flow, labels]": (lambda: models.Diffusion(image_shape=SHAPE, base_filters=4,
                                                         depth=1, timesteps=50, objective="flow",
                                                         n_classes=3, seed=0),
                                _adam, lambda: (_images(), _labels())),
    "DenoisingUNet[mixed]": (lambda: models.DenoisingUNet(filters=(4, 8), corruption="mixed",
                                                          seed=5),
                             _adam, lambda: (_images(), None)),
    "VAE[conv, bernoulli]": (lambda: models.VAE(2, architecture="conv", filters=(4, 8),
                                                hidden_units=(8,), likelihood="bernoulli",
                                                binarize=True, image_shape=SHAPE, seed=0),
                             _adam, lambda: (_images(), None)),
}


def _keras_models():
    return sorted(name for name in models.__all__
                  if isinstance(getattr(models, name), type)
                  and issubclass(getattr(models, name), keras.Model))


def test_every_keras_model_is_covered():
    assert set(_keras_models()) == set(CASES)


def _weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


@pytest.mark.parametrize("name", sorted(CASES) + sorted(VARIANTS))
def test_resume_from_a_keras_file_equals_one_uninterrupted_fit(tmp_path, name):
    build, compile_kwargs, data = {**CASES, **VARIANTS}[name]
    x, y = data()

    def fresh():
        config.set_seed(0)
        model = build()
        model.compile(**compile_kwargs())
        return model

    straight = fresh()
    fit(straight, x, y, epochs=2, steps_per_epoch=STEPS, batch_size=BATCH, verbose=0)

    first = fresh()
    fit(first, x, y, epochs=1, steps_per_epoch=STEPS, batch_size=BATCH, verbose=0)
    first.save(tmp_path / "model.keras")
    config.set_seed(0)  # as a new session running the same recipe would
    resumed = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    fit(resumed, x, y, epochs=2, initial_epoch=1, steps_per_epoch=STEPS, batch_size=BATCH,
        verbose=0)

    a, b = _weights(straight), _weights(resumed)
    assert len(a) == len(b)
    changed = False
    for before, after in zip(a, b, strict=True):
        np.testing.assert_array_equal(before, after)
    for w0, w1 in zip(_weights(fresh()), a, strict=True):
        changed = changed or not np.array_equal(w0, w1)
    assert changed, f"{name} did not train: the comparison would prove nothing"
