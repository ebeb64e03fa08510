"""Mutation audit of the checkers of chapters 00, 01, 02, 03 and 05: common wrong answers
(off-by-one, wrong axis, sum vs mean, missing root, wrong sign, another distance, a constant of
the right shape, in-place mutation, ...) must all fail, and the reference answer computed in
float32 or in float64 must pass. (Chapter 07 has its own audit, ``test_ch07.py``.)"""

import keras
import numpy as np
import pytest
from keras import ops
from scipy.optimize import linear_sum_assignment

from solutions import ch00, ch01, ch02, ch03, ch05
from tests.exercises._helpers import mistake_cases
from unsuplab import metrics
from unsuplab.exercises import Mismatch, verify
from unsuplab.metrics import psnr

# --- chapter 00 -----------------------------------------------------------------------------


def _mean_in_place(images):
    images //= 2  # changes the caller's array
    return images.mean(axis=0) / 127.5


def _assign_in_place(x, c):
    x *= 2.0  # changes the caller's array
    return ch00.assign(x / 2.0, c)


def _contingency(y_true, y_pred):
    _, t = np.unique(y_true, return_inverse=True)
    _, p = np.unique(y_pred, return_inverse=True)
    counts = np.zeros((p.max() + 1, t.max() + 1))
    np.add.at(counts, (p, t), 1)
    return counts


def _greedy_accuracy(y_true, y_pred):
    counts, total = _contingency(y_true, y_pred), 0.0
    for _ in range(min(counts.shape)):
        r, c = np.unravel_index(np.argmax(counts), counts.shape)
        total += counts[r, c]
        counts[r, :] = counts[:, c] = -1
    return total / len(y_true)


def _cluster_order_accuracy(y_true, y_pred):
    counts, total, used = _contingency(y_true, y_pred), 0.0, set()
    for row in counts:
        free = [c for c in np.argsort(-row) if c not in used]
        if free:
            used.add(free[0])
            total += row[free[0]]
    return total / len(y_true)


def _min_matching(y_true, y_pred):
    counts = _contingency(y_true, y_pred)
    r, c = linear_sum_assignment(counts)  # maximize=True forgotten
    return counts[r, c].sum() / len(y_true)


def _nmi(y_true, y_pred):
    from sklearn.metrics import normalized_mutual_info_score

    return normalized_mutual_info_score(y_true, y_pred)


WRONG_00 = {
    "00.1": {
        "no-scaling": ch00.WRONG["00.1"],
        "mean-over-pixels": lambda im: im.mean(axis=(1, 2)) / 255,
        "sum": lambda im: im.astype(float).sum(axis=0) / 255,
        "first-image": lambda im: im[0] / 255,
        "median": lambda im: np.median(im, axis=0) / 255,
        "divide-by-256": lambda im: im.mean(axis=0) / 256,
        "wrong-axis": lambda im: im.mean(axis=1) / 255,
        "integer-division": lambda im: im.mean(axis=0) // 255,
        "constant": lambda im: np.full(im.shape[1:], 0.5),
        "in-place": _mean_in_place,
        "rounded": lambda im: np.round(im.mean(axis=0) / 255, 3),
    },
    "00.2": {
        "farthest": ch00.WRONG["00.2"],
        "l1": lambda x, c: np.abs(x[:, None] - c[None]).sum(-1).argmin(1),
        "max-distance": lambda x, c: np.abs(x[:, None] - c[None]).max(-1).argmin(1),
        "dot-product": lambda x, c: (x @ c.T).argmax(1),
        "off-by-one": lambda x, c: ch00.assign(x, c) + 1,
        "wrong-axis": lambda x, c: ((x[:, None] - c[None]) ** 2).sum(-1).argmin(0),
        "sum-over-points": lambda x, c: ((x[:, None] - c[None]) ** 2).sum(1).argmin(1),
        "constant": lambda x, c: np.zeros(len(x), dtype=int),
        "one-hot": lambda x, c: np.eye(len(c))[ch00.assign(x, c)],
        "in-place": _assign_in_place,
    },
    "00.3": {
        "ids-compared": ch00.WRONG["00.3"],
        "purity": lambda t, p: _contingency(t, p).max(axis=1).sum() / len(t),
        "greedy-largest-cell": _greedy_accuracy,
        "greedy-cluster-order": _cluster_order_accuracy,
        "minimum-matching": _min_matching,
        "count": lambda t, p: ch00.accuracy(t, p) * len(t),
        "error-rate": lambda t, p: 1 - ch00.accuracy(t, p),
        "nmi": _nmi,
        "constant": lambda t, p: 1.0,
        "per-class": lambda t, p: np.full(len(np.unique(t)), ch00.accuracy(t, p)),
    },
}


