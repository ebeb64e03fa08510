"""Mutation audit of the chapter 08 checkers: common wrong answers fail, right ones pass in
float32 and float64 (and 08.4 trains inside the model on the current backend)."""

import numpy as np
import pytest

from solutions import ch08 as sol
from unsuplab.exercises import Mismatch, verify

# --- 08.1: the draw ---------------------------------------------------------------------------


def _global_rng(y, n, seed):
    k = n // len(np.unique(y))
    return np.concatenate([np.random.choice(np.flatnonzero(y == c), k, replace=False)  # noqa: NPY002
                           for c in np.unique(y)])


def _with_replacement(y, n, seed):
    rng = np.random.default_rng(seed)
    k = n // len(np.unique(y))
    return np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=True)
                           for c in np.unique(y)])


def _unbalanced(y, n, seed):
    return np.random.default_rng(seed).choice(len(y), n, replace=False)


def _per_class(y, n, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), n, replace=False)
                           for c in np.unique(y)][:1])


def _labels_not_indices(y, n, seed):
    return y[sol.draw(y, n, seed)]


WRONG_DRAW = [
    sol.WRONG["08.1"],  # the first examples of each class
    _global_rng,  # np.random, not the seed
    _with_replacement,
    _unbalanced,
    _per_class,
    _labels_not_indices,
    lambda y, n, seed: sol.draw(y, n, seed).astype(float),  # float indices
    lambda y, n, seed: sol.draw(y, n, seed)[:-1],  # one short
]

# --- 08.2: NT-Xent ---------------------------------------------------------------------------


def _nt(normalise=True, anchors="both", self_in=False, mean=True, positive_out=False):
    def loss(z1, z2, t):
        z = np.concatenate([z1, z2])
        if normalise:
            z = z / np.linalg.norm(z, axis=1, keepdims=True)
        s = z @ z.T / t
        n = len(z1)
        partner = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
        pos = s[np.arange(2 * n), partner].copy()
        if not self_in:
            np.fill_diagonal(s, -np.inf)
        if positive_out:
            s[np.arange(2 * n), partner] = -np.inf
        den = np.log(np.exp(s).sum(1))
        per = den - pos
        per = per[:n] if anchors == "first" else per
        return per.mean() if mean else per.sum()
    return loss


WRONG_NT_XENT = [
    sol.WRONG["08.2"],  # t multiplies
    _nt(normalise=False),  # dot products
    _nt(anchors="first"),  # N anchors
    _nt(self_in=True),  # anchor in its own denominator
    _nt(mean=False),  # a sum
    _nt(positive_out=True),  # positive left out of the denominator
    lambda z1, z2, t: 1.0,  # a number of the right kind
]

# --- 08.3: one spreading step ----------------------------------------------------------------


def _d(W):
    return W.sum(axis=1)


WRONG_SPREAD = [
    sol.WRONG["08.3"],  # D^-1 W
    lambda W, F, Y, a: a * W @ F + (1 - a) * Y,  # no normalisation
    lambda W, F, Y, a: a * (W / np.sqrt(np.outer(_d(W), _d(W)))) @ F,  # no clamping to Y
    lambda W, F, Y, a: (1 - a) * (W / np.sqrt(np.outer(_d(W), _d(W)))) @ F + a * Y,  # swapped
    lambda W, F, Y, a: a * (W / _d(W)[:, None] ** 0.5) @ F + (1 - a) * Y,  # one side only
    lambda W, F, Y, a: a * (W / np.sqrt(np.outer(_d(W), _d(W)))) @ Y + (1 - a) * Y,  # S @ Y
    lambda W, F, Y, a: (F.__imul__(a), F)[1],  # changes F in place
]

# --- 08.4: the masked cross-entropy in the model ---------------------------------------------


