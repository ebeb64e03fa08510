"""Mutation audit of exercise 02.6 (Noise2Self's training step, checked by running it): the
usual mistakes fail, each with feedback that points at it and never states the answer."""

import pytest

from solutions import ch02 as sol
from unsuplab.exercises import Mismatch, verify


def _n2s_step(*, score_all=False, unhidden=False, swapped=False, zeros=False, nine=False,
              mean_all=False, summed=False, no_update=False,
              returned=None):
    """A student's step with one planted mistake, written as a student would."""
    def step(network, optimizer, noisy, grid, offset):
        from keras import ops

        from unsuplab.exercises import value_and_grad

        r, c = (offset[1], offset[0]) if swapped else (offset[0], offset[1])
        rows = ops.arange(ops.shape(noisy)[1]) % grid
        cols = ops.arange(ops.shape(noisy)[2]) % grid
        mask = ops.cast(ops.logical_and(rows[:, None] == r, cols[None, :] == c),
                        "float32")[None, :, :, None]
        p = ops.pad(noisy, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
        fill = p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:]
        if nine:
            fill = (fill + p[:, :-2, :-2] + p[:, :-2, 2:] + p[:, 2:, :-2] + p[:, 2:, 2:]
                    + noisy) / 9
        else:
            fill = fill / 4
        if zeros:
            fill = ops.zeros_like(noisy)
        inputs = noisy if unhidden else noisy * (1 - mask) + fill * mask
        weight = ops.ones_like(mask) if score_all else mask

        def loss_fn():
            err = ops.square(network(inputs) - noisy) * weight
            if summed:
                return ops.sum(err)
            if mean_all:
                return ops.mean(err)
            return ops.sum(err) / (ops.sum(weight) * ops.shape(noisy)[0])

        loss, grads = value_and_grad(loss_fn, network.trainable_variables)
        if not no_update:
            optimizer.apply(grads, network.trainable_variables)
        return loss if returned is None else returned(loss)

    return step


WRONG_N2S = {  # name: (the wrong step, what the feedback must point at)
    "every-pixel-scored": (sol.WRONG["02.6"], "every pixel"),
    "network-sees-the-unhidden-batch": (_n2s_step(unhidden=True), "before the pixels are"),
    "rows-and-columns-swapped": (_n2s_step(swapped=True), "swapped"),
    "hidden-pixels-set-to-zero": (_n2s_step(zeros=True), "set to 0"),
    "three-by-three-mean": (_n2s_step(nine=True), "pixel itself"),
    "mean-over-every-pixel": (_n2s_step(mean_all=True), "averaged over every pixel"),
    "summed": (_n2s_step(summed=True), "a sum"),
    "never-updated": (_n2s_step(no_update=True), "did not change"),
    "loss-doubled-on-return": (_n2s_step(returned=lambda loss: 2 * loss), "value you return"),
}


@pytest.mark.parametrize("wrong, pattern", list(WRONG_N2S.values()), ids=list(WRONG_N2S))
def test_wrong_blind_spot_steps_fail_with_feedback_that_points_at_the_mistake(wrong, pattern):
    with pytest.raises(Mismatch, match=pattern) as err:
        verify("02.6", wrong)
    for answer in ("% grid", "ops.pad", "/ 4", "reflect"):
        assert answer not in str(err.value), str(err.value)


def test_the_reference_denoises_without_a_clean_image():
    import keras

    from unsuplab.exercises import blind_spot_step

    trained, noisy = blind_spot_step._reference_psnr(keras.backend.backend())
    assert trained > noisy + 3.0, (trained, noisy)
