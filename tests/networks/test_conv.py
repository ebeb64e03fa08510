import keras
import numpy as np
import pytest

from unsuplab.networks import backbone, conv_decoder, conv_encoder
from unsuplab.networks.conv import feature_shape

SHAPE = (8, 8, 1)


def _x(n=3, shape=SHAPE):
    return np.random.default_rng(0).random((n, *shape)).astype(np.float32)


def _out(model, x):
    out = model(x)
    if isinstance(out, (list, tuple)):
        return [keras.ops.convert_to_numpy(o) for o in out]
    return keras.ops.convert_to_numpy(out)


def test_encoder_and_decoder_shapes_and_weight_counts():
    enc = conv_encoder(SHAPE, 3, filters=(4, 8), batch_norm=False)
    dec = conv_decoder(SHAPE, 3, filters=(4, 8), batch_norm=False)
    z = _out(enc, _x())
    assert z.shape == (3, 3)
    images = _out(dec, z)
    assert images.shape == (3, *SHAPE)
    assert np.all((images >= 0) & (images <= 1))  # sigmoid output
    # 8 -> 4 -> 2 (8 maps) -> 3 and back
    assert enc.count_params() == (9 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (2 * 2 * 8 * 3 + 3)
    assert dec.count_params() == (3 * 32 + 32) + (9 * 8 * 4 + 4) + (9 * 4 * 1 + 1)
    assert feature_shape(SHAPE, (4, 8)) == (2, 2, 8)


def test_batch_norm_replaces_the_biases_of_hidden_layers():
    enc = conv_encoder(SHAPE, 3, filters=(4, 8))
    kinds = [type(layer).__name__ for layer in enc.layers]
    assert kinds.count("BatchNormalization") == 2
    # no conv bias, 4 BN weights per channel (gamma, beta, moving mean and variance)
    assert enc.count_params() == (9 * 4 + 4 * 4) + (9 * 4 * 8 + 4 * 8) + (2 * 2 * 8 * 3 + 3)


def test_two_outputs_are_the_gaussian_heads_of_a_vae():
    enc = conv_encoder(SHAPE, 2, filters=(4,), dense_units=(16,), outputs=2, batch_norm=False)
    mean, log_var = _out(enc, _x())
    assert mean.shape == log_var.shape == (3, 2)
    assert enc.get_layer("z_mean") is not None and enc.get_layer("z_log_var") is not None
    assert enc.get_layer("enc_dense1").units == 16
    dec = conv_decoder(SHAPE, 2, filters=(4,), dense_units=(16,), output_activation=None,
                       batch_norm=False)
    logits = _out(dec, mean)
    assert logits.shape == (3, *SHAPE)
    assert dec.get_layer("image").activation.__name__ == "linear"  # raw logits


def test_a_gan_discriminator_and_generator():
    disc = conv_encoder((16, 16, 3), 1, filters=(8, 16), batch_norm=False,
                        activation="leaky_relu", name="discriminator")
    assert _out(disc, _x(2, (16, 16, 3))).shape == (2, 1)
    acts = [layer.get_config()["activation"] for layer in disc.layers
            if type(layer).__name__ == "Activation"]
    assert acts == ["leaky_relu", "leaky_relu"]
    gen = conv_decoder((16, 16, 3), 8, filters=(8, 16), output_activation="tanh",
                       name="generator")
    images = _out(gen, np.random.default_rng(1).normal(size=(2, 8)).astype(np.float32))
    assert images.shape == (2, 16, 16, 3) and np.all(np.abs(images) <= 1)


def test_backbone_gives_one_feature_vector_per_image():
    net = backbone((28, 28, 1), filters=(4, 8, 16))
    assert _out(net, _x(2, (28, 28, 1))).shape == (2, 16)
    odd = backbone((30, 30, 3), filters=(4, 8))  # any size: stride-2 layers round up
    assert _out(odd, _x(2, (30, 30, 3))).shape == (2, 8)
    assert sum(type(layer).__name__ == "Add" for layer in net.layers) == 3  # residual stages


def test_networks_round_trip_through_keras_files(tmp_path):
    enc = conv_encoder(SHAPE, 3, filters=(4, 8), activation="leaky_relu", outputs=2)
    path = tmp_path / "enc.keras"
    enc.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(_out(loaded, _x()), _out(enc, _x()), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"image_shape": (30, 30, 1)}, ValueError, "divisible by 4"),
        ({"filters": (8, 8, 8)}, ValueError, "divisible by 8"),  # 28 cannot be halved 3 times
        ({"filters": ()}, ValueError, "filters must not be empty"),
        ({"filters": (16, -1)}, ValueError, "filters must be a tuple of positive integers"),
        ({"image_shape": (28, 28)}, ValueError, "image_shape"),
        ({"latent_dim": 0}, ValueError, "latent_dim must be >= 1"),
        ({"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
        ({"activation": "swishy"}, ValueError, "activation must be the name of a Keras"),
        ({"activation": None}, ValueError, "activation"),
        ({"outputs": 3}, ValueError, "outputs must be <= 2"),
        ({"dense_units": (0,)}, ValueError, "dense_units"),
    ],
)
def test_encoder_rejects_bad_arguments(kwargs, error, match):
    args = {"image_shape": (28, 28, 1), "latent_dim": 2, **kwargs}
    with pytest.raises(error, match=match):
        conv_encoder(args.pop("image_shape"), args.pop("latent_dim"), **args)


def test_decoder_rejects_bad_arguments():
    with pytest.raises(ValueError, match="divisible by 4"):
        conv_decoder((30, 30, 1), 2)
    with pytest.raises(ValueError, match="output_activation"):
        conv_decoder((28, 28, 1), 2, output_activation=np.tanh)
    with pytest.raises(ValueError, match="filters"):
        backbone((28, 28, 1), filters=())
