"""Chapter 07 reference solutions and planted wrong answers (questions: answers.md)."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def miou(labels_true, labels_pred):
    t = np.unique(labels_true, return_inverse=True)[1].ravel()
    p = np.unique(labels_pred, return_inverse=True)[1].ravel()
    inter = np.zeros((t.max() + 1, p.max() + 1))
    np.add.at(inter, (t, p), 1)
    iou = inter / (inter.sum(1, keepdims=True) + inter.sum(0, keepdims=True) - inter)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return iou[rows, cols].sum() / iou.shape[0]


def kmeans_step(image, centres, position_weight):
    h, w, _ = image.shape
    rows, cols = np.mgrid[:h, :w]
    feats = np.concatenate([image.reshape(-1, 3),
                            position_weight * rows.reshape(-1, 1) / (h - 1),
                            position_weight * cols.reshape(-1, 1) / (w - 1)], axis=1)
    d = ((feats[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    labels = d.argmin(axis=1)
    new = np.array(centres, dtype=float)  # a copy
    for j in range(len(centres)):
        if np.any(labels == j):
            new[j] = feats[labels == j].mean(axis=0)
    return labels.reshape(h, w), new


def continuity(response):
    return np.abs(np.diff(response, axis=0)).mean() + np.abs(np.diff(response, axis=1)).mean()


def dfc_loss(response):
    import keras
    from keras import ops

    labels = ops.argmax(ops.stop_gradient(response), axis=-1)
    sim = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, response,
                                                                from_logits=True))
    dy = ops.abs(response[:, 1:] - response[:, :-1])
    dx = ops.abs(response[:, :, 1:] - response[:, :, :-1])
    return sim + ops.mean(dy) + ops.mean(dx)


def kim_segment(network, optimizer, image, steps, mu, *, labels_once=False):
    import keras
    from keras import ops

    from unsuplab.exercises import value_and_grad

    x = ops.convert_to_tensor(image[None])  # a batch of one image
    n_segments = []
    labels = ops.argmax(network(x), axis=-1)
    for _ in range(steps):
        if not labels_once:  # labels_once: the planted mistake
            # 1. the pseudo-labels: the argmax of the current response (no gradient through it)
            labels = ops.argmax(network(x), axis=-1)
        n_segments.append(len(np.unique(ops.convert_to_numpy(labels))))

        # 2. one step on  mean cross-entropy against them + mu * continuity
        def loss_fn(labels=labels):
            r = network(x, training=True)
            similarity = ops.mean(keras.losses.sparse_categorical_crossentropy(
                labels, r, from_logits=True))
            continuity = (ops.mean(ops.abs(r[:, 1:] - r[:, :-1]))
                          + ops.mean(ops.abs(r[:, :, 1:] - r[:, :, :-1])))
            return similarity + mu * continuity

        _, grads = value_and_grad(loss_fn, network.trainable_variables)
        optimizer.apply(grads, network.trainable_variables)
    # 3. the segmentation: the labels of the trained network
    return ops.convert_to_numpy(ops.argmax(network(x), axis=-1))[0], n_segments


SOLUTIONS = {"07.1": miou, "07.2": kmeans_step, "07.3": continuity, "07.4": dfc_loss,
             "07.6": kim_segment}


def _greedy_miou(labels_true, labels_pred):
    """Each true region takes its best segment, even one already taken."""
    t = np.unique(labels_true, return_inverse=True)[1].ravel()
    p = np.unique(labels_pred, return_inverse=True)[1].ravel()
    inter = np.zeros((t.max() + 1, p.max() + 1))
    np.add.at(inter, (t, p), 1)
    iou = inter / (inter.sum(1, keepdims=True) + inter.sum(0, keepdims=True) - inter)
    return iou.max(axis=1).mean()


WRONG = {
    "07.1": _greedy_miou,
    "07.2": lambda image, centres, w: kmeans_step(image, centres, 1.0),  # ignores the weight
    "07.3": lambda r: np.abs(np.diff(r, axis=0)).mean(),  # one direction only
    "07.4": lambda r: __import__("keras").ops.mean(  # the continuity term alone
        __import__("keras").ops.abs(r[:, 1:] - r[:, :-1])) + __import__("keras").ops.mean(
        __import__("keras").ops.abs(r[:, :, 1:] - r[:, :, :-1])),
    "07.6": lambda *args: kim_segment(*args, labels_once=True),  # pseudo-labels never renewed
}

# The answers to the conceptual questions (07.C1-07.C4) and the open exercise 07.5 are in
# solutions/answers.md.
