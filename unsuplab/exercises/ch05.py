"""Chapter 05 exercises: the best-matching unit, the Gaussian neighbourhood, one online update,
the quantization error, and the batch update in ``keras.ops`` wired into a map's training.

The test inputs are built so that the usual wrong answers differ from the right one
(``tests/exercises/test_mutations.py`` tries them): samples whose nearest unit changes with the
distance used, a non-square grid, and batches large enough for the batch rule's cap to act.
"""

from __future__ import annotations

import functools

import numpy as np

from .core import (
    Mismatch,
    as_array,
    as_number,
    describe,
    exercise,
    expect_close,
    run_compiled,
    run_in_model,
)


def _grid(seed, n_rows=3, n_cols=4, n_features=5):
    return np.random.default_rng(seed).normal(size=(n_rows, n_cols, n_features))


def _nearest(x, weights, distance):
    diff = x - weights
    d = {"l2": (diff**2).sum(-1), "l1": np.abs(diff).sum(-1), "max": np.abs(diff).max(-1),
         "dot": -(weights @ x)}[distance]
    return tuple(int(v) for v in np.unravel_index(np.argmin(d), d.shape))


@functools.cache
def _bmu_cases():
    """(x, weights) pairs on a 3x4 grid whose Euclidean BMU (r, c) has r != c, a swapped
    (c, r) inside the grid, and differs from the L1, max-coordinate and dot-product choices;
    the BMUs of the cases differ from each other (so a constant answer cannot pass)."""
    cases, seen = [], set()
    for seed in range(400):
        weights = _grid(seed)
        x = np.random.default_rng(1000 + seed).normal(size=weights.shape[-1])
        r, c = _nearest(x, weights, "l2")
        others = {_nearest(x, weights, d) for d in ("l1", "max", "dot")}
        if r != c and c < 3 and r < 4 and (r, c) not in others and (r, c) not in seen:
            cases.append((x, weights))
            seen.add((r, c))
        if len(cases) == 4:
            return cases
    raise RuntimeError("no separating case found")  # pragma: no cover


def _position(value):
    """The student's BMU as a tuple of ints, or None when it is one number."""
    array = as_array(value, "Your best-matching unit")
    if array.ndim == 0:
        return None
    if array.shape != (2,) or not np.all(array == np.round(array)):
        raise Mismatch(f"Return the grid position as a pair of ints (row, col); yours is "
                       f"{describe(value)}.")
    return tuple(int(v) for v in array)


@exercise("05.1", "find the best-matching unit")
def check_bmu(bmu):
    """``bmu(x, weights)``: x (n_features,), weights (n_rows, n_cols, n_features) -> the grid
    position ``(row, col)`` of the unit whose prototype is nearest to x (Euclidean)."""
    answers = []
    for x, weights in _bmu_cases():
        result = bmu(x.copy(), weights.copy())
        got = _position(result)
        right = _nearest(x, weights, "l2")
        if got is None:
            if int(as_number(result, "Your BMU")) == right[0] * weights.shape[1] + right[1]:
                raise Mismatch("That is the flat index of the right unit; return its grid "
                               "position (row, col), e.g. with np.unravel_index.")
            raise Mismatch("Return the grid position as a pair (row, col), not one number.")
        answers.append((got, right, x, weights))
    if all(got == right for got, right, *_ in answers):
        return
    if len({got for got, *_ in answers}) == 1:
        raise Mismatch(f"Your function returns {answers[0][0]} for every x: the winner must "
                       "depend on x (compare x with every unit's prototype).")

    def farthest(x, weights):
        d2 = ((weights - x) ** 2).sum(-1)
        return tuple(int(v) for v in np.unravel_index(np.argmax(d2), d2.shape))

    # a mistake explains the answers when it gives every one of them
    for mistake, advice in (
        (farthest, "You picked the farthest unit: take the smallest distance."),
        (lambda x, w: _nearest(x, w, "l2")[::-1], "Row and column are swapped: "
         "weights[row, col] is the unit at (row, col)."),
        (lambda x, w: _nearest(x, w, "l1"), "You used the sum of absolute differences (L1 "
         "distance); the BMU is the nearest unit in Euclidean distance."),
        (lambda x, w: _nearest(x, w, "max"), "You used the largest coordinate difference (max "
         "distance); the BMU is the nearest unit in Euclidean distance."),
        (lambda x, w: _nearest(x, w, "dot"), "You picked the largest dot product x·w (it "
         "favours long prototypes); the BMU is the nearest unit in Euclidean distance."),
    ):
        if all(got == mistake(x, weights) for got, _, x, weights in answers):
            raise Mismatch(advice)
    got, right, *_ = next(a for a in answers if a[0] != a[1])
    raise Mismatch(f"For one of the test samples your unit {got} is not the nearest. Compare "
                   "the Euclidean distances ||x - w|| over the feature axis (the last one) for "
                   "every unit.")


