import keras
import numpy as np
import pytest

from unsuplab import config


def test_env_switch(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_QUICK", "1")
    assert config.is_quick() and config.mode() == "quick"
    assert config.setting("epochs") == config.SETTINGS["epochs"][0]
    monkeypatch.setenv("UNSUPLAB_QUICK", "0")
    assert not config.is_quick()
    assert config.setting("epochs") == config.SETTINGS["epochs"][1]
    monkeypatch.delenv("UNSUPLAB_QUICK")
    assert config.mode() == "full"


def test_colab_defaults_to_quick_mode_with_the_shipped_models(monkeypatch):
    monkeypatch.delenv("UNSUPLAB_QUICK", raising=False)
    monkeypatch.delenv("UNSUPLAB_PRETRAINED", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert not config.on_colab() and config.mode() == "full" and not config.pretrained()
    assert config.describe().startswith("full mode, every model trained here")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261201-060000_RC00")
    assert config.on_colab() and config.mode() == "quick" and config.pretrained()
    assert config.describe().startswith("quick mode, shipped full-mode models")
    monkeypatch.setenv("UNSUPLAB_QUICK", "0")  # a variable set by the user still wins
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "0")
    assert config.mode() == "full" and not config.pretrained()


def test_bad_env_value_is_reported(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_QUICK", "maybe")
    with pytest.raises(ValueError, match="maybe"):
        config.is_quick()


def test_use_mode_and_pick(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_QUICK", "0")
    with config.use_mode("quick"):
        assert config.pick(quick=1, full=2) == 1
    assert config.pick(quick=1, full=2) == 2
    with pytest.raises(ValueError, match="mode"):
        with config.use_mode("fast"):
            pass


def test_unknown_setting_lists_known_ones():
    with pytest.raises(ValueError, match=r"epochs.*Received: name='no.such.setting'"):
        config.setting("no.such.setting")


def test_set_seed_reproduces_numpy_and_keras():
    config.set_seed(5)
    a = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))  # noqa: NPY002 (global state)
    config.set_seed(5)
    b = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))  # noqa: NPY002
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        config.set_seed(seed)


def test_set_precision_rejects_unknown_policy():
    with pytest.raises(ValueError, match="policy"):
        config.set_precision("float8")


def test_environment_report_has_versions():
    report = config.environment_report()
    assert report["mode"] in ("quick", "full") and report["keras"].startswith("3.")


def test_set_mode_switches_the_session_and_back(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_QUICK", "1")
    try:
        assert config.set_mode("full") == "full" and config.setting("epochs") == 10
        assert config.set_mode(None) == "quick"
        with pytest.raises(ValueError, match="Received: name='fast'"):
            config.set_mode("fast")
    finally:
        config.set_mode(None)


@pytest.mark.parametrize("seed", [-1, 2**32, 10**12, 1.5, True])
def test_set_seed_names_a_seed_numpy_would_refuse(seed):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*32 - 1\]"):
        config.set_seed(seed)


def test_pretrained_context_restores_what_was_in_force(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "0")
    try:
        config.use_pretrained(True)  # a notebook's earlier call
        with config.pretrained_context(False):
            assert not config.pretrained()
        assert config.pretrained()
        config.use_pretrained(None)  # back to the variable
        with config.pretrained_context(True):
            assert config.pretrained()
        assert not config.pretrained()
        with pytest.raises(TypeError, match="on must be True, False or None.*'yes'"):
            with config.pretrained_context("yes"):
                pass
        assert not config.pretrained()
    finally:
        config.use_pretrained(None)