# --- chapter 01 -----------------------------------------------------------------------------


def _encoder(*layers, inputs=(28, 28, 1)):
    def build(latent_dim):
        x = keras.Input(inputs)
        h = x
        for layer in layers:
            h = layer(latent_dim)(h)
        return keras.Model(x, h)

    return build


def _conv(latent_dim):
    return keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")


def _sorts_in_place(sizes, psnr_db, target_db):
    """Right answer, but sorts the caller's lists in place."""
    order = np.argsort(sizes)
    sizes[:] = [sizes[i] for i in order]
    psnr_db[:] = [psnr_db[i] for i in order]
    return next((s for s, p in zip(sizes, psnr_db, strict=True) if p >= target_db), None)


def _psnr(reduce):
    return lambda x, y: reduce(np.mean((x - y) ** 2, axis=(1, 2)))


def _elbo(rec_scale=1.0, kl_scale=1.0, reduce="mean", stable=True, pixel_reduce="sum",
          detach_kl=False):
    def loss(x, logits, mean, log_var):
        if stable:
            nll = ops.softplus(logits) - x * logits
        else:
            p = ops.sigmoid(logits)
            nll = -(x * ops.log(p) + (1 - x) * ops.log(1 - p))
        nll = (ops.sum if pixel_reduce == "sum" else ops.mean)(nll, axis=(1, 2, 3))
        kl = 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)
        kl = ops.stop_gradient(kl) if detach_kl else kl
        total = rec_scale * nll + kl_scale * kl
        return ops.mean(total) if reduce == "mean" else ops.sum(total)

    return loss


