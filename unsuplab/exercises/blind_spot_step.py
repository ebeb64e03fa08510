r"""Exercise 02.6's machinery: Noise2Self's training step written by the student, checked by
running it.

The student writes ``blind_spot_train_step(network, optimizer, noisy, grid, offset)``: in the
noisy batch (N, H, W, 1), hide the pixels ``(r, c)`` with ``r % grid == offset[0]`` and
``c % grid == offset[1]`` (each replaced by the mean of its four neighbours, the image mirrored
at its borders: exercise 02.2, now in ``keras.ops``), run ``network`` on the hidden batch, and
take one ``optimizer`` step on the mean squared error between the prediction and the *noisy*
batch over the hidden pixels only. It returns the loss. No clean image is ever used.

The check, like 04.6's:

1. *step by step*: three steps next to the reference step from the same weights, batches and
   offsets (SGD); when they differ, the feedback tries the usual mistakes (the loss over every
   pixel, the network shown the unhidden batch, rows and columns swapped, ...) to say which;
2. *trained*: 300 compiled steps on noisy Fashion-MNIST images (sigma = 0.2), next to the
   reference's: the network's PSNR against the clean test images (never used in training) must
   come within 0.5 dB of the reference's.
"""

from __future__ import annotations

import functools

import numpy as np

from ._data import fashion_subset
from .feedback import Mismatch
from .stepping import compare_steps, compiled, gap, run_steps, value_and_grad

GRID = 4
SIGMA = 0.2
TRAIN = {"n_train": 4096, "n_test": 512, "steps": 300, "batch_size": 32,
         "learning_rate": 3e-3}
TOLERANCE_DB = 0.5
RETURNS = ("loss",)


