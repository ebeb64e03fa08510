import numpy as np
import pytest

from unsuplab.data import make_dataset, subset, to_float


def test_to_float_scales_uint8_and_adds_channel():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = to_float(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [[0, 1], [0.2, 0.4]], rtol=1e-6)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.full((1, 2, 2), 1.5, np.float32), ValueError, r"\[0.0, 1.0\]"),
        (np.array([[[np.nan]]], np.float32), ValueError, "NaN"),
        (np.zeros((0, 2, 2), np.float32), ValueError, "empty"),
        (np.zeros((2,), np.float32), ValueError, "rank"),
        (np.array([["a"]]), TypeError, "dtype"),
        ("images", TypeError, "array"),
    ],
)
def test_to_float_rejects_bad_input(x, error, match):
    with pytest.raises(error, match=match):
        to_float(x)


def test_subset_is_seeded_and_stratified():
    x = np.arange(100)[:, None]
    y = np.repeat(np.arange(4), 25)
    xs, ys = subset(x, y, 20, seed=0)
    xs2, _ = subset(x, y, 20, seed=0)
    np.testing.assert_array_equal(xs, xs2)
    assert np.all(np.bincount(ys) == 5)
    assert subset(x, y, None)[0] is x


def test_subset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        subset(np.zeros((5, 1)), np.zeros(4, int), 2)


def test_make_dataset_batches_float_images_in_order_when_not_shuffled():
    x = np.arange(5 * 4, dtype=np.uint8).reshape(5, 2, 2)
    batches = list(make_dataset(x, batch_size=2, shuffle=False).as_numpy_iterator())
    assert [b.shape for b in batches] == [(2, 2, 2, 1), (2, 2, 2, 1), (1, 2, 2, 1)]
    np.testing.assert_allclose(batches[0][1, :, :, 0], x[1] / 255.0, rtol=1e-6)


def test_make_dataset_shuffle_is_seeded():
    x = np.arange(50, dtype=np.uint8).reshape(50, 1, 1)
    order = [
        np.concatenate(list(make_dataset(x, batch_size=10, seed=3).as_numpy_iterator())).ravel()
        for _ in range(2)
    ]
    np.testing.assert_array_equal(order[0], order[1])
    assert not np.array_equal(order[0], np.sort(order[0]))


def test_make_dataset_with_labels_and_map_fn():
    x = np.zeros((4, 2, 2), np.uint8)
    y = np.arange(4)
    ds = make_dataset(x, y, batch_size=4, shuffle=False, map_fn=lambda a, b: (a + 1.0, b))
    images, labels = next(iter(ds))
    assert float(images.numpy().min()) == 1.0 and labels.numpy().tolist() == [0, 1, 2, 3]


def test_make_dataset_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        make_dataset(np.zeros((2, 2, 2), np.uint8), batch_size=0)


def test_make_dataset_turns_the_autotuner_off_and_prefetches():
    """The autotuner stalls iterator creation and teardown by seconds on a CPU (see
    unsuplab.training.loop); the pipeline must not depend on it."""
    x = np.zeros((10, 4, 4), np.uint8)
    ds = make_dataset(x, batch_size=4, shuffle=False)
    assert ds.options().autotune.enabled is False
    assert [b.shape[0] for b in ds] == [4, 4, 2]