def _ce(mask_rows=True, divide="labelled", logits_are_probs=False, sign=1.0, floor=True):
    def loss(labels, logits):
        from keras import ops

        labels = ops.cast(labels, "int32")
        mask = ops.cast(labels >= 0, logits.dtype) if mask_rows else ops.ones_like(
            ops.cast(labels, logits.dtype))
        log_p = ops.log(logits) if logits_are_probs else ops.log_softmax(logits, axis=-1)
        idx = ops.maximum(labels, 0) if floor else ops.where(labels < 0, 3, labels)
        picked = ops.take_along_axis(log_p, ops.expand_dims(idx, -1), axis=-1)[:, 0]
        n = ops.maximum(ops.sum(mask), 1.0) if divide == "labelled" else ops.cast(
            ops.shape(labels)[0], logits.dtype)
        return -sign * ops.sum(picked * mask) / n
    return loss


def _no_guard(labels, logits):
    from keras import ops

    labels = ops.cast(labels, "int32")
    mask = ops.cast(labels >= 0, logits.dtype)
    log_p = ops.log_softmax(logits, axis=-1)
    picked = ops.take_along_axis(log_p, ops.expand_dims(ops.maximum(labels, 0), -1), axis=-1)
    return -ops.sum(picked[:, 0] * mask) / ops.sum(mask)  # 0/0 on a batch without labels


WRONG_MASKED = [
    sol.WRONG["08.4"],  # -1 read as the last class
    _ce(divide="all"),  # mean over every row
    _ce(mask_rows=False),  # unlabelled rows counted (as class 0)
    _ce(logits_are_probs=True),  # log of logits
    _ce(sign=-1.0),  # wrong sign
    _no_guard,  # NaN without labels
]


@pytest.mark.parametrize("wrong", WRONG_DRAW)
def test_wrong_draws_fail(wrong):
    with pytest.raises(Mismatch):
        verify("08.1", wrong)


@pytest.mark.parametrize("wrong", WRONG_NT_XENT)
def test_wrong_nt_xent_fails(wrong):
    with pytest.raises(Mismatch):
        verify("08.2", wrong)


@pytest.mark.parametrize("wrong", WRONG_SPREAD)
def test_wrong_spreading_step_fails(wrong):
    with pytest.raises(Mismatch):
        verify("08.3", wrong)


@pytest.mark.parametrize("wrong", WRONG_MASKED)
def test_wrong_masked_crossentropy_fails(wrong):
    with pytest.raises(Mismatch):
        verify("08.4", wrong)


def test_every_exercise_has_five_mistakes():
    for table in (WRONG_DRAW, WRONG_NT_XENT, WRONG_SPREAD, WRONG_MASKED):
        assert len(table) >= 5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_right_answers_pass_in_both_precisions(dtype):
    verify("08.1", sol.draw)
    verify("08.2", lambda z1, z2, t: dtype(sol.nt_xent(z1.astype(dtype), z2.astype(dtype),
                                                       dtype(t))))
    verify("08.3", lambda W, F, Y, a: sol.spread_step(W.astype(dtype), F.astype(dtype),
                                                      Y.astype(dtype), dtype(a)))
    verify("08.4", sol.masked_crossentropy)


def test_stub_gets_the_no_answer_message():
    for exercise_id, n_args in (("08.1", 3), ("08.2", 3), ("08.3", 4), ("08.4", 2)):
        stub = {2: lambda a, b: None, 3: lambda a, b, c: None,
                4: lambda a, b, c, d: None}[n_args]
        with pytest.raises(Mismatch, match="not answered yet|returned None"):
            verify(exercise_id, stub)


# --- 08.6: SimCLR's training step, checked by running it ----------------------------------------


