"""Chapter 06 exercises: one Lloyd step, DEC's soft assignment and target distribution, the
average precision of one ranked list, and the Student-t assignment inside the DEC model."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, exercise, expect_close, run_in_model


def _pair(out, what):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Mismatch(f"Return a pair {what}.")
    return np.asarray(out[0]), np.asarray(out[1], dtype=float)


def _reference_lloyd(x, centres):
    d = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
    labels = d.argmin(1)
    new = np.array(centres, dtype=float)
    for j in range(len(centres)):
        if (labels == j).any():
            new[j] = x[labels == j].mean(0)
    return labels, new


@exercise("06.1", "one step of Lloyd's algorithm")
def check_lloyd_step(lloyd_step):
    """``lloyd_step(x, centres)``: points (N, d) and centres (k, d) -> ``(labels,
    new_centres)``: each point goes to its nearest centre (squared Euclidean distance), then
    each centre moves to the mean of its points; a centre with no point stays where it is.
    Do not change the arguments in place."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(40, 3))
    x[:, 0] *= 4.0  # a long axis: a distance without squares or over one axis would differ
    centres = x[[0, 5, 9]].copy()
    centres = np.concatenate([centres, [[50.0, 50.0, 50.0]]])  # far away: gets no point
    labels, new = _pair(lloyd_step(x.copy(), centres.copy()), "(labels, new_centres)")
    exp_labels, exp_new = _reference_lloyd(x, centres)
    if labels.shape != exp_labels.shape:
        raise Mismatch(f"labels must have one entry per point, shape {exp_labels.shape}; yours "
                       f"has shape {labels.shape}.")
    if not np.array_equal(labels, exp_labels):
        if np.array_equal(labels, ((x[:, None] - centres[None]) ** 2).sum(-1).argmax(1)):
            raise Mismatch("Each point went to its *farthest* centre: take the argmin.")
        if np.array_equal(labels, np.abs(x[:, None] - centres[None]).sum(-1).argmin(1)):
            raise Mismatch("Your distance is the L1 (Manhattan) one; k-means uses the squared "
                           "Euclidean distance.")
        raise Mismatch("Some points went to the wrong centre: compare each point with every "
                       "centre by the squared Euclidean distance over all coordinates.")
    if new.shape != exp_new.shape:
        raise Mismatch(f"new_centres must have shape {exp_new.shape}; yours has {new.shape}.")
    if not np.all(np.isfinite(new)):
        raise Mismatch("A centre with no point became NaN: keep it where it was.")
    if np.allclose(new[-1], 0.0):
        raise Mismatch("A centre with no point moved to 0: keep it where it was.")
    expect_close(new, exp_new, what="Your new centres", rtol=1e-6,
                 hint="each centre is the mean of its own points (not their sum)")


def _reference_dec(z, centres, alpha):
    d2 = ((z[:, None, :] - centres[None]) ** 2).sum(-1)
    kernel = (1.0 + d2 / alpha) ** (-(alpha + 1.0) / 2.0)
    q = kernel / kernel.sum(1, keepdims=True)
    w = q**2 / q.sum(0)
    return q, w / w.sum(1, keepdims=True)


@exercise("06.2", "DEC's soft assignment and target distribution")
def check_dec_target(dec_target):
    """``dec_target(z, centres, alpha)``: codes (N, d), centres (k, d) and the Student-t's
    degrees of freedom -> ``(q, p)``, both (N, k): the soft assignment
    $q_{ij} \\propto (1 + \\lVert z_i - \\mu_j\\rVert^2/\\alpha)^{-(\\alpha+1)/2}$ and the target
    $p_{ij} \\propto q_{ij}^2 / f_j$ with $f_j = \\sum_i q_{ij}$ (each row normalised)."""
    rng = np.random.default_rng(7)
    z = rng.normal(size=(12, 2)) * 2.0
    centres = rng.normal(size=(3, 2)) * 2.0
    centres[2] += 3.0  # clusters of different sizes: f_j matters
    for alpha in (1.0, 3.0):
        q, p = _pair(dec_target(z.copy(), centres.copy(), alpha), "(q, p)")
        exp_q, exp_p = _reference_dec(z, centres, alpha)
        if q.shape == exp_q.shape and np.allclose(q.sum(1), 1) and not np.allclose(q, exp_q):
            d2 = ((z[:, None] - centres[None]) ** 2).sum(-1)
            gauss = np.exp(-d2)
            if np.allclose(q, gauss / gauss.sum(1, keepdims=True)):
                raise Mismatch("That is a Gaussian kernel; DEC's is a Student-t: "
                               "(1 + d^2/alpha)^(-(alpha+1)/2).")
            if alpha != 1.0:
                raise Mismatch(f"q is wrong for alpha={alpha:g} (right or not for alpha=1): "
                               "use alpha in both places, d^2/alpha and the power "
                               "-(alpha+1)/2.")
        expect_close(q, exp_q, what="Your q", rtol=1e-5,
                     hint="use squared distances and normalise each row to sum to 1")
        if np.allclose(p, q**2 / (q**2).sum(1, keepdims=True)) and not np.allclose(p, exp_p):
            raise Mismatch("p forgets the cluster frequencies f_j = sum_i q_ij: divide q^2 by "
                           "f_j before normalising each row.")
        expect_close(p, exp_p, what="Your p", rtol=1e-5,
                     hint="p_ij is proportional to q_ij^2 / f_j; normalise each row")


