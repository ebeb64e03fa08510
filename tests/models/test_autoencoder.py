import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import ConvAutoencoder, DenseAutoencoder
from unsuplab.models.autoencoder import ARCHITECTURES, build_autoencoder
from unsuplab.training import fit

SHAPE = (8, 8, 1)


def _images(n=64, shape=SHAPE, seed=0):
    """Smooth random blobs in [0, 1]: learnable, unlike white noise."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    yy, xx = np.mgrid[0:h, 0:w]
    centres = rng.uniform(1, h - 2, size=(n, 2))
    widths = rng.uniform(1.0, 2.5, size=n)
    blobs = np.exp(
        -((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2)
        / (2 * widths[:, None, None] ** 2)
    )
    return np.repeat(blobs[..., None], c, axis=-1).astype(np.float32)


def _dense(**kwargs):
    return DenseAutoencoder(latent_dim=3, image_shape=SHAPE, **kwargs)


def _conv(**kwargs):
    return ConvAutoencoder(latent_dim=3, filters=(4, 8), image_shape=SHAPE, **kwargs)


def _compile(model, learning_rate=1e-2):
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, 8, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    return model


# --- shapes and weights ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [_dense, _conv], ids=["dense", "conv"])
def test_shapes_of_encode_decode_reconstruct(make):
    model = make()
    x = _images(5)
    z = model.encode(x)
    assert z.shape == (5, 3) and z.dtype == np.float32
    assert model.decode(z).shape == (5, *SHAPE)
    out = model.reconstruct(x)
    assert out.shape == (5, *SHAPE)
    assert np.all((out >= 0) & (out <= 1))  # sigmoid output
    # (N, H, W) is accepted for one channel and given back so; one code decodes to one image
    assert model.encode(x[..., 0]).shape == (5, 3)
    assert model.reconstruct(x[..., 0]).shape == (5, 8, 8)
    assert model.decode(z[0]).shape == (1, *SHAPE)


@pytest.mark.parametrize("make", [_dense, _conv], ids=["dense", "conv"])
def test_uint8_images_are_scaled_like_floats(make):
    model = make()
    x = np.round(_images(4) * 255).astype(np.uint8)
    np.testing.assert_allclose(model.encode(x), model.encode(x / np.float32(255)), rtol=1e-5,
                               atol=1e-6)


def test_dense_weight_counts_shallow_and_deep():
    shallow = _dense()
    assert shallow.count_params() == (64 * 3 + 3) + (3 * 64 + 64)
    deep = _dense(hidden_units=(16,))
    assert deep.count_params() == (64 * 16 + 16) + (16 * 3 + 3) + (3 * 16 + 16) + (16 * 64 + 64)
    linear = _dense(activation=None, output_activation=None)
    x = _images(4)
    # a linear autoencoder is affine: decode(a z1 + (1-a) z2) = a decode(z1) + (1-a) decode(z2)
    z = linear.encode(x)
    mix = linear.decode(0.3 * z[:1] + 0.7 * z[1:2])
    np.testing.assert_allclose(
        mix, 0.3 * linear.decode(z[:1]) + 0.7 * linear.decode(z[1:2]), atol=1e-5
    )


def test_conv_weight_count():
    model = _conv(batch_norm=False)
    enc = (9 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (2 * 2 * 8 * 3 + 3)
    dec = (3 * 32 + 32) + (9 * 8 * 4 + 4) + (9 * 4 * 1 + 1)
    assert model.count_params() == enc + dec
    assert model.feature_shape == (2, 2, 8)


def test_build_autoencoder_by_architecture():
    for architecture in ARCHITECTURES:
        model = build_autoencoder(architecture, 4, image_shape=(28, 28, 1))
        assert model.latent_dim == 4
    assert isinstance(build_autoencoder("conv", 2), ConvAutoencoder)
    assert build_autoencoder("deep", 2, hidden_units=(32,)).hidden_units == (32,)
    with pytest.raises(ValueError, match="Unknown architecture"):
        build_autoencoder("recurrent", 2)


# --- training: the input is its own target --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("make", "epochs"), [(_dense, 20), (_conv, 10)], ids=["dense", "conv"])
def test_fit_on_x_alone_lowers_the_reconstruction_error(make, epochs):
    config.set_seed(0)
    x = _images(128)
    model = make()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    before = float(np.mean((model.reconstruct(x) - x) ** 2))
    fit(model, x, epochs=epochs, batch_size=16, verbose=0)
    after = float(np.mean((model.reconstruct(x) - x) ** 2))
    assert after < 0.5 * before
    assert model.training_history["loss"][-1] < model.training_history["loss"][0]


@pytest.mark.slow
def test_keras_fit_and_evaluate_on_x_alone_with_compiled_metrics():
    config.set_seed(0)
    x = _images(64)
    model = _dense()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
    history = model.fit(x, epochs=3, batch_size=16, verbose=0)  # y=None: x is the target
    assert history.history["loss"][-1] < history.history["loss"][0]
    scores = model.evaluate(x, verbose=0, return_dict=True)
    assert scores["loss"] == pytest.approx(np.mean((model.reconstruct(x) - x) ** 2), rel=1e-3)
    assert scores["mae"] == pytest.approx(np.mean(np.abs(model.reconstruct(x) - x)), rel=1e-3)


def test_explicit_target_is_used_when_given():
    config.set_seed(0)
    x = _images(64)
    model = _dense()
    model.compile(optimizer="adam", loss="mse")
    loss_self = model.evaluate(x, verbose=0)
    loss_zero = model.evaluate(x, np.zeros_like(x), verbose=0)
    expected = float(np.mean(model.reconstruct(x) ** 2))
    assert loss_zero == pytest.approx(expected, rel=1e-4)
    assert loss_self != pytest.approx(loss_zero, rel=1e-3)


@pytest.mark.slow
def test_seeded_training_repeats_exactly():
    runs = []
    for _ in range(2):
        config.set_seed(3)
        model = _compile(_conv())
        fit(model, _images(32), epochs=2, batch_size=8, seed=3, verbose=0)
        runs.append([keras.ops.convert_to_numpy(w) for w in model.weights])
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


# --- saving, loading, resuming ----------------------------------------------------------------


@pytest.mark.parametrize("make", [_dense, _conv], ids=["dense", "conv"])
def test_safe_mode_round_trip(tmp_path, make):
    model = make()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    x = _images(4)
    np.testing.assert_allclose(loaded.reconstruct(x), model.reconstruct(x), atol=1e-6)


def test_config_round_trip():
    models = (_dense(hidden_units=(16, 8), batch_norm=True, activation="tanh"),
              _conv(kernel_size=5, activation="leaky_relu"))
    for model in models:
        clone = type(model).from_config(model.get_config())
        assert clone.get_config() == model.get_config()
        assert clone.count_params() == model.count_params()


# --- bad input gives clear errors -------------------------------------------------------------


@pytest.mark.parametrize("latent_dim", [0, -3])
@pytest.mark.parametrize("cls", [DenseAutoencoder, ConvAutoencoder])
def test_latent_dim_must_be_positive(cls, latent_dim):
    with pytest.raises(
        ValueError, match=f"latent_dim must be >= 1. Received: latent_dim={latent_dim}"
    ):
        cls(latent_dim=latent_dim)


@pytest.mark.parametrize("latent_dim", [2.5, "8", None, True])
def test_latent_dim_must_be_an_integer(latent_dim):
    with pytest.raises(TypeError, match="latent_dim must be an integer"):
        DenseAutoencoder(latent_dim=latent_dim)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image_shape": (28, 28)}, "image_shape"),
        ({"image_shape": (28, 0, 1)}, "image_shape"),
        ({"hidden_units": (32, 0)}, "hidden_units"),
        ({"activation": "not-an-activation"}, "activation"),
        ({"output_activation": np.tanh}, "output_activation"),
    ],
)
def test_dense_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenseAutoencoder(latent_dim=2, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"filters": ()}, "filters"),
        ({"filters": (16, -1)}, "filters"),
        ({"image_shape": (30, 30, 1)}, "divisible"),
        ({"filters": (8, 8, 8)}, "divisible"),  # 28 cannot be halved three times
        ({"activation": "wobble"}, "activation"),
    ],
)
def test_conv_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvAutoencoder(latent_dim=2, **kwargs)


@pytest.mark.parametrize("method", ["encode", "reconstruct"])
@pytest.mark.parametrize("make", [_dense, _conv], ids=["dense", "conv"])
def test_bad_images_are_refused(make, method):
    model = make()
    call = getattr(model, method)
    x = _images(2)
    with pytest.raises(ValueError, match="rank 3 or 4"):
        call(x[0, :, :, 0])  # one image without a batch axis
    with pytest.raises(ValueError, match="rank 3 or 4"):
        call(x[None])
    with pytest.raises(ValueError, match=r"shape \(8, 8, 1\)"):
        call(np.zeros((2, 10, 10, 1), np.float32))  # wrong image size
    with pytest.raises(ValueError, match=r"shape \(8, 8, 1\)"):
        call(np.zeros((2, 8, 8, 3), np.float32))  # wrong channels
    bad = x.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        call(bad)
    with pytest.raises(ValueError, match=r"\[0, 1\].*/ 255"):
        call(x * 255)  # grey levels as floats: the hint says divide by 255


def test_bad_codes_are_refused():
    model = _dense()
    with pytest.raises(ValueError, match="latent_dim=3 columns"):
        model.decode(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="rank 1 or 2"):
        model.decode(np.zeros((2, 3, 1), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        model.decode(np.full((1, 3), np.nan, np.float32))
    with pytest.raises(TypeError, match="float"):
        model.decode(np.zeros((1, 3), np.int64))


def test_calling_the_model_on_a_wrong_shape_is_refused():
    model = _conv()
    with pytest.raises(ValueError, match=r"expects a batch of images of shape \(batch, 8, 8, 1\)"):
        model(np.zeros((2, 16, 16, 1), np.float32))


def test_a_diverged_model_says_so():
    model = _dense()
    layer = model.encoder.get_layer("code")
    kernel, bias = layer.get_weights()
    layer.set_weights([np.full_like(kernel, np.nan), bias])
    for call in (model.encode, model.reconstruct):
        with pytest.raises(ValueError, match="weights are NaN"):
            call(_images(2))
