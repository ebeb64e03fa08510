"""Datasets: Fashion-MNIST offline first, MNIST online, scikit-learn digits, real photographs.

Fashion-MNIST is looked for, in order, in

1. the ``data_dir`` argument, else the ``UNSUPLAB_DATA`` environment variable;
2. the Keras cache, ``~/.keras/datasets/fashion-mnist`` (``$KERAS_HOME`` is honoured);
3. the copy that Debian's ``dataset-fashion-mnist`` installs, ``/usr/share/datasets/fashion-mnist``;
4. a download into the Keras cache (atomic: a temporary file renamed once verified).

Every file is verified by the SHA-256 of its *decompressed* IDX bytes, so a re-compressed copy
(Debian's ``.gz`` files differ from upstream's by their gzip header) is accepted and a truncated,
corrupt or mismatched file is refused with a message naming it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from .._validation import check_bool, check_number

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# SHA-256 of Keras's mnist.npz, as in keras.datasets.mnist.
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# name -> (SHA-256 of the decompressed IDX file, its size in bytes)
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        47040016,
    ),
    "train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        60008,
    ),
    "t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        7840016,
    ),
    "t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        10008,
    ),
}

HOW_TO_GET = """\
How to get Fashion-MNIST (any one of these):
  * Debian/Ubuntu:  sudo apt-get install dataset-fashion-mnist   (installs {debian})
  * with a network: call load_fashion_mnist() again (it downloads into {cache})
  * by hand: put the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (from
    https://github.com/zalandoresearch/fashion-mnist) in a folder and set
    UNSUPLAB_DATA=/that/folder, or pass load_fashion_mnist(data_dir=...)."""


class DataNotFoundError(FileNotFoundError):
    """Raised when a dataset is in none of the places looked at and cannot be downloaded."""


class DataIntegrityError(ValueError):
    """Raised when a data file is truncated, corrupt or not the expected file."""


def keras_cache_dir() -> Path:
    """Return Keras's dataset cache folder (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def _candidate_dirs(data_dir) -> list[tuple[str, Path]]:
    dirs = []
    if data_dir is not None:
        dirs.append(("data_dir argument", Path(data_dir)))
    elif os.environ.get("UNSUPLAB_DATA"):
        dirs.append(("UNSUPLAB_DATA", Path(os.environ["UNSUPLAB_DATA"])))
    dirs.append(("Keras cache", keras_cache_dir() / "fashion-mnist"))
    dirs.append(("Debian dataset-fashion-mnist", DEBIAN_DIR))
    return dirs


def _read_idx_bytes(path: Path) -> bytes:
    """Return the decompressed bytes of ``path`` (``.gz`` or raw IDX)."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        raise DataIntegrityError(
            f"Cannot read {path}: {err}. The file is truncated or corrupt; delete it and "
            "load again."
        ) from err


def _verify(name: str, raw: bytes, path: Path) -> None:
    sha, size = FASHION_MNIST_FILES[name]
    if len(raw) != size:
        raise DataIntegrityError(
            f"{path} has {len(raw)} bytes once decompressed; {name} has {size}. The file is "
            "truncated or is another file; delete it and load again."
        )
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha:
        raise DataIntegrityError(
            f"{path} fails its SHA-256 check (got {digest}, expected {sha}). The file is "
            "corrupt or is another file; delete it and load again."
        )


def _parse_idx(raw: bytes, name: str) -> np.ndarray:
    """Parse an IDX file: magic (2 zero bytes, dtype code, ndim), big-endian dims, data."""
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataIntegrityError(f"{name} is not an unsigned-byte IDX file.")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(tuple(dims)).copy()


def _find_file(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _download(url: str, target: Path, timeout: float = 30.0) -> None:
    """Download ``url`` to ``target`` atomically (temporary file, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fashion_mnist_path(data_dir=None, *, download: bool = True) -> Path:
    """Return the folder that holds four verified Fashion-MNIST files.

    Looks in the places listed in the module docstring, then downloads into the Keras cache
    when ``download`` is true.

    Raises:
        DataNotFoundError: no complete copy anywhere and no download possible; the message
            says each way to get the data.
        DataIntegrityError: a file was found but is truncated, corrupt or another file.
    """
    looked = []
    for label, folder in _candidate_dirs(data_dir):
        files = {name: _find_file(folder, name) for name in FASHION_MNIST_FILES}
        if all(files.values()):
            for name, path in files.items():
                _verify(name, _read_idx_bytes(path), path)
            return folder
        missing = [n for n, p in files.items() if p is None]
        looked.append(f"  - {label}: {folder} (missing: {', '.join(missing)})")
        if label in ("data_dir argument", "UNSUPLAB_DATA"):
            # A folder the user named, missing or incomplete, is a mistake to report: quietly
            # loading another copy would hide it.
            what = "data_dir" if label == "data_dir argument" else "UNSUPLAB_DATA"
            state = "does not exist" if not folder.exists() else f"lacks {', '.join(missing)}"
            raise DataNotFoundError(
                f"{what}={str(folder)!r} {state}.\n"
                + HOW_TO_GET.format(debian=DEBIAN_DIR, cache=keras_cache_dir() / "fashion-mnist")
            )
    cache = keras_cache_dir() / "fashion-mnist"
    if download:
        try:
            for name in FASHION_MNIST_FILES:
                target = cache / f"{name}.gz"
                if target.is_file():
                    continue
                _download(FASHION_MNIST_URL + f"{name}.gz", target)
                try:
                    _verify(name, _read_idx_bytes(target), target)
                except DataIntegrityError:
                    target.unlink()
                    raise
            return cache
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            looked.append(f"  - download from {FASHION_MNIST_URL}: failed ({err})")
    else:
        looked.append("  - download: not attempted (download=False)")
    raise DataNotFoundError(
        "Fashion-MNIST was not found. Looked at:\n"
        + "\n".join(looked)
        + "\n"
        + HOW_TO_GET.format(debian=DEBIAN_DIR, cache=cache)
    )


def load_fashion_mnist(data_dir=None, *, download: bool = True):
    """Load Fashion-MNIST (Xiao et al., 2017), offline first.

    Args:
        data_dir: a folder holding the four IDX files (``.gz`` or not). Default: the
            ``UNSUPLAB_DATA`` environment variable, then the Keras cache, then Debian's copy.
        download: whether to download into the Keras cache when no copy is found.

    Returns:
        ``((x_train, y_train), (x_test, y_test)), class_names``: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,) as ``keras.datasets`` gives
        them, and the ten class names.

    Raises:
        DataNotFoundError, DataIntegrityError: see :func:`fashion_mnist_path`.

    Example:
        >>> (x_train, y_train), (x_test, y_test), names = load_fashion_mnist()
    """
    folder = fashion_mnist_path(data_dir, download=download)
    arrays = {}
    for name in FASHION_MNIST_FILES:
        path = _find_file(folder, name)
        arrays[name] = _parse_idx(_read_idx_bytes(path), name)
    return (
        (arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]),
        (arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]),
        FASHION_MNIST_CLASSES,
    )


