"""Data: datasets (offline first), scaling and tf.data pipelines, seeded corruptions.

Example:
    >>> from unsuplab import data
    >>> (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    >>> ds = data.make_dataset(x_train, batch_size=128, seed=0)
"""

from .corruptions import apply_mask, blur, gaussian_noise, pixel_mask, random_holes, salt_and_pepper
from .datasets import (
    DEBIAN_DIR,
    FASHION_MNIST_CLASSES,
    PHOTO_NAMES,
    DataIntegrityError,
    DataNotFoundError,
    fashion_mnist_path,
    keras_cache_dir,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    load_photos,
)
from .patches import random_patches
from .pipeline import make_batches, make_dataset, subset, to_float

__all__ = [
    "DEBIAN_DIR",
    "FASHION_MNIST_CLASSES",
    "PHOTO_NAMES",
    "DataIntegrityError",
    "DataNotFoundError",
    "apply_mask",
    "blur",
    "fashion_mnist_path",
    "gaussian_noise",
    "keras_cache_dir",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_photos",
    "make_batches",
    "make_dataset",
    "pixel_mask",
    "random_holes",
    "random_patches",
    "salt_and_pepper",
    "subset",
    "to_float",
]
