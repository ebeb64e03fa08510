"""Tests of the SOM's parts: neighbourhoods and schedules, grid geometry, the kernels of both
engines (against the rule written out in NumPy, with the padding JAX uses for ragged batches
and chunks), and what importing the SOM costs."""

import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from unsuplab.models import SOM
from unsuplab.models.som import (
    NEIGHBORHOODS,
    bubble,
    decay,
    gaussian,
    grid_distances_sq,
    grid_positions,
    keras_kernels,
    kernels,
    mexican_hat,
    pca_plane,
    u_matrix,
)

# --- neighbourhoods and schedules ---


def test_neighborhood_functions_by_their_formulas():
    d2 = np.array([0.0, 1.0, 4.0, 9.0])
    np.testing.assert_allclose(gaussian(d2, 2.0), np.exp(-d2 / 8.0))
    np.testing.assert_array_equal(bubble(d2, 2.0), [1, 1, 0, 0])  # d < sigma
    np.testing.assert_allclose(mexican_hat(d2, 2.0), (1 - d2 / 4.0) * np.exp(-d2 / 8.0))
    assert mexican_hat(np.array([9.0]), 2.0)[0] < 0  # inhibition beyond sigma


def test_decay_schedules_go_from_start_to_end():
    for name in ("asymptotic", "linear", "exponential"):
        assert decay(name, 3.0, 1.0, 0.0) == pytest.approx(3.0)
        assert decay(name, 3.0, 1.0, 1.0) == pytest.approx(1.0)
    # MiniSom's asymptotic decay: v0 / (1 + t / (T / 2)), here at t = T/4
    assert decay("asymptotic", 3.0, 1.0, 0.25) == pytest.approx(3.0 / 1.5)
    assert decay("linear", 3.0, 1.0, 0.5) == pytest.approx(2.0)
    assert decay("exponential", 4.0, 1.0, 0.5) == pytest.approx(2.0)


def test_decay_refuses_unknown_names():
    with pytest.raises(ValueError, match=r"Unknown decay; choose one of \('asymptotic'"):
        decay("cosine", 3.0, 1.0, 0.5)


# --- grid geometry ---


def test_grid_positions_are_row_major():
    np.testing.assert_array_equal(
        grid_positions(2, 3), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    )
    assert grid_positions(1, 1).shape == (1, 2)


@pytest.mark.parametrize(
    ("n_rows", "n_cols", "error", "match"),
    [
        (-1, 3, ValueError, r"n_rows must be >= 1\. Received: n_rows=-1"),
        (0, 3, ValueError, r"n_rows must be >= 1"),
        (3, -2, ValueError, r"n_cols must be >= 1\. Received: n_cols=-2"),
        (2.5, 3, TypeError, r"n_rows must be an integer"),
        (3, "4", TypeError, r"n_cols must be an integer"),
    ],
)
def test_bad_grid_sizes_raise_instead_of_an_empty_grid(n_rows, n_cols, error, match):
    for function in (grid_positions, grid_distances_sq):
        with pytest.raises(error, match=match):
            function(n_rows, n_cols)
    with pytest.raises(error, match=match):
        pca_plane(np.zeros((5, 2)), n_rows, n_cols)


def test_grid_distances_and_u_matrix_by_hand():
    d2 = grid_distances_sq(2, 2)
    np.testing.assert_array_equal(d2[0], [0, 1, 1, 2])
    # a 1x3 map with 1-D prototypes 0, 1, 3: neighbours' distances 1 | 1, 2 | 2
    np.testing.assert_allclose(u_matrix(np.array([[[0.0], [1.0], [3.0]]])), [[1.0, 1.5, 2.0]])


def test_pca_plane_spans_the_first_two_components(rng):
    # data stretched along x (std 3) and y (std 1): a 3x2 map's rows follow x
    X = rng.normal(size=(5000, 2)) * [3.0, 1.0] + [10.0, -5.0]
    plane = pca_plane(X, 3, 2, random_state=0).reshape(3, 2, 2)
    np.testing.assert_allclose(plane.mean(axis=(0, 1)), [10.0, -5.0], atol=0.15)
    assert abs(plane[2, 0, 0] - plane[0, 0, 0]) == pytest.approx(6.0, rel=0.05)
    assert abs(plane[0, 1, 1] - plane[0, 0, 1]) == pytest.approx(2.0, rel=0.05)


# --- the kernels of both engines against the rule written out in NumPy ---

