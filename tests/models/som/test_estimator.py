"""Tests of unsuplab.models.SOM: hand-computed updates, errors, the scikit-learn contract.

They run on the TensorFlow backend and, with ``KERAS_BACKEND=jax``, on JAX."""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from unsuplab.models import SOM
from unsuplab.models.som import pca_plane

# A 2x2 map in the plane: unit (0,0) at (0,0), (0,1) at (1,0), (1,0) at (0,1), (1,1) at (1,1).
SQUARE = np.array([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 1.0]]], dtype=np.float32)
E_HALF, E_ONE = np.exp(-0.5), np.exp(-1.0)


def constant_som(algorithm="online", *, sigma=1.0, learning_rate=0.5, **kwargs):
    """A SOM on SQUARE whose sigma and learning rate do not decay."""
    return SOM(
        2,
        2,
        sigma=sigma,
        sigma_final=sigma,
        learning_rate=learning_rate,
        learning_rate_final=learning_rate,
        init=SQUARE.copy(),
        algorithm=algorithm,
        random_state=0,
        **kwargs,
    )


# --- the update rules, by hand ---


@pytest.mark.parametrize(
    "kwargs", [{"algorithm": "online"}, {"algorithm": "batch", "batch_size": 1}]
)
def test_one_update_matches_the_hand_computed_rule(kwargs):
    # x = (0.2, 0.1): BMU (0,0). Grid distances^2 from it: 0, 1, 1, 2, so with sigma = 1
    # h = 1, e^-1/2, e^-1/2, e^-1, and w_j += 0.5 h_j (x - w_j).
    x = np.array([[0.2, 0.1]], dtype=np.float32)
    som = constant_som(n_iter=1, **kwargs).fit(x)
    expected = [
        [0.0 + 0.5 * 0.2, 0.0 + 0.5 * 0.1],
        [1.0 + 0.5 * E_HALF * (0.2 - 1.0), 0.0 + 0.5 * E_HALF * 0.1],
        [0.0 + 0.5 * E_HALF * 0.2, 1.0 + 0.5 * E_HALF * (0.1 - 1.0)],
        [1.0 + 0.5 * E_ONE * (0.2 - 1.0), 1.0 + 0.5 * E_ONE * (0.1 - 1.0)],
    ]
    np.testing.assert_allclose(som.weights_.reshape(4, 2), expected, rtol=1e-5)
    # the same numbers, written out: (0.1, 0.05), (0.7574, 0.0303), (0.0607, 0.7271), ...
    np.testing.assert_allclose(som.weights_[0, 1], [0.757388, 0.030327], atol=1e-5)
    assert som.n_iter_ == 1 and som.n_updates_ == 1


def test_batch_update_of_two_samples_matches_the_hand_computed_rule():
    # x1 = (0.2, 0.1) -> BMU 0; x2 = (0.9, 0.8) -> BMU 3. For unit j (learning rate 0.5):
    # w_j += 0.5 (h_0j (x1 - w_j) + h_3j (x2 - w_j)) / max(1, 0.5 (h_0j + h_3j)).
    x = np.array([[0.2, 0.1], [0.9, 0.8]], dtype=np.float32)
    som = constant_som("batch", batch_size=2, n_iter=2).fit(x)
    h_from_0 = [1.0, E_HALF, E_HALF, E_ONE]
    h_from_3 = [E_ONE, E_HALF, E_HALF, 1.0]
    w = SQUARE.reshape(4, 2).astype(np.float64)
    expected = []
    for j in range(4):
        pull = h_from_0[j] * (x[0] - w[j]) + h_from_3[j] * (x[1] - w[j])
        expected.append(w[j] + 0.5 * pull / max(1.0, 0.5 * (h_from_0[j] + h_from_3[j])))
    np.testing.assert_allclose(som.weights_.reshape(4, 2), expected, rtol=1e-5)
    # unit 0 by hand: mass 1.3679 -> step 0.5; 0.5 (x1 + e^-1 x2) = (0.26555, 0.19715)
    np.testing.assert_allclose(som.weights_[0, 0], [0.265546, 0.197152], atol=1e-5)


