"""The shipped full-mode models (unsuplab/pretrained/): intact, loadable on every backend,
reproducing their recorded figures, and used by the recipes only when asked and when they
stand for the model the recipe builds."""

import json
import shutil
import warnings

import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import CacheWarning, load_or_train, pretrained

ENTRIES = pretrained.manifest()
# The ELBO draws its code sample with Keras's generator, which differs between backends.
TOLERANCE = {"negative_elbo": 0.5}


def test_the_manifest_lists_files_that_exist_and_match_their_digest():
    assert len(ENTRIES) >= 10
    for name, entry in ENTRIES.items():
        path = pretrained.PRETRAINED_DIR / entry["file"]
        assert path.is_file(), name
        assert pretrained.sha256(path) == entry["sha256"], name
        assert entry["trained"]["mode"] == "full" and entry["history"]["loss"], name
    total = sum(e["bytes"] for e in ENTRIES.values())
    assert total < 20e6, f"shipped models take {total / 1e6:.1f} MB"


@pytest.fixture(scope="module")
def figure_images():
    return pretrained.figure_images()


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_shipped_model_loads_and_reproduces_its_recorded_figure(name, figure_images):
    entry = ENTRIES[name]
    model = pretrained.load(name)
    assert model.pretrained is not None and model.training_history == entry["history"]
    value = pretrained.evaluate(entry["figure"]["kind"], model, figure_images)
    tol = TOLERANCE.get(entry["figure"]["kind"], 0.01)
    assert value == pytest.approx(entry["figure"]["value"], abs=tol)


def _recipe(calls):
    from unsuplab.models.autoencoder import build_autoencoder

    def build(**kw):
        return lambda: build_autoencoder("conv", 32, image_shape=(28, 28, 1), **kw)

    def train(model):
        calls.append(model)
        return model

    return build, train


def test_load_or_train_uses_the_shipped_model_only_when_asked():
    calls = []
    build, train = _recipe(calls)
    _, trained = load_or_train("ae_conv_32", build(), train, params={"seed": 0})
    assert trained and len(calls) == 1  # off by default
    config.use_pretrained()
    model, trained = load_or_train("ae_conv_32", build(), train, params={"seed": 0}, data=None)
    assert not trained and len(calls) == 1
    assert model.pretrained["figure"]["value"] > 20  # the full-mode model, not a quick one
    # another seed, another architecture or retrain=True: the recipe trains
    load_or_train("ae_conv_32", build(), train, params={"seed": 1})
    load_or_train("ae_conv_32", build(filters=(8, 16)), train, params={"seed": 0})
    load_or_train("ae_conv_32", build(), train, params={"seed": 0}, retrain=True)
    assert len(calls) == 4


def test_the_chapter_recipe_loads_it_in_quick_mode(monkeypatch):
    from unsuplab.chapters import ch01

    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "1")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (16, 28, 28), dtype=np.uint8)
    with config.use_mode("quick"):
        model, trained = ch01.cached_autoencoder("conv", 2, x)
    assert not trained and model.pretrained["trained"]["mode"] == "full"


def test_a_tampered_file_is_never_loaded(tmp_path, monkeypatch):
    shipped = tmp_path / "pretrained"
    shutil.copytree(pretrained.PRETRAINED_DIR, shipped)
    path = shipped / ENTRIES["ae_conv_32"]["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", shipped)
    monkeypatch.setattr(pretrained, "MANIFEST", shipped / "manifest.json")
    with pytest.raises(ValueError, match="SHA-256"):
        pretrained.load("ae_conv_32")
    calls = []
    build, train = _recipe(calls)
    config.use_pretrained()
    with warnings.catch_warnings(record=True) as caught:  # (pytest.warns re-raises the
        warnings.simplefilter("always", CacheWarning)  # backends' own deprecations)
        _, trained = load_or_train("ae_conv_32", build(), train, params={"seed": 0})
    assert [str(w.message) for w in caught if w.category is CacheWarning] == [
        f"The shipped model ae_conv_32 is not usable: The shipped model file "
        f"{ENTRIES['ae_conv_32']['file']} does not match its SHA-256. Training it instead."
    ]
    assert trained and len(calls) == 1


def test_clear_errors():
    with pytest.raises(KeyError, match="shipped: \\["):
        pretrained.load("no_such_model")
    with pytest.raises(TypeError, match="on must be"):
        config.use_pretrained("yes")
    with pytest.raises(ValueError, match="kind"):
        pretrained.evaluate("accuracy", None, np.zeros((1, 28, 28), np.uint8))


def test_the_switch_reads_the_environment(monkeypatch):
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "yes")
    assert config.pretrained()
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "maybe")
    with pytest.raises(ValueError, match="UNSUPLAB_PRETRAINED must be one of"):
        config.pretrained()
    assert config.use_pretrained(False) is False


def test_the_manifest_is_json_with_provenance():
    raw = json.loads(pretrained.MANIFEST.read_text())
    for entry in raw.values():
        assert {"date", "command", "machine", "epochs"} <= set(entry["trained"])


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"ae_conv_32": {"file": "x"}}'],
                         ids=["not-json", "not-an-object", "entry-without-keys"])
def test_a_damaged_manifest_warns_and_trains(tmp_path, monkeypatch, damage):
    broken = tmp_path / "manifest.json"
    broken.write_text(damage)
    monkeypatch.setattr(pretrained, "MANIFEST", broken)
    with pytest.raises(ValueError, match="manifest.json"):
        pretrained.manifest()
    calls = []
    build, train = _recipe(calls)
    config.use_pretrained()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheWarning)
        _, trained = load_or_train("ae_conv_32", build(), train, params={"seed": 0})
    messages = [str(w.message) for w in caught if w.category is CacheWarning]
    assert len(messages) == 1 and "manifest.json" in messages[0], messages
    assert trained and len(calls) == 1
