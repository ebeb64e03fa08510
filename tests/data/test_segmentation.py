import numpy as np
import pytest

from unsuplab.data.segmentation import (
    KINDS,
    SHAPES,
    TEXTURES,
    load_segmentation_photos,
    load_textures,
    make_mosaic,
    make_mosaics,
)


def test_texture_bank_is_offline_and_large_enough():
    bank = load_textures()
    assert set(bank) == set(TEXTURES)
    for name, image in bank.items():
        assert image.dtype == np.float32 and image.ndim == 2, name
        assert min(image.shape) >= 128, name
        assert 0.0 <= image.min() and image.max() <= 1.0


def test_mosaics_are_seeded_and_exact():
    a = make_mosaics(4, seed=3, size=64)
    b = make_mosaics(4, seed=3, size=64)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.images.shape == (4, 64, 64, 3) and a.images.dtype == np.float32
    assert a.labels.shape == (4, 64, 64) and a.labels.dtype == np.int32
    assert 0.0 <= a.images.min() and a.images.max() <= 1.0
    for labels, k in zip(a.labels, a.n_regions, strict=True):
        counts = np.bincount(labels.ravel())
        assert len(counts) == k and counts.min() >= 0.04 * labels.size  # exactly k regions
    other = make_mosaics(4, seed=4, size=64)
    assert not np.array_equal(a.images, other.images)
    # the first mosaics of a larger set are those of a smaller one
    np.testing.assert_array_equal(make_mosaics(6, seed=3, size=64).images[:4], a.images)


def test_first_twelve_mosaics_cover_every_shape_and_kind():
    m = make_mosaics(12, seed=0, size=48)
    assert set(zip(m.shapes, m.kinds, strict=True)) == {(s, k) for s in SHAPES for k in KINDS}


def test_kinds_differ_in_what_they_claim():
    from skimage.color import rgb2lab

    def region_stats(kind):
        image, labels, names = make_mosaic("voronoi", kind, 3, size=64, seed=1)
        lab = rgb2lab(image)
        hues = [np.round(np.median(lab[labels == r][:, 1:], axis=0)) for r in range(3)]
        return names, hues

    names, hues = region_stats("colour")
    assert len(set(names)) == 1 and not np.allclose(hues[0], hues[1], atol=3)
    names, hues = region_stats("texture")
    assert len(set(names)) == 3 and np.allclose(hues[0], hues[1], atol=4)
    names, _ = region_stats("both")
    assert len(set(names)) == 3


def test_horse_layout_puts_the_horse_in_its_own_region():
    image, labels, _ = make_mosaic("horse", "both", 2, size=64, seed=0)
    assert set(np.unique(labels)) == {0, 1}
    assert labels[0, 0] == 0  # the corner is background


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="shape"):
        make_mosaic("square", "colour", 3)
    with pytest.raises(ValueError, match="kind"):
        make_mosaic("voronoi", "shade", 3)
    with pytest.raises(ValueError, match="n_regions"):
        make_mosaic("voronoi", "colour", 1)
    with pytest.raises(ValueError, match="n"):
        make_mosaics(0)
    with pytest.raises(ValueError, match="low <= high"):
        make_mosaics(2, n_regions=(5, 3))
    with pytest.raises(ValueError, match="size"):
        make_mosaics(2, size=8)


def test_photos_are_colour_and_sized():
    photos = load_segmentation_photos(("coffee",), size=48)
    assert photos["coffee"].shape[0] == 48 and photos["coffee"].shape[-1] == 3