def test_capped_batch_update_moves_units_to_the_weighted_mean():
    # A bubble covering the whole map and learning rate 1: every h is 1, eta * sum h = 2 > 1,
    # so the step is capped and every unit lands on the mean of the batch (Kohonen's batch SOM).
    x = np.array([[0.2, 0.1], [0.9, 0.8]], dtype=np.float32)
    som = constant_som(
        "batch", sigma=5.0, learning_rate=1.0, neighborhood="bubble", batch_size=None, n_iter=2
    ).fit(x)
    np.testing.assert_allclose(som.weights_.reshape(4, 2), [[0.55, 0.45]] * 4, rtol=1e-6)


def test_online_and_batch_of_one_agree_over_an_epoch(rng):
    X = rng.random((30, 3)).astype(np.float32)
    kwargs = dict(sigma=1.5, learning_rate=0.3, n_epochs=2, random_state=4)
    online = SOM(3, 3, algorithm="online", **kwargs).fit(X)
    batch = SOM(3, 3, algorithm="batch", batch_size=1, **kwargs).fit(X)
    np.testing.assert_allclose(online.weights_, batch.weights_, atol=1e-5)
    assert online.n_updates_ == batch.n_updates_ == 60


# --- training results ---


@pytest.mark.parametrize("algorithm", ["batch", "online"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"])
@pytest.mark.parametrize("init", ["pca", "random"])
def test_training_improves_on_the_pca_plane(rng, algorithm, neighborhood, init):
    X = rng.random((400, 2)).astype(np.float32)
    plane = pca_plane(X, 6, 6, random_state=0)
    plane_qe = np.sqrt(((X[:, None] - plane[None]) ** 2).sum(-1)).min(axis=1).mean()
    som = SOM(
        6,
        6,
        sigma=2.0,
        neighborhood=neighborhood,
        init=init,
        algorithm=algorithm,
        n_epochs=10,
        random_state=0,
    ).fit(X)
    assert som.quantization_error(X) < 0.7 * plane_qe


def test_mexican_hat_stays_finite_with_the_capped_batch_rule(rng):
    # Its negative lobe pushes units away from samples; the classic online rule can blow up
    # (as MiniSom's does at learning rate 0.5), the capped batch rule keeps the weights finite.
    X = rng.random((400, 2)).astype(np.float32)
    som = SOM(6, 6, sigma=2.0, neighborhood="mexican_hat", n_epochs=10, random_state=0).fit(X)
    assert np.isfinite(som.weights_).all()


def test_map_of_the_unit_square_is_ordered(rng):
    X = rng.random((2000, 2)).astype(np.float32)
    som = SOM(8, 8, sigma=3.0, n_epochs=10, random_state=0).fit(X)
    assert som.topographic_error(X) < 0.1
    assert som.quantization_error(X) < 0.1
    # neighbouring units have nearby prototypes: no folds
    steps = np.linalg.norm(np.diff(som.weights_, axis=0), axis=-1)
    assert steps.max() < 0.35


def test_predict_transform_winner_agree(rng):
    X = rng.random((50, 4)).astype(np.float32)
    som = SOM(3, 5, n_epochs=2, random_state=0).fit(X)
    distances = som.transform(X)
    assert distances.shape == (50, 15) and distances.dtype == np.float32
    np.testing.assert_array_equal(som.predict(X), distances.argmin(axis=1))
    assert som.transform(X.astype(np.float64)).dtype == np.float64
    positions = som.winner(X)
    np.testing.assert_array_equal(positions[:, 0] * 5 + positions[:, 1], som.predict(X))
    assert som.winner(X[0]) == tuple(positions[0])
    assert som.quantization_error(X) == pytest.approx(distances.min(axis=1).mean(), rel=1e-4)
    assert som.score(X) == pytest.approx(-som.quantization_error(X))


def test_hit_and_label_maps(rng):
    X = np.concatenate([rng.normal(0, 0.1, (60, 2)), rng.normal(5, 0.1, (40, 2))])
    y = np.array([0] * 60 + [1] * 40)
    som = SOM(2, 3, sigma=1.0, n_epochs=5, random_state=0).fit(X)
    hits = som.hit_map(X)
    assert hits.shape == (2, 3) and hits.sum() == 100
    per_class = som.hit_map(X, y, n_classes=3)
    assert per_class.shape == (3, 2, 3) and per_class[2].sum() == 0
    np.testing.assert_array_equal(per_class.sum(axis=0), hits)
    labels = som.label_map(X, y)
    assert set(np.unique(labels)) <= {-1, 0, 1} and {0, 1} <= set(np.unique(labels))
    with pytest.raises(ValueError, match="one label per sample"):
        som.hit_map(X, y[:10])


def test_errors_agree_with_minisom(rng):
    minisom = pytest.importorskip("minisom")
    X = rng.random((300, 3))
    som = SOM(5, 4, n_epochs=3, random_state=0).fit(X)
    ref = minisom.MiniSom(5, 4, 3)
    ref._weights = som.weights_.astype(np.float64)
    assert som.quantization_error(X) == pytest.approx(ref.quantization_error(X), rel=1e-4)
    assert som.topographic_error(X) == pytest.approx(ref.topographic_error(X), abs=1e-9)


def test_track_errors_history_and_reproducibility(rng):
    X = rng.random((200, 3)).astype(np.float32)
    a = SOM(4, 4, n_epochs=3, track_errors=True, random_state=1).fit(X)
    b = SOM(4, 4, n_epochs=3, track_errors=True, random_state=1).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    for key in ("sigma", "learning_rate", "running_qe", "quantization_error", "topographic_error"):
        assert len(a.history_[key]) == 3
    assert a.history_["sigma"][0] == pytest.approx(1.0)  # default sigma: max(4, 4) / 4
    assert a.history_["sigma"][2] < a.history_["sigma"][0]
    assert a.history_["quantization_error"][-1] == pytest.approx(a.quantization_error(X))


def test_n_iter_counts_samples_not_epochs(rng):
    X = rng.random((100, 2)).astype(np.float32)
    som = SOM(3, 3, n_iter=250, batch_size=32, random_state=0).fit(X)
    assert som.n_iter_ == 250 and len(som.history_["sigma"]) == 3  # 100 + 100 + 50
    assert som.n_updates_ == 4 + 4 + 2


def test_callables_for_neighborhood_and_decay(rng):
    X = rng.random((100, 2)).astype(np.float32)
    som = SOM(
        4,
        4,
        neighborhood=lambda d2, sigma: np.exp(-np.sqrt(d2) / sigma),
        decay=lambda start, end, fraction: start + (end - start) * fraction**2,
        n_epochs=2,
        random_state=0,
    ).fit(X)
    assert np.isfinite(som.weights_).all()
    assert som.history_["sigma"][1] == pytest.approx(1.0 + (1.0 / 3 - 1.0) * 0.25)


def test_pickle_round_trip(rng):
    X = rng.random((50, 3)).astype(np.float32)
    som = SOM(3, 3, n_epochs=2, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(som))
    np.testing.assert_array_equal(again.predict(X), som.predict(X))


# --- bad input ---


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"n_rows": 0}, ValueError, r"n_rows must be >= 1\. Received: n_rows=0"),
        ({"n_cols": -3}, ValueError, r"n_cols must be >= 1\. Received: n_cols=-3"),
        ({"n_rows": 2.5}, TypeError, r"n_rows must be an integer"),
        ({"sigma": 0.0}, ValueError, r"sigma must be > 0\. Received: sigma=0\.0"),
        ({"sigma": -1.0}, ValueError, r"sigma must be > 0"),
        ({"sigma_final": 0}, ValueError, r"sigma_final must be > 0"),
        ({"learning_rate": 0}, ValueError, r"learning_rate must be > 0"),
        ({"learning_rate": 1.5}, ValueError, r"learning_rate must be <= 1"),
        (
            {"neighborhood": "gauss"},
            ValueError,
            r"Unknown neighborhood; choose one of \('gaussian', 'bubble', 'mexican_hat'\) or "
            r"pass a callable h\(d2, sigma\)\. Received: neighborhood='gauss'",
        ),
        ({"decay": "cosine"}, ValueError, r"Unknown decay; choose one of \('asymptotic'"),
        ({"init": "zeros"}, ValueError, r"Unknown init; choose one of \('pca', 'random'\)"),
        ({"algorithm": "gpu"}, ValueError, r"Unknown algorithm; choose one of \('batch'"),
        ({"n_epochs": 0}, ValueError, r"n_epochs must be >= 1"),
        ({"n_iter": 0}, ValueError, r"n_iter must be >= 1"),
        ({"batch_size": 0}, ValueError, r"batch_size must be >= 1"),
        ({"track_errors": "yes"}, TypeError, r"track_errors must be a bool"),
        ({"init": np.zeros((2, 2, 5))}, ValueError, r"init must have shape .* = \(10, 10, 3\)"),
        # the right size, the wrong layout: transposed or flat grids are refused
        (
            {"n_rows": 2, "n_cols": 3, "init": np.zeros((3, 2, 3))},
            ValueError,
            r"= \(2, 3, 3\)\. Received: init of shape \(3, 2, 3\)",
        ),
        ({"init": np.zeros((100, 3))}, ValueError, r"init must have shape .* \(100, 3\)"),
        ({"init": np.zeros((10, 10, 3)).T}, ValueError, r"Received: init of shape \(3, 10, 10\)"),
    ],
)
def test_bad_parameters_raise_clear_errors_at_fit(rng, params, error, match):
    som = SOM(**params)  # __init__ only stores
    with pytest.raises(error, match=match):
        som.fit(rng.random((20, 3)))


