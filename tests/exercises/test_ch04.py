"""Mutation audit of the chapter 04 checkers: common wrong answers fail, right ones pass in
float32 and float64."""

import numpy as np
import pytest
from scipy import linalg

from solutions import ch04 as sol
from unsuplab.exercises import Mismatch, verify


def _ops():
    from keras import ops

    return ops


WRONG_NS = {
    "saturating": sol.WRONG["04.1"],
    "unstable-log-sigmoid": lambda t: np.mean(-np.log(1.0 / (1.0 + np.exp(-t)))),
    "discriminator-fake-term": lambda t: np.mean(np.logaddexp(0.0, t)),
    "sum": lambda t: np.sum(np.logaddexp(0.0, -t)),
    "wrong-sign": lambda t: -np.mean(np.logaddexp(0.0, -t)),
    "probabilities-not-logits": lambda t: np.mean(-np.log(np.clip(t, 1e-7, None))),
    "per-example": lambda t: np.logaddexp(0.0, -t),
    "log-base-2": lambda t: np.mean(np.logaddexp2(0.0, -t / np.log(2))),
}


def _sqrtm_psd(a):
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.maximum(w, 0))) @ v.T


WRONG_FRECHET = {
    "no-mean-term": sol.WRONG["04.2"],
    "mean-distance-not-squared": lambda m1, s1, m2, s2: np.linalg.norm(m1 - m2) + np.trace(
        s1 + s2 - 2 * np.real(linalg.sqrtm(s1 @ s2))),
    "elementwise-sqrt": lambda m1, s1, m2, s2: np.sum((m1 - m2) ** 2) + np.trace(
        s1 + s2 - 2 * np.sqrt(np.abs(s1 * s2))),
    "product-of-roots": lambda m1, s1, m2, s2: np.sum((m1 - m2) ** 2) + np.trace(
        s1 + s2 - 2 * _sqrtm_psd(s1) @ _sqrtm_psd(s2)),
    "factor-one": lambda m1, s1, m2, s2: np.sum((m1 - m2) ** 2) + np.trace(
        s1 + s2 - np.real(linalg.sqrtm(s1 @ s2))),
    "sqrt-of-the-whole": lambda m1, s1, m2, s2: np.sqrt(sol.frechet(m1, s1, m2, s2)),
    "plus-cross-term": lambda m1, s1, m2, s2: np.sum((m1 - m2) ** 2) + np.trace(
        s1 + s2 + 2 * np.real(linalg.sqrtm(s1 @ s2))),
}


def _step(normalise_v=True, transpose=False, old_u_sigma=False, l1=False):
    def step(w, u):
        norm = (lambda a: np.abs(a).sum()) if l1 else np.linalg.norm
        m = w.T if transpose else w
        v = m @ u if not transpose else None
        if transpose:
            return u, 1.0  # shapes cannot work: W^T u
        v = v / norm(v) if normalise_v else v
        u_new = w.T @ v
        u_new = u_new / norm(u_new)
        sigma = np.linalg.norm(w @ u) if old_u_sigma else v @ w @ u_new
        return u_new, sigma

    return step


def _unnormalised_u(w, u):
    v = w @ u
    v = v / np.linalg.norm(v)
    u_new = w.T @ v
    return u_new, v @ w @ (u_new / np.linalg.norm(u_new))


WRONG_POWER = {
    "exact-svd": sol.WRONG["04.3"],
    "sigma-with-old-u": _step(old_u_sigma=True),
    "l1-normalisation": _step(l1=True),
    "u-not-normalised": _unnormalised_u,
    "v-not-normalised": _step(normalise_v=False),
    "no-update": lambda w, u: (u / np.linalg.norm(u), float(u @ w.T @ w @ u)),
    "two-steps": lambda w, u: sol.power_step(w, sol.power_step(w, u)[0]),
}


def _hinge(fn):
    return lambda d_real, d_fake: fn(_ops(), d_real, d_fake)


WRONG_HINGE = {
    "swapped": sol.WRONG["04.4"],
    "no-max": _hinge(lambda o, r, f: o.mean(1.0 - r) + o.mean(1.0 + f)),
    "generator-loss": _hinge(lambda o, r, f: -o.mean(f)),
    "nonsaturating": _hinge(lambda o, r, f: o.mean(o.softplus(-r)) + o.mean(o.softplus(f))),
    "one-side": _hinge(lambda o, r, f: o.mean(o.relu(1.0 - r))),
    "sum": _hinge(lambda o, r, f: o.sum(o.relu(1.0 - r)) + o.sum(o.relu(1.0 + f))),
    "margin-zero": _hinge(lambda o, r, f: o.mean(o.relu(-r)) + o.mean(o.relu(f))),
}

TABLE = {"04.1": WRONG_NS, "04.2": WRONG_FRECHET, "04.3": WRONG_POWER, "04.4": WRONG_HINGE}


@pytest.mark.parametrize(("ex", "wrong"), [
    pytest.param(ex, f, id=f"{ex}-{name}") for ex, table in TABLE.items()
    for name, f in table.items()])
def test_common_mistakes_fail(ex, wrong):
    with pytest.raises(Mismatch):
        verify(ex, wrong)


def test_every_checker_has_five_mistakes():
    assert all(len(t) >= 5 for t in TABLE.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_right_answers_pass_in_both_precisions(dtype):
    verify("04.1", lambda t: sol.nonsaturating_loss(np.asarray(t, dtype=dtype)))
    verify("04.2", lambda m1, s1, m2, s2: sol.frechet(*(np.asarray(a, dtype=dtype)
                                                       for a in (m1, s1, m2, s2))))
    verify("04.3", lambda w, u: sol.power_step(np.asarray(w, dtype), np.asarray(u, dtype)))


def test_hinge_inside_the_model_passes():
    verify("04.4", sol.hinge_d_loss)
