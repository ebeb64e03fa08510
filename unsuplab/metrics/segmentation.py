"""Scores of a segmentation against a ground-truth label map.

A segmentation is a label map: an integer array of shape (H, W) whose values name segments.
Label *values* mean nothing (segment 3 of one method is not region 3 of the truth), so every
score here is invariant to renaming the labels:

- :func:`miou`: **Hungarian-matched mean IoU**. The IoU matrix between the true regions
  (rows) and the predicted segments (columns) is built; the one-to-one matching that
  maximises the total IoU is found (``scipy.optimize.linear_sum_assignment``); each true
  region scores the IoU of its matched segment, or 0 when there are fewer segments than
  regions; mIoU is the mean over the *true regions*. Extra segments are matched to nothing,
  and their pixels count as misses of the regions they cover (they lower those regions'
  IoU). Labels are used as given: a label split into several connected pieces stays one
  segment. With ``connected=True`` each connected piece (4-connectivity,
  ``skimage.measure.label``) of the prediction becomes its own segment first, which is
  stricter: a method that gives two far-apart pieces the same label is no longer helped.
- :func:`pixel_ari`: the adjusted Rand index of the two labelings of the pixels (1 perfect,
  about 0 for a random labeling; ``sklearn.metrics.adjusted_rand_score``).
- :func:`variation_of_information`: $VI = H(T \\mid P) + H(P \\mid T)$ in bits, 0 when the
  maps agree up to renaming (``skimage.metrics.variation_of_information``).
- :func:`adapted_rand_error`: 1 - the F-score of pixel pairs put together
  (``skimage.metrics.adapted_rand_error``). We pass ``ignore_labels=()``: scikit-image's
  default ignores label 0 of the truth, which here is a real region.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_bool, describe


def check_label_map(labels, name="labels"):
    """An (H, W) integer label map, not empty -> int64 array (labels need not be 0..k-1)."""
    arr = check_array(labels, name, ndim=2, dtype_kind="uib", allow_empty=True)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty. Received: {name}={describe(arr)}")
    if arr.dtype.kind == "u" and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit in int64 (labels up to {np.iinfo(np.int64).max}). "
                         f"Received: {name} with maximum {arr.max()}")
    return arr.astype(np.int64)


def _sequential(*label_maps):
    """Each map renamed to 0..k-1 (scores are invariant to renaming): scikit-image indexes a
    table by label value, so -5 fails there and 2**40 asks for terabytes."""
    return tuple(np.unique(m, return_inverse=True)[1].reshape(m.shape) for m in label_maps)


def _pair(labels_true, labels_pred):
    t = check_label_map(labels_true, "labels_true")
    p = check_label_map(labels_pred, "labels_pred")
    if t.shape != p.shape:
        raise ValueError(
            "labels_true and labels_pred must have the same shape. Received: "
            f"labels_true of shape {t.shape}, labels_pred of shape {p.shape}"
        )
    return t, p


def iou_matrix(labels_true, labels_pred):
    """``(iou, true_ids, pred_ids)``: ``iou[i, j]`` is the IoU of true region ``true_ids[i]``
    and predicted segment ``pred_ids[j]``, shape (n_true, n_pred)."""
    t, p = _pair(labels_true, labels_pred)
    true_ids, ti = np.unique(t, return_inverse=True)
    pred_ids, pi = np.unique(p, return_inverse=True)
    inter = np.zeros((len(true_ids), len(pred_ids)))
    np.add.at(inter, (ti.ravel(), pi.ravel()), 1)
    union = inter.sum(1, keepdims=True) + inter.sum(0, keepdims=True) - inter
    return inter / union, true_ids, pred_ids


def matched_iou(labels_true, labels_pred, *, connected=False):
    """The Hungarian matching of true regions to predicted segments (see the module doc).

    Returns:
        ``(ious, matching)``: ``ious`` of shape (n_true,), the IoU of each true region (in the
        order of ``np.unique(labels_true)``) with its matched segment (0 if unmatched);
        ``matching`` a dict ``true label -> predicted label``.
    """
    from scipy.optimize import linear_sum_assignment

    t, p = _pair(labels_true, labels_pred)
    if check_bool(connected, "connected"):
        from skimage.measure import label as connected_components

        p = connected_components(_sequential(p)[0] + 1, background=0, connectivity=1)
    iou, true_ids, pred_ids = iou_matrix(t, p)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    ious = np.zeros(len(true_ids))
    ious[rows] = iou[rows, cols]
    return ious, {int(true_ids[r]): int(pred_ids[c]) for r, c in zip(rows, cols, strict=True)}


def miou(labels_true, labels_pred, *, connected=False) -> float:
    """Hungarian-matched mean IoU over the true regions, in [0, 1] (see the module doc)."""
    return float(matched_iou(labels_true, labels_pred, connected=connected)[0].mean())


def pixel_ari(labels_true, labels_pred) -> float:
    """Adjusted Rand index of the two labelings of the pixels."""
    from sklearn.metrics import adjusted_rand_score

    t, p = _pair(labels_true, labels_pred)
    return float(adjusted_rand_score(t.ravel(), p.ravel()))


def variation_of_information(labels_true, labels_pred) -> float:
    """$H(T \\mid P) + H(P \\mid T)$ in bits (0 = the same partition)."""
    from skimage.metrics import variation_of_information as vi

    t, p = _sequential(*_pair(labels_true, labels_pred))
    return float(np.sum(vi(t, p)))


def adapted_rand_error(labels_true, labels_pred) -> float:
    """1 - F-score of the pixel pairs put in one segment (0 = perfect); no label ignored."""
    from skimage.metrics import adapted_rand_error as are

    t, p = _sequential(*_pair(labels_true, labels_pred))  # 0..k-1, as scikit-image wants
    return float(are(t, p, ignore_labels=())[0])


def segmentation_scores(labels_true, labels_pred) -> dict:
    """``{"miou", "ari", "vi", "are"}`` of one label map against the truth."""
    return {
        "miou": miou(labels_true, labels_pred),
        "ari": pixel_ari(labels_true, labels_pred),
        "vi": variation_of_information(labels_true, labels_pred),
        "are": adapted_rand_error(labels_true, labels_pred),
    }


__all__ = [
    "adapted_rand_error",
    "check_label_map",
    "iou_matrix",
    "matched_iou",
    "miou",
    "pixel_ari",
    "segmentation_scores",
    "variation_of_information",
]
