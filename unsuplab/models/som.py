"""Self-organizing maps (Kohonen, 1982) as a scikit-learn estimator that trains on the accelerator.

A self-organizing map (SOM) is a grid of ``n_rows x n_cols`` *units*; unit ``j`` sits at grid
position :math:`r_j` and holds a *prototype* (weight vector) :math:`w_j` in data space. Training
shows it samples :math:`x`; for each it finds the *best-matching unit* (BMU)

.. math::  c(x) = \\arg\\min_j \\lVert x - w_j \\rVert ,

and pulls every prototype towards :math:`x`, the more so the nearer its unit lies to the BMU
*on the grid*:

.. math::  w_j \\leftarrow w_j + \\eta(t)\\, h_{c(x),j}(t)\\, (x - w_j),
           \\qquad h_{cj} = h\\big(\\lVert r_c - r_j \\rVert,\\ \\sigma(t)\\big),

where :math:`h` is the neighbourhood function (:func:`gaussian`, :func:`bubble`,
:func:`mexican_hat`) and the learning rate :math:`\\eta(t)` and radius :math:`\\sigma(t)` shrink
with the number :math:`t` of samples seen (:func:`decay`). Units near on the grid end up with
similar prototypes: the map is a 2-D, topology-preserving summary of the data.

Two training algorithms, one rule:

- ``algorithm="online"``: the classic rule above, one sample at a time, in NumPy (for teaching
  and for reference; it is what MiniSom does).
- ``algorithm="batch"`` (default): TensorFlow, vectorized, on a GPU when there is one. A batch
  of :math:`B` samples, all matched against the same prototypes, gives

  .. math::  w_j \\leftarrow w_j + \\frac{\\eta \\sum_b h_{c_b j} (x_b - w_j)}
                                        {\\max\\big(1,\\ \\eta \\sum_b |h_{c_b j}|\\big)} .

  For :math:`B = 1` (and :math:`\\eta h \\le 1`) this *is* the online rule. When
  :math:`\\eta \\sum_b h_{c_b j} \\ge 1` the denominator caps the step, and the unit moves
  exactly to the neighbourhood-weighted mean :math:`\\sum_b h_{c_b j} x_b / \\sum_b h_{c_b j}`
  of the batch: with ``batch_size=None`` (the whole data set per update) this is Kohonen's
  classic *batch SOM*. The sums need no :math:`B \\times K` neighbourhood matrix:
  :math:`\\sum_b h_{c_b j} x_b = \\sum_k h_{kj} S_k` with :math:`S_k` the sum of the samples
  whose BMU is :math:`k`, so an update costs one :math:`K \\times K` by :math:`K \\times D`
  product, and the cost of training is that of finding the BMUs (one matrix product).

Example:
    >>> from unsuplab.models import SOM
    >>> som = SOM(10, 10, sigma=3.0, n_epochs=5, random_state=0).fit(X)
    >>> som.predict(X[:5])               # BMU of each sample (flat unit index)
    >>> som.quantization_error(X), som.topographic_error(X)
    >>> som.distance_map()               # the U-matrix, shape (10, 10)
"""

from __future__ import annotations

import functools
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_array, check_number

#: Rows of data per TensorFlow call when matching many samples (bounds memory: a chunk of
#: 8192 samples against 400 units is a 13 MB distance matrix).
CHUNK_SIZE = 8192


# --- neighbourhood functions --------------------------------------------------------------------
# Each takes the *squared* grid distance d2 = ||r_c - r_j||^2 (any shape) and the radius sigma,
# and returns h of the same shape. They work on NumPy arrays.


def gaussian(d2, sigma):
    """Gaussian neighbourhood :math:`h = \\exp\\big(-d^2 / (2\\sigma^2)\\big)`.

    Smooth, 1 at the winner, 0.61 at distance :math:`\\sigma`, 0.14 at :math:`2\\sigma`.
    """
    return np.exp(-np.asarray(d2) / (2.0 * sigma * sigma))


def bubble(d2, sigma):
    """Bubble neighbourhood :math:`h = 1` if :math:`d < \\sigma`, else 0.

    Every unit inside a disc of radius :math:`\\sigma` moves by the same step; the winner
    (:math:`d = 0`) always does.
    """
    return (np.asarray(d2) < sigma * sigma).astype(np.float32)


