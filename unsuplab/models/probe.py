"""The linear probe: logistic regression on frozen features (chapter 08).

A representation is judged by what a *linear* classifier can read off it with few labels:
standardise each feature (mean and sd of the labelled examples), then multinomial logistic
regression, :math:`p(y = k \\mid z) = \\operatorname{softmax}_k(W z + b)`, fitted by L-BFGS
with an L2 penalty :math:`\\frac{1}{2C}\\lVert W\\rVert^2`. The encoder is never changed
(that is *fine-tuning*, :class:`~unsuplab.models.ImageClassifier`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from .._validation import check_array, check_labels, check_number, describe


def check_features(features, name="features", *, n_features=None):
    """Features as float32 (n_samples, n_features): finite, 2-D, of the fitted width."""
    x = check_array(features, name, ndim=2, dtype_kind="fiu")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} columns, as in fit. Received: "
                         f"{name}={describe(x)}")
    return np.asarray(x, dtype=np.float32)


def not_fitted(estimator, attribute):
    """Raise scikit-learn's ``NotFittedError`` with the chapter's wording."""
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise NotFittedError(f"This {name} is not fitted yet: call {name}.fit(features, "
                             f"labels) before predict or score.")


class LinearProbe(ClassifierMixin, BaseEstimator):
    """Standardisation + multinomial logistic regression on frozen features.

    Parameters
    ----------
    C : float, default=1.0
        Inverse strength of the L2 penalty (smaller: a simpler classifier, better with very
        few labels).
    max_iter : int, default=1000
        L-BFGS iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation of the labelled features.
    model_ : sklearn.linear_model.LogisticRegression

    Examples
    --------
    >>> probe = LinearProbe().fit(features_train[labelled], y_train[labelled])
    >>> probe.score(features_test, y_test)
    """

    def __init__(self, C=1.0, max_iter=1000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X, y):
        """Fit on the labelled examples' features ``X`` (n, d) and labels ``y`` (n,)."""
        from sklearn.linear_model import LogisticRegression

        C = check_number(self.C, "C", low=0, low_inclusive=False)
        max_iter = check_number(self.max_iter, "max_iter", low=1, integer=True)
        X = check_features(X, "X")
        y = check_labels(y, len(X), "y")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least 2 classes. Received: y with classes "
                             f"{self.classes_.tolist()}")
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(0)
        sd = X.std(0)
        self.scale_ = np.where(sd > 1e-12, sd, 1.0).astype(np.float32)
        self.model_ = LogisticRegression(C=C, max_iter=max_iter).fit(self._standard(X), y)
        return self

    def _standard(self, X):
        return (X - self.mean_) / self.scale_

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        not_fitted(self, "model_")
        return self.model_.predict_proba(self._standard(
            check_features(X, "X", n_features=self.n_features_in_)))

    def predict(self, X):
        """Predicted classes, shape (n_samples,)."""
        not_fitted(self, "model_")
        return self.model_.predict(self._standard(
            check_features(X, "X", n_features=self.n_features_in_)))


__all__ = ["LinearProbe", "check_features", "not_fitted"]
