import numpy as np
import pytest
from scipy.stats import norm

from unsuplab.viz import latent_grid


def _decode(codes):
    """A 4x3 image whose left half is z1 and right half z2 (squashed to [0, 1])."""
    z = 1.0 / (1.0 + np.exp(-np.asarray(codes)))
    images = np.empty((len(z), 4, 3), np.float32)
    images[:, :, :2], images[:, :, 2:] = z[:, None, :1], z[:, None, 1:]
    return images


def test_linear_grid_places_z1_right_and_z2_up():
    fig = latent_grid(_decode, n=3, span=(-2, 2))
    ax = fig.axes[0]
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (3 * 4, 3 * 3)
    squash = 1.0 / (1.0 + np.exp(-np.array([-2.0, 0.0, 2.0])))
    np.testing.assert_allclose(mosaic[0, [0, 3, 6]], squash, rtol=1e-6)  # z1 grows rightwards
    np.testing.assert_allclose(mosaic[[0, 4, 8], 2], squash[::-1], rtol=1e-6)  # z2 grows up
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-2", "0", "2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "0", "-2"]


def test_quantile_grid_labels_the_axes_with_the_true_code_values():
    fig = latent_grid(_decode, n=5, quantiles=True, span=(0.1, 0.9), max_ticks=5)
    ax = fig.axes[0]
    values = norm.ppf(np.linspace(0.1, 0.9, 5))
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{v:.2g}" for v in values]
    assert "quantiles" in ax.get_xlabel()
    mosaic = ax.images[0].get_array()
    np.testing.assert_allclose(mosaic[0, ::3][:5], 1 / (1 + np.exp(-values)), rtol=1e-5)


def test_span_from_codes_and_drawing_into_an_axes():
    import matplotlib.pyplot as plt

    codes = np.random.default_rng(0).normal(size=(500, 2)) * [1.0, 4.0]
    fig, (left, right) = plt.subplots(1, 2)
    assert latent_grid(_decode, n=4, codes=codes, ax=right, title="grid") is fig
    labels = [float(t.get_text().replace("−", "-")) for t in right.get_yticklabels()]
    lo, hi = np.percentile(codes[:, 1], [2, 98])
    np.testing.assert_allclose([labels[0], labels[-1]], [hi, lo], rtol=0.05)
    assert right.get_title() == "grid"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"decode": None}, TypeError, "decode must be callable"),
        ({"n": 1}, ValueError, "n must be >= 2"),
        ({"quantiles": True, "span": (0.0, 0.5)}, ValueError, "0 < low < high < 1"),
        ({"span": (1.0, 1.0)}, ValueError, "low < high"),
        ({"codes": np.zeros((5, 3))}, ValueError, "2 columns"),
        ({"decode": lambda z: _decode(z)[:3]}, ValueError, "one image per code"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, match):
    kwargs = {"decode": _decode, **kwargs}
    with pytest.raises(error, match=match):
        latent_grid(kwargs.pop("decode"), **kwargs)
