"""The GAN monitor (fixed-code frames, per-step losses, saved frames) and the time budget."""

import numpy as np
import pytest

from unsuplab import config
from unsuplab.models.gan import GAN
from unsuplab.training import GANMonitor, TimeBudget, fit


def _gan():
    config.set_seed(0)
    gan = GAN(4, filters=(4, 8), image_shape=(8, 8, 1), seed=0)
    gan.compile()
    return gan


def _x(n=32):
    return np.random.default_rng(0).random((n, 8, 8, 1)).astype(np.float32)


def test_monitor_keeps_frames_of_fixed_codes_and_losses(tmp_path):
    gan = _gan()
    codes = gan.sample_latent(4, seed=0)
    monitor = GANMonitor(codes, every=2, save_dir=tmp_path)
    fit(gan, _x(), epochs=1, batch_size=8, callbacks=[monitor], verbose=0)
    assert [step for step, _ in monitor.frames] == [0, 2, 4]
    np.testing.assert_allclose(monitor.frames[-1][1], gan.decode(codes), atol=1e-6)
    assert len(monitor.history["d_loss"]) == 4 and len(monitor.history["g_loss"]) == 4
    assert len(sorted(tmp_path.glob("frame_*.png"))) == 3
    fig = monitor.figure(0)
    assert fig.axes[0].get_title() == "fixed codes, step 0"


def test_monitor_rejects_bad_arguments():
    with pytest.raises(ValueError, match="codes must be"):
        GANMonitor(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="every must be"):
        GANMonitor(np.zeros((2, 4)), every=0)


def test_time_budget_stops_training():
    budget = TimeBudget(1e-9)
    fit(_gan(), _x(), epochs=50, batch_size=8, callbacks=[budget], verbose=0)
    assert budget.steps == 1 and budget.seconds > 0
    with pytest.raises(ValueError, match="seconds must be a number > 0"):
        TimeBudget(0)
