"""Chapter 09's protocol: data, settings, the diffusion recipes and their cache."""

import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch09
from unsuplab.models import Diffusion


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A small network and chain (the recipe reads them from settings), an empty cache."""
    monkeypatch.setenv("UNSUPLAB_CACHE", str(tmp_path))
    monkeypatch.setitem(config.SETTINGS, "diffusion.base_filters", (4, 4))
    monkeypatch.setitem(config.SETTINGS, "diffusion.depth", (1, 1))
    monkeypatch.setitem(config.SETTINGS, "diffusion.timesteps", (20, 20))
    return tmp_path


def test_settings_keep_one_network_for_both_modes():
    """A shipped full-mode model can stand in for the quick one only if they are the same."""
    for name in ("objective", "conditional", "schedule", "timesteps", "base_filters", "depth",
                 "label_dropout"):
        quick, full = config.SETTINGS[f"diffusion.{name}"]
        assert quick == full, name
    quick, full = config.SETTINGS["diffusion.steps"]
    assert quick < full


def test_load_data_is_chapter_04s_protocol():
    data = ch09.load_data(train_size=200, test_size=50)
    assert data.x_train.shape == (200, 28, 28, 1) and data.x_train.dtype == np.uint8
    assert np.bincount(data.y_train).min() == 20 and len(data.class_names) == 10


def test_build_follows_the_settings(tiny):
    with config.use_mode("quick"):
        model = ch09.build_diffusion(conditional=True)
        assert isinstance(model, Diffusion) and model.n_classes == ch09.N_CLASSES
        assert model.base_filters == 4 and model.timesteps == 20
        assert model.objective == config.setting("diffusion.objective")
        assert ch09.build_diffusion(objective="flow", conditional=False).n_classes is None
    assert ch09.model_name("eps", True) == "diffusion_eps_cond"
    assert ch09.model_name("flow", False) == "diffusion_flow_uncond"
    with pytest.raises(ValueError, match="Unknown objective"):
        ch09.build_diffusion(objective="score")


@pytest.mark.slow
def test_train_and_cache_a_conditional_model(tiny):
    data = ch09.load_data(train_size=40, test_size=10)
    with config.use_mode("quick"):
        model, trained = ch09.cached_diffusion(data.x_train, data.y_train, conditional=True,
                                               steps=1, batch_size=8)
        assert trained and model.train_steps == ch09.STEPS_PER_EPOCH
        assert len(model.training_history["loss"]) == 1
        again, trained = ch09.cached_diffusion(data.x_train, data.y_train, conditional=True,
                                               steps=1, batch_size=8)
        assert not trained
        np.testing.assert_array_equal(again.generate(2, steps=3, labels=1),
                                      model.generate(2, steps=3, labels=1))


def test_a_conditional_recipe_needs_labels(tiny):
    data = ch09.load_data(train_size=20, test_size=10)
    with config.use_mode("quick"), pytest.raises(ValueError, match="y_train=None"):
        ch09.train_diffusion(data.x_train, conditional=True, steps=1)
    with config.use_mode("quick"), pytest.raises(ValueError, match="y_train must be in"):
        ch09.train_diffusion(data.x_train, data.y_train + 10, conditional=True, steps=1)


def test_the_shipped_model_stands_in_for_the_quick_recipe(monkeypatch):
    """UNSUPLAB_PRETRAINED=1: the recipe returns the long-trained model, in quick mode too."""
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "1")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (16, 28, 28, 1), dtype=np.uint8)
    with config.use_mode("quick"):
        model, trained = ch09.cached_diffusion(x, np.arange(16) % 10)
    assert not trained and model.pretrained["trained"]["mode"] == "full"
    assert model.pretrained["figure"]["kind"] == "tweedie_psnr"
    trained = model.pretrained["trained"]
    assert trained["images_seen"] == trained["steps"] * trained["batch_size"] > 0
    assert model.generate(2, steps=2, labels=[0, 1], guidance=1.0).shape == (2, 28, 28, 1)