WRONG_01 = {
    "01.1": {
        "not-centred": ch01.WRONG["01.1"],
        "mean-not-added-back": lambda x, m, c: (x - m) @ c.T @ c,
        "codes-only": lambda x, m, c: (x - m) @ c.T,
        "components-transposed": lambda x, m, c: (x - m) @ c @ c.T + m,
        "scalar-mean": lambda x, m, c: (x - m.mean()) @ c.T @ c + m.mean(),
        "mean-subtracted-twice": lambda x, m, c: (x - m) @ c.T @ c - m,
        "constant": lambda x, m, c: np.broadcast_to(m, x.shape).copy(),
        "in-place": lambda x, m, c: (x.__isub__(m), x @ c.T @ c + m)[-1],
    },
    "01.2": {
        "dense-only": ch01.WRONG["01.2"],
        "no-flatten": _encoder(_conv, lambda d: keras.layers.Dense(d)),
        "wrong-size": _encoder(_conv, lambda d: keras.layers.Flatten(),
                               lambda d: keras.layers.Dense(d + 1)),
        "too-big": _encoder(lambda d: keras.layers.Conv2D(64, 3, padding="same"),
                            lambda d: keras.layers.Flatten(), lambda d: keras.layers.Dense(d)),
        "not-a-model": lambda latent_dim: keras.layers.Dense(latent_dim),
        "wrong-input": _encoder(_conv, lambda d: keras.layers.Flatten(),
                                lambda d: keras.layers.Dense(d), inputs=(32, 32, 1)),
    },
    "01.3": {
        "psnr-of-mean-mse": ch01.WRONG["01.3"],
        "20-log10": _psnr(lambda mse: np.mean(20 * np.log10(1 / mse))),
        "rmse": _psnr(lambda mse: np.mean(10 * np.log10(1 / np.sqrt(mse)))),
        "no-10": _psnr(lambda mse: np.mean(np.log10(1 / mse))),
        "wrong-sign": _psnr(lambda mse: np.mean(10 * np.log10(mse))),
        "per-image": _psnr(lambda mse: 10 * np.log10(1 / mse)),
        "natural-log": _psnr(lambda mse: np.mean(10 * np.log(1 / mse))),
        "peak-255": _psnr(lambda mse: np.mean(10 * np.log10(255**2 / mse))),
        "rounded": _psnr(lambda mse: round(float(np.mean(10 * np.log10(1 / mse))), 2)),
        "epsilon-bias": _psnr(lambda mse: np.mean(10 * np.log10(1 / (mse + 1e-6)))),
        "library-global": lambda x, y: psnr(x, y),
        "library-module": lambda x, y: metrics.psnr(x, y),
    },
    "01.4": {
        "assumes-sorted": ch01.WRONG["01.4"],
        "largest": lambda s, p, t: max((a for a, b in zip(s, p, strict=True) if b >= t),
                                       default=None),
        "strict": lambda s, p, t: min((a for a, b in zip(s, p, strict=True) if b > t),
                                      default=None),
        "best-psnr": lambda s, p, t: s[int(np.argmax(p))],
        "index": lambda s, p, t: next((i for i, (a, b) in enumerate(sorted(zip(s, p, strict=True)))
                                       if b >= t), None),
        "never-none": lambda s, p, t: min((a for a, b in zip(s, p, strict=True) if b >= t),
                                          default=max(s)),
        "sorts-the-callers-list": _sorts_in_place,
    },
    "01.5": {
        "sum": ch01.WRONG["01.5"],
        "per-image-sum": lambda x, y: ops.mean(ops.sum(ops.square(x - y), axis=(1, 2, 3))),
        "mae": lambda x, y: ops.mean(ops.abs(x - y)),
        "rmse": lambda x, y: ops.sqrt(ops.mean(ops.square(x - y))),
        "wrong-sign": lambda x, y: -ops.mean(ops.square(x - y)),
        "per-image": lambda x, y: ops.mean(ops.square(x - y), axis=(1, 2, 3)),
        "numpy": lambda x, y: np.mean((np.asarray(x) - np.asarray(y)) ** 2),
        "bce": lambda x, y: ops.mean(keras.losses.binary_crossentropy(x, y)),
        "detached": lambda x, y: ops.stop_gradient(ops.mean(ops.square(x - y))),
    },
}


# --- chapter 03 -----------------------------------------------------------------------------


def _iwae_global_max(log_w):
    top = log_w.max()
    return top + np.log(np.mean(np.exp(log_w - top), axis=0))


WRONG_03 = {
    "03.1": {
        "no-half": ch03.WRONG["03.1"],
        "per-dimension": lambda m, v: 0.5 * (np.exp(v) + m**2 - 1 - v),
        "log-std": lambda m, v: 0.5 * np.sum(np.exp(0.5 * v) + m**2 - 1 - 0.5 * v, -1),
        "no-minus-one": lambda m, v: 0.5 * np.sum(np.exp(v) + m**2 - v, -1),
        "wrong-sign": lambda m, v: -ch03.gaussian_kl(m, v),
        "mean-not-sum": lambda m, v: 0.5 * np.mean(np.exp(v) + m**2 - 1 - v, -1),
        "batch-total": lambda m, v: np.sum(ch03.gaussian_kl(m, v)),
        "in-place": lambda m, v: (v.__imul__(1.0 + 1e-3), ch03.gaussian_kl(m, v / 1.001))[-1],
    },
    "03.2": {
        "variance": ch03.WRONG["03.2"],
        "no-mean": lambda m, v, e: np.exp(0.5 * v) * e,
        "not-exponentiated": lambda m, v, e: m + v * e,
        "wrong-sign": lambda m, v, e: m - np.exp(0.5 * v) * e,
        "own-noise": lambda m, v, e: m + np.exp(0.5 * v) * np.random.default_rng().normal(
            size=m.shape),
        "sqrt-of-log-var": lambda m, v, e: m + np.sqrt(np.abs(v)) * e,
        "in-place": lambda m, v, e: (e.__imul__(np.exp(0.5 * v)), m + e)[-1],
    },
    "03.3": {
        "underflows": ch03.WRONG["03.3"],
        "elbo": lambda w: w.mean(axis=0),
        "no-1-over-k": lambda w: w.max(0) + np.log(np.sum(np.exp(w - w.max(0)), axis=0)),
        "wrong-axis": lambda w: w.max(1) + np.log(np.mean(np.exp(w - w.max(1)[:, None]), 1)),
        "global-max": _iwae_global_max,
        "max-only": lambda w: w.max(axis=0),
        "in-place": lambda w: (w.__isub__(w.max(0)), ch03.iwae_bound(w))[-1],
        "fixed-shift": lambda w: -300.0 + np.log(np.mean(np.exp(w + 300.0), axis=0)),
        "shift-of-the-first-column": lambda w: w[:, 0].max() + np.log(
            np.mean(np.exp(w - w[:, 0].max()), axis=0)),
    },
    "03.5": {
        "no-kl": ch03.WRONG["03.5"],
        "kl-subtracted": _elbo(kl_scale=-1.0),
        "kl-doubled": _elbo(kl_scale=2.0),
        "elbo-not-negative": _elbo(rec_scale=-1.0, kl_scale=-1.0),
        "batch-sum": _elbo(reduce="sum"),
        "pixel-mean": _elbo(pixel_reduce="mean"),
        "unstable": _elbo(stable=False),
        "no-reconstruction": _elbo(rec_scale=0.0),
        "kl-detached": _elbo(detach_kl=True),
        "all-detached": lambda *a: ops.stop_gradient(ch03.negative_elbo(*a)),
    },
}


