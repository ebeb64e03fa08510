"""Generative augmentation: new labelled images from a latent model (chapter 08).

Two experiments, each adding synthetic images to the few labelled ones:

(a) :func:`latent_augment` — **latent-space augmentation of the labelled images**: encode
    them, and for each new image pick a labelled image :math:`x_i`, another
    :math:`x_j` *of the same class*, and decode

    .. math:: z = (1 - \\lambda) z_i + \\lambda z_j + \\sigma\\, s \\odot \\varepsilon,
              \\quad \\lambda \\sim U(0, \\lambda_{max}), \\; \\varepsilon \\sim N(0, I),

    with :math:`s` the per-dimension sd of the labelled codes. It carries the label
    :math:`y_i` (an interpolation between two coats is assumed to be a coat).
(b) :func:`pseudo_labelled_samples` — **samples of a generative model, labelled by the
    few-label classifier**: draw images from the model (the VAE's prior), keep those the
    classifier labels with probability >= ``threshold``, with that label.

Both work with any latent model of the package (``encode``/``decode``; ``sample`` for (b)).
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_array,
    check_images,
    check_labels,
    check_methods,
    check_number,
    check_seed,
)


def latent_augment(model, images, labels, n_new, *, sigma=0.5, max_mix=0.5, seed=0):
    """``n_new`` decoded same-class interpolations (+ noise) of labelled images.

    Args:
        model: a latent model (``encode(images) -> (N, L)``, ``decode(codes) -> images``).
        images: the labelled images, uint8 or float in [0, 1], (N, H, W[, C]).
        labels: their labels (N,).
        n_new: how many images to make.
        sigma: noise scale, in units of each code dimension's sd over ``images``.
        max_mix: the interpolation weight :math:`\\lambda` is uniform on [0, max_mix].
        seed: int or ``np.random.Generator``.

    Returns:
        ``(new_images, new_labels)``: float32 (n_new, H, W, C) in [0, 1], int64 (n_new,).
    """
    check_methods(model, "model", ("encode", "decode"), what="a latent model")
    n = len(check_images(images, "images", ndim=(3, 4), dtype_kind="uif"))
    y = check_labels(labels, n, "labels")
    n_new = check_number(n_new, "n_new", low=1, high=10**6, integer=True)  # 10**6 images: GBs
    sigma = check_number(sigma, "sigma", low=0)
    max_mix = check_number(max_mix, "max_mix", low=0, high=1)
    rng = check_seed(seed)
    z = np.asarray(model.encode(images), dtype=np.float32)
    scale = z.std(0) if len(z) > 1 else np.ones(z.shape[1], np.float32)
    first = rng.integers(len(z), size=n_new)
    second = np.empty_like(first)
    for c in np.unique(y[first]):
        same = np.flatnonzero(y == c)
        where = y[first] == c
        second[where] = rng.choice(same, size=where.sum())
    lam = rng.uniform(0.0, max_mix, size=(n_new, 1)).astype(np.float32)
    codes = (1 - lam) * z[first] + lam * z[second]
    codes = codes + sigma * scale * rng.standard_normal(codes.shape).astype(np.float32)
    new = np.clip(np.asarray(model.decode(codes.astype(np.float32)), np.float32), 0.0, 1.0)
    return new, y[first].astype(np.int64)


def pseudo_labelled_samples(images, probabilities, *, threshold=0.9):
    """Keep the generated ``images`` whose predicted class probability reaches ``threshold``.

    Args:
        images: generated images (N, ...).
        probabilities: a classifier's class probabilities for them, (N, K).
        threshold: the confidence a pseudo-label needs, in [0, 1].

    Returns:
        ``(kept_images, pseudo_labels)``.
    """
    p = check_array(probabilities, "probabilities", ndim=2, dtype_kind="f",
                    value_range=(0.0, 1.0 + 1e-5))
    threshold = check_number(threshold, "threshold", low=0, high=1)
    images = check_images(images, "images", ndim=(3, 4), dtype_kind="uif")
    if len(p) != len(images):
        raise ValueError(f"probabilities must have one row per image ({len(images)}). "
                         f"Received: {len(p)} rows")
    keep = p.max(1) >= threshold
    return images[keep], p.argmax(1)[keep].astype(np.int64)


__all__ = ["latent_augment", "pseudo_labelled_samples"]