def mexican_hat(d2, sigma):
    """Mexican-hat (Ricker) neighbourhood
    :math:`h = \\big(1 - d^2/\\sigma^2\\big) \\exp\\big(-d^2 / (2\\sigma^2)\\big)`.

    Positive near the winner, *negative* from :math:`d = \\sigma` on: nearby units are pulled
    towards the sample, a ring of units around them is pushed away (lateral inhibition).
    """
    d2 = np.asarray(d2)
    s2 = sigma * sigma
    return (1.0 - d2 / s2) * np.exp(-d2 / (2.0 * s2))


NEIGHBORHOODS = {"gaussian": gaussian, "bubble": bubble, "mexican_hat": mexican_hat}


# --- decay schedules ----------------------------------------------------------------------------


def _asymptotic(start, end, fraction):
    # start / (1 + a f) reaches `end` at f = 1; with end = start / 3 this is MiniSom's
    # "asymptotic_decay", start / (1 + t / (T / 2)).
    return start / (1.0 + (start / end - 1.0) * fraction)


def _linear(start, end, fraction):
    return start + (end - start) * fraction


def _exponential(start, end, fraction):
    return start * (end / start) ** fraction


DECAYS = {"asymptotic": _asymptotic, "linear": _linear, "exponential": _exponential}


def decay(schedule, start, end, fraction):
    """Value of a decaying parameter (sigma or the learning rate) after a ``fraction`` of training.

    With :math:`f = t / T` (samples seen over samples to see):

    - ``"asymptotic"``: :math:`v = v_0 / (1 + (v_0/v_1 - 1) f)` (inverse time; with
      :math:`v_1 = v_0/3` it is MiniSom's default, :math:`v_0 / (1 + 2t/T)`);
    - ``"linear"``: :math:`v = v_0 + (v_1 - v_0) f`;
    - ``"exponential"``: :math:`v = v_0 (v_1 / v_0)^f`;
    - a callable ``schedule(start, end, fraction)``.

    Each goes from ``start`` (:math:`v_0`, at :math:`f = 0`) to ``end`` (:math:`v_1`, at
    :math:`f = 1`). ``fraction`` may be an array.
    """
    function = schedule if callable(schedule) else DECAYS[schedule]
    return function(start, end, np.asarray(fraction, dtype=np.float64))


# --- grid geometry ------------------------------------------------------------------------------


def grid_positions(n_rows, n_cols):
    """Grid position ``(row, col)`` of every unit, shape ``(n_rows * n_cols, 2)``.

    Unit ``k`` sits at row ``k // n_cols`` and column ``k % n_cols`` (row-major, as in
    ``weights_.reshape(-1, n_features)``).
    """
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return np.stack([rows, cols], axis=1).astype(np.float32)


def grid_distances_sq(n_rows, n_cols):
    """Squared grid distances between all pairs of units: shape ``(K, K)``, K = n_rows * n_cols."""
    pos = grid_positions(n_rows, n_cols)
    diff = pos[:, None, :] - pos[None, :, :]
    return (diff**2).sum(-1)


# --- TensorFlow kernels (built once, on first use) ------------------------------------------------