def network(seed):
    """A small convolutional denoiser (N, H, W, 1) -> (N, H, W, 1): three 3x3 convolutions,
    seeded. No residual connection from the input: at test time the network sees every noisy
    pixel, and a skip connection would pass the noise through."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input((None, None, 1))
    h = keras.layers.Conv2D(24, 3, padding="same", activation="relu")(x)
    h = keras.layers.Conv2D(24, 3, padding="same", activation="relu")(h)
    return keras.Model(x, keras.layers.Conv2D(1, 3, padding="same")(h), name="denoiser")


def optimizer(net, learning_rate=None):
    """Adam at ``learning_rate`` for training; SGD for the step-by-step comparison (``None``)."""
    import keras

    opt = (keras.optimizers.SGD(0.1, momentum=0.5) if learning_rate is None
           else keras.optimizers.Adam(learning_rate))
    opt.build(net.trainable_variables)
    return opt


def reference_step(net, optimizer, noisy, grid, offset, *, every_pixel=False, unhidden=False,
                   swapped=False, zeros=False, clean_mean=False, sum_loss=False,
                   nine=False):
    """The reference step; the keyword arguments plant the usual mistakes, for the feedback."""
    from keras import ops

    shape = ops.shape(noisy)
    first, second = (offset[1], offset[0]) if swapped else (offset[0], offset[1])
    rows, cols = ops.arange(shape[1]) % grid, ops.arange(shape[2]) % grid
    where = ops.cast(ops.logical_and(rows[:, None] == first, cols[None, :] == second),
                     noisy.dtype)[None, :, :, None]
    padded = ops.pad(noisy, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    mean = (padded[:, :-2, 1:-1] + padded[:, 2:, 1:-1] + padded[:, 1:-1, :-2]
            + padded[:, 1:-1, 2:])
    if nine:
        mean = (mean + padded[:, :-2, :-2] + padded[:, :-2, 2:] + padded[:, 2:, :-2]
                + padded[:, 2:, 2:] + noisy) / 9.0
    else:
        mean = mean / 4.0
    fill = ops.zeros_like(noisy) if zeros else mean
    hidden = noisy * (1.0 - where) + fill * where
    weight = ops.ones_like(where) if every_pixel else where

    def loss_fn():
        pred = net(noisy if unhidden else hidden, training=True)
        err = ops.square(pred - noisy) * weight
        if sum_loss:
            return ops.sum(err)
        if clean_mean:  # the mean over every pixel, hidden or not
            return ops.mean(err)
        return ops.sum(err) / (ops.sum(weight) * ops.cast(shape[0], noisy.dtype))

    loss, grads = value_and_grad(loss_fn, net.trainable_variables)
    optimizer.apply(grads, net.trainable_variables)
    return (loss,)


_MISTAKES = (
    (dict(every_pixel=True), "Your loss counts every pixel: where the network saw the noisy "
     "value it only has to copy it, and it learns the identity. Score the hidden pixels only."),
    (dict(unhidden=True), "Your network is shown the batch before the pixels are hidden: it "
     "sees the very values it must predict."),
    (dict(swapped=True), "Rows and columns are swapped: offset[0] is for the row, offset[1] "
     "for the column."),
    (dict(zeros=True), "Your hidden pixels are set to 0: replace them by the mean of their "
     "four neighbours, as in 02.2."),
    (dict(nine=True), "Your replacement includes the pixel itself (a 3x3 mean): the network "
     "can still see the noisy value it must predict."),
    (dict(clean_mean=True), "Your loss is averaged over every pixel while only the hidden ones "
     "count: average over the hidden pixels."),
    (dict(sum_loss=True), "Your loss is a sum: average over the hidden pixels of the batch."),
)


def _batches(steps, batch_size, seed, images=None):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if images is None:
            clean = np.kron(rng.random((batch_size, 4, 4, 1)), np.ones((1, 3, 3, 1)))
            noisy = (clean + SIGMA * rng.standard_normal(clean.shape)).astype(np.float32)
        else:
            noisy = images[rng.integers(0, len(images), batch_size)]
        yield noisy, np.int32(GRID), rng.integers(0, GRID, 2).astype(np.int32)


def _setup(seed, learning_rate):
    net = network(seed)
    return net, optimizer(net, learning_rate)


def _otherwise(mine, start, ref):
    if gap(mine[0], start[0]) == 0:
        return ("The network did not change: are the gradients applied by the optimizer, "
                "computed inside the function you differentiate?")
    return ("Your update differs from the reference's: check the hidden batch against 02.2 "
            "(here in keras.ops, on a batch (N, H, W, 1)), then the loss.")


def check_blind_spot_step(step, run):
    """The check of exercise 02.6 (``run`` as in
    :func:`~unsuplab.exercises.gan_step.check_gan_step`). Returns the test PSNRs (dB) of the
    student's trained network, of the reference's, and of the noisy images."""

    def returning_a_tuple(*args):  # the step returns the loss alone
        return (step(*args),)

    compare_steps(returning_a_tuple, reference_step, lambda: _setup(6, None),
                  list(_batches(3, 4, 6)), run, returns=RETURNS, n_networks=1,
                  mistakes=_MISTAKES, otherwise=_otherwise,
                  wrong_values="The network is updated right, but the value you return is not "
                  "the loss you minimised.",
                  drifted="does your step keep state between calls, or ignore the offset it is "
                  "given?", atol=1e-6)
    mine_db = trained_psnr(returning_a_tuple, run, "training your denoiser")
    import keras

    ref_db, noisy_db = _reference_psnr(keras.backend.backend())
    if not np.isfinite(mine_db) or mine_db < ref_db - TOLERANCE_DB:
        raise Mismatch(f"Trained the same way ({TRAIN['steps']} compiled steps), your network "
                       f"denoises held-out images to {mine_db:.2f} dB PSNR against "
                       f"{ref_db:.2f} dB for the reference: your step behaves differently once "
                       "compiled or repeated.")
    return mine_db, ref_db, noisy_db


@functools.cache
def _noisy_fashion():
    x_train, _, x_test, _ = fashion_subset(TRAIN["n_train"], TRAIN["n_test"])
    rng = np.random.default_rng(12)
    noisy = [(x + SIGMA * rng.standard_normal(x.shape)).astype(np.float32)
             for x in (x_train, x_test)]
    return noisy[0], noisy[1], x_test


def _psnr(clean, estimate):
    mse = np.mean((np.clip(estimate, 0, 1) - clean) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(1.0 / mse)))


def trained_psnr(step, run, desc):
    """The test PSNR (dB, against the clean images) of the network trained ``TRAIN['steps']``
    compiled steps of ``step`` on noisy images only (a progress bar titled ``desc``)."""
    from keras import ops
    from tqdm.auto import tqdm

    noisy_train, noisy_test, clean_test = _noisy_fashion()
    net, opt = _setup(0, TRAIN["learning_rate"])
    batches = _batches(TRAIN["steps"], TRAIN["batch_size"], 1, images=noisy_train)
    losses = run_steps(compiled(step, (net, opt), returns=RETURNS),
                       tqdm(batches, total=TRAIN["steps"], desc=desc, unit="step"), run)
    if not np.all(np.isfinite(losses)):
        raise Mismatch("Compiled and repeated, your step's loss became inf or NaN.")
    return _psnr(clean_test, ops.convert_to_numpy(net(noisy_test, training=False)))


@functools.cache
def _reference_psnr(backend=None):
    noisy_train, noisy_test, clean_test = _noisy_fashion()
    trained = trained_psnr(reference_step, lambda thunk: thunk(), "training the reference")
    return trained, _psnr(clean_test, noisy_test)
