"""FeatureClustering: runs on TensorFlow and on JAX (KERAS_BACKEND=jax .venv-jax/bin/pytest)."""

import keras
import numpy as np
import pytest

from unsuplab.metrics.segmentation import miou
from unsuplab.models import FeatureClustering
from unsuplab.models.feature_clustering import continuity_loss, similarity_loss
from unsuplab.networks.fcn import fcn


def two_colour_image(size=16):
    image = np.zeros((size, size, 3), dtype=np.float32)
    image[:, : size // 2] = (0.9, 0.2, 0.2)
    image[:, size // 2 :] = (0.2, 0.3, 0.9)
    truth = np.zeros((size, size), dtype=int)
    truth[:, size // 2 :] = 1
    return image, truth


def test_fcn_keeps_the_image_size_and_counts_weights():
    net = fcn(3, filters=(4, 5), n_outputs=6, seed=0)
    out = net(np.zeros((2, 9, 7, 3), dtype=np.float32))
    assert tuple(out.shape) == (2, 9, 7, 6)
    # conv 3*3*3*4+4, norm 2*4, conv 3*3*4*5+5, norm 2*5, 1x1 5*6+6, norm 2*6
    assert net.count_params() == 112 + 8 + 185 + 10 + 36 + 12
    with pytest.raises(ValueError, match="odd"):
        fcn(3, kernel_size=2)


def test_losses_on_hand_made_responses():
    flat = np.zeros((1, 3, 3, 2), dtype=np.float32)
    assert float(continuity_loss(flat)) == 0.0
    step = flat.copy()
    step[:, :, 2:, 0] = 1.0  # one vertical edge in channel 0
    # horizontal differences: 3 rows x 2 pairs x 2 channels = 12 values, 3 of them 1
    assert float(continuity_loss(step)) == pytest.approx(3 / 12)
    confident = np.zeros((1, 2, 2, 2), dtype=np.float32)
    confident[..., 0] = 50.0
    assert float(similarity_loss(confident)) == pytest.approx(0.0, abs=1e-6)
    assert float(similarity_loss(flat)) == pytest.approx(np.log(2), rel=1e-5)


def test_segment_splits_two_colours_and_records_history():
    image, truth = two_colour_image()
    model = FeatureClustering(3, filters=(8,), n_clusters=6, seed=0)
    labels = model.segment(image, k=2, steps=15, merge_on="input")
    assert labels.shape == truth.shape and labels.dtype == np.int32
    assert set(np.unique(labels)) <= {0, 1}
    assert miou(truth, labels) > 0.8  # a 1-2 pixel boundary cluster may join either side
    h = model.training_history
    assert set(h) >= {"loss", "similarity_loss", "continuity_loss", "n_segments"}
    assert len(h["loss"]) == 15 and h["loss"][-1] < h["loss"][0]
    assert 1 <= h["n_segments"][-1] <= 6


def test_superpixels_vote_the_clusters_before_merging():
    image, truth = two_colour_image()
    model = FeatureClustering(3, filters=(8,), n_clusters=6, seed=0)
    superpixels = np.arange(16)[None, :] // 4 * np.ones((16, 1), dtype=int)  # 4 column strips
    labels = model.segment(image, steps=3, superpixels=superpixels)
    for s in range(4):  # every strip carries one cluster
        assert len(np.unique(labels[superpixels == s])) == 1
    merged = model.segment(image, k=2, steps=15, merge_on="input", superpixels=superpixels)
    assert miou(truth, merged) == pytest.approx(1.0)  # strips never straddle the edge


def test_every_image_starts_from_the_same_weights():
    image, _ = two_colour_image()
    rng = np.random.default_rng(0)
    other = rng.random((16, 16, 3)).astype(np.float32)
    model = FeatureClustering(3, filters=(4,), n_clusters=4, seed=1)
    first = model.segment(image, steps=5)
    model.segment(other, steps=5)
    np.testing.assert_array_equal(model.segment(image, steps=5), first)
    twin = FeatureClustering(3, filters=(4,), n_clusters=4, seed=1)
    np.testing.assert_array_equal(twin.segment(image, steps=5), first)


def test_save_load_round_trip(tmp_path):
    image, _ = two_colour_image(8)
    model = FeatureClustering(3, filters=(4,), n_clusters=4, continuity=2.0, seed=2)
    model.segment(image, steps=3)
    path = tmp_path / "dfc.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, FeatureClustering)
    assert loaded.continuity == 2.0 and loaded.filters == (4,) and loaded.seed == 2
    np.testing.assert_allclose(loaded.response(image), model.response(image), atol=1e-6)


def test_bad_input_raises():
    model = FeatureClustering(3, filters=(4,), n_clusters=4, seed=0)
    with pytest.raises(ValueError, match="channels"):
        model.segment(np.zeros((8, 8, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="rank"):
        model.segment(np.zeros((8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="one image"):
        model.segment(np.zeros((2, 8, 8, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        model.segment(np.full((8, 8, 3), np.nan, dtype=np.float32))
    with pytest.raises(ValueError, match="empty"):
        model.segment(np.zeros((0, 0, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="k must be >= 2"):
        model.segment(np.zeros((8, 8, 3), dtype=np.float32), k=1)
    with pytest.raises(ValueError, match="n_clusters"):
        FeatureClustering(3, n_clusters=1)
    with pytest.raises(ValueError, match="learning_rate"):
        FeatureClustering(3, learning_rate=0.0)


def test_diverged_weights_are_reported():
    image, _ = two_colour_image(8)
    model = FeatureClustering(3, filters=(4,), n_clusters=4, seed=0)
    model.segment(image, steps=1)
    model.net.get_layer("conv0").kernel.assign(np.full((3, 3, 3, 4), np.nan, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        model.response(image)