@functools.lru_cache(maxsize=1)
def _kernels():
    """The three TensorFlow functions batch training and matching use (TensorFlow imported here).

    Shapes are left unknown in the signatures, so one trace serves every map and batch size.
    """
    import tensorflow as tf

    mat = tf.TensorSpec([None, None], tf.float32)
    vec = tf.TensorSpec([None], tf.float32)
    scalar = tf.TensorSpec([], tf.float32)

    def scores_of(weights, x):
        # ||x - w||^2 - ||x||^2 = ||w||^2 - 2 x.w : enough to rank the units for each sample.
        w_sq = tf.reduce_sum(weights * weights, axis=1)
        return w_sq[None, :] - 2.0 * tf.matmul(x, weights, transpose_b=True)

    @tf.function(input_signature=[mat, mat], reduce_retracing=True)
    def accumulate(weights, x):
        """Per-unit sums S_k and counts n_k of the samples whose BMU is k, and their QE sum."""
        scores = scores_of(weights, x)
        bmu = tf.argmin(scores, axis=1, output_type=tf.int32)
        best = tf.reduce_min(scores, axis=1) + tf.reduce_sum(x * x, axis=1)
        n_units = tf.shape(weights)[0]
        sums = tf.math.unsorted_segment_sum(x, bmu, n_units)
        counts = tf.math.unsorted_segment_sum(tf.ones_like(best), bmu, n_units)
        qe_sum = tf.reduce_sum(tf.sqrt(tf.maximum(best, 0.0)))
        return sums, counts, qe_sum

    def capped_step(weights, pulled, mass, abs_mass, learning_rate):
        # w += eta sum_b h (x_b - w) / max(1, eta sum_b |h|), with the sums given per unit
        step = learning_rate / tf.maximum(1.0, learning_rate * abs_mass)
        return weights + step[:, None] * (pulled - mass[:, None] * weights)

    @tf.function(input_signature=[mat, mat, vec, mat, scalar], reduce_retracing=True)
    def apply(weights, sums, counts, h, learning_rate):
        """The batch rule from per-unit sums: sum_b h_{c_b j} x_b = sum_k h_kj S_k."""
        pulled = tf.matmul(h, sums, transpose_a=True)
        mass = tf.linalg.matvec(h, counts, transpose_a=True)
        abs_mass = tf.linalg.matvec(tf.abs(h), counts, transpose_a=True)
        return capped_step(weights, pulled, mass, abs_mass, learning_rate)

    @tf.function(input_signature=[mat, mat, mat, scalar], reduce_retracing=True)
    def small_step(weights, x, h, learning_rate):
        """The batch rule for a batch smaller than the map: gather h's rows per sample, so
        the cost is B*K*D instead of the K*K*D of going through per-unit sums."""
        scores = scores_of(weights, x)
        bmu = tf.argmin(scores, axis=1, output_type=tf.int32)
        best = tf.reduce_min(scores, axis=1) + tf.reduce_sum(x * x, axis=1)
        h_b = tf.gather(h, bmu)  # (B, K): h_{c_b j}
        pulled = tf.matmul(h_b, x, transpose_a=True)
        mass = tf.reduce_sum(h_b, axis=0)
        abs_mass = tf.reduce_sum(tf.abs(h_b), axis=0)
        qe_sum = tf.reduce_sum(tf.sqrt(tf.maximum(best, 0.0)))
        return capped_step(weights, pulled, mass, abs_mass, learning_rate), qe_sum

    @tf.function(input_signature=[mat, scalar, tf.TensorSpec([], tf.string)])
    def neighborhood(d2, sigma, name):
        """The named neighbourhoods on the device (the NumPy functions above, in TensorFlow)."""
        s2 = sigma * sigma
        if name == "bubble":
            return tf.cast(d2 < s2, tf.float32)
        g = tf.exp(-d2 / (2.0 * s2))
        if name == "mexican_hat":
            return (1.0 - d2 / s2) * g
        return g

    @tf.function(input_signature=[mat, mat], reduce_retracing=True)
    def best_two(weights, x):
        """The two best-matching units of each sample and the squared distance to the best."""
        scores = scores_of(weights, x)
        k = tf.minimum(2, tf.shape(weights)[0])
        neg_top, top = tf.math.top_k(-scores, k=k)
        best = tf.maximum(-neg_top[:, 0] + tf.reduce_sum(x * x, axis=1), 0.0)
        return top, best

    return {
        "accumulate": accumulate,
        "apply": apply,
        "small_step": small_step,
        "neighborhood": neighborhood,
        "best_two": best_two,
    }


def _chunks(n, size=CHUNK_SIZE):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


# --- the estimator ------------------------------------------------------------------------------


