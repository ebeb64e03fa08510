"""Mutation audit of the chapter 04 checkers: common wrong answers fail, right ones pass in
float32 and float64."""

import numpy as np
import pytest
from scipy import linalg

from solutions import ch04 as sol
from tests.exercises._helpers import mistake_cases
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


@pytest.mark.parametrize(("ex", "wrong"), mistake_cases(TABLE))
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



# --- 04.6: the GAN's training step, checked by running it ------------------------------------


def _gan_step(*, d_first=True, detach_g=False, swap_labels=False, saturating=False,
              wrong_optimizer=False, same_codes=False, d_frozen=False, one_sided=False,
              sum_loss=False, returned=None):
    """The reference step with one planted mistake."""
    def step(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g):
        from keras import ops

        from unsuplab.exercises import value_and_grad

        z_gen = z_d if same_codes else z_g

        def d_step():
            fake = generator(z_d, training=True)

            def d_loss_fn():
                d_real, d_fake = discriminator(real), discriminator(fake)
                if swap_labels:
                    d_real, d_fake = -d_real, -d_fake
                loss = ops.mean(ops.softplus(-d_real))
                reduce = ops.sum if sum_loss else ops.mean
                return loss if one_sided else loss + reduce(ops.softplus(d_fake))

            loss, grads = value_and_grad(d_loss_fn, discriminator.trainable_variables)
            if not d_frozen:
                d_optimizer.apply(grads, discriminator.trainable_variables)
            return loss

        def g_step():
            def g_loss_fn():
                fake = generator(z_gen, training=True)
                if detach_g:
                    fake = ops.stop_gradient(fake)
                d_fake = discriminator(fake)
                return (-ops.mean(ops.softplus(d_fake)) if saturating
                        else ops.mean(ops.softplus(-d_fake)))

            loss, grads = value_and_grad(g_loss_fn, generator.trainable_variables)
            opt = d_optimizer if wrong_optimizer else g_optimizer
            opt.apply(grads, generator.trainable_variables)
            return loss

        if d_first:
            d = d_step()
            g = g_step()
        else:
            g = g_step()
            d = d_step()
        return (d, g) if returned is None else returned(d, g)

    return step


def _numpy_d_loss(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g):
    """The right value, but the discriminator's loss goes through NumPy: no gradient."""
    from keras import ops

    from unsuplab.exercises import value_and_grad

    fake = generator(z_d)

    def d_loss_fn():
        d_real = ops.convert_to_numpy(discriminator(real))
        d_fake = ops.convert_to_numpy(discriminator(fake))
        return ops.convert_to_tensor(np.mean(np.logaddexp(0.0, -d_real))
                                     + np.mean(np.logaddexp(0.0, d_fake)))

    d_loss, grads = value_and_grad(d_loss_fn, discriminator.trainable_variables)
    d_optimizer.apply(grads, discriminator.trainable_variables)
    g_step = _gan_step(d_frozen=True)  # its discriminator loss is not applied: the G step
    return d_loss, g_step(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g)[1]


WRONG_GAN_STEP = {
    "same-codes": sol.WRONG["04.6"],
    "generator-first": _gan_step(d_first=False),
    "detached-generator": _gan_step(detach_g=True),
    "labels-swapped": _gan_step(swap_labels=True),
    "saturating": _gan_step(saturating=True),
    "optimizer-of-the-wrong-network": _gan_step(wrong_optimizer=True),
    "discriminator-never-updated": _gan_step(d_frozen=True),
    "real-term-only": _gan_step(one_sided=True),
    "fake-term-summed": _gan_step(sum_loss=True),
    "losses-swapped-on-return": _gan_step(returned=lambda d, g: (g, d)),
    "numpy-loss": _numpy_d_loss,
}


@pytest.mark.parametrize("wrong", list(WRONG_GAN_STEP.values()), ids=list(WRONG_GAN_STEP))
def test_wrong_gan_steps_fail(wrong):
    with pytest.raises(Mismatch):
        verify("04.6", wrong)


def test_gan_step_feedback_names_the_mistake():
    with pytest.raises(Mismatch, match="saturating"):
        verify("04.6", WRONG_GAN_STEP["saturating"])
    with pytest.raises(Mismatch, match="before the discriminator"):
        verify("04.6", WRONG_GAN_STEP["generator-first"])
    with pytest.raises(Mismatch, match="generator did not change"):
        verify("04.6", WRONG_GAN_STEP["detached-generator"])
    with pytest.raises(Mismatch, match="its own optimizer"):
        verify("04.6", WRONG_GAN_STEP["optimizer-of-the-wrong-network"])


def test_the_reference_step_covers_the_ring():
    import keras

    from unsuplab.exercises import gan_step

    # the behaviour the check compares with (cached: test_solutions trains the answer itself)
    modes, near = gan_step._reference_coverage(300, 128, 0, keras.backend.backend())
    assert modes >= 6 and near > 0.2, (modes, near)
