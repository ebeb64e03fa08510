"""Chapter 07 exercises: matched mIoU, a k-means step in colour+position space, the continuity
loss, and the loss of differentiable feature clustering inside the model."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, compare_weights, exercise, expect_close, run_in_model


def _as_float(value, what):
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = getattr(value, "shape", None)
        raise Mismatch(f"{what} must be one number; yours is "
                       f"{'an array of shape ' + str(shape) if shape is not None else repr(value)}."
                       ) from None


def _iou_matrix(t, p):
    ti, pi = np.unique(t, return_inverse=True)[1], np.unique(p, return_inverse=True)[1]
    inter = np.zeros((ti.max() + 1, pi.max() + 1))
    np.add.at(inter, (ti.ravel(), pi.ravel()), 1)
    return inter / (inter.sum(1, keepdims=True) + inter.sum(0, keepdims=True) - inter)


def _reference_miou(t, p):
    from scipy.optimize import linear_sum_assignment

    iou = _iou_matrix(t, p)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return float(iou[rows, cols].sum() / iou.shape[0])


# Label maps where the usual shortcuts give a different number (see tests/exercises).
_MIOU_CASES = [
    # two true regions whose best segment is the same one (greedy reuse), labels 5/7/9
    (np.array([[0, 0, 0, 1, 1, 1]] * 4), np.array([[5, 5, 5, 5, 7, 9]] * 4)),
    # more segments than regions; labels that coincide in value but not in meaning
    (np.array([[0, 0, 1, 1, 2, 2]] * 3), np.array([[1, 1, 0, 0, 0, 3]] * 3)),
    # fewer segments than regions: the unmatched region scores 0
    (np.array([[0, 0, 1, 1, 2, 2, 2, 2]] * 2), np.array([[4, 4, 4, 4, 6, 6, 6, 6]] * 2)),
]


@exercise("07.1", "Hungarian-matched mean IoU of two label maps",
          library=("unsuplab.metrics.segmentation.miou",))
def check_miou(miou):
    """``miou(labels_true, labels_pred)``: two (H, W) int label maps -> the mean over the
    *true* regions of the IoU with the segment matched to each, one-to-one, maximising the
    total IoU (an unmatched region counts 0)."""
    for t, p in _MIOU_CASES:
        got = _as_float(miou(t.copy(), p.copy()), "Your mIoU")
        expected = _reference_miou(t, p)
        iou = _iou_matrix(t, p)
        if np.isclose(got, iou.max(axis=1).mean()) and not np.isclose(got, expected):
            raise Mismatch("Each true region took its best segment even when another region "
                           "had already taken it: the matching must be one-to-one "
                           "(scipy.optimize.linear_sum_assignment).")
        if np.isclose(got, iou.max(axis=0).mean()) and not np.isclose(got, expected):
            raise Mismatch("You averaged over the predicted segments; average over the true "
                           "regions (an extra segment is a miss, not a region).")
        n_matched = min(iou.shape)
        if not np.isclose(got, expected) and np.isclose(got * n_matched, expected * iou.shape[0]):
            raise Mismatch("A true region left without a segment must count as IoU 0 in the "
                           "mean: divide by the number of true regions.")
        if not (0.0 <= got <= 1.0):
            raise Mismatch(f"An mIoU lies in [0, 1]; yours is {got:.3g}.")
        expect_close(got, expected, what="Your mIoU", rtol=1e-6,
                     hint="IoU = |A and B| / |A or B|; compare label maps by matching, not "
                          "by label value")


def _reference_kmeans_step(image, centres, position_weight):
    h, w, _ = image.shape
    rows, cols = np.mgrid[:h, :w]
    feats = np.concatenate([image.reshape(-1, 3),
                            position_weight * (rows / (h - 1)).reshape(-1, 1),
                            position_weight * (cols / (w - 1)).reshape(-1, 1)], axis=1)
    d = ((feats[:, None, :] - centres[None]) ** 2).sum(-1)
    labels = d.argmin(1)
    new = centres.astype(float).copy()
    for j in range(len(centres)):
        if (labels == j).any():
            new[j] = feats[labels == j].mean(0)
    return labels.reshape(h, w), new


@exercise("07.2", "one k-means step in colour + position space")
def check_kmeans_step(kmeans_step):
    """``kmeans_step(image, centres, position_weight)``: an (H, W, 3) image, ``centres`` of
    shape (k, 5) and a weight ``w`` -> ``(labels, new_centres)``. The feature of pixel (i, j)
    is ``(R, G, B, w * i / (H - 1), w * j / (W - 1))``; assign each pixel to the nearest
    centre (Euclidean), then move each centre to the mean of its pixels (a centre with no
    pixel stays where it is). Do not change ``centres`` in place."""
    rng = np.random.default_rng(11)
    image = rng.random((6, 9, 3))
    centres = np.concatenate([rng.random((4, 3)), rng.random((4, 2)) * 2.0], axis=1)
    centres[3] = [5.0, 5.0, 5.0, 9.0, 9.0]  # far from every pixel: it must stay put
    for weight in (2.0, 0.5):
        out = kmeans_step(image.copy(), centres.copy(), weight)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Mismatch("Return a pair (labels, new_centres).")
        labels, new = np.asarray(out[0]), np.asarray(out[1], dtype=float)
        exp_labels, exp_new = _reference_kmeans_step(image, centres, weight)
        if labels.shape != exp_labels.shape:
            raise Mismatch(f"labels must have the image's shape {exp_labels.shape}; yours has "
                           f"shape {labels.shape}.")
        if not np.array_equal(labels, exp_labels):
            swapped, _ = _reference_kmeans_step(image.transpose(1, 0, 2), centres, weight)
            if np.array_equal(labels, swapped.T):
                raise Mismatch("Rows and columns are swapped in your position features: the "
                               "4th feature is the row i / (H - 1), the 5th the column.")
            raise Mismatch(f"Some pixels are assigned to the wrong centre (position_weight="
                           f"{weight}): use the squared Euclidean distance over all 5 "
                           "features, with the positions scaled to [0, w].")
        if not np.all(np.isfinite(new)):
            raise Mismatch("A centre with no pixel became NaN: keep it where it was.")
        expect_close(new, exp_new, what="Your new centres", rtol=1e-6,
                     hint="each centre is the mean of the features of its own pixels")


def _reference_continuity(r):
    return float(np.abs(np.diff(r, axis=0)).mean() + np.abs(np.diff(r, axis=1)).mean())


@exercise("07.3", "the spatial-continuity loss of a response map")
def check_continuity(continuity):
    """``continuity(response)``: an (H, W, q) response -> the mean absolute difference of
    vertical neighbours plus the mean absolute difference of horizontal neighbours
    (no wrap-around at the borders)."""
    rng = np.random.default_rng(13)
    for shape in ((5, 8, 3), (7, 4, 2)):
        r = rng.standard_normal(shape)
        got = _as_float(continuity(r.copy()), "Your continuity loss")
        expected = _reference_continuity(r)
        dy, dx = np.abs(np.diff(r, axis=0)), np.abs(np.diff(r, axis=1))
        if np.isclose(got, np.concatenate([dy.ravel(), dx.ravel()]).mean()):
            raise Mismatch("You took one mean over both directions together; the loss is the "
                           "vertical mean plus the horizontal mean.")
        if np.isclose(got, dy.mean()) or np.isclose(got, dx.mean()):
            raise Mismatch("Only one direction counted: add vertical and horizontal "
                           "neighbours.")
        wrap = (np.abs(r - np.roll(r, 1, 0)).mean() + np.abs(r - np.roll(r, 1, 1)).mean())
        if np.isclose(got, wrap):
            raise Mismatch("np.roll wraps around: the last row is not a neighbour of the "
                           "first. Use differences of adjacent rows/columns only.")
        expect_close(got, expected, what="Your continuity loss", rtol=1e-5,
                     hint="an L1 penalty (absolute values), averaged")


def _reference_dfc_loss(r, mu=1.0):
    z = r - r.max(-1, keepdims=True)
    log_softmax = z - np.log(np.exp(z).sum(-1, keepdims=True))
    labels = r.argmax(-1)
    ce = -np.take_along_axis(log_softmax, labels[..., None], -1).mean()
    con = np.abs(np.diff(r, axis=1)).mean() + np.abs(np.diff(r, axis=2)).mean()
    return float(ce + mu * con)


@exercise("07.4", "the loss of differentiable feature clustering, inside the model")
def check_dfc_loss(dfc_loss):
    """``dfc_loss(response)``: a (N, H, W, q) *tensor* -> the scalar tensor
    $L_{sim} + L_{con}$ (keras.ops only): the mean cross-entropy of ``softmax(response)``
    against its own argmax labels plus the continuity loss (mean vertical + mean horizontal
    absolute difference). The checker plugs it into ``FeatureClustering.compute_loss`` and
    trains on a small two-colour image, which must come out in two regions."""
    import keras
    from keras import ops

    from ..metrics.segmentation import miou
    from ..models.feature_clustering import FeatureClustering

    rng = np.random.default_rng(17)
    r = rng.standard_normal((2, 5, 6, 4)).astype(np.float32)
    value = dfc_loss(ops.convert_to_tensor(r))
    got = _as_float(ops.convert_to_numpy(value), "Your loss")
    expected = _reference_dfc_loss(r.astype(np.float64))
    ce_only = _reference_dfc_loss(r.astype(np.float64), mu=0.0)
    if np.isclose(got, ce_only, rtol=1e-4):
        raise Mismatch("Only the cross-entropy: add the continuity term.")
    if np.isclose(got, expected - ce_only, rtol=1e-4):
        raise Mismatch("Only the continuity term: add the cross-entropy against the argmax "
                       "labels.")
    expect_close(got, expected, what="Your loss on a fixed response", rtol=1e-5,
                 hint="compare each of the two terms with their definitions in the notebook's "
                      "differentiable-feature-clustering section")

    class StudentModel(FeatureClustering):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return dfc_loss(y_pred)

    image = np.zeros((16, 16, 3), dtype=np.float32)
    image[:, :8] = (0.9, 0.2, 0.2)
    image[:, 8:] = (0.2, 0.3, 0.9)
    truth = np.zeros((16, 16), dtype=int)
    truth[:, 8:] = 1
    models, labels = [], None
    for cls in (StudentModel, FeatureClustering):
        keras.utils.set_random_seed(0)
        model = cls(3, filters=(8,), n_clusters=6, seed=0)
        model(image[None, :2, :2])  # built: the weights before training
        start = [ops.convert_to_numpy(w) for w in model.trainable_weights]
        if cls is StudentModel:
            labels = run_in_model(lambda m=model: m.segment(image, k=2, steps=15,
                                                            merge_on="input"),
                                  dfc_loss, "FeatureClustering.compute_loss")
            student_start = start
        else:
            model.segment(image, k=2, steps=15, merge_on="input")
        models.append(model)
    # both trained on the same image from the same weights: the student's loss must move
    # every weight as the library's does (a term behind stop_gradient changes the training)
    compare_weights(*models, student_start, what="FeatureClustering.compute_loss", steps=15)
    score = miou(truth, labels)
    if score < 0.8:
        raise Mismatch(f"Trained with your loss, the model splits a two-colour image badly "
                       f"(mIoU {score:.2f}).")


@exercise("07.6", "Kim et al.'s segmentation loop on one image",
          library=("unsuplab.models.feature_clustering.FeatureClustering",
                   "unsuplab.models.feature_clustering.similarity_loss",
                   "unsuplab.models.feature_clustering.continuity_loss"))
def check_kim_segment(kim_segment):
    r"""``kim_segment(network, optimizer, image, steps, mu)``: ``steps`` times, the response
    of ``network`` to the (H, W, C) ``image`` (a batch of one), its argmax as pseudo-labels,
    one ``optimizer`` update of the network on the mean cross-entropy against them plus ``mu``
    times the continuity loss; returns ``(labels, n_segments)``: the argmax of the trained
    network's response (H, W), and the number of distinct pseudo-labels of each step. The
    checker runs three steps next to the reference loop (same weights: they must agree), then
    40 steps on a photograph next to ``FeatureClustering.segment`` from the same weights: the
    two segmentations must agree."""
    from .kim_loop import check_kim_loop

    ari, (mine, library) = check_kim_loop(kim_segment, lambda thunk: run_in_model(
        thunk, kim_segment, "Kim et al.'s loop"))
    print(f"On the photograph, your loop and the library's agree: adjusted Rand index "
          f"{ari:.3f}, {mine} segments (library: {library}).")
