r"""Likelihood of a VAE, in nats per image: the ELBO and the importance-weighted bound.

For an image :math:`x`, a VAE defines :math:`\log p(x) = \log \int p(x \mid z)\,p(z)\,dz`,
which has no closed form. Two estimates, both *lower* bounds on :math:`\log p(x)` (so their
negatives are *upper* bounds on the negative log-likelihood, NLL):

- the ELBO, :math:`\mathbb{E}_{q}[\log p(x \mid z)] - \mathrm{KL}(q(z \mid x) \,\|\, p(z))`,
  with the KL in closed form and the expectation over ``n_samples`` draws (:func:`elbo`);
- the importance-weighted bound of Burda et al. (2016) with :math:`k` samples,

  .. math:: \mathcal{L}_k(x) = \mathbb{E}\Big[\log \frac1k \sum_{i=1}^k w_i\Big], \quad
            w_i = \frac{p(x \mid z_i)\,p(z_i)}{q(z_i \mid x)}, \quad z_i \sim q(z \mid x),

  which increases with :math:`k` (:math:`\mathcal{L}_1` is the ELBO) and tends to
  :math:`\log p(x)`; :func:`iwae_nll` returns :math:`-\mathcal{L}_k` estimated once per image.

Both are computed in nats per image, averaged over images, and always with β = 1 (whatever
β the model was trained with). With the Bernoulli likelihood they are log-probabilities of
*binary* images: binarize the test set once with a stated seed
(:func:`unsuplab.models.vae.binarize`) and say so next to the numbers.

Also here: the KL of each latent dimension and Burda et al.'s unit activity, to spot
posterior collapse.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

from .._validation import as_image_batch, check_number, check_seed

_LOG_2PI = math.log(2.0 * math.pi)


def _check_model(model):
    needed = ("encode_distribution", "decoder_output", "log_likelihood", "latent_dim",
              "likelihood", "image_shape")
    missing = [name for name in needed if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"model must be a unsuplab VAE (it lacks {', '.join(missing)}). "
            f"Received: model={type(model).__name__}"
        )


def _prepare(model, images):
    """Check the model and the images; Bernoulli models are evaluated on binary images."""
    _check_model(model)
    x, _ = as_image_batch(images, "images", ndim=(3, 4))
    if x.shape[1:] != tuple(model.image_shape):
        raise ValueError(
            f"images must have shape (N, {', '.join(map(str, model.image_shape))}) for this "
            f"model. Received: images of shape {np.shape(images)}"
        )
    if model.likelihood == "bernoulli" and not np.all((x == 0.0) | (x == 1.0)):
        raise ValueError(
            "A Bernoulli VAE's likelihood is a probability of binary images; these images "
            "have grey levels. Binarize them once with a stated seed, e.g. "
            "unsuplab.models.vae.binarize(images, seed=0). "
            f"Received: images with {np.mean((x > 0) & (x < 1)):.1%} grey pixels"
        )
    return x


def _log_px(model, x, z, batch_size):
    """log p(x | z) for matching rows of images x (n, H, W, C) and codes z (n, L)."""
    from keras import ops

    logits = model.decoder_output(z, batch_size=batch_size)
    return np.asarray(ops.convert_to_numpy(model.log_likelihood(x, logits)), dtype=np.float64)


def _gaussian_kl(mean, log_var):
    """Closed-form KL(N(mean, exp(log_var)) || N(0, I)) per latent dimension, float64."""
    mean, log_var = mean.astype(np.float64), log_var.astype(np.float64)
    return 0.5 * (np.exp(log_var) + mean**2 - 1.0 - log_var)


def elbo_terms(model, images, *, n_samples=1, seed=0, batch_size=500):
    r"""The ELBO of each image and its two terms, in nats.

    Args:
        model: a trained :class:`unsuplab.models.VAE`.
        images: (N, H, W[, C]); binary for a Bernoulli model (see the module docstring).
        n_samples: draws of :math:`z` per image for :math:`\mathbb{E}_q \log p(x \mid z)`.
        seed: seed of those draws (an int, None or a ``np.random.Generator``).
        batch_size: images per decoder call.

    Returns:
        dict of float64 arrays of shape (N,): ``"reconstruction"``
        (:math:`-\mathbb{E}_q \log p(x \mid z)`), ``"kl"`` (closed form) and ``"elbo"``
        (:math:`-\text{reconstruction} - \text{kl}`).
    """
    x = _prepare(model, images)
    n_samples = check_number(n_samples, "n_samples", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    rng = check_seed(seed)
    mean, log_var = model.encode_distribution(x, batch_size=batch_size)
    kl = _gaussian_kl(mean, log_var).sum(axis=1)
    reconstruction = np.empty(len(x), dtype=np.float64)
    std = np.exp(0.5 * log_var)
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        total = np.zeros(stop - start)
        for _ in range(n_samples):
            eps = rng.standard_normal(mean[start:stop].shape).astype(np.float32)
            z = mean[start:stop] + std[start:stop] * eps
            total += _log_px(model, x[start:stop], z, batch_size)
        reconstruction[start:stop] = -total / n_samples
    return {"reconstruction": reconstruction, "kl": kl, "elbo": -reconstruction - kl}


def elbo(model, images, *, n_samples=1, seed=0, batch_size=500, per_image=False):
    r"""The evidence lower bound, in nats per image (mean over images; a negative number for
    binary images: report :math:`-\text{ELBO}` as an upper bound on the NLL).

    .. math:: \text{ELBO}(x) = \mathbb{E}_{q(z \mid x)}[\log p(x \mid z)]
              - \mathrm{KL}(q(z \mid x) \,\|\, N(0, I))

    Arguments as :func:`elbo_terms`; ``per_image=True`` returns the (N,) array instead.

    Example:
        >>> from unsuplab.models.vae import binarize
        >>> x_bin = binarize(x_test, seed=0)   # one fixed, stated binarization
        >>> -elbo(vae, x_bin)                   # nats per image
    """
    values = elbo_terms(model, images, n_samples=n_samples, seed=seed, batch_size=batch_size)
    return values["elbo"] if per_image else float(np.mean(values["elbo"]))


def log_importance_weights(model, images, *, k, seed=0, batch_size=100, chunk=100):
    r"""The log importance weights :math:`\log w_i = \log p(x \mid z_i) + \log p(z_i)
    - \log q(z_i \mid x)` for :math:`k` draws :math:`z_i \sim q(z \mid x)` per image.

    Memory stays at ``batch_size * chunk`` decoded images whatever ``k`` is.

    Returns:
        float64 array of shape (k, N).
    """
    x = _prepare(model, images)
    k = check_number(k, "k", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    chunk = check_number(chunk, "chunk", low=1, integer=True)
    rng = check_seed(seed)
    mean, log_var = model.encode_distribution(x, batch_size=batch_size)
    std = np.exp(0.5 * log_var)
    log_w = np.empty((k, len(x)), dtype=np.float64)
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        m, s, lv = mean[start:stop], std[start:stop], log_var[start:stop]
        for first in range(0, k, chunk):
            c = min(chunk, k - first)
            eps = rng.standard_normal((c, *m.shape)).astype(np.float32)
            z = m + s * eps  # (c, b, L)
            flat = z.reshape(-1, model.latent_dim)
            x_rep = np.broadcast_to(x[start:stop], (c, *x[start:stop].shape))
            x_rep = x_rep.reshape(-1, *x.shape[1:])
            log_px = _log_px(model, x_rep, flat, len(flat)).reshape(c, stop - start)
            z64, eps64 = z.astype(np.float64), eps.astype(np.float64)
            log_pz = -0.5 * np.sum(z64**2 + _LOG_2PI, axis=-1)
            log_qz = -0.5 * np.sum(eps64**2 + _LOG_2PI + lv.astype(np.float64), axis=-1)
            log_w[first : first + c, start:stop] = log_px + log_pz - log_qz
    return log_w


def iwae_nll(model, images, *, k=1000, seed=0, batch_size=100, chunk=100, per_image=False):
    r"""Negative log-likelihood estimated with the importance-weighted bound, nats per image.

    .. math:: -\mathcal{L}_k(x) = -\log \frac1k \sum_{i=1}^k w_i
              = -\Big(\operatorname{logsumexp}_i \log w_i - \log k\Big)

    (computed with ``logsumexp``, so weights of :math:`e^{-300}` do not underflow). In
    expectation it is never above :math:`-\text{ELBO}` and it decreases towards the true NLL
    as :math:`k` grows; :math:`k = 1000` costs 1000 decoder passes per image, hence batching.

    Args:
        model: a trained :class:`unsuplab.models.VAE`.
        images: (N, H, W[, C]); binary for a Bernoulli model.
        k: importance samples per image (Burda et al. evaluate with 5000; 1000 is common).
        seed: seed of the draws.
        batch_size: images per step; ``chunk``: samples per decoder call (memory is about
            ``batch_size * chunk`` images).
        per_image: return the (N,) array instead of the mean.
    """
    log_w = log_importance_weights(
        model, images, k=k, seed=seed, batch_size=batch_size, chunk=chunk
    )
    nll = -(logsumexp(log_w, axis=0) - math.log(log_w.shape[0]))
    return nll if per_image else float(np.mean(nll))


def kl_per_dimension(model, images, *, batch_size=500):
    r"""The closed-form KL of each latent dimension, averaged over images, in nats:
    :math:`\frac1N \sum_n \tfrac12(\sigma_{nj}^2 + \mu_{nj}^2 - 1 - \log \sigma_{nj}^2)`.

    A dimension whose KL is ~0 for every image carries no information about the image: its
    posterior *is* the prior (posterior collapse). Returns shape (latent_dim,).
    """
    _check_model(model)
    mean, log_var = model.encode_distribution(images, batch_size=batch_size)
    return _gaussian_kl(mean, log_var).mean(axis=0)


def unit_activity(model, images, *, batch_size=500):
    r"""Burda et al.'s activity of each latent unit, :math:`A_j = \operatorname{Var}_x
    \big(\mathbb{E}_{q(z \mid x)}[z_j]\big)`: how much the posterior mean moves with the image.
    Returns shape (latent_dim,)."""
    _check_model(model)
    mean = model.encode(images, batch_size=batch_size)
    return mean.astype(np.float64).var(axis=0)


def active_units(model, images, *, threshold=1e-2, batch_size=500):
    """The number of latent units whose activity (:func:`unit_activity`) exceeds
    ``threshold`` (Burda et al. use 0.01)."""
    threshold = check_number(threshold, "threshold", low=0)
    return int(np.sum(unit_activity(model, images, batch_size=batch_size) > threshold))
