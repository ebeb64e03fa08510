import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch07


@pytest.fixture
def tiny():
    from unsuplab.data.segmentation import make_mosaics

    return make_mosaics(2, seed=0, size=32)


def test_load_data_follows_the_settings():
    with config.use_mode("quick"):
        data = ch07.load_data(n_mosaics=3, size=48)
        assert len(data.mosaics) == 3 and data.mosaics.images.shape[1:] == (48, 48, 3)
        assert set(data.photos) == set(config.setting("seg.photos"))


def test_run_methods_scores_every_method_and_summarizes(tiny):
    methods = ("kmeans_colour", "slic", "dfc_rgb")
    with config.use_mode("quick"):
        records = ch07.run_methods(tiny, methods, seeds=(0, 1), steps=3)
    assert len(records) == 2 + 2 + 2 * 2  # the deep method once per seed
    assert {r["method"] for r in records} == set(methods)
    for r in records:
        assert 0.0 <= r["miou"] <= 1.0 and r["seconds"] > 0 and r["vi"] >= 0
    rows = {r["method"]: r for r in ch07.summarize(records)}
    assert rows["dfc_rgb"]["seeds"] == 2 and rows["slic"]["seeds"] == 1
    mine = [r["miou"] for r in records if r["method"] == "slic"]
    assert rows["slic"]["miou"] == pytest.approx(np.mean(mine))


def test_deep_inputs_and_segment():
    from unsuplab.data.segmentation import make_mosaic

    image, labels, _ = make_mosaic("voronoi", "colour", 2, size=32, seed=0)
    x = ch07.deep_inputs(image, "dfc_superpixel")
    assert x.shape == (32, 32, 19) and np.allclose(x.mean((0, 1)), 0, atol=1e-4)
    assert ch07.deep_inputs(image, "dfc_rgb").shape == (32, 32, 3)
    # fixed units: a grey image has no chroma, and it stays ~0 (not rescaled to unit variance)
    grey = ch07.deep_inputs(np.repeat(image.mean(-1, keepdims=True), 3, -1), "dfc_superpixel")
    assert np.abs(grey[..., 1:3]).max() < 0.05 and grey[..., 0].std() > 0.1
    with config.use_mode("quick"):
        result = ch07.segment(image, 2, "dfc_superpixel", steps=3)
        assert result.labels.shape == labels.shape and result.method == "dfc_superpixel"
        # the model is built once per variant and seed, then reused
        assert ch07.feature_clustering() is ch07.feature_clustering("dfc_superpixel")


def test_unknown_method_and_variant_raise():
    image = np.zeros((8, 8, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="method"):
        ch07.segment(image, 2, "watershed")
    with pytest.raises(ValueError, match="variant"):
        ch07.deep_inputs(image, "dfc_depth")
    with pytest.raises(ValueError, match="k must be >= 2"):
        ch07.segment(image, 1, "dfc_rgb")