# --- chapter 02 -----------------------------------------------------------------------------


def _hole(reduce):
    def hole_psnr(clean, restored, mask):
        missing, sq = 1.0 - mask, (clean - restored) ** 2
        return reduce(missing, sq)

    return hole_psnr


def _per_image_psnr(mse):
    return float(np.mean(10 * np.log10(1.0 / mse)))


def _hide_with(mode="reflect", neighbours=4, swap=False):
    def hide(y, grid, offset):
        p = np.pad(y, 1, mode=mode)
        h, w = y.shape
        if neighbours == 4:
            mean = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
        else:
            mean = (sum(p[i : i + h, j : j + w] for i in range(3) for j in range(3)) - y) / 8
        rows, cols = np.indices(y.shape)
        o = offset[::-1] if swap else offset
        return np.where((rows % grid == o[0]) & (cols % grid == o[1]), mean, y)

    return hide


def _hide_in_place(y, grid, offset):
    y[:] = ch02.hide(y.copy(), grid, offset)
    return y


def _noise(level="uniform", clip=True, noise="normal", int_seed=False, power=1):
    def add_noise(x, sigma_max, seed):
        n = ops.shape(x)[0]
        s1, s2 = (0, 1) if int_seed else (seed, seed)
        shape = ops.shape(x) if level == "per-pixel" else (n, 1, 1, 1)
        sigma = (sigma_max * ops.ones((n, 1, 1, 1)) if level == "fixed"
                 else keras.random.uniform(shape, 0.0, sigma_max, seed=s1))
        if noise == "normal":
            eps = keras.random.normal(ops.shape(x), seed=s2)
        elif noise == "uniform":
            eps = keras.random.uniform(ops.shape(x), seed=s2)
        else:  # mean 0, variance 1: only the shape is wrong
            eps = keras.random.uniform(ops.shape(x), -3.0**0.5, 3.0**0.5, seed=s2)
        noisy = x + sigma**power * eps
        return ops.clip(noisy, 0.0, 1.0) if clip else noisy

    return add_noise


def _noise_numpy(x, sigma_max, seed):
    rng = np.random.default_rng()
    x = np.asarray(x)
    sigma = rng.uniform(0, sigma_max, (len(x), 1, 1, 1))
    return np.clip(x + sigma * rng.normal(size=x.shape), 0, 1).astype(np.float32)


