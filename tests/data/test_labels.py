"""Class-balanced label draws."""

import numpy as np
import pytest

from unsuplab.data.labels import draw_labels, hide_labels, label_draws


def test_draw_is_balanced_seeded_and_sorted():
    y = np.repeat(np.arange(3), [5, 7, 9])
    idx = draw_labels(y, 12, seed=1)
    assert len(idx) == 12 and len(np.unique(idx)) == 12 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(np.bincount(y[idx]), [4, 4, 4])
    np.testing.assert_array_equal(idx, draw_labels(y, 12, seed=1))
    draws = label_draws(y, 6, n_draws=4)
    assert len({tuple(d) for d in draws}) > 1
    np.testing.assert_array_equal(draws[2], draw_labels(y, 6, seed=2))


def test_hide_labels():
    y = np.array([3, 1, 2, 0])
    np.testing.assert_array_equal(hide_labels(y, [1, 3]), [-1, 1, -1, 0])
    with pytest.raises(ValueError, match="must index y"):
        hide_labels(y, [4])


def test_bad_draws_are_refused():
    y = np.repeat(np.arange(3), [5, 7, 9])
    with pytest.raises(ValueError, match="class 0 has only 5"):
        draw_labels(y, 18)
    with pytest.raises(ValueError, match="multiple of the number of classes"):
        draw_labels(y, 10)
    with pytest.raises(ValueError, match=">= 0"):
        draw_labels(np.array([0, -1, 1]), 2)
