"""Chapter 09 — diffusion and flow matching: the data protocol and the training recipes.

The notebook ``09_diffusion_models`` and ``benchmarks/diffusion.py`` both call these
functions, so the benchmark measures exactly what the notebook shows.

Protocol:

- Images: Fashion-MNIST, ``diffusion.train_size`` class-balanced training images (quick
  6 000, full 60 000) with their labels and ``diffusion.test_size`` test images (quick 1 000,
  full 10 000), uint8 (N, 28, 28, 1): the subsets of chapter 04 (same sizes, same seed), so
  its :func:`~unsuplab.chapters.ch04.cached_classifier` and scores apply unchanged.
- Model: :class:`~unsuplab.models.Diffusion` with the ``diffusion.*`` settings (the same
  network in both modes; the modes differ in training steps), trained with Adam for
  ``diffusion.steps`` steps of ``diffusion.batch_size`` images (quick 40 × 16, full
  800 × 64), in "epochs" of
  :data:`STEPS_PER_EPOCH` steps (the learning curve's points).
- Shipped: ``UNSUPLAB_PRETRAINED=1`` makes :func:`cached_diffusion` return the model trained
  for hours by ``tools/ship_diffusion.py`` (same name, class, config and seed).

    >>> from unsuplab.chapters import ch09
    >>> data = ch09.load_data()
    >>> model, trained = ch09.cached_diffusion(data.x_train, data.y_train, conditional=True)
    >>> images = model.generate(16, labels=[0] * 16, guidance=2.0)
"""

from __future__ import annotations

from .. import config
from .._validation import check_choice, check_labels, check_number
from .ch01 import image_shape_of
from .ch04 import load_data as _load_ch04

#: Training steps per Keras "epoch" (one point of the learning curve).
STEPS_PER_EPOCH = 20
N_CLASSES = 10


def load_data(*, train_size=None, test_size=None, seed=0):
    """Chapter 04's seeded, class-balanced Fashion-MNIST subsets, with this chapter's sizes
    (``diffusion.train_size`` and ``diffusion.test_size``). Returns
    :class:`unsuplab.chapters.ch04.Data` (uint8 images (N, 28, 28, 1), labels, class names)."""
    train_size = config.setting("diffusion.train_size") if train_size is None else train_size
    test_size = config.setting("diffusion.test_size") if test_size is None else test_size
    return _load_ch04(train_size=train_size, test_size=test_size, seed=seed)


def model_kwargs(objective=None, conditional=None):
    """The arguments of the chapter's :class:`~unsuplab.models.Diffusion` (from settings)."""
    objective = config.setting("diffusion.objective") if objective is None else objective
    check_choice(objective, "objective", ("eps", "flow"))
    conditional = config.setting("diffusion.conditional") if conditional is None else conditional
    if not isinstance(conditional, bool):
        raise TypeError(f"conditional must be True or False. Received: "
                        f"conditional={conditional!r}")
    return {
        "objective": objective,
        "schedule": config.setting("diffusion.schedule"),
        "timesteps": config.setting("diffusion.timesteps"),
        "base_filters": config.setting("diffusion.base_filters"),
        "depth": config.setting("diffusion.depth"),
        "n_classes": N_CLASSES if conditional else None,
        "label_dropout": config.setting("diffusion.label_dropout"),
    }


def build_diffusion(image_shape=(28, 28, 1), *, objective=None, conditional=None, seed=0,
                    learning_rate=None):
    """An untrained, compiled (Adam) :class:`~unsuplab.models.Diffusion` (seeded weights)."""
    import keras

    from ..models.diffusion import Diffusion

    rate = config.setting("diffusion.learning_rate") if learning_rate is None else learning_rate
    rate = check_number(rate, "learning_rate", low=0, low_inclusive=False)
    kwargs = model_kwargs(objective, conditional)
    config.set_seed(seed)  # the weights' initialisation
    model = Diffusion(image_shape=image_shape, seed=seed, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(rate))
    return model


def _train_data(x_train, y_train, conditional):
    if not conditional:
        return (x_train,)
    if y_train is None:
        raise ValueError("a conditional model needs the training labels. Received: "
                         "y_train=None")
    y = check_labels(y_train, len(x_train), "y_train")
    if y.max() >= N_CLASSES:
        raise ValueError(f"y_train must be in 0..{N_CLASSES - 1}. Received: y_train with "
                         f"maximum {y.max()}")
    return (x_train, y)


