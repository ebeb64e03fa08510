"""Neighbourhood functions and decay schedules of the self-organizing map (NumPy).

A neighbourhood function takes the *squared* grid distance :math:`d^2 = \\lVert r_c - r_j
\\rVert^2` between the winner :math:`c` and unit :math:`j` (any shape) and the radius
:math:`\\sigma`, and returns :math:`h` of the same shape. A decay schedule takes a parameter
(the radius or the learning rate) from its start value to its end value as training goes on.
The same neighbourhoods, in ``keras.ops`` for the accelerator, are in :mod:`.kernels`.
"""

from __future__ import annotations

import numpy as np


def gaussian(d2, sigma):
    """Gaussian neighbourhood :math:`h = \\exp\\big(-d^2 / (2\\sigma^2)\\big)`.

    Smooth, 1 at the winner, 0.61 at distance :math:`\\sigma`, 0.14 at :math:`2\\sigma`.
    """
    return np.exp(-np.asarray(d2) / (2.0 * sigma * sigma))


def bubble(d2, sigma):
    """Bubble neighbourhood :math:`h = 1` if :math:`d < \\sigma`, else 0.

    Every unit inside a disc of radius :math:`\\sigma` moves by the same step; the winner
    (:math:`d = 0`) always does.
    """
    return (np.asarray(d2) < sigma * sigma).astype(np.float32)


def mexican_hat(d2, sigma):
    """Mexican-hat (Ricker) neighbourhood
    :math:`h = \\big(1 - d^2/\\sigma^2\\big) \\exp\\big(-d^2 / (2\\sigma^2)\\big)`.

    Positive near the winner, *negative* from :math:`d = \\sigma` on: nearby units are pulled
    towards the sample, a ring of units around them is pushed away (lateral inhibition).
    """
    d2 = np.asarray(d2)
    s2 = sigma * sigma
    return (1.0 - d2 / s2) * np.exp(-d2 / (2.0 * s2))


NEIGHBORHOODS = {"gaussian": gaussian, "bubble": bubble, "mexican_hat": mexican_hat}


def _asymptotic(start, end, fraction):
    # start / (1 + a f) reaches `end` at f = 1; with end = start / 3 this is MiniSom's
    # "asymptotic_decay", start / (1 + t / (T / 2)).
    return start / (1.0 + (start / end - 1.0) * fraction)


def _linear(start, end, fraction):
    return start + (end - start) * fraction


def _exponential(start, end, fraction):
    return start * (end / start) ** fraction


DECAYS = {"asymptotic": _asymptotic, "linear": _linear, "exponential": _exponential}


def decay(schedule, start, end, fraction):
    """Value of a decaying parameter (sigma or the learning rate) after a ``fraction`` of training.

    With :math:`f = t / T` (samples seen over samples to see):

    - ``"asymptotic"``: :math:`v = v_0 / (1 + (v_0/v_1 - 1) f)` (inverse time; with
      :math:`v_1 = v_0/3` it is MiniSom's default, :math:`v_0 / (1 + 2t/T)`);
    - ``"linear"``: :math:`v = v_0 + (v_1 - v_0) f`;
    - ``"exponential"``: :math:`v = v_0 (v_1 / v_0)^f`;
    - a callable ``schedule(start, end, fraction)``.

    Each goes from ``start`` (:math:`v_0`, at :math:`f = 0`) to ``end`` (:math:`v_1`, at
    :math:`f = 1`). ``fraction`` may be an array.

    Raises:
        ValueError: for an unknown schedule name (the message lists the choices).
    """
    if callable(schedule):
        function = schedule
    elif isinstance(schedule, str) and schedule in DECAYS:
        function = DECAYS[schedule]
    else:
        raise ValueError(
            f"Unknown decay; choose one of {tuple(DECAYS)} or pass a callable "
            f"decay(start, end, fraction). Received: decay={schedule!r}"
        )
    return function(start, end, np.asarray(fraction, dtype=np.float64))


def make_schedule(kind, sigma, sigma_final, learning_rate, learning_rate_final, total):
    """``schedule(t) -> (sigma, learning_rate)`` after ``t`` of ``total`` samples.

    Both parameters follow the same decay ``kind``; ``t`` may be a number (floats come back)
    or an array (arrays of its shape come back).
    """

    def schedule(t):
        fraction = np.asarray(t, dtype=np.float64) / total
        s = decay(kind, sigma, sigma_final, fraction)
        lr = decay(kind, learning_rate, learning_rate_final, fraction)
        if np.ndim(t) == 0:
            return float(s), float(lr)
        return np.broadcast_to(s, fraction.shape), np.broadcast_to(lr, fraction.shape)

    return schedule


__all__ = ["DECAYS", "NEIGHBORHOODS", "bubble", "decay", "gaussian", "make_schedule", "mexican_hat"]