@exercise("05.2", "the Gaussian neighbourhood")
def check_gaussian(gaussian_neighborhood):
    """``gaussian_neighborhood(d, sigma)``: grid distance(s) d -> h = exp(-d^2 / (2 sigma^2)),
    of the shape of d (a number gives a number)."""
    d = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    for sigma in (0.7, 2.5):
        got = as_array(gaussian_neighborhood(d.copy(), sigma), "Your neighbourhood")
        expected = np.exp(-(d**2) / (2.0 * sigma**2))
        if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-5):
            for wrong, advice in (
                (np.exp(-(d**2) / sigma**2), "The exponent is missing the factor 2: use "
                 "2 * sigma**2."),
                (np.exp(-d / (2.0 * sigma**2)), "Square the distance: the exponent is "
                 "-d**2 / (2 sigma**2)."),
                (np.exp(-(d**2) / (2.0 * sigma)), "Divide by 2 sigma squared, not by 2 sigma."),
                (np.exp(d**2 / (2.0 * sigma**2)), "Mind the sign: h must fall from 1 at the "
                 "winner towards 0."),
                (np.exp(-(d**4) / (2.0 * sigma**2)), "d is already a distance: square it once."),
            ):
                if np.allclose(got, wrong, rtol=1e-5):
                    raise Mismatch(advice)
            if not np.isclose(got[0], 1.0, rtol=1e-5):
                raise Mismatch(f"At the winner (d = 0) h must be 1; yours is {got[0]:.4g} (no "
                               "normalising constant: this is not a probability density).")
        expect_close(got, expected, what=f"Your neighbourhood for sigma={sigma}", rtol=1e-5,
                     hint="h is 1 at d = 0 and exp(-1/2) at d = sigma")
    scalar = gaussian_neighborhood(1.5, 2.0)
    expect_close(as_number(scalar, "Your h for one distance"), np.exp(-(1.5**2) / 8.0),
                 what="Your h for d=1.5, sigma=2", rtol=1e-5)


def _reference_update(weights, x, sigma, learning_rate):
    d2 = ((weights - x) ** 2).sum(axis=-1)
    r, c = np.unravel_index(np.argmin(d2), d2.shape)
    rows, cols = np.indices(weights.shape[:2])
    h = np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2.0 * sigma**2))
    return weights + learning_rate * h[..., None] * (x - weights)


@exercise("05.3", "one online update of the map")
def check_update(update):
    """``update(weights, x, sigma, learning_rate)`` -> new weights after one sample:
    w_j + learning_rate * h(||r_c - r_j||, sigma) * (x - w_j), Gaussian h, c the BMU."""
    for (x, weights), sigma, lr in zip(_bmu_cases()[:2], (1.0, 2.0), (0.5, 0.2), strict=True):
        got = as_array(update(weights.copy(), x.copy(), sigma, lr), "Your updated weights")
        expected = _reference_update(weights, x, sigma, lr)
        if got.shape != weights.shape:
            raise Mismatch(f"Return the whole grid of weights, shape {weights.shape}; yours is "
                           f"{describe(got)}.")
        moved = np.abs(got - weights).sum(axis=-1) > 1e-12
        if moved.sum() == 1:
            raise Mismatch("Only one unit moved: every unit moves, weighted by the "
                           "neighbourhood of the winner (that is what makes the map ordered).")
        if np.allclose(got, weights + lr * (x - weights)):
            raise Mismatch("Every unit moved by the same amount: weight each step by h, the "
                           "Gaussian of the grid distance to the winner.")
        if np.allclose(got, weights - (expected - weights)):
            raise Mismatch("The units move away from x: the step is + rate * h * (x - w).")
        if np.allclose(got, weights + lr * (expected - weights)):
            raise Mismatch("The learning rate is applied twice.")
        r, c = _nearest(x, weights, "l2")
        rows, cols = np.indices(weights.shape[:2])
        for d2, advice in (
            ((np.abs(rows - r) + np.abs(cols - c)) ** 2, "the Manhattan grid distance"),
            (np.maximum(np.abs(rows - r), np.abs(cols - c)) ** 2, "the largest of the row and "
             "column differences"),
            (((weights - x) ** 2).sum(-1), "the distance between prototypes and x"),
        ):
            h = np.exp(-d2 / (2.0 * sigma**2))
            if np.allclose(got, weights + lr * h[..., None] * (x - weights)):
                raise Mismatch(f"Your h uses {advice}; it is a function of the Euclidean "
                               "distance on the grid, ||r_c - r_j||, between unit positions.")
        expect_close(got, expected, what="Your updated weights", rtol=1e-5,
                     hint="find the winner (row, col), then the grid distance from it to every "
                          "unit")