def train_diffusion(x_train, y_train=None, *, objective=None, conditional=None, steps=None,
                    seconds=None, batch_size=None, learning_rate=None, seed=0, model=None,
                    callbacks=None, verbose=0):
    """Build (or continue) and train the chapter's diffusion model, no cache.

    Args:
        x_train: uint8 images (N, 28, 28[, 1]) or float in [0, 1].
        y_train: their labels (needed when ``conditional``).
        objective: ``"eps"`` or ``"flow"`` (default ``diffusion.objective``).
        conditional: class-conditional with label dropout (default ``diffusion.conditional``).
        steps: training steps (default ``diffusion.steps``), rounded up to whole "epochs" of
            :data:`STEPS_PER_EPOCH`; ignored when ``seconds`` is given.
        seconds: a wall-clock budget instead (:class:`~unsuplab.training.TimeBudget`).
        batch_size, learning_rate: default ``diffusion.batch_size``, ``diffusion.learning_rate``.
        model: a model from :func:`build_diffusion` to train (default: a new one).

    Returns:
        The trained model; ``model.training_history`` holds the loss per "epoch", and
        ``model.train_steps`` / ``model.train_seconds`` what the training cost.
    """
    from ..training import fit_budget

    conditional = model_kwargs(objective, conditional)["n_classes"] is not None
    data = _train_data(x_train, y_train, conditional)
    batch_size = config.setting("diffusion.batch_size") if batch_size is None else batch_size
    if seconds is None:
        steps = config.setting("diffusion.steps") if steps is None else steps
    if model is None:
        model = build_diffusion(image_shape_of(x_train), objective=objective,
                                conditional=conditional, seed=seed, learning_rate=learning_rate)
    return fit_budget(model, *data, steps=steps, seconds=seconds,
                      steps_per_epoch=STEPS_PER_EPOCH, batch_size=batch_size,
                      callbacks=callbacks, seed=seed, verbose=verbose)


def model_name(objective=None, conditional=None):
    """The cache (and shipped-model) name of a recipe: ``diffusion_eps_cond`` and so on."""
    kwargs = model_kwargs(objective, conditional)
    kind = "cond" if kwargs["n_classes"] is not None else "uncond"
    return f"diffusion_{kwargs['objective']}_{kind}"


def cached_diffusion(x_train, y_train=None, *, objective=None, conditional=None, steps=None,
                     batch_size=None, learning_rate=None, seed=0, callbacks=None,
                     retrain=False, verbose=0):
    """:func:`train_diffusion` (a fixed number of steps) through the model cache; with
    ``UNSUPLAB_PRETRAINED=1`` the shipped model of the same recipe. Returns
    ``(model, trained)``."""
    from ..training import load_or_train

    kwargs = model_kwargs(objective, conditional)
    objective, conditional = kwargs["objective"], kwargs["n_classes"] is not None
    steps = config.setting("diffusion.steps") if steps is None else steps
    steps = check_number(steps, "steps", low=1, integer=True)
    batch_size = config.setting("diffusion.batch_size") if batch_size is None else batch_size
    rate = config.setting("diffusion.learning_rate") if learning_rate is None else learning_rate
    data = _train_data(x_train, y_train, conditional)
    image_shape = image_shape_of(x_train)

    def build():
        return build_diffusion(image_shape, objective=objective, conditional=conditional,
                               seed=seed, learning_rate=rate)

    def train(model):
        return train_diffusion(x_train, y_train, objective=objective, conditional=conditional,
                               steps=steps, batch_size=batch_size, seed=seed, model=model,
                               callbacks=callbacks, verbose=verbose)

    return load_or_train(model_name(objective, conditional), build, train,
                         params={"steps": steps, "batch_size": batch_size,
                                 "learning_rate": rate, "seed": seed},
                         data=data, retrain=retrain)


def sampling_steps():
    """Sampler steps of the chapter's figures (``diffusion.sample_steps``)."""
    return config.setting("diffusion.sample_steps")


__all__ = [
    "N_CLASSES",
    "STEPS_PER_EPOCH",
    "build_diffusion",
    "cached_diffusion",
    "load_data",
    "model_kwargs",
    "model_name",
    "sampling_steps",
    "train_diffusion",
]