WRONG_02 = {
    "02.1": {
        "every-pixel": ch02.WRONG["02.1"],
        "over-all-pixels": _hole(lambda m, sq: _per_image_psnr((m * sq).mean(axis=(1, 2)))),
        "pooled": _hole(lambda m, sq: _per_image_psnr((m * sq).sum() / m.sum())),
        "psnr-of-mean-mse": _hole(lambda m, sq: _per_image_psnr(
            ((m * sq).sum(axis=(1, 2)) / m.sum(axis=(1, 2))).mean())),
        "kept-pixels": _hole(lambda m, sq: _per_image_psnr(
            ((1 - m) * sq).sum(axis=(1, 2)) / (1 - m).sum(axis=(1, 2)))),
        "20-log10": _hole(lambda m, sq: 2 * _per_image_psnr(
            (m * sq).sum(axis=(1, 2)) / m.sum(axis=(1, 2)))),
        "rmse": _hole(lambda m, sq: _per_image_psnr(np.sqrt(
            (m * sq).sum(axis=(1, 2)) / m.sum(axis=(1, 2))))),
        "per-image": _hole(lambda m, sq: 10 * np.log10(
            m.sum(axis=(1, 2)) / (m * sq).sum(axis=(1, 2)))),
        "in-place": lambda c, r, m: (m.__isub__(0.0), c.__imul__(1.0), r.__iadd__(1e-3),
                                     ch02.hole_psnr(c, r - 1e-3, m))[-1],
        "rounded": lambda c, r, m: round(float(ch02.hole_psnr(c, r, m)), 2),
        "library": lambda c, r, m: metrics.hole_psnr(c, r, m),
    },
    "02.2": {
        "3x3-with-centre": ch02.WRONG["02.2"],
        "8-neighbours": _hide_with(neighbours=8),
        "edge-padding": _hide_with(mode="edge"),
        "symmetric-padding": _hide_with(mode="symmetric"),
        "zero-padding": _hide_with(mode="constant"),
        "offset-swapped": _hide_with(swap=True),
        "zeros": lambda y, g, o: np.where(ch02.hide(y, g, o) != y, 0.0, y),
        "every-pixel": lambda y, g, o: _hide_with()(y, 1, (0, 0)),
        "in-place": _hide_in_place,
    },
    "02.3": {
        "swapped": ch02.WRONG["02.3"],
        "std-not-variance": lambda y, mu, s2, s: (s2 * y + s * mu) / (s2 + s),
        "plain-average": lambda y, mu, s2, s: (y + mu) / 2,
        "prior-only": lambda y, mu, s2, s: mu.copy(),
        "noisy-only": lambda y, mu, s2, s: y.copy(),
        "unnormalised": lambda y, mu, s2, s: s2 * y + s**2 * mu,
        "in-place": lambda y, mu, s2, s: (y.__imul__(s2), y.__iadd__(s**2 * mu),
                                          y.__itruediv__(s2 + s**2))[-1],
    },
    "02.5": {
        "fixed-level": ch02.WRONG["02.5"],
        "per-pixel-level": _noise(level="per-pixel"),
        "no-clip": _noise(clip=False),
        "uniform-noise": _noise(noise="uniform"),
        "variance-not-std": _noise(power=2),
        "int-seed": _noise(int_seed=True),
        "numpy": _noise_numpy,
        "notebook-sigma": lambda x, sigma_max, seed: ch02.add_noise(x, 55 / 255, seed),
        "uniform-of-the-right-variance": _noise(noise="uniform-unit-variance"),
    },
}


# --- chapter 05 -----------------------------------------------------------------------------


def _bmu_by(distance):
    def bmu(x, w):
        d = distance(w - x)
        return np.unravel_index(np.argmin(d), d.shape)

    return bmu


def _gauss(d2, sigma):
    return np.exp(-d2 / (2.0 * sigma**2))


def _update_with(h_of, bmu=ch05.bmu, rate=lambda lr: lr, sign=1.0):
    def update(w, x, sigma, lr):
        r, c = bmu(x, w)
        rows, cols = np.indices(w.shape[:2])
        h = h_of(rows - r, cols - c, sigma, w, x)
        return w + sign * rate(lr) * h[..., None] * (x - w)

    return update


def _update_in_place(w, x, sigma, lr):
    w += ch05.update(w.copy(), x, sigma, lr) - w
    return w


def _gauss_in_place(d, sigma):
    d **= 2
    return np.exp(-d / (2.0 * sigma**2))


