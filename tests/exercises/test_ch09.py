"""Mutation audit of the chapter 09 checkers: common wrong answers fail (with feedback that
points at the mistake and never states the answer), right ones pass in float32 and float64."""

import numpy as np
import pytest

from solutions import ch09 as sol
from unsuplab.exercises import Mismatch, verify

_RNG = np.random.default_rng(0)  # the "fresh noise" mistakes draw from it


def _a(alpha_bar):
    return np.reshape(alpha_bar, (-1, 1, 1, 1))


WRONG_Q = {
    "planted": sol.WRONG["09.1"],
    "no-broadcast": lambda x0, a, n: np.sqrt(a) * x0 + np.sqrt(1 - a) * n,
    "noise-variance": lambda x0, a, n: np.sqrt(_a(a)) * x0 + (1 - _a(a)) * n,
    "signal-not-rooted": lambda x0, a, n: _a(a) * x0 + np.sqrt(1 - _a(a)) * n,
    "swapped": lambda x0, a, n: np.sqrt(1 - _a(a)) * x0 + np.sqrt(_a(a)) * n,
    "noise-unscaled": lambda x0, a, n: np.sqrt(_a(a)) * x0 + n,
    "signal-unscaled": lambda x0, a, n: x0 + np.sqrt(1 - _a(a)) * n,
    "fresh-noise": lambda x0, a, n: sol.q_sample(x0, a, _RNG.standard_normal(x0.shape)),
    "one-alpha-for-all": lambda x0, a, n: np.sqrt(a[0]) * x0 + np.sqrt(1 - a[0]) * n,
}


def _ddim(x_t, eps, a_t, a_prev, *, x0_fn=None, renoise=None):
    x0 = (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t) if x0_fn is None else x0_fn(x_t, eps)
    return np.sqrt(a_prev) * x0 + (np.sqrt(1 - a_prev) * eps if renoise is None else renoise)


WRONG_DDIM = {
    "planted-x0": sol.WRONG["09.2"],
    "same-level": lambda x, e, a, b: sol.ddim_step(x, e, a, a),
    "swapped-levels": lambda x, e, a, b: sol.ddim_step(x, e, b, a),
    "no-division": lambda x, e, a, b: np.sqrt(b) * (x - np.sqrt(1 - a) * e) + np.sqrt(1 - b) * e,
    "plus-noise": lambda x, e, a, b: np.sqrt(b) * (x + np.sqrt(1 - a) * e) / np.sqrt(a)
    + np.sqrt(1 - b) * e,
    "variances": lambda x, e, a, b: np.sqrt(b) * (x - (1 - a) * e) / np.sqrt(a) + (1 - b) * e,
    "no-renoise": lambda x, e, a, b: np.sqrt(b) * (x - np.sqrt(1 - a) * e) / np.sqrt(a),
    "ddpm-noise": lambda x, e, a, b: sol.ddim_step(x, e, a, b)
    + 0.1 * _RNG.standard_normal(x.shape),
    "alphas-not-bars": lambda x, e, a, b: sol.ddim_step(x, e, a / b, b),
}

WRONG_TWEEDIE = {
    "planted-sigma": sol.WRONG["09.3"],
    "minus": lambda y, s, score: y - s**2 * score(y),
    "no-y": lambda y, s, score: s**2 * score(y),
    "no-sigma": lambda y, s, score: y + score(y),
    "divided": lambda y, s, score: y + score(y) / s**2,
    "score-at-half": lambda y, s, score: y + s**2 * score(y / 2),
    "identity": lambda y, s, score: y + 0 * score(y),
}

TABLE = {"09.1": WRONG_Q, "09.2": WRONG_DDIM, "09.3": WRONG_TWEEDIE}


@pytest.mark.parametrize(("ex", "wrong"), [
    pytest.param(ex, f, id=f"{ex}-{name}") for ex, table in TABLE.items()
    for name, f in table.items()])
def test_common_mistakes_fail(ex, wrong):
    with pytest.raises(Mismatch):
        verify(ex, wrong)


def test_every_checker_has_enough_mistakes():
    assert all(len(t) >= 5 for t in TABLE.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_right_answers_pass_in_both_precisions(dtype):
    verify("09.1", lambda x0, a, n: sol.q_sample(*(np.asarray(v, dtype) for v in (x0, a, n))))
    verify("09.2", lambda x, e, a, b: sol.ddim_step(np.asarray(x, dtype), np.asarray(e, dtype),
                                                    dtype(a), dtype(b)))
    verify("09.3", lambda y, s, score: sol.tweedie(np.asarray(y, dtype), s, score))


def test_a_clipping_ddim_step_is_not_penalised():
    def clipped(x_t, eps, a_t, a_prev):
        x0 = np.clip((x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t), -1, 1)
        return np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps

    verify("09.2", clipped)


def test_an_elementwise_score_call_passes():
    def one_by_one(y, sigma, score):
        flat = [v + sigma**2 * score(np.array([v]))[0] for v in y.ravel()]
        return np.reshape(flat, y.shape)

    verify("09.3", one_by_one)


@pytest.mark.parametrize(("ex", "wrong", "words"), [
    ("09.1", WRONG_Q["noise-variance"], "standard deviation"),
    ("09.1", WRONG_Q["no-broadcast"], "(N, 1, 1, 1)"),
    ("09.2", WRONG_DDIM["same-level"], "alpha_bar_prev"),
    ("09.2", WRONG_DDIM["ddpm-noise"], "deterministic"),
    ("09.3", WRONG_TWEEDIE["minus"], "sign"),
    ("09.3", WRONG_TWEEDIE["score-at-half"], "at the noisy values"),
])
def test_feedback_points_at_the_mistake(ex, wrong, words):
    with pytest.raises(Mismatch, match=None) as info:
        verify(ex, wrong)
    assert words in str(info.value)
