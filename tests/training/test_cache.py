"""The model cache: fingerprinted keys, data digests, and broken entries retrained, never
trusted (issue #15)."""

import json

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.training import CacheWarning, cache_dir, data_digest, load_or_train
from unsuplab.training.cache import fingerprint


@keras.saving.register_keras_serializable(package="unsuplab_tests")
class TinyNet(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)
        self.build((None, 3))

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.built = True

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="unsuplab_tests")
class OtherNet(TinyNet):
    pass


def _recipe(units=4, cls=TinyNet, calls=None):
    calls = [] if calls is None else calls

    def build():
        config.set_seed(0)
        return cls(units=units)

    def train(model):
        calls.append(1)
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.zeros((4, 3)), np.zeros((4, model.units)), verbose=0)
        model.training_history = {"loss": [1.0, 0.5]}
        return model

    return build, train, calls


def test_second_call_loads_the_cached_model_with_its_history():
    build, train, calls = _recipe()
    model, trained = load_or_train("tiny", build, train, params={"epochs": 2})
    again, trained_again = load_or_train("tiny", build, train, params={"epochs": 2})
    assert (trained, trained_again) == (True, False) and len(calls) == 1
    assert type(again) is TinyNet and again.training_history == {"loss": [1.0, 0.5]}
    for a, b in zip(model.weights, again.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"units": 4}, {"units": 5}),  # another architecture: config and weight shapes differ
        ({"params": {"epochs": 1}}, {"params": {"epochs": 2}}),
        ({"data": np.zeros((3, 2))}, {"data": np.ones((3, 2))}),  # same count, other images
    ],
)
def test_the_key_covers_architecture_params_and_data(first, second):
    calls = []
    for spec in (first, second):
        build, train, _ = _recipe(units=spec.get("units", 4), calls=calls)
        _, trained = load_or_train(
            "tiny", build, train, params=spec.get("params"), data=spec.get("data")
        )
        assert trained
    assert len(calls) == 2


# pytest.warns re-raises the DeprecationWarning TensorFlow tensors give NumPy 2 on save
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage"])
def test_a_broken_entry_is_retrained_with_a_warning(damage):
    build, train, calls = _recipe()
    load_or_train("tiny", build, train)
    (path,) = cache_dir().glob("tiny-*.keras")
    content = path.read_bytes()
    path.write_bytes({"empty": b"", "truncated": content[: len(content) // 2],
                      "garbage": b"not a zip file"}[damage])
    with pytest.warns(CacheWarning, match="not usable"):
        model, trained = load_or_train("tiny", build, train)
    assert trained and len(calls) == 2 and type(model) is TinyNet
    _, trained = load_or_train("tiny", build, train)  # the rewritten entry is good again
    assert not trained


# pytest.warns re-raises the DeprecationWarning TensorFlow tensors give NumPy 2 on save
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_an_entry_of_another_class_is_retrained():
    build, train, _ = _recipe()
    load_or_train("tiny", build, train)
    (path,) = cache_dir().glob("tiny-*.keras")
    other = OtherNet(units=4)
    other.save(path)  # a file of another class under the same key
    with pytest.warns(CacheWarning, match="OtherNet"):
        model, trained = load_or_train("tiny", build, train)
    assert trained and type(model) is TinyNet


# pytest.warns re-raises the DeprecationWarning TensorFlow tensors give NumPy 2 on save
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_corrupt_history_file_is_retrained():
    build, train, calls = _recipe()
    load_or_train("tiny", build, train)
    (logs,) = cache_dir().glob("tiny-*.history.json")
    logs.write_text("{broken")
    with pytest.warns(CacheWarning, match="training log"):
        _, trained = load_or_train("tiny", build, train)
    assert trained
    assert json.loads(logs.read_text()) == {"loss": [1.0, 0.5]}


def test_fingerprint_ignores_auto_generated_names():
    assert fingerprint(TinyNet()) == fingerprint(TinyNet())  # two instances, two auto names
    assert fingerprint(TinyNet(units=4)) != fingerprint(TinyNet(units=5))


def test_data_digest_sees_content_shape_and_dtype():
    a = np.zeros((2, 3), np.uint8)
    assert data_digest(a) == data_digest(a.copy())
    assert data_digest(a) != data_digest(a.astype(np.float32))
    assert data_digest(a) != data_digest(a.reshape(3, 2))
    assert data_digest(a) != data_digest(np.ones((2, 3), np.uint8))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "bad name"}, ValueError, "name"),
        ({"build": 3}, TypeError, "callable"),
        ({"params": [1]}, TypeError, "params"),
    ],
)
def test_load_or_train_bad_arguments(kwargs, error, match):
    build, train, _ = _recipe()
    args = {"name": "tiny", "build": build, "train": train, **kwargs}
    with pytest.raises(error, match=match):
        load_or_train(args.pop("name"), args.pop("build"), args.pop("train"), **args)


def test_a_train_function_returning_something_else_than_the_model_is_named():
    build, _, _ = _recipe()

    def train(model):  # returns fit's History, not the model
        model.compile(optimizer="adam", loss="mse")
        return model.fit(np.zeros((4, 3)), np.zeros((4, model.units)), verbose=0)

    with pytest.raises(TypeError, match=r"train must .* return that model.*History"):
        load_or_train("tiny_history", build, train, retrain=True)
    with pytest.raises(TypeError, match=r"build\(\) must be a Keras model"):
        load_or_train("tiny_history", lambda: "a model", train, retrain=True)
