import numpy as np
import pytest

from unsuplab.models.segmentation_classical import (
    METHODS,
    check_image,
    gabor_features,
    majority_vote,
    merge_segments,
    pixel_features,
    segment,
)


def two_colour_image(size=24, dtype=np.float32):
    image = np.zeros((size, size, 3), dtype=dtype)
    image[:, : size // 2] = (0.9, 0.2, 0.2)
    image[:, size // 2 :] = (0.2, 0.3, 0.9)
    truth = np.zeros((size, size), dtype=int)
    truth[:, size // 2 :] = 1
    return image, truth


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_splits_two_colours(method):
    from unsuplab.metrics.segmentation import miou

    image, truth = two_colour_image(32)
    image = image + np.random.default_rng(0).normal(0, 0.02, image.shape).astype(np.float32)
    result = segment(np.clip(image, 0, 1), 2, method=method, seed=0)
    assert result.labels.shape == truth.shape and result.method == method
    assert result.labels.max() <= 1 and result.seconds >= 0
    assert miou(truth, result.labels) > 0.9


def test_uint8_grey_and_float64_images_are_accepted():
    image, _ = two_colour_image(16)
    a = segment((image * 255).astype(np.uint8), 2).labels
    b = segment(image.astype(np.float64), 2).labels
    assert a.shape == b.shape == (16, 16)
    assert check_image(image[..., 0]).shape == (16, 16, 3)


def test_gabor_energy_tells_stripes_from_flat():
    rows = np.arange(32)[:, None] * np.ones((1, 32))
    image = np.full((32, 32), 0.5)
    image[:, 16:] = 0.5 + 0.4 * np.sin(2 * np.pi * 0.2 * rows[:, 16:])
    f = gabor_features(image, frequencies=(0.2,), n_orientations=2)
    assert f.shape == (32, 32, 2)
    horizontal_stripes = f[..., 1]  # theta = pi/2: oscillation along the rows
    assert horizontal_stripes[8:24, 24].mean() > horizontal_stripes[8:24, 4].mean() + 1.0


def test_majority_vote_gives_each_superpixel_its_commonest_label():
    labels = np.array([[0, 0, 1, 1], [0, 2, 1, 1]])
    superpixels = np.array([[5, 5, 5, 7], [5, 5, 7, 7]])
    # superpixel 5 holds labels 0, 0, 1, 0, 2 -> 0; superpixel 7 holds 1, 1, 1 -> 1
    expected = np.array([[0, 0, 0, 1], [0, 0, 1, 1]])
    assert np.array_equal(majority_vote(labels, superpixels), expected)
    tie = majority_vote(np.array([[3, 1]]), np.array([[0, 0]]))
    assert np.array_equal(tie, [[1, 1]])  # ties go to the smaller label
    with pytest.raises(ValueError, match="superpixels must have"):
        majority_vote(labels, superpixels[:, :2])


def test_merge_segments_by_weighted_mean_feature():
    labels = np.array([[0, 1, 2, 3]])
    features = np.array([[[0.0], [0.1], [5.0], [5.2]]])
    merged = merge_segments(labels, features, 2)
    assert merged[0, 0] == merged[0, 1] != merged[0, 2] == merged[0, 3]
    assert np.array_equal(merge_segments(labels, features, 5), labels)  # nothing to merge


def test_pixel_features_blocks_have_equal_variance():
    image, _ = two_colour_image(16)
    f = pixel_features(image, colour=True, position=1.0)
    assert f.shape == (256, 5)
    np.testing.assert_allclose(f[:, :3].var(0).sum(), f[:, 3:].var(0).sum(), rtol=1e-6)


def test_bad_input_raises():
    image, _ = two_colour_image(8)
    with pytest.raises(ValueError, match="k must be >= 2"):
        segment(image, 1)
    with pytest.raises(ValueError, match="method"):
        segment(image, 2, method="watershed")
    with pytest.raises(ValueError, match="rank"):
        segment(image[None], 2)
    with pytest.raises(ValueError, match="rank"):
        segment(np.zeros(5), 2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        segment(image * 255, 2)
    with pytest.raises(ValueError, match="empty"):
        segment(np.zeros((0, 0, 3)), 2)
    with pytest.raises(ValueError, match="channels"):
        segment(np.zeros((8, 8, 4)), 2)
    with pytest.raises(ValueError, match="shape"):
        merge_segments(np.zeros((4, 4), int), np.zeros((4, 5, 1)), 2)