class SOM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Self-organizing map on a rectangular grid, trained in batches with TensorFlow or online.

    See the module docstring for the update rules.

    Parameters
    ----------
    n_rows, n_cols : int, default=10
        Grid size: the map has ``n_rows * n_cols`` units.
    sigma : float, default=None
        Initial neighbourhood radius, in grid units. ``None``: ``max(n_rows, n_cols) / 4``.
    sigma_final : float, default=None
        Radius at the end of training. ``None``: ``sigma / 3`` (MiniSom's convention).
    learning_rate : float, default=0.5
        Initial learning rate :math:`\\eta_0`, in (0, 1].
    learning_rate_final : float, default=None
        Learning rate at the end of training. ``None``: ``learning_rate / 10`` (a small final
        rate lets the prototypes settle instead of jittering after the last samples: on
        Fashion-MNIST it lowers both errors, see ``benchmarks/som.py``).
    neighborhood : {"gaussian", "bubble", "mexican_hat"} or callable, default="gaussian"
        The neighbourhood function, or ``h(d2, sigma)`` taking squared grid distances.
    decay : {"asymptotic", "linear", "exponential"} or callable, default="asymptotic"
        How sigma and the learning rate go from their start to their final values; a callable
        is ``decay(start, end, fraction)`` (see :func:`decay`).
    init : {"pca", "random"} or ndarray, default="pca"
        ``"pca"``: a plane through the data mean spanned by the first two principal
        components, one standard deviation each way (deterministic); ``"random"``: randomly
        chosen samples; or the initial weights, shape ``(n_rows, n_cols, n_features)``.
    algorithm : {"batch", "online"}, default="batch"
        ``"batch"``: the vectorized rule in TensorFlow (GPU if present); ``"online"``: the
        classic one-sample rule in NumPy (slow; for teaching and for checking).
    n_epochs : int, default=10
        Passes over the data.
    n_iter : int, default=None
        Total number of samples to present (MiniSom's ``num_iteration``); overrides
        ``n_epochs``. Epoch ``e`` presents a fresh random permutation of the data.
    batch_size : int, default=256
        Samples per update with ``algorithm="batch"``; ``None``: the whole data set per
        update (Kohonen's batch SOM). Ignored by ``algorithm="online"``.
    track_errors : bool, default=False
        After each epoch, record the exact quantization and topographic errors on (up to
        10 000 of) the training samples in ``history_`` (costs about one pass per epoch).
    random_state : int, RandomState instance or None, default=None
        Controls sample order, random initialisation and the ``track_errors`` subsample.

    Attributes
    ----------
    weights_ : ndarray of shape (n_rows, n_cols, n_features)
        The prototypes (float32).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string feature names.
    n_iter_ : int
        Samples presented during training.
    n_updates_ : int
        Weight updates made.
    history_ : dict of lists
        Per epoch: ``"sigma"``, ``"learning_rate"`` (at the epoch's start), ``"running_qe"``
        (mean distance of each sample to its BMU at the moment it was presented: free, and
        a slight overestimate), ``"seconds"``; with ``track_errors``, also
        ``"quantization_error"`` and ``"topographic_error"``.

    Raises
    ------
    ValueError
        At ``fit``, for a grid size below 1, a sigma or learning rate not above 0, an unknown
        neighbourhood, decay, init or algorithm (the message lists the choices), bad
        ``n_epochs``/``n_iter``/``batch_size``; at ``predict``/``transform``, for ``X`` with
        another number of features than at ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((500, 3), dtype=np.float32)   # RGB colours
    >>> som = SOM(8, 8, sigma=2.0, n_epochs=5, random_state=0).fit(X)
    >>> som.weights_.shape
    (8, 8, 3)
    >>> som.predict(X[:2]).shape
    (2,)
    """

    def __init__(
        self,
        n_rows=10,
        n_cols=10,
        *,
        sigma=None,
        sigma_final=None,
        learning_rate=0.5,
        learning_rate_final=None,
        neighborhood="gaussian",
        decay="asymptotic",
        init="pca",
        algorithm="batch",
        n_epochs=10,
        n_iter=None,
        batch_size=256,
        track_errors=False,
        random_state=None,
    ):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.sigma = sigma
        self.sigma_final = sigma_final
        self.learning_rate = learning_rate
        self.learning_rate_final = learning_rate_final
        self.neighborhood = neighborhood
        self.decay = decay
        self.init = init
        self.algorithm = algorithm
        self.n_epochs = n_epochs
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.track_errors = track_errors
        self.random_state = random_state

    # --- parameters --------------------------------------------------------------------------

    def _check_params(self):
        """Validate the hyper-parameters; return the resolved ones as a dict."""
        n_rows = check_number(self.n_rows, "n_rows", low=1, integer=True)
        n_cols = check_number(self.n_cols, "n_cols", low=1, integer=True)
        sigma = (
            max(n_rows, n_cols) / 4.0
            if self.sigma is None
            else check_number(self.sigma, "sigma", low=0, low_inclusive=False)
        )
        sigma_final = (
            sigma / 3.0
            if self.sigma_final is None
            else check_number(self.sigma_final, "sigma_final", low=0, low_inclusive=False)
        )
        learning_rate = check_number(
            self.learning_rate, "learning_rate", low=0, low_inclusive=False, high=1
        )
        learning_rate_final = (
            learning_rate / 10.0
            if self.learning_rate_final is None
            else check_number(
                self.learning_rate_final, "learning_rate_final", low=0, low_inclusive=False, high=1
            )
        )
        if callable(self.neighborhood):
            neighborhood = self.neighborhood
        elif isinstance(self.neighborhood, str) and self.neighborhood in NEIGHBORHOODS:
            neighborhood = NEIGHBORHOODS[self.neighborhood]
        else:
            raise ValueError(
                f"Unknown neighborhood; choose one of {tuple(NEIGHBORHOODS)} or pass a callable "
                f"h(d2, sigma). Received: neighborhood={self.neighborhood!r}"
            )
        if not (callable(self.decay) or (isinstance(self.decay, str) and self.decay in DECAYS)):
            raise ValueError(
                f"Unknown decay; choose one of {tuple(DECAYS)} or pass a callable "
                f"decay(start, end, fraction). Received: decay={self.decay!r}"
            )
        if not isinstance(self.init, np.ndarray) and self.init not in ("pca", "random"):
            raise ValueError(
                "Unknown init; choose one of ('pca', 'random') or pass an array of shape "
                f"(n_rows, n_cols, n_features). Received: init={self.init!r}"
            )
        if self.algorithm not in ("batch", "online"):
            raise ValueError(
                f"Unknown algorithm; choose one of ('batch', 'online'). "
                f"Received: algorithm={self.algorithm!r}"
            )
        n_epochs = check_number(self.n_epochs, "n_epochs", low=1, integer=True)
        n_iter = (
            None
            if self.n_iter is None
            else check_number(self.n_iter, "n_iter", low=1, integer=True)
        )
        batch_size = (
            None
            if self.batch_size is None
            else check_number(self.batch_size, "batch_size", low=1, integer=True)
        )
        if not isinstance(self.track_errors, (bool, np.bool_)):
            raise TypeError(
                f"track_errors must be a bool. Received: track_errors={self.track_errors!r}"
            )
        return dict(
            n_rows=n_rows,
            n_cols=n_cols,
            sigma=float(sigma),
            sigma_final=float(sigma_final),
            learning_rate=float(learning_rate),
            learning_rate_final=float(learning_rate_final),
            neighborhood=neighborhood,
            n_epochs=n_epochs,
            n_iter=n_iter,
            batch_size=batch_size,
        )

    # --- initialisation ----------------------------------------------------------------------

    def _initial_weights(self, X, n_rows, n_cols, rng):
        n_samples, n_features = X.shape
        if isinstance(self.init, np.ndarray):
            init = check_array(self.init, "init", ndim=(2, 3), dtype_kind="uif")
            if init.size != n_rows * n_cols * n_features:
                raise ValueError(
                    f"init must have shape {(n_rows, n_cols, n_features)}. "
                    f"Received: init of shape {init.shape}"
                )
            return init.reshape(n_rows * n_cols, n_features).astype(np.float32)
        if self.init == "random":
            idx = rng.choice(n_samples, n_rows * n_cols, replace=n_samples < n_rows * n_cols)
            return X[idx].astype(np.float32)
        return pca_plane(X, n_rows, n_cols, random_state=rng)

    # --- training ----------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Train the map on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : SOM
        """
        params = self._check_params()
        X = validate_data(self, X, dtype=[np.float32, np.float64], ensure_min_samples=1)
        X = np.ascontiguousarray(X, dtype=np.float32)
        rng = check_random_state(self.random_state)
        n_rows, n_cols = params["n_rows"], params["n_cols"]
        n = len(X)
        total = params["n_iter"] or params["n_epochs"] * n
        weights = self._initial_weights(X, n_rows, n_cols, rng)
        d2_grid = grid_distances_sq(n_rows, n_cols)
        schedule = self._schedule(params, total)
        history = {"sigma": [], "learning_rate": [], "running_qe": [], "seconds": []}
        if self.track_errors:
            history["quantization_error"] = []
            history["topographic_error"] = []
            probe = X if n <= 10_000 else X[rng.choice(n, 10_000, replace=False)]
        batch = params["batch_size"] if params["batch_size"] is not None else n
        batch = min(batch, n)
        x_device = _to_device(X) if self.algorithm == "batch" else None
        seen = 0
        updates = 0
        while seen < total:
            start_time = time.perf_counter()
            order = rng.permutation(n)[: min(n, total - seen)]
            sigma0, lr0 = schedule(seen)
            if self.algorithm == "online":
                weights, qe_sum = _train_online(
                    weights, X, order, seen, schedule, params["neighborhood"], d2_grid
                )
                updates += len(order)
            else:
                weights, qe_sum, n_up = _train_batches(
                    weights, x_device, order, seen, batch, schedule, params["neighborhood"], d2_grid
                )
                updates += n_up
            seen += len(order)
            history["sigma"].append(sigma0)
            history["learning_rate"].append(lr0)
            history["running_qe"].append(qe_sum / len(order))
            history["seconds"].append(time.perf_counter() - start_time)
            if self.track_errors:
                qe, te = _errors(weights, probe, n_rows, n_cols)
                history["quantization_error"].append(qe)
                history["topographic_error"].append(te)
        self.weights_ = weights.reshape(n_rows, n_cols, -1)
        self.n_iter_ = int(seen)
        self.n_updates_ = int(updates)
        self.history_ = history
        return self

    def _schedule(self, params, total):
        """``schedule(t) -> (sigma, learning_rate)`` after ``t`` of ``total`` samples
        (floats for a number ``t``, arrays for an array)."""
        kind = self.decay

        def schedule(t):
            fraction = np.asarray(t, dtype=np.float64) / total
            sigma = decay(kind, params["sigma"], params["sigma_final"], fraction)
            lr = decay(kind, params["learning_rate"], params["learning_rate_final"], fraction)
            if np.ndim(t) == 0:
                return float(sigma), float(lr)
            return np.broadcast_to(sigma, fraction.shape), np.broadcast_to(lr, fraction.shape)

        return schedule

    # --- matching ----------------------------------------------------------------------------

    def _validated(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return X

    def _flat_weights(self):
        return self.weights_.reshape(-1, self.weights_.shape[-1])

    def predict(self, X):
        """Index of the best-matching unit of each sample (row-major: ``row * n_cols + col``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), int64
        """
        X = self._validated(X)
        top, _ = _best_two(self._flat_weights(), X)
        return top[:, 0].astype(np.int64)

    def winner(self, X):
        """Grid position ``(row, col)`` of the best-matching unit.

        Parameters
        ----------
        X : array-like of shape (n_features,) or (n_samples, n_features)

        Returns
        -------
        position : tuple of two ints for one sample, else ndarray of shape (n_samples, 2)
        """
        single = np.ndim(X) == 1
        labels = self.predict(np.asarray(X)[None] if single else X)
        positions = np.stack(np.divmod(labels, self.weights_.shape[1]), axis=1)
        return tuple(int(v) for v in positions[0]) if single else positions

    def transform(self, X):
        """Euclidean distance of every sample to every unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        distances : ndarray of shape (n_samples, n_rows * n_cols), dtype of ``X``

        Computed in float64 with NumPy (exact to rounding, whatever the batch), unlike
        :meth:`predict` and the errors, which match in float32 on the accelerator.
        """
        X = self._validated(X)
        w = self._flat_weights().astype(np.float64)
        w_sq = (w * w).sum(axis=1)
        out = np.empty((len(X), w.shape[0]), dtype=X.dtype)
        for part in _chunks(len(X)):
            x = X[part].astype(np.float64)
            d2 = (x * x).sum(axis=1, keepdims=True) - 2.0 * x @ w.T + w_sq
            out[part] = np.sqrt(np.maximum(d2, 0.0))
        return out

    def quantization_error(self, X):
        """Mean distance of the samples to their best-matching unit's prototype,
        :math:`\\frac1n \\sum_i \\lVert x_i - w_{c(x_i)} \\rVert` (lower: the prototypes fit
        the data better)."""
        X = self._validated(X)
        _, best = _best_two(self._flat_weights(), X)
        return float(np.sqrt(best).mean())

    def topographic_error(self, X):
        """Share of samples whose best and second-best units are not grid neighbours
        (8-neighbourhood, as MiniSom), in [0, 1] (lower: the map preserves topology better).

        ``nan`` for a map of a single unit.
        """
        X = self._validated(X)
        n_rows, n_cols = self.weights_.shape[:2]
        if n_rows * n_cols == 1:
            return float("nan")
        top, _ = _best_two(self._flat_weights(), X)
        return _topographic(top, n_cols)

    def score(self, X, y=None):
        """Minus the quantization error (higher is better, as scikit-learn expects)."""
        return -self.quantization_error(X)

    def distance_map(self):
        """The U-matrix: mean distance of each prototype to those of its (up to 8) grid
        neighbours, shape ``(n_rows, n_cols)``. High values mark borders between clusters."""
        check_is_fitted(self)
        return u_matrix(self.weights_)

    def hit_map(self, X, y=None, *, n_classes=None):
        """How many samples each unit wins.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of int of shape (n_samples,), optional
            Class labels: count per class.
        n_classes : int, optional
            Number of classes (default ``y.max() + 1``).

        Returns
        -------
        hits : ndarray of shape (n_rows, n_cols), or (n_classes, n_rows, n_cols) with ``y``
        """
        labels = self.predict(X)
        n_rows, n_cols = self.weights_.shape[:2]
        n_units = n_rows * n_cols
        if y is None:
            return np.bincount(labels, minlength=n_units).reshape(n_rows, n_cols)
        y = check_array(y, "y", ndim=1, dtype_kind="uib")
        if len(y) != len(labels):
            raise ValueError(
                f"y must have one label per sample. Received: {len(y)} labels for "
                f"{len(labels)} samples"
            )
        if y.min() < 0:
            raise ValueError(f"y must hold labels >= 0. Received: y with minimum {y.min()}")
        k = (
            int(y.max()) + 1
            if n_classes is None
            else check_number(n_classes, "n_classes", low=int(y.max()) + 1, integer=True)
        )
        counts = np.zeros((k, n_units), dtype=np.int64)
        np.add.at(counts, (y.astype(np.int64), labels), 1)
        return counts.reshape(k, n_rows, n_cols)

    def label_map(self, X, y):
        """Majority class of the samples each unit wins, ``-1`` for units that win none.

        Returns
        -------
        labels : ndarray of shape (n_rows, n_cols), int64
        """
        counts = self.hit_map(X, y)
        labels = counts.argmax(axis=0)
        labels[counts.sum(axis=0) == 0] = -1
        return labels

    @property
    def _n_features_out(self):
        return self.weights_.shape[0] * self.weights_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# --- helpers (valid input assumed) ---------------------------------------------------------------


def _to_device(array):
    import tensorflow as tf

    return tf.convert_to_tensor(np.asarray(array, dtype=np.float32))


def pca_plane(X, n_rows, n_cols, *, random_state=None):
    """Initial prototypes on the plane of the first two principal components of ``X``.

    Unit ``(r, c)`` gets :math:`\\bar x + a_r s_1 u_1 + b_c s_2 u_2` with :math:`a, b` evenly
    spaced in [-1, 1], :math:`u_i` the principal directions and :math:`s_i` their standard
    deviations (of at most 10 000 random samples); the longer side of the grid follows the
    first component. Returns shape ``(n_rows * n_cols, n_features)``, float32.
    """
    from sklearn.utils.extmath import randomized_svd

    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float32)
    if len(X) > 10_000:  # the plane of 10 000 samples is as good a start as that of all
        X = X[rng.choice(len(X), 10_000, replace=False)]
    mean = X.mean(axis=0)
    directions = np.zeros((2, X.shape[1]), dtype=np.float32)
    scales = np.zeros(2, dtype=np.float32)
    n_components = min(2, X.shape[1], len(X) - 1)
    if n_components > 0:
        _, singular, vt = randomized_svd(X - mean, n_components, n_iter=4, random_state=rng)
        directions[:n_components] = vt
        scales[:n_components] = singular / np.sqrt(len(X) - 1)  # standard deviations
    a = np.linspace(-1.0, 1.0, n_rows, dtype=np.float32)[:, None]
    b = np.linspace(-1.0, 1.0, n_cols, dtype=np.float32)[None, :]
    first, second = (0, 1) if n_rows >= n_cols else (1, 0)
    row_dir = scales[first] * directions[first]
    col_dir = scales[second] * directions[second]
    plane = mean + a[..., None] * row_dir + b[..., None] * col_dir
    return plane.reshape(n_rows * n_cols, -1).astype(np.float32)


def _train_online(weights, X, order, seen, schedule, neighborhood, d2_grid):
    """The classic rule, one sample at a time (NumPy). Returns (weights, running QE sum)."""
    weights = weights.astype(np.float32, copy=True)
    sigmas, rates = schedule(seen + np.arange(len(order)))  # the whole epoch's schedule at once
    qe_sum = 0.0
    for index, sigma, lr in zip(order, sigmas, rates, strict=True):
        x = X[index]
        d2 = ((weights - x) ** 2).sum(axis=1)
        c = int(np.argmin(d2))
        qe_sum += float(np.sqrt(d2[c]))
        h = np.asarray(neighborhood(d2_grid[c], sigma), dtype=np.float32)
        weights += (lr * h)[:, None] * (x - weights)
    return weights, qe_sum


def _train_batches(weights, x_device, order, seen, batch, schedule, neighborhood, d2_grid):
    """One epoch of the batch rule on the accelerator. Returns (weights, QE sum, updates)."""
    import tensorflow as tf

    kernels = _kernels()
    w = tf.convert_to_tensor(weights)
    n_units = w.shape[0]
    named = next((k for k, f in NEIGHBORHOODS.items() if f is neighborhood), None)
    d2_device = tf.convert_to_tensor(d2_grid)
    qe_sum = tf.constant(0.0)
    n_updates = 0
    order_device = tf.convert_to_tensor(order.astype(np.int32))
    for start in range(0, len(order), batch):
        stop = min(start + batch, len(order))
        sigma, lr = schedule(seen + start)
        if named is not None:
            h = kernels["neighborhood"](d2_device, tf.constant(sigma, tf.float32), named)
        else:
            h = tf.convert_to_tensor(np.asarray(neighborhood(d2_grid, sigma), dtype=np.float32))
        lr = tf.constant(lr, tf.float32)
        if stop - start < n_units:
            x = tf.gather(x_device, order_device[start:stop])
            w, q = kernels["small_step"](w, x, h, lr)
            qe_sum += q
        else:
            sums = counts = None
            for part in _chunks(stop - start):
                idx = order_device[start + part.start : start + part.stop]
                s, c, q = kernels["accumulate"](w, tf.gather(x_device, idx))
                sums, counts = (s, c) if sums is None else (sums + s, counts + c)
                qe_sum += q
            w = kernels["apply"](w, sums, counts, h, lr)
        n_updates += 1
    return w.numpy(), float(qe_sum), n_updates


def _best_two(weights, X):
    """Two best units (n, 2) (one column for a one-unit map) and squared distance to the best."""
    kernels = _kernels()
    w = _to_device(weights)
    tops, bests = [], []
    for part in _chunks(len(X)):
        top, best = kernels["best_two"](w, _to_device(X[part]))
        tops.append(top.numpy())
        bests.append(best.numpy())
    return np.concatenate(tops), np.concatenate(bests)


def _topographic(top, n_cols):
    rows, cols = np.divmod(top[:, :2], n_cols)
    adjacent = (np.abs(rows[:, 0] - rows[:, 1]) <= 1) & (np.abs(cols[:, 0] - cols[:, 1]) <= 1)
    return float(1.0 - adjacent.mean())


def _errors(weights, X, n_rows, n_cols):
    top, best = _best_two(weights, X)
    qe = float(np.sqrt(best).mean())
    te = _topographic(top, n_cols) if n_rows * n_cols > 1 else float("nan")
    return qe, te


def u_matrix(weights):
    """Mean distance of each prototype to its (up to 8) grid neighbours.

    Parameters
    ----------
    weights : ndarray of shape (n_rows, n_cols, n_features)

    Returns
    -------
    ndarray of shape (n_rows, n_cols)
    """
    w = np.asarray(weights, dtype=np.float64)
    n_rows, n_cols = w.shape[:2]
    total = np.zeros((n_rows, n_cols))
    count = np.zeros((n_rows, n_cols))
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            # unit (r, c) against its neighbour (r + dr, c + dc), where that exists
            r0, r1 = max(0, -dr), n_rows - max(0, dr)
            c0, c1 = max(0, -dc), n_cols - max(0, dc)
            if r0 >= r1 or c0 >= c1:
                continue
            here = w[r0:r1, c0:c1]
            there = w[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            total[r0:r1, c0:c1] += np.linalg.norm(here - there, axis=-1)
            count[r0:r1, c0:c1] += 1
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


__all__ = [
    "DECAYS",
    "NEIGHBORHOODS",
    "SOM",
    "bubble",
    "decay",
    "gaussian",
    "grid_distances_sq",
    "grid_positions",
    "mexican_hat",
    "pca_plane",
    "u_matrix",
]