@exercise("05.4", "the quantization error")
def check_quantization_error(quantization_error):
    """``quantization_error(X, weights)``: mean over samples of the distance to the nearest
    prototype; X (n_samples, n_features), weights (n_rows, n_cols, n_features)."""
    weights = _grid(3)
    X = np.random.default_rng(4).normal(size=(40, weights.shape[-1]))
    got = as_number(quantization_error(X.copy(), weights.copy()), "Your quantization error")
    flat = weights.reshape(-1, weights.shape[-1])
    d = np.sqrt(((X[:, None, :] - flat[None]) ** 2).sum(-1))
    expected = d.min(axis=1).mean()
    for wrong, advice in (
        ((d.min(axis=1) ** 2).mean(), "You averaged squared distances: take the square root "
         "of each before the mean."),
        (np.sqrt((d.min(axis=1) ** 2).mean()), "You took the root of the mean squared distance "
         "(an RMS): average the distances themselves."),
        (d.mean(), "You averaged the distances to all units: use the nearest one only."),
        (d.min(axis=1).sum(), "That is the sum over samples: divide by the number of samples."),
        (np.abs(X[:, None, :] - flat[None]).sum(-1).min(1).mean(), "You used the L1 distance; "
         "the quantization error uses the Euclidean distance."),
    ):
        if np.isclose(got, wrong, rtol=1e-5):
            raise Mismatch(advice)
    expect_close(got, expected, what="Your quantization error", rtol=1e-5)


# --- 05.6: the batch update in keras.ops, wired into a map's training ---------------------------


def _reference_batch_update(weights, x, h, learning_rate):
    w, x, h = (np.asarray(a, np.float64) for a in (weights, x, h))
    bmu = ((x[:, None, :] - w[None]) ** 2).sum(-1).argmin(1)
    h_b = h[bmu]  # (B, K): h between each sample's BMU and every unit
    step = learning_rate / np.maximum(1.0, learning_rate * np.abs(h_b).sum(0))
    return w + step[:, None] * (h_b.T @ x - h_b.sum(0)[:, None] * w)


def _batch_cases():
    """(weights, x, h, learning_rate) on a 2x3 map: a small step (no cap), a large batch (the
    cap acts) and a Mexican-hat h (negative entries: the cap counts |h|)."""
    from ..models.som import NEIGHBORHOODS, grid_distances_sq

    rng = np.random.default_rng(21)
    d2 = grid_distances_sq(2, 3)
    weights = rng.normal(size=(6, 3)).astype(np.float32)
    cases = []
    for size, name, sigma, lr in ((4, "gaussian", 1.0, 0.1), (40, "gaussian", 1.5, 0.5),
                                  (40, "mexican_hat", 1.2, 0.3)):
        x = rng.normal(size=(size, 3)).astype(np.float32)
        h = NEIGHBORHOODS[name](d2, sigma).astype(np.float32)
        cases.append((weights, x, h, np.float32(lr)))
    return cases


