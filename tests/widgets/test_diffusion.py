"""The chapter 09 explorers: headless first figure, the controls move what they say."""

import numpy as np
import pytest

from unsuplab.widgets.diffusion import guidance_explorer, reverse_process_explorer


class _FakeDiffusion:
    """Stands in for a trained Diffusion: images whose grey level encodes the label and the
    guidance, chains (in [0, 1], as generate returns them) from noise to the final image."""

    image_shape = (6, 6, 1)
    objective = "eps"

    def __init__(self, n_classes=3):
        self.n_classes = n_classes
        self.calls = []

    def generate(self, n, steps=50, sampler="ddim", labels=None, guidance=0.0, seed=0,
                 batch_size=256, return_trajectory=False):
        self.calls.append({"n": n, "steps": steps, "sampler": sampler, "labels": labels,
                           "guidance": guidance, "seed": seed})
        level = 0.1 * (0 if labels is None else np.asarray(labels)[:, None, None, None])
        images = np.clip(np.zeros((n, *self.image_shape)) + level + 0.05 * guidance, 0, 1)
        images = images.astype(np.float32)
        if not return_trajectory:
            return images
        noise = np.random.default_rng(seed).uniform(0, 1, images.shape)  # shown in [0, 1]
        trajectory = [((1 - k / steps) * noise + k / steps * images, images)
                      for k in range(steps)]
        return images, trajectory


def test_reverse_process_explorer_scrubs_the_chain():
    model = _FakeDiffusion()
    ex = reverse_process_explorer(model, n=3, steps=4, labels=np.array([0, 1, 2]), seed=5)
    assert ex.figure is not None and len(ex.figure.axes) == 6
    assert model.calls[-1]["sampler"] == "ddim" and model.calls[-1]["seed"] == 5
    first = ex.state
    assert first["step"] == 0 and first["x_t"].shape == (3, 6, 6)
    assert first["x_t"].min() >= 0 and first["x_t"].max() <= 1  # shown on [0, 1]
    ex.set(step=4)  # the end of the chain: the returned samples
    np.testing.assert_allclose(ex.state["x_t"][:, 0, 0], [0.0, 0.1, 0.2], atol=1e-6)
    n0 = ex.n_renders
    ex.controls["step"].value = 2
    assert ex.n_renders == n0 + 1
    assert len(model.calls) == 1  # generated once, scrubbed many times


def test_flow_models_default_to_euler():
    model = _FakeDiffusion()
    model.objective = "flow"
    reverse_process_explorer(model, n=2, steps=3)
    assert model.calls[-1]["sampler"] == "euler"


class _Classifier:
    def predict_classes(self, images):
        return np.rint(np.asarray(images)[:, 0, 0, 0] / 0.1).astype(int)


def test_guidance_explorer_regenerates_with_the_same_seed():
    model = _FakeDiffusion()
    ex = guidance_explorer(model, n=4, steps=3, max_guidance=4.0, class_names=["a", "b", "c"],
                           classifier=_Classifier(), seed=2)
    assert ex.state["label"] == 0 and ex.state["guidance"] == 0.0  # w = 0: the plain model
    ex.set(label=2, guidance=0.0)
    assert ex.state["agreement"] == 1.0
    np.testing.assert_array_equal(model.calls[-1]["labels"], [2, 2, 2, 2])
    ex.set(guidance=2.0)  # the fake's grey level moves with w: the classifier disagrees
    assert model.calls[-1]["guidance"] == 2.0 and model.calls[-1]["seed"] == 2
    assert ex.state["agreement"] == 0.0
    assert "guidance w = 2.0" in ex.figure.texts[0].get_text()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: reverse_process_explorer(object()), TypeError, "Diffusion"),
        (lambda: reverse_process_explorer(_FakeDiffusion(), n=0), ValueError, "n"),
        (lambda: reverse_process_explorer(_FakeDiffusion(), steps=0), ValueError, "steps"),
        (lambda: guidance_explorer(_FakeDiffusion(n_classes=None)), ValueError, "n_classes"),
        (lambda: guidance_explorer(_FakeDiffusion(), class_names=["a"]), ValueError,
         "class_names"),
        (lambda: guidance_explorer(_FakeDiffusion(), classifier=object()), TypeError,
         "predict_classes"),
        (lambda: guidance_explorer(_FakeDiffusion(), max_guidance=0), ValueError,
         "max_guidance"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_the_explorers_drive_a_real_untrained_model():
    from unsuplab.models.diffusion import Diffusion

    model = Diffusion(image_shape=(8, 8, 1), base_filters=8, depth=1, timesteps=20, n_classes=3,
                      seed=0)
    scrubber = reverse_process_explorer(model, n=2, steps=3, labels=np.array([0, 2]))
    scrubber.set(step=1)
    assert scrubber.state["x0_pred"].shape == (2, 8, 8)
    first = scrubber.state["x_t"]
    scrubber.set(step=0)
    assert not np.allclose(first, scrubber.state["x_t"])  # the chain moves
    steer = guidance_explorer(model, n=2, steps=2, class_names=["a", "b", "c"])
    steer.set(label=1, guidance=1.5)
    images = steer.state["images"]
    assert images.shape == (2, 8, 8, 1) and 0 <= images.min() and images.max() <= 1
