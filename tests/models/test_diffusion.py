import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import Diffusion
from unsuplab.models import _diffusion_samplers as samplers
from unsuplab.models.diffusion import cosine_schedule, linear_schedule
from unsuplab.training import fit

SHAPE = (8, 8, 1)
T = 50


def _tiny(**kwargs):
    kwargs = {"image_shape": SHAPE, "base_filters": 4, "depth": 1, "timesteps": T, "seed": 0,
              **kwargs}
    return Diffusion(**kwargs)


def _images(n=32, seed=0):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype(np.float32)


def _np(x):
    return keras.ops.convert_to_numpy(x)


# --- schedules and the forward process ---------------------------------------------------------


@pytest.mark.parametrize("schedule", [linear_schedule, cosine_schedule])
def test_schedules_decrease_from_one_to_zero(schedule):
    ab = schedule(1000)
    assert ab.shape == (1000,) and ab.dtype == np.float64
    assert np.all(np.diff(ab) < 0)
    assert 0.999 < ab[0] < 1.0
    assert 0.0 < ab[-1] < 1e-3


def test_linear_schedule_by_hand():
    betas = np.linspace(1e-4, 0.02, 1000)
    np.testing.assert_allclose(linear_schedule(1000), np.cumprod(1 - betas))
    # fewer steps: both ends scaled by 1000 / T, so the noise at the end stays comparable
    assert linear_schedule(100)[-1] < 1e-3


def test_cosine_schedule_follows_its_formula_away_from_the_clip():
    ab = cosine_schedule(1000)
    f = np.cos((np.arange(1, 1001) / 1000 + 0.008) / 1.008 * np.pi / 2) ** 2
    f0 = np.cos(0.008 / 1.008 * np.pi / 2) ** 2
    np.testing.assert_allclose(ab[:900], (f / f0)[:900], rtol=1e-9)


def test_q_sample_is_the_closed_form():
    model = _tiny()
    x0 = _images(4)
    noise = np.random.default_rng(1).standard_normal(x0.shape).astype(np.float32)
    t = np.array([0, 10, 30, T - 1])
    ab = model.alpha_bar[t].reshape(-1, 1, 1, 1)
    expected = np.sqrt(ab) * (2 * x0 - 1) + np.sqrt(1 - ab) * noise
    np.testing.assert_allclose(model.q_sample(x0, t, noise), expected, rtol=1e-5, atol=1e-6)


def test_q_sample_has_the_closed_form_moments():
    model = _tiny(schedule="linear")
    x0 = np.full((20000, 1, 1, 1), 0.75, np.float32)  # 0.5 in model units
    noise = np.random.default_rng(0).standard_normal(x0.shape).astype(np.float32)
    x_t = model.q_sample(x0, 20, noise)
    ab = model.alpha_bar[20]
    assert abs(x_t.mean() - np.sqrt(ab) * 0.5) < 0.02
    assert abs(x_t.std() - np.sqrt(1 - ab)) < 0.02


def test_alpha_bar_at_refuses_steps_outside_the_chain():
    model = _tiny()
    assert model.alpha_bar_at(-1) == 1.0
    with pytest.raises(ValueError, match="t must hold integer steps"):
        model.alpha_bar_at(T)


# --- one step of the samplers ------------------------------------------------------------------


def test_ddim_step_to_the_clean_image_is_the_x0_prediction():
    model = _tiny()
    rng = np.random.default_rng(0)
    x_t, eps = rng.standard_normal((2, 3, *SHAPE)).astype(np.float32)
    np.testing.assert_allclose(model.ddim_step(x_t, eps, 20, -1),
                               model.predict_x0(x_t, 20, eps), rtol=1e-5, atol=1e-5)


def test_ddim_step_with_eta_one_is_the_ddpm_posterior():
    """eta = 1 between consecutive steps: mean and std of q(x_{t-1} | x_t, x_0) (Ho et al.)."""
    model = _tiny(schedule="linear")
    rng = np.random.default_rng(0)
    x_t, eps, z = rng.standard_normal((3, 2, *SHAPE)).astype(np.float32)
    t = 20
    ab, ab_prev = model.alpha_bar[t], model.alpha_bar[t - 1]
    beta = 1 - ab / ab_prev
    x0 = model.predict_x0(x_t, t, eps)
    mean = (np.sqrt(ab_prev) * beta / (1 - ab)) * x0 + (np.sqrt(1 - beta) * (1 - ab_prev)
                                                        / (1 - ab)) * x_t
    std = np.sqrt((1 - ab_prev) / (1 - ab) * beta)
    got = model.ddim_step(x_t, eps, t, t - 1, eta=1.0, noise=z)
    np.testing.assert_allclose(got, mean + std * z, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="needs noise"):
        model.ddim_step(x_t, eps, t, t - 1, eta=1.0)


