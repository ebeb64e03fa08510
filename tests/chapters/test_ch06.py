import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch06
from unsuplab.models import ContrastiveEncoder

SHAPE = (8, 8, 1)
TINY = {"filters": (4, 8), "dense_units": (8,), "projection_units": (8,), "projection_dim": 4,
        "latent_dim": 4}


def _images(n=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *SHAPE[:2]), dtype=np.uint8)


def _weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def test_load_data_is_the_70k_protocol_in_proportion():
    data = ch06.load_data(size=140)
    assert data.x.shape == (140, 28, 28, 1) and data.x.dtype == np.uint8
    assert data.n_train == 120 and len(data.x_test) == 20 and len(data.y) == 140
    np.testing.assert_array_equal(np.bincount(data.y_train), 12)  # class-balanced
    assert len(data.class_names) == 10
    with config.use_mode("quick"):
        assert len(ch06.load_data().x) == config.setting("cluster.size")
    with pytest.raises(ValueError, match="size must be <= 70000"):
        ch06.load_data(size=80000)


def test_train_contrastive_trains_on_uint8_and_logs():
    model = ch06.train_contrastive(_images(), epochs=2, batch_size=16, temperature=0.3, **TINY)
    assert isinstance(model, ContrastiveEncoder) and model.seed == 0
    assert model.temperature == 0.3
    assert len(model.training_history["loss"]) == 2
    assert model.encode(_images(5)).shape == (5, 4)


def test_defaults_come_from_the_settings():
    with config.use_mode("quick"):
        kwargs = {k: v for k, v in TINY.items() if k != "latent_dim"}
        model = ch06.train_contrastive(_images(), batch_size=16, **kwargs)
        assert len(model.training_history["loss"]) == config.setting("cluster.contrastive_epochs")
        assert model.latent_dim == config.setting("cluster.latent_dim")
        assert model.temperature == config.setting("cluster.temperature")


def test_cached_contrastive_hits_and_misses():
    x = _images()
    kwargs = {"epochs": 1, "batch_size": 16, **TINY}
    first, trained = ch06.cached_contrastive(x, **kwargs)
    assert trained
    again, trained = ch06.cached_contrastive(x, **kwargs)
    assert not trained
    for a, b in zip(_weights(first), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
    assert ch06.cached_contrastive(_images(seed=1), **kwargs)[1]  # other images
    assert ch06.cached_contrastive(x, **{**kwargs, "temperature": 0.2})[1]  # another model
    assert ch06.cached_contrastive(x, seed=1, **kwargs)[1]


# --- the ladder --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return ch06.load_data(size=280)


def test_pixel_and_pca_rungs_score_above_chance(small):
    with config.use_mode("quick"):
        cache = {}
        r = ch06.run_rung("kmeans_pixels", small.x, small.y, feature_cache=cache)
        assert cache == {}  # pixels are remade, not held
        assert r["model"].embedding_ is None  # nor held by the pipeline
        assert r["labels"].shape == (280,) and r["acc"] > 0.3 and r["seconds"] > 0
        assert ch06.run_rung("kmeans_pca", small.x, small.y, feature_cache=cache)["nmi"] > 0.3
        assert set(cache) == {"pca"} and cache["pca"].shape == (280, config.setting(
            "cluster.pca_dim"))
        given = {"pixels": ch06.features("pixels", small.x)}  # a caller's array is used
        again = ch06.run_rung("kmeans_pixels", small.x, small.y, feature_cache=given)
        np.testing.assert_array_equal(again["labels"], r["labels"])
    with pytest.raises(ValueError, match="Unknown name"):
        ch06.run_rung("spectral", small.x, small.y)


def test_every_learned_rung_runs_in_quick_mode(small):
    with config.use_mode("quick"):
        cache = {}
        for name in ("kmeans_ae", "idec", "n2d_style", "contrastive_umap_gmm"):
            r = ch06.run_rung(name, small.x, small.y, feature_cache=cache)
            assert r["labels"].shape == (280,) and 0.0 <= r["acc"] <= 1.0
        assert cache["autoencoder"].shape == (280, config.setting("cluster.ae_latent"))
        assert cache["contrastive"].shape == (280, config.setting("cluster.latent_dim"))


def test_train_dec_logs_rounds_and_stops_early(small):
    with config.use_mode("quick"):
        ae, _ = ch06.cached_autoencoder(small.x)
        dec = ch06.train_dec(small.x, ae, rounds=3, steps=2, tol=1.0)  # tol 1: stop at round 2
        assert len(dec.training_history["label_change"]) == 2
        assert len(dec.training_history["loss"]) == 1
        assert dec.predict_labels(small.x[:5]).shape == (5,)


def test_pipeline_names_and_settings():
    with config.use_mode("quick"):
        pipe = ch06.pipeline(ch06.BEST, n_clusters=7, seed=3)
        assert (pipe.n_clusters, pipe.manifold, pipe.method, pipe.random_state) == (
            7, "umap", "gmm", 3)
        assert pipe.n_components == config.setting("cluster.umap_components")
    with pytest.raises(ValueError, match="Unknown name"):
        ch06.pipeline("idec")
    with pytest.raises(ValueError, match="Unknown kind"):
        ch06.features("sift", np.zeros((4, 28, 28), np.uint8))
