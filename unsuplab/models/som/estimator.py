"""The self-organizing map as a scikit-learn estimator (see :mod:`unsuplab.models.som`)."""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..._validation import check_choice, check_number
from . import kernels
from .grid import grid_distances_sq, hit_counts, initial_weights, u_matrix
from .neighborhoods import DECAYS, NEIGHBORHOODS, make_schedule

#: Samples on which ``track_errors`` measures the errors after each epoch.
PROBE_SIZE = 10_000


class SOM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Self-organizing map on a rectangular grid, trained in batches on the accelerator or online.

    See :mod:`unsuplab.models.som` for the update rules.

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
        chosen samples; or the initial weights, of shape exactly ``(n_rows, n_cols, n_features)``.
    algorithm : {"batch", "online"}, default="batch"
        ``"batch"``: the vectorized rule, on the ``engine``; ``"online"``: the classic
        one-sample rule in NumPy (slow; for teaching and for checking).
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
    engine : {"auto", "keras", "numpy"}, default="auto"
        What computes the batch rule and the matching: ``"keras"``, ``keras.ops`` compiled for
        the Keras backend (TensorFlow or JAX, on a GPU when there is one; Keras is imported at
        ``fit``, not before); ``"numpy"``, NumPy's BLAS on the CPU (nothing compiled, Keras
        never imported); ``"auto"``, the Keras engine when Keras is already imported and its
        backend has an accelerator, else NumPy (the faster on a CPU). Both give the same map
        up to float32 rounding.

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
    engine_ : {"keras", "numpy"}
        The engine ``fit`` used (what ``"auto"`` stood for), also used by ``predict`` and the
        errors.
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
        engine="auto",
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
        self.engine = engine

    # --- parameters --------------------------------------------------------------------------

    def _check_params(self):
        """Validate the hyper-parameters; return the resolved ones as a dict."""
        n_rows = check_number(self.n_rows, "n_rows", low=1, integer=True)
        n_cols = check_number(self.n_cols, "n_cols", low=1, integer=True)

        def positive(value, name, default, high=None):
            if value is None:
                return float(default)
            return float(check_number(value, name, low=0, low_inclusive=False, high=high))

        sigma = positive(self.sigma, "sigma", max(n_rows, n_cols) / 4.0)
        learning_rate = positive(self.learning_rate, "learning_rate", None, high=1)
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
        if not isinstance(self.init, np.ndarray):
            if not isinstance(self.init, str) or self.init not in ("pca", "random"):
                raise ValueError(
                    "Unknown init; choose one of ('pca', 'random') or pass an array of shape "
                    f"(n_rows, n_cols, n_features). Received: init={self.init!r}"
                )
        check_choice(self.algorithm, "algorithm", ("batch", "online"))
        check_choice(self.engine, "engine", ("auto", *kernels.ENGINES))
        optional = {"n_iter": self.n_iter, "batch_size": self.batch_size}
        optional = {
            name: None if value is None else check_number(value, name, low=1, integer=True)
            for name, value in optional.items()
        }
        if not isinstance(self.track_errors, (bool, np.bool_)):
            raise TypeError(
                f"track_errors must be a bool. Received: track_errors={self.track_errors!r}"
            )
        return dict(
            n_rows=n_rows,
            n_cols=n_cols,
            sigma=sigma,
            sigma_final=positive(self.sigma_final, "sigma_final", sigma / 3.0),
            learning_rate=learning_rate,
            learning_rate_final=positive(
                self.learning_rate_final, "learning_rate_final", learning_rate / 10.0, high=1
            ),
            neighborhood=neighborhood,
            n_epochs=check_number(self.n_epochs, "n_epochs", low=1, integer=True),
            **optional,
        )

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
        weights = initial_weights(self.init, X, n_rows, n_cols, rng)
        d2_grid = grid_distances_sq(n_rows, n_cols)
        schedule = make_schedule(
            self.decay,
            params["sigma"],
            params["sigma_final"],
            params["learning_rate"],
            params["learning_rate_final"],
            total,
        )
        history = {"sigma": [], "learning_rate": [], "running_qe": [], "seconds": []}
        if self.track_errors:
            history["quantization_error"] = []
            history["topographic_error"] = []
            probe = X if n <= PROBE_SIZE else X[rng.choice(n, PROBE_SIZE, replace=False)]
        batch = min(params["batch_size"] or n, n)
        engine = kernels.resolve_engine(self.engine)
        data = kernels.prepare(X, engine) if self.algorithm == "batch" else None
        seen = updates = 0
        while seen < total:
            start_time = time.perf_counter()
            order = rng.permutation(n)[: min(n, total - seen)]
            sigma0, lr0 = schedule(seen)
            step = (params["neighborhood"], d2_grid)
            if self.algorithm == "online":
                weights, qe_sum = kernels.online_epoch(weights, X, order, seen, schedule, *step)
                updates += len(order)
            else:
                weights, qe_sum, n_up = kernels.batch_epoch(
                    weights, data, order, seen, batch, schedule, *step, engine,
                    grid_shape=(n_rows, n_cols),
                )
                updates += n_up
            seen += len(order)
            history["sigma"].append(sigma0)
            history["learning_rate"].append(lr0)
            history["running_qe"].append(qe_sum / len(order))
            history["seconds"].append(time.perf_counter() - start_time)
            if self.track_errors:
                qe, te = kernels.errors(weights, probe, n_cols, engine)
                history["quantization_error"].append(qe)
                history["topographic_error"].append(te)
        self.weights_ = weights.reshape(n_rows, n_cols, -1)
        self.engine_ = engine
        self.n_iter_ = int(seen)
        self.n_updates_ = int(updates)
        self.history_ = history
        return self

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
        top, _ = kernels.match(self._flat_weights(), X, self.engine_)
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
        :meth:`predict` and the errors, which match in float32 on the ``engine_``.
        """
        X = self._validated(X)
        w = self._flat_weights().astype(np.float64)
        w_sq = (w * w).sum(axis=1)
        out = np.empty((len(X), w.shape[0]), dtype=X.dtype)
        for start in range(0, len(X), kernels.CHUNK_SIZE):
            part = slice(start, start + kernels.CHUNK_SIZE)
            x = X[part].astype(np.float64)
            d2 = (x * x).sum(axis=1, keepdims=True) - 2.0 * x @ w.T + w_sq
            out[part] = np.sqrt(np.maximum(d2, 0.0))
        return out

    def quantization_error(self, X):
        """Mean distance of the samples to their best-matching unit's prototype,
        :math:`\\frac1n \\sum_i \\lVert x_i - w_{c(x_i)} \\rVert` (lower: the prototypes fit
        the data better)."""
        X = self._validated(X)
        return kernels.errors(self._flat_weights(), X, engine=self.engine_)[0]

    def topographic_error(self, X):
        """Share of samples whose best and second-best units are not grid neighbours
        (8-neighbourhood, as MiniSom), in [0, 1] (lower: the map preserves topology better).

        ``nan`` for a map of a single unit.
        """
        X = self._validated(X)
        return kernels.errors(self._flat_weights(), X, self.weights_.shape[1], self.engine_)[1]

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
        n_rows, n_cols = self.weights_.shape[:2]
        return hit_counts(self.predict(X), n_rows, n_cols, y, n_classes=n_classes)

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


__all__ = ["SOM"]
