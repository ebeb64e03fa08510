import numpy as np
import pytest

from unsuplab.metrics import HOLE_MSE_FLOOR
from unsuplab.widgets.correction import correction_explorer


class _Identity:
    """Stand-ins for trained models: enough to drive the explorer headless."""

    def denoise(self, images):
        return images

    def inpaint(self, images, mask):
        return np.where(mask > 0, images, 0.5).astype(np.float32)


@pytest.fixture
def images():
    yy, xx = np.mgrid[0:16, 0:16] / 15.0
    return np.stack([0.2 + 0.6 * xx, 0.2 + 0.6 * yy, 0.5 + 0.0 * xx]).astype(np.float32)


def test_explorer_renders_headless_and_reports_psnr(images):
    ex = correction_explorer(images, denoiser=_Identity(), inpainter=_Identity(), classical="tv")
    assert ex.figure is not None and len(ex.figure.axes) == 4
    scores = ex.scores
    assert set(scores) == {"corrupted", "network", "tv"}
    assert scores["network"] == pytest.approx(scores["corrupted"])  # identity model
    assert scores["tv"] > scores["corrupted"]


def test_more_noise_lowers_the_psnr(images):
    ex = correction_explorer(images, denoiser=_Identity(), classical="tv")
    ex.set(strength=10)
    low = ex.scores["corrupted"]
    ex.set(strength=60)
    assert ex.scores["corrupted"] < low - 10


def test_inpaint_task_switches_the_slider_and_scores_the_hole(images):
    ex = correction_explorer(images, denoiser=_Identity(), inpainter=_Identity(), classical="tv")
    ex.set(task="inpaint")
    assert ex.controls["strength"].description == "hole side"
    ex.set(strength=6, index=2)  # a constant image: biharmonic is exact, 0.5 fill too
    assert set(ex.scores) == {"corrupted", "network", "biharmonic"}
    ceiling = 10 * np.log10(1 / HOLE_MSE_FLOOR)  # an exact fill: hole_psnr's 58.9 dB ceiling
    assert ex.scores["biharmonic"] == pytest.approx(ceiling) and ex.scores["corrupted"] < 10
    n0 = ex.n_renders
    ex.controls["strength"].value = 4  # moving a control redraws
    assert ex.n_renders == n0 + 1


def test_only_the_given_models_are_offered(images):
    ex = correction_explorer(images, inpainter=_Identity())
    assert list(ex.controls["task"].options) == ["inpaint"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "neither"),
        ({"denoiser": _Identity(), "classical": "gauss"}, ValueError, "choose one of"),
        ({"denoiser": object()}, TypeError, "denoise"),
        ({"inpainter": object()}, TypeError, "inpaint"),
        ({"denoiser": _Identity(), "max_hole": 40}, ValueError, "max_hole"),
    ],
)
def test_bad_arguments(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        correction_explorer(images, **kwargs)


def test_images_outside_unit_range_are_refused(images):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        correction_explorer(images * 2, denoiser=_Identity())
