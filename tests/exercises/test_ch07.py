"""Mutation audit of the chapter 07 checkers: common wrong answers fail, right ones pass in
float32 and float64."""

import numpy as np
import pytest

from solutions import ch07 as sol
from unsuplab.exercises import Mismatch, verify


def _iou(t, p):
    ti = np.unique(t, return_inverse=True)[1].ravel()
    pi = np.unique(p, return_inverse=True)[1].ravel()
    inter = np.zeros((ti.max() + 1, pi.max() + 1))
    np.add.at(inter, (ti, pi), 1)
    return inter / (inter.sum(1, keepdims=True) + inter.sum(0, keepdims=True) - inter)


def _hungarian_over_matched(t, p):
    from scipy.optimize import linear_sum_assignment

    iou = _iou(t, p)
    r, c = linear_sum_assignment(iou, maximize=True)
    return iou[r, c].mean()  # unmatched regions dropped instead of counting 0


def _by_label_value(t, p):
    ids = np.unique(t)
    return np.mean([((t == i) & (p == i)).sum() / ((t == i) | (p == i)).sum() for i in ids])


def _recall_matching(t, p):
    from scipy.optimize import linear_sum_assignment

    ti = np.unique(t, return_inverse=True)[1].ravel()
    pi = np.unique(p, return_inverse=True)[1].ravel()
    inter = np.zeros((ti.max() + 1, pi.max() + 1))
    np.add.at(inter, (ti, pi), 1)
    recall = inter / inter.sum(1, keepdims=True)  # intersection over the region only
    r, c = linear_sum_assignment(recall, maximize=True)
    return recall[r, c].sum() / recall.shape[0]


def _pixel_accuracy(t, p):
    from scipy.optimize import linear_sum_assignment

    ti = np.unique(t, return_inverse=True)[1].ravel()
    pi = np.unique(p, return_inverse=True)[1].ravel()
    inter = np.zeros((ti.max() + 1, pi.max() + 1))
    np.add.at(inter, (ti, pi), 1)
    r, c = linear_sum_assignment(inter, maximize=True)
    return inter[r, c].sum() / inter.sum()


WRONG_MIOU = [
    sol.WRONG["07.1"],  # greedy: a segment reused
    lambda t, p: _iou(t, p).max(axis=0).mean(),  # mean over predicted segments
    _hungarian_over_matched,
    _by_label_value,
    _recall_matching,
    _pixel_accuracy,
    lambda t, p: 0.5,  # a constant of the right type
    lambda t, p: np.full(3, sol.miou(t, p)),  # one number per region-shaped array
]


def _kmeans_l1(image, centres, w):
    h, wd, _ = image.shape
    rows, cols = np.mgrid[:h, :wd]
    f = np.concatenate([image.reshape(-1, 3), w * rows.reshape(-1, 1) / (h - 1),
                        w * cols.reshape(-1, 1) / (wd - 1)], 1)
    labels = np.abs(f[:, None] - centres[None]).sum(-1).argmin(1)
    new = centres.astype(float).copy()
    for j in range(len(centres)):
        if (labels == j).any():
            new[j] = f[labels == j].mean(0)
    return labels.reshape(h, wd), new


def _kmeans_inplace(image, centres, w):
    labels, new = sol.kmeans_step(image, centres, w)
    centres[:] = new
    return labels, centres