def _reference_ap(relevance):
    r = np.asarray(relevance, dtype=float)
    if r.sum() == 0:
        return 0.0
    precision = np.cumsum(r) / np.arange(1, len(r) + 1)
    return float((precision * r).sum() / r.sum())


@exercise("06.3", "average precision of one ranked list")
def check_average_precision(average_precision):
    """``average_precision(relevance)``: a 0/1 array (M,), best-ranked first -> the mean,
    over the relevant positions, of the precision at that rank (0 if nothing is relevant)."""
    cases = [np.array([1, 0, 1, 0, 0, 1]), np.array([0, 0, 1, 1]), np.array([1, 1, 0]),
             np.array([0, 0, 0]), np.array([0, 1, 0, 0, 0, 0, 0, 1])]
    for r in cases:
        got = average_precision(r.copy())
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Mismatch(f"Return one number; yours is {type(got).__name__}.") from None
        expected = _reference_ap(r)
        if not r.any():
            if not np.isfinite(got):
                raise Mismatch("A list with nothing relevant gave NaN: its AP is 0.")
            continue
        precision = np.cumsum(r) / np.arange(1, len(r) + 1)
        if np.isclose(got, precision.mean()) and not np.isclose(got, expected):
            raise Mismatch("You averaged the precision at every rank; average it only at the "
                           "ranks of the relevant items.")
        if np.isclose(got, r.mean()) and not np.isclose(got, expected):
            raise Mismatch("That is the share of relevant items, not an average precision: "
                           "it ignores the order.")
        expect_close(got, expected, what=f"Your AP for {r.tolist()}", rtol=1e-6,
                     hint="precision at rank i = (relevant items in the first i) / i")


@exercise("06.4", "the Student-t assignment inside the DEC model")
def check_soft_assignment(soft_assignment):
    """``soft_assignment(z, centers, alpha)``: *tensors* z (N, d) and centers (k, d), a
    float alpha -> q (N, k) in keras.ops only. The checker plugs it into
    :class:`~unsuplab.models.DEC` (its call and loss) and trains it briefly beside the
    library's model: both must end with the same weights."""
    import keras
    from keras import ops

    from ..models import dec as dec_module

    rng = np.random.default_rng(8)
    z = rng.normal(size=(6, 2)).astype(np.float32)
    mu = rng.normal(size=(3, 2)).astype(np.float32)
    for alpha in (1.0, 2.0):
        got = ops.convert_to_numpy(soft_assignment(ops.convert_to_tensor(z),
                                                   ops.convert_to_tensor(mu), alpha))
        expect_close(got, _reference_dec(z.astype(np.float64), mu.astype(np.float64), alpha)[0],
                     what=f"Your q (alpha={alpha:g})", rtol=1e-4,
                     hint="keras.ops.sum(keras.ops.square(z[:, None] - centers[None]), -1)")

    class StudentDEC(dec_module.DEC):
        def call(self, inputs, training=False):
            return soft_assignment(self.encoder(inputs, training=training), self.centers,
                                   self.alpha)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            q = soft_assignment(self.encoder(x, training=training), self.centers, self.alpha)
            return dec_module.kl_divergence(ops.cast(y, q.dtype), q)

    x = rng.random((32, 8, 8, 1)).astype(np.float32)

    def train(cls):
        keras.utils.set_random_seed(0)
        model = cls(3, 2, filters=(4, 8), image_shape=(8, 8, 1), seed=0)
        model.init_centers(x, n_init=1)
        p = dec_module.target_distribution(model.predict_proba(x))
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        model.fit(x, p, epochs=2, batch_size=8, shuffle=False, verbose=0)
        return model

    student = run_in_model(lambda: train(StudentDEC), soft_assignment, "the DEC model")
    library = train(dec_module.DEC)
    gap = max(float(np.abs(ops.convert_to_numpy(a) - ops.convert_to_numpy(b)).max())
              for a, b in zip(student.weights, library.weights, strict=True))
    if not np.isfinite(gap) or gap > 1e-4:
        raise Mismatch(f"Plugged into DEC, your assignment trains the model differently from "
                       f"the library's (weights up to {gap:.3g} apart after 8 steps).")
