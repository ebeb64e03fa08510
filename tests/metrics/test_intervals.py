"""Student-t intervals of a mean and of a paired gain."""

import numpy as np
import pytest

from unsuplab.metrics.intervals import mean_interval, paired_gain


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_interval_by_hand(dtype):
    x = np.array([0.70, 0.72, 0.74, 0.71, 0.73], dtype=dtype)
    r = mean_interval(x)
    # t_{4, 0.975} = 2.776445; sd = 0.0158114
    assert r["mean"] == pytest.approx(0.72, abs=1e-6)
    assert r["sd"] == pytest.approx(0.0158114, rel=1e-4)
    assert r["half_width"] == pytest.approx(2.776445 * 0.0158114 / np.sqrt(5), rel=1e-4)
    assert r["low"] < 0.72 < r["high"] and r["n"] == 5


def test_paired_gain_removes_the_shared_draw_effect():
    base = np.array([0.60, 0.70, 0.65, 0.75, 0.68])
    gain = paired_gain(base + 0.02 + np.array([0.001, -0.001, 0.0, 0.002, -0.002]), base)
    assert gain["low"] > 0.0 and gain["mean"] == pytest.approx(0.02)
    with pytest.raises(ValueError, match="pair up"):
        paired_gain(base, base[:3])
    with pytest.raises(ValueError, match="at least 2"):
        mean_interval([0.5])
    with pytest.raises(ValueError, match="NaN"):
        mean_interval([0.5, np.nan])
