import numpy as np
import pytest

from unsuplab import metrics


def test_psnr_hand_computed():
    x = np.zeros((2, 4, 4), np.float32)
    y = x.copy()
    y[0] += 0.1  # MSE 0.01 -> 20 dB
    y[1] += 0.01  # MSE 1e-4 -> 40 dB
    np.testing.assert_allclose(metrics.psnr_per_image(x, y), [20.0, 40.0], rtol=1e-5)
    # The mean of per-image PSNRs (30 dB), not the PSNR of the mean MSE (~23 dB).
    assert metrics.psnr(x, y) == pytest.approx(30.0, rel=1e-5)


def test_psnr_peak_and_identical_images():
    x = np.full((1, 4, 4), 0.5)
    assert metrics.psnr(x, x + 0.5, peak=2.0) == pytest.approx(10 * np.log10(4 / 0.25))
    assert np.isinf(metrics.psnr_per_image(x, x)[0])


def test_psnr_single_image_and_channels():
    x = np.zeros((6, 6, 3, 1)).reshape(1, 6, 6, 3)
    assert metrics.psnr(x, x + 0.1) == pytest.approx(20.0)
    assert metrics.psnr(np.zeros((6, 6)), np.full((6, 6), 0.1)) == pytest.approx(20.0)


def test_ssim_identity_and_degradation():
    rng = np.random.default_rng(0)
    x = rng.random((3, 28, 28)).astype(np.float32)
    assert metrics.ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    noisy = [np.clip(x + rng.normal(0, s, x.shape), 0, 1).astype(np.float32) for s in (0.1, 0.3)]
    assert 1.0 > metrics.ssim(x, noisy[0]) > metrics.ssim(x, noisy[1])


def test_ssim_matches_skimage_on_gaussian_window():
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(1)
    x = rng.random((32, 32)).astype(np.float32)
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1).astype(np.float32)
    ref = structural_similarity(x, y, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)
    assert metrics.ssim(x, y) == pytest.approx(ref, abs=0.02)


@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        (np.zeros((2, 4, 4)), np.zeros((2, 4, 5)), ValueError, "same shape"),
        (np.zeros((2, 4, 4), np.uint8), np.zeros((2, 4, 4), np.uint8), TypeError, "float"),
        (np.full((1, 4, 4), np.nan), np.zeros((1, 4, 4)), ValueError, "NaN"),
        (np.zeros(4), np.zeros(4), ValueError, "rank"),
    ],
)
def test_psnr_bad_input(x, y, error, match):
    with pytest.raises(error, match=match):
        metrics.psnr(x, y)


def test_ssim_refuses_tiny_images():
    with pytest.raises(ValueError, match="11x11"):
        metrics.ssim(np.zeros((1, 8, 8)), np.zeros((1, 8, 8)))


def test_psnr_bad_peak():
    with pytest.raises(ValueError, match="peak"):
        metrics.psnr(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), peak=0)
