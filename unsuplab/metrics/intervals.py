"""Means over repeated draws, with Student-t confidence intervals (chapter 08).

With ``n`` draws (5 in the few-label protocol) the sample mean :math:`\\bar x` and sd
:math:`s` give the interval :math:`\\bar x \\pm t_{n-1,\\,(1+c)/2}\\, s / \\sqrt{n}` for the
mean at confidence :math:`c`. A *gain* (augmented minus plain, on the same draws) is a
paired difference: its interval is the one-sample interval of the per-draw differences,
which removes the draw-to-draw variation both share.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number


def mean_interval(values, confidence=0.95):
    """Mean, sd (ddof=1) and the ``confidence`` Student-t interval of the mean.

    Args:
        values: 1-D array of >= 2 finite numbers (one per draw).
        confidence: in (0, 1).

    Returns:
        dict with ``mean``, ``sd``, ``low``, ``high``, ``half_width``, ``n``.
    """
    from scipy import stats

    x = check_array(values, "values", ndim=1, dtype_kind="fiu").astype(np.float64)
    if len(x) < 2:
        raise ValueError(f"an interval needs at least 2 values. Received: values with {len(x)}")
    confidence = check_number(confidence, "confidence", low=0, high=1, low_inclusive=False,
                              high_inclusive=False)
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, len(x) - 1) * sd / np.sqrt(len(x)))
    return {"mean": mean, "sd": sd, "low": mean - half, "high": mean + half,
            "half_width": half, "n": len(x)}


def paired_gain(with_values, without_values, confidence=0.95):
    """The gain ``with - without`` over paired draws: :func:`mean_interval` of the
    differences. ``low > 0`` means a gain at that confidence, ``high < 0`` a loss."""
    a = check_array(with_values, "with_values", ndim=1, dtype_kind="fiu").astype(np.float64)
    b = check_array(without_values, "without_values", ndim=1, dtype_kind="fiu").astype(
        np.float64)
    if a.shape != b.shape:
        raise ValueError(f"with_values and without_values must pair up (same draws). "
                         f"Received: shapes {a.shape} and {b.shape}")
    return mean_interval(a - b, confidence)


__all__ = ["mean_interval", "paired_gain"]