def load_mnist(data_dir=None, *, download: bool = True):
    """Load MNIST digits (an optional online extra), checked by SHA-256.

    Looks for ``mnist.npz`` in ``data_dir`` or the Keras cache, else downloads it there.

    Returns:
        ``((x_train, y_train), (x_test, y_test)), class_names`` like :func:`load_fashion_mnist`.
    """
    folders = [Path(data_dir)] if data_dir is not None else []
    folders.append(keras_cache_dir())
    path = next((f / "mnist.npz" for f in folders if (f / "mnist.npz").is_file()), None)
    if path is None:
        if not download:
            raise DataNotFoundError(
                f"mnist.npz not found in {[str(f) for f in folders]} and download=False."
            )
        path = keras_cache_dir() / "mnist.npz"
        try:
            _download(MNIST_URL, path)
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            raise DataNotFoundError(
                f"MNIST is an online extra and the download from {MNIST_URL} failed ({err}). "
                f"Download mnist.npz by hand into {keras_cache_dir()}, or use "
                "load_fashion_mnist() (offline) or load_digits()."
            ) from err
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MNIST_SHA256:
        raise DataIntegrityError(
            f"{path} fails its SHA-256 check (got {digest}); delete it and load again."
        )
    with np.load(path) as f:
        train = (f["x_train"], f["y_train"])
        test = (f["x_test"], f["y_test"])
    return train, test, tuple(str(d) for d in range(10))


def load_digits():
    """scikit-learn's 8x8 handwritten digits (1797 real images, shipped offline).

    Returns:
        ``(images, labels)``: uint8 images of shape (1797, 8, 8) in 0..16 and int labels.
    """
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    return bunch.images.astype(np.uint8), bunch.target.astype(np.int64)


PHOTO_NAMES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "coins",
    "moon",
    "page",
    "text",
    "rocket",
    "brick",
    "grass",
    "gravel",
    "retina",
    "hubble_deep_field",
    "china",
    "flower",
)


def load_photos(names=None, *, gray: bool = False, size: int | None = None) -> dict:
    """Real photographs shipped inside scikit-image and scikit-learn (no download).

    Args:
        names: which photographs (default: all of :data:`PHOTO_NAMES`).
        gray: convert colour photographs to grey levels.
        size: if given, resize so that the shorter side has ``size`` pixels.

    Returns:
        A dict ``name -> float32 array in [0, 1]`` of shape (H, W) or (H, W, 3).
    """
    from skimage import color, data, transform, util

    if names is None:
        names = PHOTO_NAMES
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a photo name or a list of them (see PHOTO_NAMES). "
                        f"Received: names={names!r}")
    gray = check_bool(gray, "gray")
    unknown = [n for n in names if n not in PHOTO_NAMES]
    if unknown:
        raise ValueError(
            f"Unknown photo {unknown[0]!r}; choose from {PHOTO_NAMES}. Received: names={names!r}"
        )
    if size is not None:  # the shorter side, in pixels; 4096 is a 16-megapixel square
        size = check_number(size, "size", low=8, high=4096, integer=True)
    photos = {}
    for name in names:
        if name in ("china", "flower"):
            from sklearn.datasets import load_sample_image

            image = load_sample_image(f"{name}.jpg")
        else:
            image = getattr(data, name)()
        image = util.img_as_float32(image)
        if image.ndim == 3 and image.shape[-1] == 4:
            image = color.rgba2rgb(image)
        if gray and image.ndim == 3:
            image = color.rgb2gray(image)
        if size is not None:
            scale = size / min(image.shape[:2])
            shape = (round(image.shape[0] * scale), round(image.shape[1] * scale))
            image = transform.resize(image, shape + image.shape[2:], anti_aliasing=True)
        photos[name] = np.clip(image, 0.0, 1.0).astype(np.float32)
    return photos
