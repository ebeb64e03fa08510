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


def _ssim_by_loops(a, b, peak=1.0):
    """SSIM of two (H, W) images straight from the definition: every 11x11 window."""
    t = np.arange(11) - 5.0
    g = np.exp(-0.5 * (t / 1.5) ** 2)
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    values = []
    for i in range(a.shape[0] - 10):
        for j in range(a.shape[1] - 10):
            pa, pb = a[i : i + 11, j : j + 11], b[i : i + 11, j : j + 11]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * pa * pa).sum() - ma**2, (w * pb * pb).sum() - mb**2
            cov = (w * pa * pb).sum() - ma * mb
            values.append(
                (2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
            )
    return float(np.mean(values))


def test_ssim_matches_the_definition_window_by_window():
    rng = np.random.default_rng(1)
    a = rng.random((16, 14))
    b = np.clip(a + 0.2 * rng.standard_normal(a.shape), 0, 1)
    assert metrics.ssim_per_image(a, b)[0] == pytest.approx(_ssim_by_loops(a, b), abs=1e-10)
    assert metrics.ssim(a, a) == pytest.approx(1.0)


@pytest.mark.tensorflow_only
def test_ssim_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(2)
    x = rng.random((4, 28, 28, 1))
    y = np.clip(x + 0.1 * rng.standard_normal(x.shape), 0, 1)
    ours = metrics.ssim_per_image(x, y)
    theirs = tf.image.ssim(tf.constant(x, tf.float32), tf.constant(y, tf.float32), 1.0).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


# --- hole PSNR (chapter 02) --------------------------------------------------------------------


def test_hole_psnr_by_hand():
    clean = np.zeros((2, 4, 4), np.float32)
    restored = clean.copy()
    mask = np.ones_like(clean)
    mask[:, 0, :2] = 0  # two missing pixels in each image
    restored[0, 0, 0] = 0.1  # image 0: hole MSE = 0.01 / 2 -> 23.01 dB
    restored[1, 0, :2] = 0.1  # image 1: hole MSE = 0.01 -> 20 dB
    restored[1, 3, 3] = 0.9  # a kept pixel: not counted
    expected = (10 * np.log10(1 / 0.005) + 20.0) / 2
    np.testing.assert_allclose(metrics.hole_psnr(clean, restored, mask), expected, rtol=1e-6)
    # the same with a channel axis, and one image on its own
    np.testing.assert_allclose(
        metrics.hole_psnr(clean[..., None], restored[..., None], mask), expected, rtol=1e-6)
    np.testing.assert_allclose(metrics.hole_psnr(clean[1], restored[1], mask[1]), 20.0,
                               rtol=1e-6)


def test_hole_psnr_averages_the_error_over_channels():
    clean = np.zeros((1, 2, 2, 3), np.float32)
    restored = clean.copy()
    restored[0, 0, 0, 0] = 0.3  # one channel of the one missing pixel: MSE 0.09 / 3
    mask = np.ones((1, 2, 2))
    mask[0, 0, 0] = 0
    np.testing.assert_allclose(metrics.hole_psnr(clean, restored, mask),
                               10 * np.log10(3 / 0.09), rtol=1e-6)


def test_hole_psnr_floors_an_exact_fill_at_8_bit_quantization_noise():
    clean = np.zeros((2, 4, 4), np.float32)
    mask = np.ones_like(clean)
    mask[:, :2, :2] = 0
    restored = clean.copy()
    restored[1, 0, 0] = 0.2  # image 1: hole MSE 0.04 / 4 = 0.01 -> 20 dB; image 0 exact
    ceiling = 10 * np.log10(255**2 * 12)  # 58.92 dB
    assert np.isclose(10 * np.log10(1 / metrics.HOLE_MSE_FLOOR), ceiling)
    value = metrics.hole_psnr(clean, restored, mask)
    assert np.isfinite(value)
    np.testing.assert_allclose(value, (ceiling + 20.0) / 2, rtol=1e-6)


def test_hole_psnr_leaves_out_images_without_a_hole():
    clean = np.zeros((2, 4, 4), np.float32)
    restored = np.full_like(clean, 0.1)
    mask = np.ones_like(clean)
    mask[0, 0, 0] = 0  # image 1 has no hole
    np.testing.assert_allclose(metrics.hole_psnr(clean, restored, mask), 20.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), np.ones((2, 4, 4))), ValueError,
         "no missing pixel"),
        ((np.zeros((2, 4, 4)), np.zeros((2, 4, 5)), np.ones((2, 4, 4))), ValueError,
         "same shape"),
        ((np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), np.ones((4, 4))), ValueError,
         "spatial shape"),
        ((np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), np.full((2, 4, 4), 0.5)), ValueError,
         "only 0"),
        ((np.zeros((2, 4, 4)), np.full((2, 4, 4), 3.0), np.zeros((2, 4, 4))), ValueError,
         "/ 255"),
        ((np.zeros((2, 4, 4), np.uint8), np.zeros((2, 4, 4)), np.zeros((2, 4, 4))), TypeError,
         "float"),
    ],
)
def test_hole_psnr_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        metrics.hole_psnr(*args)


