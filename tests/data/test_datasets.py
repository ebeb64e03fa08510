import gzip
import shutil

import numpy as np
import pytest

from unsuplab import data
from unsuplab.data import datasets


def test_fashion_mnist_shapes_dtypes_and_classes(fashion):
    (x_train, y_train), (x_test, y_test), names = fashion
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_test.shape == (10000, 28, 28)
    assert len(names) == 10 and names[0] == "T-shirt/top" and names[9] == "Ankle boot"
    # Fashion-MNIST is balanced: 6000 / 1000 images per class.
    assert np.all(np.bincount(y_train) == 6000) and np.all(np.bincount(y_test) == 1000)
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # the known first labels


def _copy_dataset(src, dst, *, compress=True):
    dst.mkdir(parents=True, exist_ok=True)
    for name in datasets.FASHION_MNIST_FILES:
        source = datasets._find_file(src, name)
        if compress:
            shutil.copy(source, dst / source.name)
        else:
            (dst / name).write_bytes(datasets._read_idx_bytes(source))


@pytest.fixture(scope="module")
def real_dir():
    return datasets.fashion_mnist_path(download=False)


def test_explicit_folder_with_uncompressed_files(tmp_path, real_dir):
    _copy_dataset(real_dir, tmp_path, compress=False)
    (x, y), _, _ = data.load_fashion_mnist(tmp_path, download=False)
    assert x.shape == (60000, 28, 28)


def test_environment_variable_is_honoured(tmp_path, real_dir, monkeypatch):
    _copy_dataset(real_dir, tmp_path)
    monkeypatch.setenv("UNSUPLAB_DATA", str(tmp_path))
    assert datasets.fashion_mnist_path(download=False) == tmp_path


def test_truncated_file_gives_a_clear_error(tmp_path, real_dir):
    _copy_dataset(real_dir, tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.DataIntegrityError, match="t10k-labels"):
        data.load_fashion_mnist(tmp_path, download=False)


def test_corrupt_content_fails_the_checksum(tmp_path, real_dir):
    _copy_dataset(real_dir, tmp_path)
    raw = bytearray(datasets._read_idx_bytes(tmp_path / "t10k-labels-idx1-ubyte.gz"))
    raw[100] = (raw[100] + 1) % 10  # one wrong label, same size
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(bytes(raw))
    with pytest.raises(data.DataIntegrityError, match="SHA-256"):
        data.load_fashion_mnist(tmp_path, download=False)


def test_swapped_file_is_refused(tmp_path, real_dir):
    _copy_dataset(real_dir, tmp_path)
    shutil.copy(tmp_path / "train-labels-idx1-ubyte.gz", tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(data.DataIntegrityError, match="bytes"):
        data.load_fashion_mnist(tmp_path, download=False)


def test_incomplete_explicit_folder_says_what_is_missing(tmp_path):
    with pytest.raises(data.DataNotFoundError, match="train-images"):
        data.load_fashion_mnist(tmp_path, download=False)


@pytest.fixture
def no_local_copy(real_dir, tmp_path, monkeypatch):
    """No UNSUPLAB_DATA, an empty Keras cache under tmp_path, no Debian copy."""
    monkeypatch.delenv("UNSUPLAB_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(datasets, "DEBIAN_DIR", tmp_path / "no-debian")


@pytest.mark.usefixtures("no_local_copy")
def test_nothing_anywhere_explains_every_way_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "FASHION_MNIST_URL", "http://127.0.0.1:9/")  # refused at once
    with pytest.raises(data.DataNotFoundError) as err:
        data.load_fashion_mnist()
    message = str(err.value)
    for hint in ("apt-get install dataset-fashion-mnist", "UNSUPLAB_DATA", "download"):
        assert hint in message
    # Nothing half-written is left in the cache.
    cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    assert not cache.exists() or not any(cache.iterdir())


@pytest.mark.usefixtures("no_local_copy")
def test_download_is_verified_and_atomic(tmp_path, real_dir, monkeypatch):
    """A 'download' from a local folder (file:// URL) lands verified in the Keras cache."""
    mirror = tmp_path / "mirror"
    _copy_dataset(real_dir, mirror)
    monkeypatch.setattr(datasets, "FASHION_MNIST_URL", mirror.as_uri() + "/")
    folder = datasets.fashion_mnist_path()
    assert folder == tmp_path / "keras" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}.gz" for n in datasets.FASHION_MNIST_FILES
    )


@pytest.mark.usefixtures("no_local_copy")
def test_corrupt_download_is_deleted(tmp_path, real_dir, monkeypatch):
    mirror = tmp_path / "mirror"
    _copy_dataset(real_dir, mirror)
    bad = mirror / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:500])
    monkeypatch.setattr(datasets, "FASHION_MNIST_URL", mirror.as_uri() + "/")
    with pytest.raises(data.DataIntegrityError):
        datasets.fashion_mnist_path()
    assert not (tmp_path / "keras/datasets/fashion-mnist/train-labels-idx1-ubyte.gz").exists()


def test_load_digits_is_real_and_offline():
    images, labels = data.load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert images.max() == 16 and set(np.unique(labels)) == set(range(10))


def test_load_photos_are_float_in_unit_range():
    photos = data.load_photos(["camera", "astronaut", "china"])
    assert photos["camera"].shape == (512, 512)
    assert photos["astronaut"].shape == (512, 512, 3)
    assert photos["china"].shape == (427, 640, 3)
    for image in photos.values():
        assert image.dtype == np.float32 and 0 <= image.min() and image.max() <= 1


def test_load_photos_gray_and_size():
    photo = data.load_photos("astronaut", gray=True, size=64)["astronaut"]
    assert photo.shape == (64, 64)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"names": ["nope"]}, "nope"), ({"names": ["camera"], "size": 2}, "size")],
)
def test_load_photos_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_photos(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"names": 3}, TypeError, "names"), ({"names": [None]}, TypeError, "names"),
     ({"names": "camera", "gray": "no"}, TypeError, "gray"),
     ({"names": "camera", "size": 10**6}, ValueError, "size"),
     ({"names": "camera", "size": 64.5}, TypeError, "size")],
)
def test_load_photos_refuses_wrong_types_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_photos(**kwargs)


def test_mnist_without_network_explains_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "MNIST_URL", "http://127.0.0.1:9/mnist.npz")
    with pytest.raises(data.DataNotFoundError, match="load_digits"):
        data.load_mnist()
