import keras
import numpy as np
import pytest

from unsuplab.networks import mlp_decoder, mlp_encoder

SHAPE = (4, 4, 1)


def _out(model, x):
    out = model(x)
    if isinstance(out, (list, tuple)):
        return [keras.ops.convert_to_numpy(o) for o in out]
    return keras.ops.convert_to_numpy(out)


def _x(n=3):
    return np.random.default_rng(0).random((n, *SHAPE)).astype(np.float32)


def test_shallow_and_deep_weight_counts():
    shallow = mlp_encoder(SHAPE, 3)
    assert shallow.count_params() == 16 * 3 + 3
    assert mlp_decoder(SHAPE, 3).count_params() == 3 * 16 + 16
    deep = mlp_encoder(SHAPE, 3, hidden_units=(8, 5))
    assert deep.count_params() == (16 * 8 + 8) + (8 * 5 + 5) + (5 * 3 + 3)
    dec = mlp_decoder(SHAPE, 3, hidden_units=(8, 5))  # mirrored: 3 -> 5 -> 8 -> 16
    assert dec.count_params() == (3 * 5 + 5) + (5 * 8 + 8) + (8 * 16 + 16)
    assert _out(dec, _out(deep, _x())).shape == (3, *SHAPE)


def test_linear_networks_are_affine():
    enc = mlp_encoder(SHAPE, 2, hidden_units=(6,), activation=None)
    dec = mlp_decoder(SHAPE, 2, hidden_units=(6,), activation=None, output_activation=None)
    x = _x(2)
    mix = _out(dec, _out(enc, 0.25 * x[:1] + 0.75 * x[1:]))
    ends = _out(dec, _out(enc, x))
    np.testing.assert_allclose(mix, 0.25 * ends[:1] + 0.75 * ends[1:], atol=1e-5)


def test_gaussian_heads_and_batch_norm():
    enc = mlp_encoder(SHAPE, 2, hidden_units=(8,), activation="tanh", batch_norm=True,
                      outputs=2)
    mean, log_var = _out(enc, _x())
    assert mean.shape == log_var.shape == (3, 2)
    kinds = [type(layer).__name__ for layer in enc.layers]
    assert kinds.count("BatchNormalization") == 1
    assert enc.get_layer("enc_dense1").use_bias is False  # BN's shift replaces the bias
    assert mlp_decoder(SHAPE, 2).get_layer("pixels").activation.__name__ == "sigmoid"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hidden_units": (8, 0)}, ValueError, "hidden_units"),
        ({"hidden_units": "8"}, ValueError, "hidden_units"),
        ({"activation": "not-an-activation"}, ValueError, "activation must be None or the name"),
        ({"activation": np.tanh}, ValueError, "activation"),
        ({"outputs": 0}, ValueError, "outputs must be >= 1"),
        ({"latent_dim": 2.5}, TypeError, "latent_dim must be an integer"),
        ({"image_shape": (4, 4)}, ValueError, "image_shape"),
    ],
)
def test_encoder_rejects_bad_arguments(kwargs, error, match):
    args = {"image_shape": SHAPE, "latent_dim": 2, **kwargs}
    with pytest.raises(error, match=match):
        mlp_encoder(args.pop("image_shape"), args.pop("latent_dim"), **args)


def test_decoder_rejects_bad_output_activation():
    with pytest.raises(ValueError, match="output_activation"):
        mlp_decoder(SHAPE, 2, output_activation="sigmoidal")
