"""Chapter 05 exercises: the best-matching unit, the Gaussian neighbourhood, one online update,
the quantization error."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, exercise, expect_close


def _grid(seed, n_rows=3, n_cols=4, n_features=5):
    return np.random.default_rng(seed).normal(size=(n_rows, n_cols, n_features))


def _returned(value):
    """The student's return value; a function that returns nothing gets a clear message."""
    if value is None or value is Ellipsis:
        raise Mismatch("Your function returns None: finish its body and `return` the result.")
    return value


def _reference_bmu(x, weights):
    d2 = ((weights - x) ** 2).sum(axis=-1)
    return np.unravel_index(np.argmin(d2), d2.shape), d2


def _reference_update(weights, x, sigma, learning_rate):
    (r, c), _ = _reference_bmu(x, weights)
    rows, cols = np.indices(weights.shape[:2])
    h = np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2.0 * sigma**2))
    return weights + learning_rate * h[..., None] * (x - weights)


@exercise("05.1", "find the best-matching unit")
def check_bmu(bmu):
    """``bmu(x, weights)``: x (n_features,), weights (n_rows, n_cols, n_features) -> the grid
    position ``(row, col)`` of the unit whose prototype is nearest to x."""
    for seed in range(4):
        weights = _grid(seed)
        x = np.random.default_rng(100 + seed).normal(size=weights.shape[-1])
        (r, c), d2 = _reference_bmu(x, weights)
        got = _returned(bmu(x.copy(), weights.copy()))
        if np.ndim(got) == 0:
            if int(got) == r * weights.shape[1] + c:
                raise Mismatch(
                    "That is the flat index of the right unit; return its grid position "
                    "(row, col), e.g. with np.unravel_index."
                )
            raise Mismatch("Return the grid position as a pair (row, col), not one number.")
        got = tuple(int(v) for v in np.asarray(got).ravel())
        far = np.unravel_index(np.argmax(d2), d2.shape)
        if got == tuple(int(v) for v in far) and got != (r, c):
            raise Mismatch("You picked the farthest unit: take the smallest distance.")
        if got == (c, r) and r != c:
            raise Mismatch(
                "Row and column are swapped: weights[row, col] is the unit at (row, col)."
            )
        if got != (r, c):
            raise Mismatch(
                f"For this x your unit {got} is not the nearest. Compare the Euclidean "
                "distances ||x - w|| over the feature axis (the last one) for every unit."
            )


@exercise("05.2", "the Gaussian neighbourhood")
def check_gaussian(gaussian_neighborhood):
    """``gaussian_neighborhood(d, sigma)``: grid distance(s) d -> h = exp(-d^2 / (2 sigma^2))."""
    d = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    for sigma in (1.0, 2.5):
        got = np.asarray(_returned(gaussian_neighborhood(d.copy(), sigma)), dtype=float)
        expected = np.exp(-(d**2) / (2.0 * sigma**2))
        if got.shape == expected.shape and not np.allclose(got, expected):
            if np.allclose(got, np.exp(-(d**2) / sigma**2)):
                raise Mismatch("The exponent is missing the factor 2: use 2 * sigma**2.")
            if np.allclose(got, np.exp(-d / (2.0 * sigma**2))):
                raise Mismatch("Square the distance: the exponent is -d**2 / (2 sigma**2).")
            if np.allclose(got, np.exp(-(d**2) / (2.0 * sigma))):
                raise Mismatch("Divide by 2 sigma squared, not by 2 sigma.")
            if np.allclose(got, np.exp(d**2 / (2.0 * sigma**2))):
                raise Mismatch("Mind the sign: h must fall from 1 at the winner towards 0.")
        expect_close(
            got,
            expected,
            what=f"Your neighbourhood for sigma={sigma}",
            hint="h is 1 at d = 0 and exp(-1/2) at d = sigma",
        )


@exercise("05.3", "one online update of the map")
def check_update(update):
    """``update(weights, x, sigma, learning_rate)`` -> new weights after one sample:
    w_j + learning_rate * h(||r_c - r_j||, sigma) * (x - w_j), Gaussian h, c the BMU."""
    for seed, sigma, lr in ((0, 1.0, 0.5), (1, 2.0, 0.2)):
        weights = _grid(seed)
        x = np.random.default_rng(200 + seed).normal(size=weights.shape[-1])
        got = np.asarray(_returned(update(weights.copy(), x.copy(), sigma, lr)), dtype=float)
        expected = _reference_update(weights, x, sigma, lr)
        if got.shape != weights.shape:
            raise Mismatch(
                f"Return the whole grid of weights, shape {weights.shape}; yours has shape "
                f"{got.shape}."
            )
        moved = np.abs(got - weights).sum(axis=-1) > 1e-12
        if moved.sum() == 1:
            raise Mismatch(
                "Only one unit moved: every unit moves, weighted by the neighbourhood of the "
                "winner (that is what makes the map ordered)."
            )
        if np.allclose(got, weights + lr * (x - weights)):
            raise Mismatch(
                "Every unit moved by the same amount: weight each step by h, the Gaussian of "
                "the grid distance to the winner."
            )
        if np.allclose(got, weights - (expected - weights)):
            raise Mismatch("The units move away from x: the step is + rate * h * (x - w).")
        expect_close(
            got,
            expected,
            what="Your updated weights",
            rtol=1e-5,
            hint="find the winner (row, col), then the grid distance from it to every unit",
        )


@exercise("05.4", "the quantization error")
def check_quantization_error(quantization_error):
    """``quantization_error(X, weights)``: mean over samples of the distance to the nearest
    prototype; X (n_samples, n_features), weights (n_rows, n_cols, n_features)."""
    weights = _grid(3)
    X = np.random.default_rng(4).normal(size=(40, weights.shape[-1]))
    got = float(_returned(quantization_error(X.copy(), weights.copy())))
    d = np.sqrt(((X[:, None, :] - weights.reshape(-1, weights.shape[-1])[None]) ** 2).sum(-1))
    expected = d.min(axis=1).mean()
    if np.isclose(got, (d.min(axis=1) ** 2).mean()):
        raise Mismatch("You averaged squared distances: take the square root before the mean.")
    if np.isclose(got, d.mean()):
        raise Mismatch("You averaged the distances to all units: use the nearest one only.")
    if np.isclose(got, d.min(axis=1).sum()):
        raise Mismatch("That is the sum over samples: divide by the number of samples.")
    expect_close(got, expected, what="Your quantization error", rtol=1e-5)
