"""Chapter 04 exercises: the non-saturating generator loss, the Fréchet distance of two
Gaussians, one power-iteration step of spectral normalization, and the hinge loss wired into
the GAN's training step."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, as_number, exercise, expect_close, run_in_model, same_training


def _log_sigmoid(t):
    return -np.logaddexp(0.0, -t)


# Logits where a careless formula overflows: exp(800) is infinite, sigmoid(-800) rounds to 0.
_LOGITS = np.array([-800.0, -3.0, -0.5, 0.0, 0.7, 2.5, 800.0])


@exercise("04.1", "the non-saturating generator loss")
def check_nonsaturating(g_loss):
    r"""``g_loss(logits)``: the discriminator's logits :math:`D(G(z))` on a batch of generated
    images, a NumPy array (N,) -> the mean of :math:`-\log \sigma(\text{logit})`, one number,
    finite for every logit (use ``np.logaddexp``)."""
    for logits in (_LOGITS, _LOGITS[1:-1].astype(np.float32)):
        t = logits.astype(np.float64)
        got = as_number(g_loss(logits.copy()), "Your generator loss")
        expected = float(np.mean(-_log_sigmoid(t)))
        if not np.isfinite(got):
            raise Mismatch("Your loss is infinite or NaN for a large |logit|: log(sigmoid(t)) "
                           "underflows; write -log sigmoid(t) as log(1 + exp(-t)) "
                           "(np.logaddexp(0, -t)).")
        if np.isclose(got, float(np.mean(-np.logaddexp(0.0, t))), rtol=1e-5):
            raise Mismatch("That is the saturating loss E log(1 - D(G(z))): it is flat where "
                           "the discriminator wins. Minimise -log D(G(z)) instead.")
        if np.isclose(got, float(np.mean(np.logaddexp(0.0, t))), rtol=1e-5):
            raise Mismatch("You wrote the discriminator's loss on fakes, -log(1 - D(G(z))): the "
                           "generator wants D(G(z)) near 1, not 0.")
        if np.isclose(got, float(np.sum(-_log_sigmoid(t))), rtol=1e-5):
            raise Mismatch("Average over the batch (a mean), not a sum.")
        expect_close(got, expected, what="Your generator loss", rtol=1e-5,
                     hint="the generator wants D(G(z)) near 1; write the loss from the logits")


def _sqrtm_psd(a):
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.maximum(w, 0))) @ v.T


def _reference_frechet(mu1, s1, mu2, s2):
    from scipy import linalg

    root = np.real(linalg.sqrtm(s1 @ s2))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2.0 * root))


def _gaussians(seed, d=3):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    return (rng.standard_normal(d), a @ a.T + 0.5 * np.eye(d), rng.standard_normal(d),
            b @ b.T + 0.5 * np.eye(d))


@exercise("04.2", "the Fréchet distance of two Gaussians",
          library=("unsuplab.metrics.frechet_distance",))
def check_frechet(frechet):
    r"""``frechet(mu1, sigma1, mu2, sigma2)``: means (d,) and covariances (d, d) -> one
    number, :math:`\lVert\mu_1 - \mu_2\rVert^2 + \operatorname{Tr}(\Sigma_1 + \Sigma_2 -
    2(\Sigma_1\Sigma_2)^{1/2})` (``scipy.linalg.sqrtm`` for the matrix square root)."""
    from scipy import linalg

    for seed in (3, 8):
        mu1, s1, mu2, s2 = _gaussians(seed)
        got = as_number(frechet(mu1.copy(), s1.copy(), mu2.copy(), s2.copy()), "Your distance")
        expected = _reference_frechet(mu1, s1, mu2, s2)
        mean_term = float(np.sum((mu1 - mu2) ** 2))
        if np.isclose(got, expected - mean_term, rtol=1e-6):
            raise Mismatch("The means are missing: add the squared distance of the means.")
        if np.isclose(got, expected - mean_term + np.sqrt(mean_term), rtol=1e-6):
            raise Mismatch("Use the *squared* distance of the means, not the distance.")
        elementwise = np.sqrt(np.abs(s1 * s2))
        if np.isclose(got, mean_term + np.trace(s1 + s2 - 2.0 * elementwise), rtol=1e-6):
            raise Mismatch("The square root is of the matrix product Σ1 Σ2 (scipy.linalg.sqrtm),"
                           " not of its entries one by one.")
        separate = _sqrtm_psd(s1) @ _sqrtm_psd(s2)
        if np.isclose(got, mean_term + np.trace(s1 + s2 - 2.0 * separate), rtol=1e-6):
            raise Mismatch("sqrt(Σ1) sqrt(Σ2) is not (Σ1 Σ2)^(1/2) when the matrices do not "
                           "commute: take the square root of the product.")
        if np.isclose(got, expected + np.trace(np.real(linalg.sqrtm(s1 @ s2))), rtol=1e-6):
            raise Mismatch("The cross term is 2 Tr((Σ1 Σ2)^(1/2)): check its factor.")
        expect_close(got, expected, what="Your Fréchet distance", rtol=1e-5,
                     hint="compare your terms one by one with the chapter's FID formula")


def _reference_power_step(w, u):
    v = w @ u
    v = v / np.linalg.norm(v)
    u_new = w.T @ v
    u_new = u_new / np.linalg.norm(u_new)
    return u_new, float(v @ w @ u_new)


@exercise("04.3", "one power-iteration step of spectral normalization")
def check_power_step(power_step):
    r"""``power_step(W, u)``: a kernel ``W`` (m, n) and the current estimate ``u`` (n,) of its
    top right singular vector -> ``(u_new, sigma)``: :math:`v = Wu / \lVert Wu\rVert`,
    :math:`u' = W^\top v / \lVert W^\top v\rVert`, :math:`\sigma = v^\top W u'`. One step,
    not the exact SVD; do not change ``W`` or ``u`` in place."""
    rng = np.random.default_rng(5)
    w = rng.standard_normal((5, 3))
    u = np.array([1.0, 0.2, -0.4])
    out = power_step(w.copy(), u.copy())
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Mismatch("Return a pair (u_new, sigma).")
    got_u = np.asarray(out[0], dtype=float).reshape(-1)
    got_sigma = as_number(out[1], "Your sigma")
    exp_u, exp_sigma = _reference_power_step(w, u)
    if got_u.shape != exp_u.shape:
        raise Mismatch(f"u_new must have the shape of u, {exp_u.shape}; yours has "
                       f"{got_u.shape}. (Did you swap W and its transpose?)")
    if np.isclose(got_sigma, np.linalg.svd(w, compute_uv=False)[0], rtol=1e-6):
        raise Mismatch("That is the exact largest singular value (an SVD): spectral "
                       "normalization does one cheap power-iteration step per training call.")
    if not np.isclose(np.linalg.norm(got_u), 1.0, rtol=1e-6):
        raise Mismatch("u_new must be a unit vector: divide by its Euclidean norm.")
    if np.isclose(got_sigma, np.linalg.norm(w @ u), rtol=1e-6):
        raise Mismatch("sigma is v^T W u_new, with the *new* u (here |W u| uses the old one).")
    expect_close(got_u, exp_u, what="Your u_new", rtol=1e-5,
                 hint="follow the power-iteration step of the spectral-normalization "
                      "section, normalising after each product")
    expect_close(got_sigma, exp_sigma, what="Your sigma", rtol=1e-5)


@exercise("04.4", "the hinge loss, inside the GAN's training step")
def check_hinge_in_model(d_loss):
    r"""``d_loss(d_real, d_fake)``: the discriminator's logits on real and on generated
    images, *tensors* (N, 1) -> the scalar tensor :math:`\mathbb{E}\max(0, 1 - D(x)) +
    \mathbb{E}\max(0, 1 + D(G(z)))` (keras.ops only). The checker evaluates it, then trains a
    small GAN whose ``d_loss`` is yours, next to the library's hinge GAN from the same seed:
    both must end with the same weights."""
    import keras
    from keras import ops

    from ..models.gan import GAN

    rng = np.random.default_rng(2)
    real, fake = rng.normal(0.5, 1.5, (6, 1)), rng.normal(-0.5, 1.5, (6, 1))
    value = d_loss(ops.convert_to_tensor(real.astype(np.float32)),
                   ops.convert_to_tensor(fake.astype(np.float32)))
    got = as_number(ops.convert_to_numpy(value), "Your loss")
    expected = float(np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)))
    if np.isclose(got, float(np.mean(np.maximum(0, 1 + real)) + np.mean(np.maximum(0, 1 - fake))),
                  rtol=1e-5):
        raise Mismatch("Real and fake are swapped: the discriminator wants D(x) >= 1 on real "
                       "images and D(G(z)) <= -1 on generated ones.")
    if np.isclose(got, float(np.mean(1 - real) + np.mean(1 + fake)), rtol=1e-5):
        raise Mismatch("The max(0, .) is missing: without it this is a linear (Wasserstein) "
                       "loss, and well-classified examples keep pushing.")
    expect_close(got, expected, what="Your hinge loss", rtol=1e-5,
                 hint="each side of the hinge is a margin of 1, penalised only when "
                      "violated, averaged over its own batch")

    class StudentGAN(GAN):
        def d_loss(self, d_real, d_fake):
            return d_loss(d_real, d_fake)

    x = np.random.default_rng(0).random((32, 8, 8, 1)).astype(np.float32)
    models = []
    for cls in (StudentGAN, GAN):
        keras.utils.set_random_seed(0)
        model = cls(4, loss="hinge", filters=(4, 8), image_shape=(8, 8, 1), seed=0)
        model.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                      g_optimizer=keras.optimizers.Adam(1e-2))
        models.append(model)
    run_in_model(lambda: same_training(*models, x, epochs=2, batch_size=16,
                                       what="a small GAN's discriminator loss"),
                 d_loss, "a small GAN's discriminator loss")


@exercise("04.6", "the GAN's training step, two optimizers")
def check_gan_train_step(gan_train_step):
    r"""``gan_train_step(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g)``:
    one discriminator update on the real batch and on ``generator(z_d)``, then one generator
    update from the fresh codes ``z_g`` with the non-saturating loss, each network with its own
    optimizer, gradients from :func:`~unsuplab.exercises.gan_step.value_and_grad`; returns
    ``(d_loss, g_loss)``. The checker runs three steps next to the reference step (same
    weights, codes and batches, SGD: the weights must agree), then trains it compiled for 300 steps
    on a ring of 8 Gaussians next to the reference: it must cover as many modes."""
    from .gan_step import check_gan_step

    check_gan_step(gan_train_step, lambda thunk: run_in_model(
        thunk, gan_train_step, "a GAN's training step"))