def _kmeans_nan_empty(image, centres, w):
    h, wd, _ = image.shape
    rows, cols = np.mgrid[:h, :wd]
    f = np.concatenate([image.reshape(-1, 3), w * rows.reshape(-1, 1) / (h - 1),
                        w * cols.reshape(-1, 1) / (wd - 1)], 1)
    labels = ((f[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
    with np.errstate(invalid="ignore"):
        new = np.array([f[labels == j].mean(0) if (labels == j).any() else
                        np.full(5, np.nan) for j in range(len(centres))])
    return labels.reshape(h, wd), new


def _kmeans_swapped(image, centres, w):
    labels, new = sol.kmeans_step(image.transpose(1, 0, 2), centres, w)
    return labels.T, new


def _kmeans_pixels_not_normalised(image, centres, w):
    h, wd, _ = image.shape
    rows, cols = np.mgrid[:h, :wd]
    f = np.concatenate([image.reshape(-1, 3), w * rows.reshape(-1, 1),
                        w * cols.reshape(-1, 1)], 1)
    labels = ((f[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
    new = centres.astype(float).copy()
    for j in range(len(centres)):
        if (labels == j).any():
            new[j] = f[labels == j].mean(0)
    return labels.reshape(h, wd), new


WRONG_KMEANS = [
    sol.WRONG["07.2"],  # ignores the position weight
    _kmeans_l1,
    _kmeans_inplace,
    _kmeans_nan_empty,
    _kmeans_swapped,
    _kmeans_pixels_not_normalised,
    lambda image, centres, w: (sol.kmeans_step(image, centres, w)[0], centres.copy()),  # no move
    lambda image, centres, w: sol.kmeans_step(image, centres, w)[0],  # labels only
]


def _continuity_inplace(r):
    np.abs(r, out=r)
    return sol.continuity(r)


WRONG_CONTINUITY = [
    sol.WRONG["07.3"],
    lambda r: np.abs(np.diff(r, axis=0)).sum() + np.abs(np.diff(r, axis=1)).sum(),  # sums
    lambda r: (np.diff(r, axis=0) ** 2).mean() + (np.diff(r, axis=1) ** 2).mean(),  # squared
    lambda r: np.concatenate([np.abs(np.diff(r, axis=0)).ravel(),
                              np.abs(np.diff(r, axis=1)).ravel()]).mean(),  # pooled mean
    lambda r: np.abs(r - np.roll(r, 1, 0)).mean() + np.abs(r - np.roll(r, 1, 1)).mean(),
    lambda r: np.abs(np.diff(r, axis=1)).mean() + np.abs(np.diff(r, axis=2)).mean(),  # axes
    lambda r: np.diff(r, axis=0).mean() + np.diff(r, axis=1).mean(),  # no absolute value
    _continuity_inplace,
    lambda r: np.abs(np.diff(r, axis=0)).mean(axis=(0, 1)) + np.abs(
        np.diff(r, axis=1)).mean(axis=(0, 1)),  # one value per channel
]


def _dfc(sim_weight=1.0, con=True, square=False, logits=True, sum_con=False, detach=None):
    def loss(r):
        import keras
        from keras import ops

        held = ops.stop_gradient
        same = (lambda t: t)  # noqa: E731

        labels = ops.argmax(r, axis=-1)
        sim = ops.mean(keras.losses.sparse_categorical_crossentropy(
            labels, r if logits else ops.softmax(r) * 0 + r, from_logits=logits))
        dy, dx = r[:, 1:] - r[:, :-1], r[:, :, 1:] - r[:, :, :-1]
        f = ops.square if square else ops.abs
        c = ops.sum(f(dy)) + ops.sum(f(dx)) if sum_con else ops.mean(f(dy)) + ops.mean(f(dx))
        sim = (held if detach == "similarity" else same)(sim)
        c = (held if detach == "continuity" else same)(c)
        return sim_weight * sim + (c if con else 0.0)
    return loss


WRONG_DFC = [
    sol.WRONG["07.4"],  # continuity only
    _dfc(con=False),  # cross-entropy only
    _dfc(square=True),  # squared differences
    _dfc(logits=False),  # softmax forgotten: responses read as probabilities
    _dfc(sum_con=True),  # summed continuity
    _dfc(sim_weight=-1.0),  # wrong sign of the cross-entropy
    lambda r: __import__("keras").ops.mean(r),  # a tensor of the right kind, wrong maths
    _dfc(detach="continuity"),  # the right value, half the loss detached: trains differently
    _dfc(detach="similarity"),
]


def test_a_half_detached_loss_is_told_it_trains_differently():
    with pytest.raises(Mismatch, match="trains the model differently|leaves some") as info:
        verify("07.4", _dfc(detach="continuity"))
    assert "NumPy" not in str(info.value)


@pytest.mark.parametrize("wrong", WRONG_MIOU)
def test_wrong_miou_fails(wrong):
    with pytest.raises(Mismatch):
        verify("07.1", wrong)


@pytest.mark.parametrize("wrong", WRONG_KMEANS)
def test_wrong_kmeans_step_fails(wrong):
    with pytest.raises(Mismatch):
        verify("07.2", wrong)


@pytest.mark.parametrize("wrong", WRONG_CONTINUITY)
def test_wrong_continuity_fails(wrong):
    with pytest.raises(Mismatch):
        verify("07.3", wrong)


@pytest.mark.parametrize("wrong", WRONG_DFC)
def test_wrong_dfc_loss_fails(wrong):
    with pytest.raises(Mismatch):
        verify("07.4", wrong)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_right_answers_pass_in_both_precisions(dtype):
    verify("07.1", lambda t, p: dtype(sol.miou(t, p)))
    verify("07.2", lambda image, centres, w: tuple(
        np.asarray(a, dtype=dtype) if i else a
        for i, a in enumerate(sol.kmeans_step(image.astype(dtype), centres.astype(dtype),
                                              dtype(w)))))
    verify("07.3", lambda r: dtype(sol.continuity(r.astype(dtype))))


def test_stub_gets_the_no_answer_message():
    with pytest.raises(Mismatch, match="No answer yet"):
        verify("07.1", None)
    for exercise_id, n_args in (("07.1", 2), ("07.2", 3), ("07.3", 1), ("07.4", 1)):
        stub = [lambda a: None, lambda a, b: None, lambda a, b, c: None][n_args - 1]
        with pytest.raises(Mismatch, match="not answered yet|returned None"):
            verify(exercise_id, stub)


# --- 07.6: Kim et al.'s loop, checked by running it next to FeatureClustering -------------------


def _kim(*, labels_once=False, mu_one=False, squared=False, rows_only=False, ce_sum=False,
         extra_step=False, labels_before=False, eval_counts=False, no_update=False,
         returned=None):
    """A student's loop with one planted mistake, written as a student would."""
    def loop(network, optimizer, image, steps, mu):
        import keras
        from keras import ops

        from unsuplab.exercises import value_and_grad

        x = ops.convert_to_tensor(image[None])
        counts, labels = [], ops.argmax(network(x), axis=-1)
        for _ in range(steps + int(extra_step)):
            if not labels_once:
                labels = ops.argmax(network(x), axis=-1)
            counts.append(int(np.unique(ops.convert_to_numpy(labels)).size))
            last = labels

            def loss_fn(labels=labels):
                r = network(x)
                ce = keras.losses.sparse_categorical_crossentropy(labels, r, from_logits=True)
                ce = ops.sum(ce) if ce_sum else ops.mean(ce)
                f = ops.square if squared else ops.abs
                con = ops.mean(f(r[:, 1:] - r[:, :-1]))
                if not rows_only:
                    con = con + ops.mean(f(r[:, :, 1:] - r[:, :, :-1]))
                return ce + (1.0 if mu_one else mu) * con

            _, grads = value_and_grad(loss_fn, network.trainable_variables)
            if not no_update:
                optimizer.apply(grads, network.trainable_variables)
        final = last if labels_before else ops.argmax(network(x), axis=-1)
        if eval_counts:  # counts of the final labels, repeated
            counts = [int(np.unique(ops.convert_to_numpy(final)).size)] * steps
        out = (ops.convert_to_numpy(final)[0], counts)
        return out if returned is None else returned(*out)

    return loop


WRONG_KIM = {  # name: (the wrong loop, what the feedback must point at)
    "pseudo-labels-computed-once": (sol.WRONG["07.6"], "once, before the loop"),
    "mu-ignored": (_kim(mu_one=True), "mu"),
    "squared-continuity": (_kim(squared=True), "squares"),
    "continuity-in-one-direction": (_kim(rows_only=True), "one direction"),
    "cross-entropy-summed": (_kim(ce_sum=True), "summed over the pixels"),
    "one-step-too-many": (_kim(extra_step=True), "too many"),
    "labels-from-before-the-last-update": (_kim(labels_before=True), "before its update"),
    "counts-of-the-final-labels": (_kim(eval_counts=True), "n_segments"),
    "never-updated": (_kim(no_update=True), "did not change"),
    "pair-swapped": (_kim(returned=lambda labels, counts: (counts, labels)), "labels"),
}


@pytest.mark.parametrize("wrong, pattern", list(WRONG_KIM.values()), ids=list(WRONG_KIM))
def test_wrong_kim_loops_fail_with_feedback_that_points_at_the_mistake(wrong, pattern):
    with pytest.raises(Mismatch, match=pattern) as err:
        verify("07.6", wrong)
    for answer in ("ops.abs", "ops.mean", "argmax(network", "sparse_categorical"):
        assert answer not in str(err.value), str(err.value)


def test_a_loop_that_calls_the_library_is_refused():
    def loop(network, optimizer, image, steps, mu):
        from unsuplab.models.feature_clustering import FeatureClustering

        model = FeatureClustering(image.shape[-1], continuity=mu)
        return model.segment(image, steps=steps), [1] * steps

    with pytest.raises(Mismatch):
        verify("07.6", loop)