def _batch_update(cap="abs", reduce="sum", bmu="argmin", mass=True, eta_in_cap=True, sign=1.0,
                  cap_fn="max"):
    def update(w, x, h, lr):
        d2 = ops.sum((x[:, None, :] - w[None]) ** 2, axis=-1)
        best = ops.argmin(d2, axis=1) if bmu == "argmin" else ops.argmax(d2, axis=1)
        h_b = ops.take(h, best, axis=0)
        pulled = ops.matmul(ops.transpose(h_b), x)
        m = ops.sum(h_b, axis=0)
        size = ops.sum(ops.abs(h_b) if cap == "abs" else h_b, axis=0)
        if reduce == "mean":
            pulled, m, size = pulled / x.shape[0], m / x.shape[0], size / x.shape[0]
        capped = lr * size if eta_in_cap else size
        bound = ops.maximum(1.0, capped) if cap_fn == "max" else ops.minimum(1.0, capped)
        step = lr / bound
        return w + sign * step[:, None] * (pulled - (m[:, None] if mass else 1.0) * w)

    return update


def _batch_update_numpy(w, x, h, lr):
    """Right on concrete arrays, but NumPy cannot trace: fails once compiled."""
    w, x, h, lr = (np.asarray(a, dtype=np.float64) for a in (w, x, h, lr))
    h_b = h[((x[:, None] - w[None]) ** 2).sum(-1).argmin(1)]
    step = lr / np.maximum(1.0, lr * np.abs(h_b).sum(0))
    return (w + step[:, None] * (h_b.T @ x - h_b.sum(0)[:, None] * w)).astype(np.float32)


WRONG_05 = {
    "05.1": {
        "flat-index": ch05.WRONG["05.1"],
        "farthest": lambda x, w: np.unravel_index(((w - x) ** 2).sum(-1).argmax(), w.shape[:2]),
        "l1": _bmu_by(lambda d: np.abs(d).sum(-1)),
        "max-distance": _bmu_by(lambda d: np.abs(d).max(-1)),
        "dot-product": lambda x, w: np.unravel_index((w @ x).argmax(), w.shape[:2]),
        "swapped": lambda x, w: ch05.bmu(x, w)[::-1],
        "wrong-axis": _bmu_by(lambda d: (d**2).sum(0)),
        "constant": lambda x, w: (0, 1),
        "off-by-one": lambda x, w: tuple(int(v) + 1 for v in ch05.bmu(x, w)),
        "in-place": lambda x, w: (w.fill(0.0), ch05.bmu(x, np.ones_like(w)))[1],
    },
    "05.2": {
        "missing-2": ch05.WRONG["05.2"],
        "d-not-squared": lambda d, s: np.exp(-np.asarray(d) / (2 * s**2)),
        "sigma-not-squared": lambda d, s: np.exp(-np.asarray(d) ** 2 / (2 * s)),
        "wrong-sign": lambda d, s: np.exp(np.asarray(d) ** 2 / (2 * s**2)),
        "normalised-density": lambda d, s: ch05.gaussian_neighborhood(d, s)
        / (np.sqrt(2 * np.pi) * s),
        "squared-twice": lambda d, s: np.exp(-np.asarray(d) ** 4 / (2 * s**2)),
        "bubble": lambda d, s: (np.asarray(d) < s).astype(float),
        "mexican-hat": lambda d, s: (1 - np.asarray(d) ** 2 / s**2)
        * ch05.gaussian_neighborhood(d, s),
        "constant": lambda d, s: np.ones_like(np.asarray(d, dtype=float)),
        "in-place": _gauss_in_place,
    },
    "05.3": {
        "winner-only": ch05.WRONG["05.3"],
        "no-neighbourhood": lambda w, x, s, lr: w + lr * (x - w),
        "away-from-x": _update_with(lambda dr, dc, s, w, x: _gauss(dr**2 + dc**2, s), sign=-1.0),
        "manhattan-grid": _update_with(lambda dr, dc, s, w, x: _gauss((abs(dr) + abs(dc)) ** 2, s)),
        "chebyshev-grid": _update_with(
            lambda dr, dc, s, w, x: _gauss(np.maximum(abs(dr), abs(dc)) ** 2, s)),
        "data-distance": _update_with(lambda dr, dc, s, w, x: _gauss(((w - x) ** 2).sum(-1), s)),
        "rate-twice": _update_with(lambda dr, dc, s, w, x: _gauss(dr**2 + dc**2, s),
                                   rate=lambda lr: lr**2),
        "missing-2": _update_with(lambda dr, dc, s, w, x: np.exp(-(dr**2 + dc**2) / s**2)),
        "farthest-winner": _update_with(
            lambda dr, dc, s, w, x: _gauss(dr**2 + dc**2, s),
            bmu=lambda x, w: np.unravel_index(((w - x) ** 2).sum(-1).argmax(), w.shape[:2])),
        "swapped-winner": _update_with(
            lambda dr, dc, s, w, x: _gauss(dr**2 + dc**2, s),
            bmu=lambda x, w: ch05.bmu(x, w)[::-1]),
        "in-place": _update_in_place,
    },
    "05.4": {
        "mean-squared": ch05.WRONG["05.4"],
        "rms": lambda X, w: np.sqrt(ch05.WRONG["05.4"](X, w)),
        "all-units": lambda X, w: np.sqrt(
            ((X[:, None] - w.reshape(-1, w.shape[-1])[None]) ** 2).sum(-1)).mean(),
        "sum": lambda X, w: ch05.quantization_error(X, w) * len(X),
        "l1": lambda X, w: np.abs(X[:, None] - w.reshape(-1, w.shape[-1])[None]).sum(-1)
        .min(1).mean(),
        "max": lambda X, w: np.sqrt(
            ((X[:, None] - w.reshape(-1, w.shape[-1])[None]) ** 2).sum(-1)).min(1).max(),
        "per-sample": lambda X, w: np.sqrt(
            ((X[:, None] - w.reshape(-1, w.shape[-1])[None]) ** 2).sum(-1)).min(1),
        "median": lambda X, w: np.median(np.sqrt(
            ((X[:, None] - w.reshape(-1, w.shape[-1])[None]) ** 2).sum(-1)).min(1)),
        "in-place": lambda X, w: (X.__imul__(1.0 + 1e-3), ch05.quantization_error(X, w))[1],
    },
    "05.6": {
        "uncapped": ch05.WRONG["05.6"],
        "signed-cap": _batch_update(cap="signed"),
        "batch-mean": _batch_update(reduce="mean"),
        "farthest-unit": _batch_update(bmu="argmax"),
        "mass-forgotten": _batch_update(mass=False),
        "eta-outside-cap": _batch_update(eta_in_cap=False),
        "wrong-sign": _batch_update(sign=-1.0),
        "min-not-max": _batch_update(cap_fn="min"),
        "numpy-inside": _batch_update_numpy,
    },
}