ENGINES = ("numpy", "keras")


def numpy_batch_fit(X, init, *, sigma, learning_rate, batch, n_epochs, seed):
    """The capped batch rule written out in float64 NumPy, constant sigma and learning rate,
    samples in the order SOM(random_state=seed) presents them."""
    n_rows, n_cols, n_features = init.shape
    w = init.reshape(-1, n_features).astype(np.float64)
    d2_grid = grid_distances_sq(n_rows, n_cols)
    rng = np.random.RandomState(seed)
    for _ in range(n_epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            x = X[order[start : start + batch]].astype(np.float64)
            bmu = ((x[:, None, :] - w[None]) ** 2).sum(-1).argmin(axis=1)
            h = gaussian(d2_grid[bmu], sigma)  # (B, K)
            step = learning_rate / np.maximum(1.0, learning_rate * np.abs(h).sum(axis=0))
            w = w + step[:, None] * (h.T @ x - h.sum(axis=0)[:, None] * w)
    return w.reshape(n_rows, n_cols, n_features)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("side", "batch"),
    [
        (2, 4),  # 4 units: full batches go through per-unit sums, the last (2) is a small step
        (3, 4),  # 9 units: every batch is a small step, the last one padded on JAX
        (2, 3),  # 10 = 3 + 3 + 3 + 1
        (3, None),  # the whole data set per update (Kohonen's batch SOM)
    ],
)
def test_batch_rule_with_ragged_last_batch_matches_numpy(rng, side, batch, engine):
    X = rng.random((10, 3)).astype(np.float32)
    init = rng.random((side, side, 3)).astype(np.float32)
    som = SOM(
        side,
        side,
        sigma=1.0,
        sigma_final=1.0,
        learning_rate=0.4,
        learning_rate_final=0.4,
        init=init,
        batch_size=batch,
        n_epochs=3,
        random_state=7,
        engine=engine,
    ).fit(X)
    expected = numpy_batch_fit(
        X, init, sigma=1.0, learning_rate=0.4, batch=batch or 10, n_epochs=3, seed=7
    )
    np.testing.assert_allclose(som.weights_, expected, atol=1e-5)
    assert som.n_updates_ == 3 * -(-10 // (batch or 10))
    assert som.engine_ == engine


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [1, 15, 16, 17, 50])
def test_match_pads_and_chunks_without_changing_the_answer(rng, monkeypatch, n, engine):
    # small chunks, so that 50 rows make 4 chunks and the last ones are padded on JAX
    monkeypatch.setattr(kernels, "CHUNK_SIZE", 16)
    monkeypatch.setattr(keras_kernels, "MIN_CHUNK", 4)
    weights = rng.random((6, 5)).astype(np.float32)
    X = rng.random((n, 5)).astype(np.float32)
    d2 = ((X[:, None, :] - weights[None]) ** 2).sum(-1)
    top, best = kernels.match(weights, X, engine)
    assert top.shape == (n, 2) and best.shape == (n,)
    np.testing.assert_array_equal(top, np.argsort(d2, axis=1)[:, :2])
    np.testing.assert_allclose(best, d2.min(axis=1), rtol=1e-4, atol=1e-6)
    one_unit, _ = kernels.match(weights[:1], X, engine)
    assert one_unit.shape == (n, 1) and (one_unit == 0).all()


@pytest.mark.parametrize("name", sorted(NEIGHBORHOODS))
def test_neighborhood_kernel_matches_the_numpy_functions(name):
    d2 = grid_distances_sq(4, 5)
    h = keras_kernels.neighborhood(
        keras_kernels.to_device(d2), keras_kernels.to_device(1.7), name=name
    )
    np.testing.assert_allclose(ops.convert_to_numpy(h), NEIGHBORHOODS[name](d2, 1.7), atol=1e-6)


