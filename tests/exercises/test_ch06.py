"""Mutation audit of the chapter 06 checkers: common wrong answers fail, right ones pass in
float32 and float64."""

import keras
import numpy as np
import pytest
from keras import ops

from solutions import ch06 as sol
from unsuplab.exercises import Mismatch, verify


def _lloyd(distance="sq", reduce="mean", empty="keep", pick="argmin", inplace=False):
    def step(x, centres):
        diff = x[:, None, :] - centres[None]
        d = {"sq": (diff**2).sum(-1), "l1": np.abs(diff).sum(-1),
             "first": diff[..., 0] ** 2}[distance]
        labels = d.argmin(1) if pick == "argmin" else d.argmax(1)
        new = centres if inplace else np.array(centres, dtype=float)
        for j in range(len(centres)):
            members = x[labels == j]
            if len(members):
                new[j] = members.mean(0) if reduce == "mean" else members.sum(0)
            elif empty == "zero":
                new[j] = 0.0
            elif empty == "nan":
                new[j] = np.nan
        return labels, new

    return step


def _dec(kernel="student", alpha_in="both", target="f", normalise=True):
    def dec_target(z, centres, alpha):
        d2 = ((z[:, None, :] - centres[None]) ** 2).sum(-1)
        if kernel == "gauss":
            k = np.exp(-d2)
        elif kernel == "distance":
            k = (1.0 + np.sqrt(d2) / alpha) ** (-(alpha + 1.0) / 2.0)
        elif alpha_in == "power-only":
            k = (1.0 + d2) ** (-(alpha + 1.0) / 2.0)
        elif alpha_in == "one":
            k = 1.0 / (1.0 + d2)
        else:
            k = (1.0 + d2 / alpha) ** (-(alpha + 1.0) / 2.0)
        q = k / k.sum(1, keepdims=True) if normalise else k
        if target == "f":
            w = q**2 / q.sum(0)
        elif target == "no-f":
            w = q**2
        elif target == "f-rows":
            w = q**2 / q.sum(1, keepdims=True)
        else:  # not squared
            w = q / q.sum(0)
        return q, w / w.sum(1, keepdims=True)

    return dec_target


def _ap(kind):
    def ap(relevance):
        r = np.asarray(relevance, dtype=float)
        ranks = np.arange(1, len(r) + 1)
        precision = np.cumsum(r) / ranks
        if kind == "all-ranks":
            return float(precision.mean())
        if kind == "share":
            return float(r.mean())
        if kind == "divide-by-length":
            return float((precision * r).sum() / len(r))
        if kind == "nan-when-empty":
            return float((precision * r).sum() / r.sum())
        if kind == "off-by-one":
            return float(((np.cumsum(r) / (ranks + 1)) * r).sum() / max(r.sum(), 1))
        if kind == "last-precision":
            return float(precision[-1])
        raise ValueError(kind)

    return ap


def _soft(kind):
    def soft_assignment(z, centers, alpha):
        d2 = ops.sum(ops.square(z[:, None, :] - centers[None, :, :]), axis=-1)
        if kind == "numpy-inside":
            zn, cn = ops.convert_to_numpy(z), ops.convert_to_numpy(centers)
            d2 = ops.convert_to_tensor(((zn[:, None] - cn[None]) ** 2).sum(-1))
        if kind == "softmax":
            return ops.softmax(-d2, axis=-1)
        if kind == "unnormalised":
            return ops.power(1.0 + d2 / alpha, -(alpha + 1.0) / 2.0)
        if kind == "alpha-ignored":
            k = 1.0 / (1.0 + d2)
            return k / ops.sum(k, axis=1, keepdims=True)
        if kind == "column-normalised":
            k = ops.power(1.0 + d2 / alpha, -(alpha + 1.0) / 2.0)
            return k / ops.sum(k, axis=0, keepdims=True)
        k = ops.power(1.0 + d2 / alpha, -(alpha + 1.0) / 2.0)
        return k / ops.sum(k, axis=1, keepdims=True)

    return soft_assignment


WRONG = {
    "06.1": {
        "planted": sol.WRONG["06.1"], "l1": _lloyd(distance="l1"),
        "first-axis": _lloyd(distance="first"), "farthest": _lloyd(pick="argmax"),
        "sum": _lloyd(reduce="sum"), "empty-to-zero": _lloyd(empty="zero"),
        "empty-nan": _lloyd(empty="nan"), "in-place": _lloyd(inplace=True),
    },
    "06.2": {
        "planted": sol.WRONG["06.2"], "gaussian": _dec(kernel="gauss"),
        "distance-not-squared": _dec(kernel="distance"), "alpha-only-in-power":
        _dec(alpha_in="power-only"), "alpha-ignored": _dec(alpha_in="one"),
        "f-over-rows": _dec(target="f-rows"), "not-squared": _dec(target="not-squared"),
        "q-unnormalised": _dec(normalise=False),
    },
    "06.3": {
        "planted": sol.WRONG["06.3"], "share": _ap("share"),
        "divide-by-length": _ap("divide-by-length"), "nan-when-empty": _ap("nan-when-empty"),
        "off-by-one": _ap("off-by-one"), "last-precision": _ap("last-precision"),
    },
    "06.4": {
        "planted": sol.WRONG["06.4"], "softmax": _soft("softmax"),
        "unnormalised": _soft("unnormalised"), "alpha-ignored": _soft("alpha-ignored"),
        "column-normalised": _soft("column-normalised"), "numpy-inside": _soft("numpy-inside"),
    },
}


@pytest.mark.parametrize(
    ("ex", "wrong"),
    [pytest.param(ex, f, id=f"{ex}-{name}") for ex, table in WRONG.items()
     for name, f in table.items()],
)
def test_common_mistakes_fail(ex, wrong):
    with pytest.raises(Mismatch):
        verify(ex, wrong)


def test_every_checked_exercise_has_five_mistakes():
    for ex, table in WRONG.items():
        assert len(table) >= 5, ex


def _in(dtype, function):
    def cast(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return a.astype(dtype)
        return dtype(a) if isinstance(a, float) else a

    def run(*args):
        out = function(*(cast(a) for a in args))
        if isinstance(out, tuple):
            return tuple(np.asarray(o, dtype=dtype) if np.ndim(o) else o for o in out)
        return np.asarray(out, dtype=dtype) if np.ndim(out) else dtype(out)

    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ex", ["06.1", "06.2", "06.3"])
def test_reference_passes_in_both_precisions(ex, dtype):
    verify(ex, _in(dtype, sol.SOLUTIONS[ex]))


def test_the_model_exercise_passes_with_the_library_function():
    from unsuplab.models.dec import soft_assignment

    verify("06.4", soft_assignment)
    assert keras.backend.backend() in ("tensorflow", "jax")