@pytest.mark.parametrize(
    ("ex", "wrong"),
    [case for t in (WRONG_00, WRONG_01, WRONG_02, WRONG_03, WRONG_05) for case in mistake_cases(t)],
)
def test_common_mistakes_fail(ex, wrong):
    with pytest.raises(Mismatch):
        verify(ex, wrong)


def test_every_checked_exercise_has_five_mistakes():
    for table in (WRONG_00, WRONG_01, WRONG_02, WRONG_03, WRONG_05):
        for ex, wrongs in table.items():
            assert len(wrongs) >= 5, ex


def _in(dtype, function):
    """``function`` computed on ``dtype`` copies of its float arguments, result in ``dtype``."""

    def cast(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return a.astype(dtype)
        return dtype(a) if isinstance(a, float) else a

    def run(*args):
        out = function(*(cast(a) for a in args))
        if isinstance(out, tuple):
            return out
        return np.asarray(out, dtype=dtype) if np.ndim(out) else dtype(out)

    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "ex",
    ["00.1", "00.2", "00.3", "01.1", "01.3", "02.1", "02.2", "02.3", "03.1", "03.2", "03.3",
     "05.1", "05.2", "05.3", "05.4"],
)
def test_reference_passes_in_both_precisions(ex, dtype):
    module = {"00": ch00, "01": ch01, "02": ch02, "03": ch03, "05": ch05}[ex[:2]]
    if ex == "00.1":
        verify(ex, lambda im: im.astype(dtype).mean(axis=0) / dtype(255))
    else:
        verify(ex, _in(dtype, module.SOLUTIONS[ex]))