@pytest.mark.parametrize("neighborhood", sorted(NEIGHBORHOODS))
def test_engines_train_the_same_map(rng, neighborhood):
    # batches smaller and larger than the map, a decaying schedule, a ragged last batch. The
    # bubble's edge d < sigma is a step: when sigma^2 crosses a squared grid distance, float32
    # (Keras) and float64 (NumPy) may put a unit on either side; and capped steps move a whole
    # bubble onto one mean, so that units tie and rounding picks the winner; the Mexican hat's
    # capped steps push the outer units away without bound, amplifying rounding. So the bubble
    # keeps sigma constant, and both take small steps (0.01 * 70 < 1: never capped).
    X = rng.random((300, 4)).astype(np.float32)
    final = 2.0 if neighborhood == "bubble" else None
    rate = 0.5 if neighborhood == "gaussian" else 0.01
    maps = {}
    for engine in ENGINES:
        for batch in (16, 70):
            som = SOM(
                6,
                5,
                sigma=2.0,
                sigma_final=final,
                learning_rate=rate,
                n_epochs=2,
                batch_size=batch,
                init="random",
                neighborhood=neighborhood,
                random_state=3,
                engine=engine,
            ).fit(X)
            maps[engine, batch] = som
    for batch in (16, 70):
        ours, theirs = maps["numpy", batch], maps["keras", batch]
        np.testing.assert_allclose(ours.weights_, theirs.weights_, atol=2e-5)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        np.testing.assert_allclose(
            ours.history_["running_qe"], theirs.history_["running_qe"], rtol=1e-5
        )
        assert ours.quantization_error(X) == pytest.approx(theirs.quantization_error(X), 1e-5)


def test_unknown_engine_raises_a_clear_error():
    with pytest.raises(ValueError, match=r"Unknown engine; choose one of .*Received: engine='gpu'"):
        SOM(engine="gpu").fit(np.zeros((4, 2)))


@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_importing_and_fitting_on_numpy_imports_no_keras(engine):
    # A fresh process: the SOM (and unsuplab.models) costs what scikit-learn costs until a fit
    # on the Keras engine (chapter 05's Binder kernels; peak RSS ~120 MB, TensorFlow ~600 MB);
    # the default engine ("auto") never imports Keras to decide.
    code = (
        "import sys, numpy as np\n"
        "from unsuplab.models import SOM\n"
        "import unsuplab.models.som\n"
        "assert 'keras' not in sys.modules, 'imported Keras'\n"
        "X = np.random.default_rng(0).random((50, 3), dtype=np.float32)\n"
        f"som = SOM(3, 3, n_epochs=1, random_state=0, engine={engine!r}).fit(X)\n"
        "assert som.engine_ == 'numpy', som.engine_\n"
        "som.predict(X), som.quantization_error(X), som.topographic_error(X)\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_the_gaussian_update_axis_by_axis_equals_the_full_neighbourhood(rng, engine):
    # a 3 x 5 grid (rows and columns differ, so a swapped axis fails), random per-unit sums
    n_rows, n_cols, d = 3, 5, 4
    weights = rng.random((n_rows * n_cols, d)).astype(np.float32)
    sums = rng.random((n_rows * n_cols, d)).astype(np.float32) * 3
    counts = rng.integers(0, 4, n_rows * n_cols).astype(np.float32)
    h = gaussian(grid_distances_sq(n_rows, n_cols), 1.3).astype(np.float32)
    factors = kernels.axis_factors((n_rows, n_cols), 1.3)
    assert [f.shape for f in factors] == [(3, 3), (5, 5)]
    if engine == "numpy":
        pulled, mass = kernels._separable_pull(sums, counts, factors)
        np.testing.assert_allclose(pulled, h.T @ sums, rtol=1e-5)
        np.testing.assert_allclose(mass, counts @ h, rtol=1e-5)
    else:
        dev = keras_kernels.to_device
        lr = dev(0.3)
        by_axis = keras_kernels.apply_separable(
            dev(weights), dev(sums), dev(counts), *(dev(f) for f in factors), lr
        )
        full = keras_kernels.apply(dev(weights), dev(sums), dev(counts), dev(h), lr)
        np.testing.assert_allclose(
            ops.convert_to_numpy(by_axis), ops.convert_to_numpy(full), rtol=1e-5, atol=1e-6
        )
    assert kernels.separable(gaussian, (n_rows, n_cols))
    assert not kernels.separable(gaussian, None)
    assert not kernels.separable(NEIGHBORHOODS["bubble"], (n_rows, n_cols))


def test_the_default_engine_is_numpy_on_a_cpu_and_keras_on_an_accelerator(monkeypatch):
    X = np.random.default_rng(0).random((20, 3), dtype=np.float32)
    assert SOM(2, 2, n_epochs=1, random_state=0).fit(X).engine_ == "numpy"  # this CPU
    assert kernels.resolve_engine("keras") == "keras"
    monkeypatch.setattr(keras.distribution, "list_devices",
                        lambda device_type=None: ["cpu:0", "gpu:0"])
    assert kernels.resolve_engine("auto") == "keras"