def test_ddim_times_cover_the_chain():
    grid, previous = samplers.ddim_times(1000, 10)
    assert grid[0] == 999 and grid[-1] == 0 and previous[-1] == -1
    assert np.all(np.diff(grid) < 0) and np.array_equal(previous[:-1], grid[1:])
    assert len(samplers.ddim_times(50, 50)[0]) == 50


# --- training ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("objective", "conditional"), [("eps", False)])
def test_a_short_training_lowers_the_loss(objective, conditional):
    config.set_seed(0)
    model = _tiny(objective=objective, n_classes=3 if conditional else None)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    x = np.tile(_images(2), (16, 1, 1, 1))
    data = (x, np.arange(32) % 3) if conditional else (x,)
    fit(model, *data, epochs=4, batch_size=16, steps_per_epoch=8, seed=0, verbose=0)
    loss = model.training_history["loss"]
    assert np.isfinite(loss).all()
    assert loss[-1] < 0.8 * loss[0]


def test_the_loss_is_the_noise_regression_on_the_drawn_batch():
    """compute_loss = mean (network(x_t, t) - eps)^2 on the batch drawn by noisy_batch."""
    model = _tiny()
    x = _images(4)
    state = _np(model.seed_generator.state).copy()
    loss = float(_np(model.compute_loss(x)))
    model.seed_generator.state.assign(state)
    (x_t, t), target = model.noisy_batch(2.0 * keras.ops.convert_to_tensor(x) - 1.0)
    pred = _np(model.network([x_t, t]))
    np.testing.assert_allclose(loss, np.mean((pred - _np(target)) ** 2), rtol=1e-5)
    assert np.all((_np(t) > 0) & (_np(t) <= 1))


def test_a_conditional_model_needs_labels_to_train():
    model = _tiny(n_classes=3)
    with pytest.raises(ValueError, match="trains on \\(images, labels\\)"):
        model.compute_loss(_images(2))


# --- sampling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("objective", "sampler"),
                         [("eps", "ddim"), ("eps", "ddpm"), ("flow", "euler"), ("flow", "heun")])
def test_generate_shapes_range_and_seeds(objective, sampler):
    model = _tiny(objective=objective)
    a = model.generate(3, steps=4, sampler=sampler, seed=1, batch_size=2)
    assert a.shape == (3, *SHAPE) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, model.generate(3, steps=4, sampler=sampler, seed=1,
                                                    batch_size=2))
    assert not np.array_equal(a, model.generate(3, steps=4, sampler=sampler, seed=2))


def test_ddim_with_eta_zero_is_deterministic_given_the_start():
    """DDIM adds no noise: images depend only on their starting noise, so one batch split in
    two gives the same images; DDPM draws fresh noise at every step, so it does not."""
    model = _tiny()
    whole = model.generate(4, steps=5, seed=3)
    split = model.generate(4, steps=5, seed=3, batch_size=2)
    # (float32 rounding of a batch of 4 vs 2, amplified by 1 / sqrt(alpha_bar) near t = T)
    np.testing.assert_allclose(whole[:2], split[:2], atol=1e-3)
    whole = model.generate(4, steps=5, sampler="ddpm", seed=3)
    split = model.generate(4, steps=5, sampler="ddpm", seed=3, batch_size=2)
    assert np.abs(whole[:2] - split[:2]).max() > 0.05


def test_trajectory_pairs_for_the_scrubber():
    model = _tiny(objective="flow")
    images, trajectory = model.generate(2, steps=3, return_trajectory=True)
    assert len(trajectory) == 3
    for x_t, x0 in trajectory:
        assert x_t.shape == x0.shape == images.shape
        assert 0 <= x_t.min() and x0.max() <= 1