def _simclr_step(*, one_view=False, same_view=False, no_temperature=False, no_normalise=False,
                 self_in=False, first_only=False, no_head=False, head_only=False,
                 detach_second=False, views_swapped=False, returned=None, one_pass=False):
    """A student's step with one planted mistake, written as a student would."""
    def step(encoder, head, optimizer, seed, x, temperature):
        from keras import ops

        from unsuplab.exercises import value_and_grad
        from unsuplab.networks import augment

        if one_pass:  # both views in one call: other random draws than the exercise asks
            both = augment(ops.concatenate([x, x], axis=0), seed=seed)
            a, b = both[: ops.shape(x)[0]], both[ops.shape(x)[0]:]
        else:
            a = augment(x, seed=seed)
            b = x if one_view else a if same_view else augment(x, seed=seed)
        if views_swapped:
            a, b = b, a
        variables = head.trainable_variables
        if not head_only:
            variables = encoder.trainable_variables + variables
        n = ops.shape(x)[0]

        def loss_fn():
            f = encoder if no_head else (lambda v: head(encoder(v)))
            z1, z2 = f(a), f(b)
            if detach_second:
                z2 = ops.stop_gradient(z2)
            z = ops.concatenate([z1, z2], axis=0)
            if not no_normalise:
                z = z / ops.norm(z, axis=1, keepdims=True)
            s = ops.matmul(z, ops.transpose(z))
            if not no_temperature:
                s = s / temperature
            if not self_in:
                s = ops.where(ops.eye(2 * n) > 0, -1e9, s)
            target = ops.concatenate([ops.arange(n) + n, ops.arange(n)], axis=0)
            losses = ops.logsumexp(s, axis=1) - ops.take_along_axis(s, target[:, None],
                                                                    axis=1)[:, 0]
            loss = ops.mean(losses[:n] if first_only else losses)
            accuracy = ops.mean(ops.cast(ops.argmax(s, axis=1) == target, "float32"))
            return loss, accuracy

        (loss, accuracy), grads = value_and_grad(loss_fn, variables, has_aux=True)
        optimizer.apply(grads, variables)
        return (loss, accuracy) if returned is None else returned(loss, accuracy)

    return step


WRONG_SIMCLR = {  # name: (the wrong step, what the feedback must point at, if anything)
    "one-view-unaugmented": (sol.WRONG["08.6"], "the image itself"),
    "the-same-view-twice": (_simclr_step(same_view=True), "same draw"),
    "temperature-ignored": (_simclr_step(no_temperature=True), "temperature"),
    "not-normalised": (_simclr_step(no_normalise=True), "cosine"),
    "anchor-in-its-denominator": (_simclr_step(self_in=True), "its own denominator"),
    "first-view-anchors-only": (_simclr_step(first_only=True), "second view"),
    "head-skipped": (_simclr_step(no_head=True), "head"),
    "encoder-not-updated": (_simclr_step(head_only=True), "encoder did not change"),
    "second-view-detached": (_simclr_step(detach_second=True), "detached"),
    "values-swapped-on-return": (_simclr_step(returned=lambda loss, acc: (acc, loss)),
                                 "values you return"),
    # equivalent in law, but other random draws than the reference's: the feedback names the
    # protocol the exercise states (each view its own call, first view first)
    "both-views-in-one-call": (_simclr_step(one_pass=True), "first view first"),
}


@pytest.mark.parametrize("wrong, pattern", list(WRONG_SIMCLR.values()), ids=list(WRONG_SIMCLR))
def test_wrong_simclr_steps_fail_with_feedback_that_points_at_the_mistake(wrong, pattern):
    with pytest.raises(Mismatch, match=pattern) as err:
        verify("08.6", wrong)
    for answer in ("/ temperature", "ops.norm", "eye(", "logsumexp"):
        assert answer not in str(err.value), str(err.value)


def test_swapping_the_two_views_is_no_mistake():
    from unsuplab.exercises import contrastive_step

    # NT-Xent takes every view as an anchor: it is symmetric in the two views
    contrastive_step.compare_first_steps(_simclr_step(views_swapped=True), lambda thunk: thunk())


def test_the_reference_encoder_beats_its_untrained_self():
    import keras

    from unsuplab.exercises import contrastive_step

    backend = keras.backend.backend()
    assert contrastive_step._reference_probe(backend) > contrastive_step.untrained_probe(backend)
