"""Chapter 04's protocol: data, the classifier recipe, the GAN recipes, the scores."""

import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch04

TINY = {"latent_dim": 4, "filters": (4, 8)}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSUPLAB_CACHE", str(tmp_path))
    return tmp_path


def test_load_data_follows_the_settings():
    with config.use_mode("quick"):
        data = ch04.load_data(train_size=200, test_size=50)
    assert data.x_train.shape == (200, 28, 28, 1) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (50, 28, 28, 1) and len(data.class_names) == 10
    assert np.bincount(data.y_train).min() == 20  # class-balanced


def test_every_variant_builds_with_its_optimizers():
    with config.use_mode("quick"):
        for variant, spec in ch04.VARIANTS.items():
            gan = ch04.build_gan(variant, **TINY)
            assert gan.loss_name == spec["model"]["loss"]
            rate = float(np.asarray(gan.d_optimizer.learning_rate))
            assert rate == pytest.approx(spec["d_adam"][0])
    assert ch04.STABLE in ch04.VARIANTS
    with pytest.raises(ValueError, match="Unknown variant"):
        ch04.build_gan("stylegan")


def test_train_and_cache_a_gan(cache):
    x = ch04.load_data(train_size=64, test_size=10).x_train
    with config.use_mode("quick"):
        gan, trained = ch04.cached_gan(x, "hinge_sn", steps=5, batch_size=8, **TINY)
        assert trained and gan.train_steps == ch04.STEPS_PER_EPOCH
        assert len(gan.training_history["d_loss"]) == 1
        again, trained = ch04.cached_gan(x, "hinge_sn", steps=5, batch_size=8, **TINY)
        assert not trained
        np.testing.assert_array_equal(again.generate(3, seed=0), gan.generate(3, seed=0))


def test_time_budget_training():
    x = ch04.load_data(train_size=64, test_size=10).x_train
    with config.use_mode("quick"):
        gan = ch04.train_gan(x, "dcgan", seconds=1e-6, batch_size=8, **TINY)
    assert gan.train_steps == 1 and gan.train_seconds > 0


def test_scores_and_floor(cache):
    with config.use_mode("quick"):
        data = ch04.load_data(train_size=300, test_size=60)
        clf, trained = ch04.cached_classifier(data.x_train, data.y_train, epochs=1,
                                              feature_dim=8)
    assert trained and 0.0 <= clf.accuracy(data.x_test, data.y_test) <= 1.0
    real = clf.features(data.x_test)
    scores = ch04.generative_scores(data.x_train[:60], real, clf)
    assert scores["n"] == 60 and scores["fid"] >= 0
    assert set(scores) >= {"fid", "kid", "precision", "recall", "density", "coverage",
                           "min_class_share", "max_class_share", "class_shares"}
    assert scores["class_shares"].sum() == pytest.approx(1.0)
    assert ch04.fid_floor(data.x_train, data.x_test, clf, n=60) >= 0
    with pytest.raises(ValueError, match="equal sample counts"):
        ch04.generative_scores(data.x_train[:30], real, clf)
    with pytest.raises(ValueError, match="more samples than feature dimensions"):
        ch04.generative_scores(data.x_train[:5], real[:5], clf)
