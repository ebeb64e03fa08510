"""fit_budget: a step budget or a wall-clock one, and what it cost, recorded on the model."""

import numpy as np
import pytest

from unsuplab.models import DenseAutoencoder
from unsuplab.training import fit_budget


def _model():
    model = DenseAutoencoder(latent_dim=2, hidden_units=(8,), image_shape=(4, 4, 1))
    model.compile(optimizer="adam", loss="mse")
    return model


def test_steps_are_rounded_up_to_whole_epochs_and_recorded():
    x = np.random.default_rng(0).uniform(size=(64, 4, 4, 1)).astype(np.float32)
    model = fit_budget(_model(), x, steps=5, steps_per_epoch=3, batch_size=8)
    assert model.train_steps == 6 and model.train_seconds > 0


def test_a_wall_clock_budget_stops_training_and_counts_its_steps():
    x = np.random.default_rng(0).uniform(size=(64, 4, 4, 1)).astype(np.float32)
    model = fit_budget(_model(), x, seconds=0.5, steps_per_epoch=2, batch_size=8)
    assert model.train_steps >= 1 and model.train_seconds < 60


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"steps": 0}, "steps"), ({"seconds": -1}, "seconds"), ({"steps": None}, "steps"),
     ({"steps": 2, "steps_per_epoch": 0}, "steps_per_epoch")],
)
def test_bad_budgets_are_named(kwargs, match):
    args = {"steps_per_epoch": 2, "batch_size": 8, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        fit_budget(_model(), np.zeros((8, 4, 4, 1), np.float32), **args)
