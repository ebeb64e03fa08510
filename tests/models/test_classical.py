import numpy as np
import pytest

from unsuplab.data import blur, gaussian_noise, random_holes, salt_and_pepper
from unsuplab.metrics import psnr
from unsuplab.models import classical


@pytest.fixture(scope="module")
def smooth():
    """Eight smooth 24x24 images (gradients and a soft disc) in [0.1, 0.9]."""
    yy, xx = np.mgrid[0:24, 0:24] / 23.0
    disc = 0.5 + 0.4 * np.exp(-((xx - 0.5) ** 2 + (yy - 0.5) ** 2) * 8)
    base = [0.1 + 0.8 * xx, 0.1 + 0.8 * yy, disc]
    images = [base[i % 3] * (0.8 + 0.05 * i) for i in range(8)]
    return np.clip(np.stack(images), 0, 1).astype(np.float32)


@pytest.mark.parametrize("method", sorted(classical.DENOISERS))
def test_every_denoiser_beats_the_noisy_input(smooth, method):
    noisy = gaussian_noise(smooth, 0.1, seed=0)
    result = classical.denoise(noisy, 0.1, method=method)
    assert result.images.shape == noisy.shape and result.images.dtype == np.float32
    assert result.method == method
    assert result.seconds_per_image > 0 and result.wall_seconds > 0
    assert psnr(result.images, smooth) > psnr(noisy, smooth) + 3.0


@pytest.mark.parametrize("shape", [(24, 24), (3, 24, 24), (3, 24, 24, 1)])
def test_denoise_keeps_the_callers_layout(smooth, shape):
    x = smooth[: (shape[0] if len(shape) > 2 else 1)].reshape(shape)
    assert classical.denoise(x, 0.05, method="tv").images.shape == shape


def test_two_workers_give_the_same_images(smooth):
    noisy = gaussian_noise(smooth, 0.1, seed=1)
    one = classical.denoise(noisy, 0.1, method="wavelet", n_jobs=1)
    two = classical.denoise(noisy, 0.1, method="wavelet", n_jobs=2)
    np.testing.assert_allclose(one.images, two.images, atol=1e-6)


def test_sigma_zero_returns_the_input(smooth):
    out = classical.denoise(smooth, 0, method="bm3d")
    np.testing.assert_array_equal(out.images, smooth)


def test_median_removes_salt_and_pepper(smooth):
    corrupted = salt_and_pepper(smooth, 0.1, seed=0)
    out = classical.median(corrupted)
    assert psnr(out.images, smooth) > psnr(corrupted, smooth) + 8.0


@pytest.mark.parametrize("method", sorted(classical.DEBLURRERS))
def test_deblur_sharpens(method):
    rng = np.random.default_rng(0)
    sharp = np.kron(rng.random((4, 6, 6)), np.ones((4, 4))).astype(np.float32)  # blocks
    blurred = blur(sharp, 1.0)
    out = classical.deblur(blurred, 1.0, method=method)
    assert psnr(out.images, sharp) > psnr(blurred, sharp) + 0.5


def test_inpaint_fills_holes_and_keeps_known_pixels(smooth):
    masked, mask = random_holes(smooth, hole_size=6, seed=0)
    out = classical.inpaint(masked, mask)
    known = mask > 0.5
    np.testing.assert_array_equal(out.images[known], smooth[known])
    # a biharmonic fill of a smooth image is close to it inside the holes
    assert np.abs(out.images - smooth)[~known].max() < 0.05
    assert np.abs(masked - smooth)[~known].max() > 0.1


def test_inpaint_of_a_single_image_with_a_2d_mask(smooth):
    mask = np.ones((24, 24), np.float32)
    mask[8:12, 8:12] = 0
    out = classical.inpaint(smooth[0] * mask, mask)
    assert out.images.shape == (24, 24)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: classical.denoise(x, -0.1), ValueError, "sigma must be >= 0"),
        (lambda x: classical.denoise(x, 0.1, method="gauss"), ValueError, "choose one of"),
        (lambda x: classical.denoise(x + 0.5, 0.1), ValueError, r"must lie in \[0, 1\]"),
        (lambda x: classical.denoise(x - 0.5, 0.1), ValueError, r"must lie in \[0, 1\]"),
        (lambda x: classical.denoise(np.stack([x] * 3, -1), 0.1), ValueError, "1 channel"),
        (lambda x: classical.denoise(x, 25), ValueError, "did you mean sigma=25/255"),
        (lambda x: classical.denoise(x * 255, 0.1), ValueError, "/ 255"),
        (lambda x: classical.denoise(x.astype(np.uint8), 0.1), TypeError, "float"),
        (lambda x: classical.denoise(x, 0.1, n_jobs=0), ValueError, "n_jobs"),
        (lambda x: classical.inpaint(x, np.ones((24, 24))), ValueError, "spatial shape"),
        (lambda x: classical.inpaint(x, np.full(x.shape, 0.5)), ValueError, "only 0"),
        (lambda x: classical.inpaint(x[..., None], np.ones(x.shape + (1,))), ValueError,
         "spatial shape"),
        (lambda x: classical.median(np.stack([x] * 2, -1)), ValueError, "1 channel"),
        (lambda x: classical.deblur(x, -1.0), ValueError, "blur_sigma"),
        (lambda x: classical.median(x, size=0), ValueError, "size"),
    ],
)
def test_bad_input_raises_a_clear_error(smooth, call, error, match):
    with pytest.raises(error, match=match):
        call(smooth)


def test_nan_is_refused(smooth):
    x = smooth.copy()
    x[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        classical.denoise(x, 0.1, method="tv")
