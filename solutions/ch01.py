"""Chapter 01 reference solutions (and a planted wrong answer for each)."""

import keras
import numpy as np


def pca_reconstruct(x, mean, components):
    z = (x - mean) @ components.T  # encode: coordinates in the principal subspace
    return z @ components + mean  # decode: back to pixels


def build_encoder(latent_dim):
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Flatten()(h)
    return keras.Model(inputs, keras.layers.Dense(latent_dim)(h))


def my_psnr(x, y):
    mse = np.mean((x - y) ** 2, axis=(1, 2))
    return float(np.mean(10 * np.log10(1.0 / mse)))


def choose_latent_size(sizes, psnr_db, target_db):
    for size, value in sorted(zip(sizes, psnr_db, strict=True)):
        if value >= target_db:
            return size
    return None


def _dense_only_encoder(latent_dim):
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(latent_dim)(h))


def reconstruction_loss(x, x_hat):
    return keras.ops.mean(keras.ops.square(x - x_hat))


def build_autoencoder(latent_dim):
    layers = keras.layers
    image = keras.Input((28, 28, 1))
    h = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(image)  # 14 x 14
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(h)  # 7 x 7
    code = layers.Dense(latent_dim)(layers.Flatten()(h))
    encoder = keras.Model(image, code, name="encoder")

    z = keras.Input((latent_dim,))
    h = layers.Dense(7 * 7 * 32, activation="relu")(z)
    h = layers.Reshape((7, 7, 32))(h)
    h = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(h)  # 14
    out = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(h)
    decoder = keras.Model(z, out, name="decoder")
    return encoder, decoder


def _build_autoencoder_without_output_activation(latent_dim):
    encoder, decoder = build_autoencoder(latent_dim)
    last = decoder.layers[-1]
    out = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")(last.input)
    return encoder, keras.Model(decoder.input, out)


SOLUTIONS = {
    "01.1": pca_reconstruct,
    "01.2": build_encoder,
    "01.3": my_psnr,
    "01.4": choose_latent_size,
    "01.5": reconstruction_loss,
    "01.6": build_autoencoder,
}

WRONG = {
    "01.1": lambda x, mean, components: x @ components.T @ components,  # not centred
    "01.2": _dense_only_encoder,  # no convolution
    "01.3": lambda x, y: float(10 * np.log10(1.0 / np.mean((x - y) ** 2))),  # PSNR of mean MSE
    "01.4": lambda sizes, psnr_db, target_db: next(  # assumes sorted input
        (s for s, v in zip(sizes, psnr_db, strict=True) if v >= target_db), None
    ),
    "01.5": lambda x, x_hat: keras.ops.sum(keras.ops.square(x - x_hat)),  # a sum, not a mean
    "01.6": _build_autoencoder_without_output_activation,  # pixels outside [0, 1]
}