def test_wrong_width_at_predict_raises_a_clear_error(rng):
    som = SOM(3, 3, n_epochs=1, random_state=0).fit(rng.random((20, 4)))
    for method in (som.predict, som.transform, som.quantization_error, som.topographic_error):
        with pytest.raises(ValueError, match="X has 3 features, but SOM is expecting 4 features"):
            method(rng.random((5, 3)))


def test_unfitted_and_bad_data_raise(rng):
    with pytest.raises(NotFittedError):
        SOM().predict(rng.random((5, 3)))
    with pytest.raises(NotFittedError):
        SOM().distance_map()
    with pytest.raises(ValueError, match="NaN"):
        SOM().fit(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="Expected 2D array"):
        SOM().fit(np.zeros(5))


# --- the scikit-learn estimator contract ---

# Every check passes: none is expected to fail. (scikit-learn itself skips one,
# check_array_api_input, unless SCIPY_ARRAY_API=1 is set: SOM does not claim array-API support,
# its input goes through NumPy.) Two design choices make that so:
# transform() computes distances in float64 NumPy (the float32 matrix products on the
# accelerator differ in the last bits between batch sizes, which check_methods_subset_invariance
# and check_methods_sample_order_invariance would catch), and the estimator keeps only NumPy
# arrays, so it pickles and clones like any scikit-learn estimator.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks(
    [SOM(), SOM(3, 4, algorithm="online", n_epochs=2, neighborhood="bubble", init="random")],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_fit_and_predict_need_only_the_keras_backend(rng):
    # The Keras engine is keras.ops: on JAX (CI has no TensorFlow) nothing imports TensorFlow.
    import sys

    import keras

    X = rng.random((40, 3)).astype(np.float32)
    som = SOM(3, 3, n_epochs=1, random_state=0, engine="keras").fit(X)
    assert som.predict(X).shape == (40,)
    if keras.backend.backend() != "tensorflow":
        assert "tensorflow" not in sys.modules


@pytest.mark.parametrize("engine", ["numpy", "keras"])
def test_far_from_the_origin_matches_minisom(rng, engine):
    # 1000 +- 0.01 in float32: ||x||^2 - 2 x.w + ||w||^2 (3e6) cancels every digit that the
    # squared distances (1e-4) differ by; centred scores and a direct norm keep them
    minisom = pytest.importorskip("minisom")
    X = (1000.0 + 0.01 * rng.random((300, 3))).astype(np.float32)
    som = SOM(4, 3, n_epochs=3, random_state=0, engine=engine).fit(X)
    ref = minisom.MiniSom(4, 3, 3)
    ref._weights = som.weights_.astype(np.float64)
    x64 = X.astype(np.float64)
    winners = [np.ravel_multi_index(ref.winner(x), (4, 3)) for x in x64]  # a direct norm
    np.testing.assert_array_equal(som.predict(X), winners)
    assert som.quantization_error(X) == pytest.approx(ref.quantization_error(x64), rel=1e-5)
    assert som.topographic_error(X) == pytest.approx(ref.topographic_error(x64), abs=1e-9)
    assert np.ptp(som.weights_.reshape(-1, 3), axis=0).min() > 1e-3  # the map unfolded