def _train_with(step, X, init, *, sigma, learning_rate, batch_size, n_epochs, seed):
    """The loop of ``SOM(algorithm="batch", init=init, random_state=seed).fit(X)`` (asymptotic
    schedule, Gaussian neighbourhood), with ``step(weights, x, h, learning_rate)`` as the
    update."""
    from keras import ops

    from ..models.som import NEIGHBORHOODS, grid_distances_sq
    from ..models.som.neighborhoods import make_schedule

    n_rows, n_cols, n_features = init.shape
    d2 = grid_distances_sq(n_rows, n_cols)
    total = n_epochs * len(X)
    schedule = make_schedule("asymptotic", sigma, sigma / 3.0, learning_rate,
                             learning_rate / 10.0, total)
    rng = np.random.RandomState(seed)  # the estimator's check_random_state(seed)
    w = ops.convert_to_tensor(init.reshape(-1, n_features).astype(np.float32))
    seen = 0
    for _ in range(n_epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            s, lr = schedule(seen + start)
            h = NEIGHBORHOODS["gaussian"](d2, s).astype(np.float32)
            batch = X[order[start : start + batch_size]]
            w = step(w, ops.convert_to_tensor(batch), ops.convert_to_tensor(h),
                     ops.convert_to_tensor(np.float32(lr)))
        seen += len(X)
    return ops.convert_to_numpy(w).reshape(init.shape)


@exercise("05.6", "the batch update in keras.ops, inside a map's training")
def check_batch_update(batch_update):
    """``batch_update(weights, x, h, learning_rate)``: weights (K, D), a batch x (B, D), the
    neighbourhood matrix h (K, K) (``h[k, j]`` between units k and j) and the rate, all
    tensors -> the new (K, D) weights of the capped batch rule
    w_j + eta sum_b h_{c_b j} (x_b - w_j) / max(1, eta sum_b |h_{c_b j}|), with keras.ops only.
    The checker compiles it (tf.function / jax.jit), trains a 3x4 map with it and compares
    the map with ``SOM(algorithm="batch")``'s."""
    from keras import ops

    from .. import _backend
    from ..models.som import SOM

    what = "Your new weights"
    for i, (weights, x, h, lr) in enumerate(_batch_cases()):
        args = [ops.convert_to_tensor(a) for a in (weights, x, h, lr)]
        got = as_array(ops.convert_to_numpy(batch_update(*args)), what)
        expected = _reference_batch_update(weights, x, h, lr)
        if got.shape != expected.shape:
            raise Mismatch(f"Return the (K, D) = {expected.shape} weights; yours are "
                           f"{describe(got)}.")
        w, xs, hs = (np.asarray(a, np.float64) for a in (weights, x, h))
        h_b = hs[((xs[:, None] - w[None]) ** 2).sum(-1).argmin(1)]
        uncapped = w + lr * (h_b.T @ xs - h_b.sum(0)[:, None] * w)
        if i and np.allclose(got, uncapped, rtol=1e-4, atol=1e-5):
            raise Mismatch("Your step is not capped: with a large batch eta * sum_b h can "
                           "exceed 1 and the units overshoot; divide by "
                           "max(1, eta * sum_b |h_{c_b j}|).")
        signed = w + lr / np.maximum(1.0, lr * h_b.sum(0))[:, None] * (
            h_b.T @ xs - h_b.sum(0)[:, None] * w)
        if i == 2 and np.allclose(got, signed, rtol=1e-4, atol=1e-5):
            raise Mismatch("With a Mexican-hat neighbourhood (negative h) your cap is wrong: it "
                           "uses sum_b h; use the absolute values, sum_b |h_{c_b j}|.")
        expect_close(got, expected, what=f"{what} (test batch {i + 1})", rtol=1e-4, atol=1e-5,
                     hint="find each sample's BMU c_b, take the rows h[c_b] (ops.take), then "
                          "sum_b h x_b = h_b^T x and sum_b h per unit")
    run_compiled(batch_update, *_batch_cases()[1])
    compiled = _backend.compile_fn(batch_update)
    X = np.random.default_rng(5).random((60, 2)).astype(np.float32)
    init = np.random.default_rng(6).random((3, 4, 2)).astype(np.float32)
    settings = dict(sigma=1.5, learning_rate=0.5, batch_size=15, n_epochs=3, seed=0)
    mine = run_in_model(lambda: _train_with(compiled, X, init, **settings), batch_update,
                        "the training of a small map")
    library = SOM(3, 4, sigma=1.5, learning_rate=0.5, init=init, batch_size=15, n_epochs=3,
                  random_state=0).fit(X).weights_
    gap = float(np.abs(mine - library).max())
    if not np.all(np.isfinite(mine)) or gap > 1e-4:
        raise Mismatch(f"Plugged into the training of a 3x4 map (12 updates on 60 points), "
                       f"your update gives prototypes up to {gap:.3g} away from "
                       "SOM(algorithm='batch')'s.")