def test_metrics_in_blocks_equal_the_whole_array_formulas(monkeypatch):
    from unsuplab.metrics import image

    monkeypatch.setattr(image, "_BLOCK", 7)  # several blocks and a ragged last one
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (30, 12, 12, 1)).astype(np.float32)
    y = np.clip(x + rng.normal(0, 0.05, x.shape), 0, 1).astype(np.float32)
    mse = np.mean((x.astype(np.float64) - y) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(metrics.psnr_per_image(x, y), 10 * np.log10(1 / mse))
    monkeypatch.setattr(image, "_BLOCK", 1024)
    whole = metrics.ssim_per_image(x, y)
    monkeypatch.setattr(image, "_BLOCK", 7)
    np.testing.assert_allclose(metrics.ssim_per_image(x, y), whole, rtol=1e-12)


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim, metrics.mse_per_image,
                                metrics.psnr_per_image, metrics.ssim_per_image])
def test_image_metrics_refuse_another_scale(fn):
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (3, 12, 12)).astype(np.float32)
    with pytest.raises(ValueError, match=r"x must lie in \[0, peak\].*0\.\.255 grey levels"):
        fn(x * 255, x)  # 0..255 floats scored with peak 1 (psnr gave -46 dB)
    with pytest.raises(ValueError, match=r"y must lie in \[0, peak\]"):
        fn(x, x * 255)
    with pytest.raises(ValueError, match=r"y must lie in \[0, peak\]"):
        fn(x, x - 1.0)
    if fn is not metrics.mse_per_image:
        fn(x * 255, np.clip(x * 255 + 3, 0, 255), peak=255.0)  # the same images, said so
    fn(x, x * 1.2)  # an unclipped decoder's small overshoot is scored as it is


# --- against scikit-image, and the layouts and scales at the edges -----------------------------


def test_psnr_of_one_colour_image_matches_skimage():
    from skimage.metrics import peak_signal_noise_ratio

    rng = np.random.default_rng(3)
    x = rng.random((9, 7, 3))  # one (H, W, 3) colour image, not 9 grey images of 7 x 3
    y = np.clip(x + rng.normal(0, 0.05, x.shape), 0, 1)
    ref = peak_signal_noise_ratio(x, y, data_range=1.0)
    assert metrics.psnr(x, y) == pytest.approx(ref, rel=1e-12)
    assert metrics.psnr_per_image(x, y).shape == (1,)
    assert metrics.psnr(x, y) == pytest.approx(metrics.psnr(x[None], y[None]), rel=1e-12)
    # (H, W, 1) is one grey image too
    assert metrics.psnr(x[..., :1], y[..., :1]) == pytest.approx(
        peak_signal_noise_ratio(x[..., 0], y[..., 0], data_range=1.0), rel=1e-12)
    # 0..255 floats with peak=255, as scikit-image's data_range
    assert metrics.psnr(255 * x, 255 * y, peak=255) == pytest.approx(ref, rel=1e-12)


def test_ssim_of_one_colour_image_averages_the_channels():
    rng = np.random.default_rng(4)
    x = rng.random((16, 14, 3))
    y = np.clip(x + 0.2 * rng.standard_normal(x.shape), 0, 1)
    per_channel = [_ssim_by_loops(x[..., c], y[..., c]) for c in range(3)]
    assert metrics.ssim(x, y) == pytest.approx(np.mean(per_channel), abs=1e-10)


def test_mean_of_psnrs_is_at_least_the_psnr_of_the_mean_mse():
    # Jensen: log is concave, so the mean of -log(MSE_i) is >= -log(mean MSE)
    rng = np.random.default_rng(5)
    x = rng.random((20, 8, 8))
    y = np.clip(x + rng.normal(0, 1, (20, 1, 1)) ** 2 * 0.05 * rng.standard_normal(x.shape),
                0, 1)
    mse = np.mean((x - y) ** 2, axis=(1, 2))
    pooled = 10 * np.log10(1 / mse.mean())
    assert metrics.psnr(x, y) > pooled + 1.0  # unequal errors: far apart
    same = np.full_like(x, 0.5)
    assert metrics.psnr(same, same + 0.1) == pytest.approx(
        10 * np.log10(1 / np.mean((0.1) ** 2)))  # equal errors: equal


def test_hole_psnr_with_peak_255_matches_the_0_1_scale():
    rng = np.random.default_rng(6)
    clean = rng.random((3, 6, 6))
    restored = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    mask = (rng.random((3, 6, 6)) > 0.3).astype(np.float32)
    want = metrics.hole_psnr(clean, restored, mask)
    assert metrics.hole_psnr(255 * clean, 255 * restored, mask, peak=255) == pytest.approx(
        want, rel=1e-12)
    # the floor scales with the peak: an exact fill scores the same 58.9 dB on both scales
    assert metrics.hole_psnr(255 * clean, 255 * clean, mask, peak=255) == pytest.approx(
        metrics.hole_psnr(clean, clean, mask), rel=1e-12)


def test_hole_psnr_of_one_colour_image_with_an_h_w_mask():
    from skimage.metrics import peak_signal_noise_ratio

    rng = np.random.default_rng(7)
    clean = rng.random((5, 4, 3))
    restored = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    mask = np.ones((5, 4))
    mask[1:3, 1:3] = 0
    hole = mask == 0  # the PSNR of the missing pixels' values, all channels
    ref = peak_signal_noise_ratio(clean[hole], restored[hole], data_range=1.0)
    assert metrics.hole_psnr(clean, restored, mask) == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError, match="spatial shape"):
        metrics.hole_psnr(clean, restored, np.ones((5, 4, 3)))