def test_guidance_mixes_the_conditional_and_unconditional_outputs(monkeypatch):
    model = _tiny(n_classes=3)
    x = np.random.default_rng(0).standard_normal((2, *SHAPE)).astype(np.float32)
    labels = np.array([0, 2], np.int32)
    cond = samplers.prediction(model, x, 0.5, labels, 0.0)
    uncond = samplers.prediction(model, x, 0.5, np.full(2, 3, np.int32), 0.0)
    guided = samplers.prediction(model, x, 0.5, labels, 2.0)
    np.testing.assert_allclose(guided, 3.0 * cond - 2.0 * uncond, rtol=1e-4, atol=1e-5)
    out = model.generate(4, steps=3, labels=1, guidance=1.5)
    assert out.shape == (4, *SHAPE)
    assert model.generate(2, steps=3, labels=[0, 2]).shape == (2, *SHAPE)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"steps": T + 1}, ValueError, "steps must be <= timesteps"),
        ({"sampler": "euler"}, ValueError, "Unknown sampler for objective='eps'"),
        ({"guidance": 1.0}, ValueError, "need a class-conditional model"),
        ({"labels": [0]}, ValueError, "need a class-conditional model"),
        ({"n": 0}, ValueError, "n must be >= 1"),
    ],
)
def test_generate_refuses_bad_arguments(kwargs, error, match):
    model = _tiny()
    with pytest.raises(error, match=match):
        model.generate(**{"n": 1, "steps": 2, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"labels": [0, 3]}, "labels must be in 0..2"),
        ({"labels": [0, -1]}, "labels must be in 0..2"),
        ({"guidance": 1.0}, "guidance needs labels"),
        ({"guidance": -1.0, "labels": [0, 1]}, "guidance must be >= 0"),
    ],
)
def test_conditional_generate_refuses_bad_labels(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _tiny(n_classes=3).generate(2, steps=2, **kwargs)


def test_flow_model_refuses_eps_samplers():
    with pytest.raises(ValueError, match="Unknown sampler for objective='flow'"):
        _tiny(objective="flow").generate(1, steps=2, sampler="ddim")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"objective": "score"}, "Unknown objective"),
        ({"schedule": "sigmoid"}, "Unknown schedule"),
        ({"timesteps": 1}, "timesteps must be >= 2"),
        ({"label_dropout": 1.0}, "label_dropout must be < 1"),
        ({"n_classes": 0}, "n_classes must be >= 1"),
    ],
)
def test_constructor_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _tiny(**kwargs)


# --- Tweedie's denoiser --------------------------------------------------------------------------

MU, S = 0.2, 0.3  # a Gaussian "dataset": every pixel x0 ~ N(MU, S^2) in model units


def _gaussian_oracle(model):
    """The exact network of a Gaussian dataset: E[eps | x_t] or E[v | x_t], at the time the
    network is given (fractional steps interpolated as the model does)."""

    def prediction(m, x, t, labels, guidance):
        del labels, guidance
        t = float(np.ravel(t)[0])
        if m.objective == "flow":
            cov = t - (1 - t) * S**2
            return -MU + cov / ((1 - t) ** 2 * S**2 + t**2) * (x - (1 - t) * MU)
        ab = np.interp(t * m.timesteps - 1, np.arange(m.timesteps), m.alpha_bar)
        return np.sqrt(1 - ab) * (x - np.sqrt(ab) * MU) / (ab * S**2 + 1 - ab)

    return prediction


@pytest.mark.parametrize("objective", ["eps", "flow"])
@pytest.mark.parametrize("sigma", [0.05, 0.2])
def test_denoise_is_the_wiener_filter_for_gaussian_data(monkeypatch, objective, sigma):
    """With the exact network of a Gaussian dataset, denoise(y, sigma) must be the MMSE
    (Wiener) estimate for noise of std 2 sigma in model units: the time mapping is right."""
    model = _tiny(objective=objective, timesteps=1000)
    monkeypatch.setattr(samplers, "prediction", _gaussian_oracle(model))
    rng = np.random.default_rng(0)
    x0 = MU + S * rng.standard_normal((8, *SHAPE))
    y = x0 + 2 * sigma * rng.standard_normal(x0.shape)
    noisy = (y + 1) / 2  # [0, 1] scale, not clipped
    wiener = MU + S**2 / (S**2 + 4 * sigma**2) * (y - MU)
    expected = np.clip((wiener + 1) / 2, 0, 1)
    np.testing.assert_allclose(model.denoise(noisy, sigma), expected, atol=2e-4)


def test_denoise_keeps_the_layout_and_refuses_bad_sigma():
    model = _tiny()
    x = _images(3)[..., 0]
    assert model.denoise(x, 0.1).shape == (3, 8, 8)
    assert model.denoise((x * 255).astype(np.uint8), 0.1).shape == (3, 8, 8)
    for sigma, match in [(0.0, "sigma must be > 0"), (1.5, "sigma must be <= 1")]:
        with pytest.raises(ValueError, match=match):
            model.denoise(x, sigma)
    with pytest.raises(ValueError, match="shape"):
        model.denoise(np.zeros((2, 6, 6)), 0.1)


# --- serialization -------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["eps", "flow"])
def test_keras_round_trip_is_exact(tmp_path, objective):
    model = _tiny(objective=objective, n_classes=3, schedule="linear", label_dropout=0.2,
                  seed=4)
    path = tmp_path / "diffusion.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, Diffusion)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.alpha_bar, model.alpha_bar)
    np.testing.assert_array_equal(loaded.generate(2, steps=3, labels=1, guidance=1.0),
                                  model.generate(2, steps=3, labels=1, guidance=1.0))
    np.testing.assert_array_equal(_np(loaded.seed_generator.state),
                                  _np(model.seed_generator.state))

