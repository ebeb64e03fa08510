"""Mutation audit of the chapter 09 checkers: common wrong answers fail (with feedback that
points at the mistake and never states the answer), right ones pass in float32 and float64."""

import numpy as np
import pytest

from solutions import ch09 as sol
from tests.exercises._helpers import mistake_cases
from unsuplab.exercises import Mismatch, verify

_RNG = np.random.default_rng(0)


def _ops():
    from keras import ops

    return ops  # the "fresh noise" mistakes draw from it


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


@pytest.mark.parametrize(("ex", "wrong"), mistake_cases(TABLE))
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


# --- 09.4: the training step ----------------------------------------------------------------------


def _loss(*, target="noise", scale_noise=True, roots=True, time="right", per_image=True,
          reduce="mean", sign=1.0, detach=False, with_noise=True):
    """The reference training loss with one thing changed."""

    def loss(model, x0):
        from keras import ops, random

        n = ops.shape(x0)[0]
        noise = random.normal(ops.shape(x0), seed=model.seed_generator)
        shape = (n,) if per_image else (1,)
        index = random.randint(shape, 0, model.timesteps, seed=model.seed_generator)
        index = index if per_image else ops.repeat(index, n)
        table = ops.convert_to_tensor(model.alpha_bar.astype("float32"))
        ab = ops.reshape(ops.take(table, index), (-1, 1, 1, 1))
        signal = ops.sqrt(ab) if roots else ab
        spread = (ops.sqrt(1.0 - ab) if roots else 1.0 - ab) if scale_noise else 1.0
        x_t = signal * x0 + (spread * noise if with_noise else 0.0)
        steps = ops.cast(index, "float32")
        t = {"right": (steps + 1.0) / model.timesteps, "off-by-one": steps / model.timesteps,
             "index": steps, "zeros": ops.zeros((n,))}[time]
        pred = model.network([x_t, t])
        if detach:
            pred = ops.stop_gradient(pred)
        aim = {"noise": noise, "x0": x0}[target]
        error = ops.square(pred - aim) if reduce != "abs" else ops.abs(pred - aim)
        return sign * (ops.sum(error) if reduce == "sum" else ops.mean(error))

    return loss


def _numpy_noise(model, x0):
    """The reference loss, but with a NumPy noise draw: the same noise at every call."""
    from keras import ops, random

    n = ops.shape(x0)[0]
    noise = np.random.default_rng(0).standard_normal(tuple(x0.shape)).astype("float32")
    index = random.randint((n,), 0, model.timesteps, seed=model.seed_generator)
    table = ops.convert_to_tensor(model.alpha_bar.astype("float32"))
    ab = ops.reshape(ops.take(table, index), (-1, 1, 1, 1))
    x_t = ops.sqrt(ab) * x0 + ops.sqrt(1.0 - ab) * noise
    t = (ops.cast(index, "float32") + 1.0) / model.timesteps
    return ops.mean(ops.square(model.network([x_t, t]) - noise))


WRONG_STEP = {
    "planted-x0-target": sol.WRONG["09.4"],
    "x0-target": _loss(target="x0"),
    "wrong-sign": _loss(sign=-1.0),
    "noise-not-scaled": _loss(scale_noise=False),
    "variances-not-roots": _loss(roots=False),
    "t-not-used": _loss(time="zeros"),
    "one-t-per-batch": _loss(per_image=False),
    "index-as-time": _loss(time="index"),
    "time-off-by-one": _loss(time="off-by-one"),
    "sum": _loss(reduce="sum"),
    "absolute-error": _loss(reduce="abs"),
    "no-noise-in-x_t": _loss(with_noise=False),
    "numpy-noise": _numpy_noise,
}
#: Mistakes that only training can reveal (the checker's second part): slow, marked so.
WRONG_IN_TRAINING = {
    "detached-prediction": _loss(detach=True),
    "detached-loss": lambda model, x0: _ops().stop_gradient(sol.diffusion_loss(model, x0)),
}


@pytest.mark.parametrize("wrong", WRONG_STEP.values(), ids=WRONG_STEP.keys())
def test_training_step_mistakes_fail(wrong):
    with pytest.raises(Mismatch):
        verify("09.4", wrong)


@pytest.mark.slow
@pytest.mark.parametrize("wrong", WRONG_IN_TRAINING.values(), ids=WRONG_IN_TRAINING.keys())
def test_training_step_mistakes_fail_in_training(wrong):
    with pytest.raises(Mismatch, match="Trained with your loss|Plugged into"):
        verify("09.4", wrong)


def test_the_training_step_has_eight_mistakes():
    assert len(WRONG_STEP) + len(WRONG_IN_TRAINING) >= 8


@pytest.mark.parametrize(("name", "words"), [
    ("wrong-sign", "sign"), ("x0-target", "clean image"), ("noise-not-scaled", "sqrt(1 - "),
    ("t-not-used", "same time input"), ("one-t-per-batch", "same time input"),
    ("index-as-time", "(i + 1) / T"), ("time-off-by-one", "off by one"), ("sum", "mean"),
    ("no-noise-in-x_t", "no noise"), ("numpy-noise", "Two calls drew the same noise"),
])
def test_training_step_feedback_points_at_the_mistake(name, words):
    with pytest.raises(Mismatch) as info:
        verify("09.4", WRONG_STEP[name])
    assert words in str(info.value)

