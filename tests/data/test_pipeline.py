import numpy as np
import pytest

from unsuplab.data import make_batches, make_dataset, subset, to_float


def test_to_float_scales_uint8_and_adds_channel():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = to_float(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [[0, 1], [0.2, 0.4]], rtol=1e-6)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.full((1, 2, 2), 1.5, np.float32), ValueError, r"\[0, 1\]"),
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


@pytest.mark.tensorflow_only
def test_make_dataset_batches_float_images_in_order_when_not_shuffled():
    x = np.arange(5 * 4, dtype=np.uint8).reshape(5, 2, 2)
    batches = list(make_dataset(x, batch_size=2, shuffle=False).as_numpy_iterator())
    assert [b.shape for b in batches] == [(2, 2, 2, 1), (2, 2, 2, 1), (1, 2, 2, 1)]
    np.testing.assert_allclose(batches[0][1, :, :, 0], x[1] / 255.0, rtol=1e-6)


@pytest.mark.tensorflow_only
def test_make_dataset_shuffle_is_seeded():
    x = np.arange(50, dtype=np.uint8).reshape(50, 1, 1)
    order = [
        np.concatenate(list(make_dataset(x, batch_size=10, seed=3).as_numpy_iterator())).ravel()
        for _ in range(2)
    ]
    np.testing.assert_array_equal(order[0], order[1])
    assert not np.array_equal(order[0], np.sort(order[0]))


@pytest.mark.tensorflow_only
def test_make_dataset_with_labels():
    x = np.full((4, 2, 2), 255, np.uint8)
    y = np.arange(4)
    images, labels = next(iter(make_dataset(x, y, batch_size=4, shuffle=False)))
    assert float(images.numpy().min()) == 1.0 and labels.numpy().tolist() == [0, 1, 2, 3]


@pytest.mark.tensorflow_only
def test_make_dataset_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        make_dataset(np.zeros((2, 2, 2), np.uint8), batch_size=0)


@pytest.mark.tensorflow_only
def test_make_dataset_turns_the_autotuner_off_and_prefetches():
    """The autotuner stalls iterator creation and teardown by seconds on a CPU (see
    unsuplab.training.loop); the pipeline must not depend on it."""
    x = np.zeros((10, 4, 4), np.uint8)
    ds = make_dataset(x, batch_size=4, shuffle=False)
    assert ds.options().autotune.enabled is False
    assert [b.shape[0] for b in ds] == [4, 4, 2]


def test_make_batches_scales_and_keeps_order_when_not_shuffled():
    x = np.arange(5 * 4, dtype=np.uint8).reshape(5, 2, 2)
    ds = make_batches(x, batch_size=2, shuffle=False)
    assert len(ds) == 3 and ds.num_batches == 3
    batches = [ds[i] for i in range(3)]
    assert [b.shape for b in batches] == [(2, 2, 2, 1), (2, 2, 2, 1), (1, 2, 2, 1)]
    np.testing.assert_allclose(batches[0][1, :, :, 0], x[1] / 255.0, rtol=1e-6)


def test_make_batches_repeat_streams_every_image_once_per_pass_in_a_seeded_order():
    x = np.arange(10, dtype=np.uint8).reshape(10, 1, 1)
    y = np.arange(10)

    def stream():
        ds = make_batches(x, y, batch_size=4, seed=3, repeat=True)
        assert ds.num_batches is None  # endless: used with steps_per_epoch
        return [ds[i] for i in range(6)]  # two passes of 3 batches

    a, b = stream(), stream()
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_allclose(xa[..., 0, 0, 0], ya / 255.0, rtol=1e-6)  # labels follow
    first = np.concatenate([ya for _, ya in a[:3]])
    second = np.concatenate([ya for _, ya in a[3:]])
    assert sorted(first) == sorted(second) == list(range(10))
    assert not np.array_equal(first, second)  # a fresh order each pass


@pytest.mark.parametrize("maker", [make_batches, make_dataset])
def test_pipelines_refuse_float_grey_levels(maker):
    if maker is make_dataset:
        pytest.importorskip("tensorflow")
    with pytest.raises(ValueError, match="255"):
        maker(np.full((4, 2, 2), 128.0, np.float32))


def test_make_batches_scales_uint8_image_targets_like_the_inputs():
    clean = np.full((4, 2, 2), 255, np.uint8)
    noisy = np.zeros((4, 2, 2), np.float32)
    images, targets = make_batches(noisy, clean, batch_size=4, shuffle=False)[0]
    assert targets.shape == (4, 2, 2, 1) and targets.dtype == np.float32
    assert float(targets.max()) == 1.0
    with pytest.raises(ValueError, match="255"):
        make_batches(noisy, np.full((4, 2, 2), 200.0, np.float32))


def test_compact_stores_grey_levels_as_uint8_and_leaves_other_floats():
    from unsuplab.data.pipeline import compact

    u8 = np.random.default_rng(0).integers(0, 256, (9, 3, 3, 1), dtype=np.uint8)
    out = compact(to_float(u8), chunk=4)  # several chunks
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, u8)
    noisy = to_float(u8).copy()
    noisy[7, 1, 1, 0] += 0.3 / 255  # one value off the grid, in the last chunk
    assert compact(noisy, chunk=4) is noisy
    assert compact(u8) is u8


@pytest.mark.tensorflow_only
def test_make_dataset_shuffles_indices_like_images_and_keeps_float_values():
    """The pipeline shuffles indices and gathers (no second copy in a shuffle buffer): the
    batches are those of tf.data shuffling the images themselves, and float grey levels come
    back within round-off of the input."""
    import tensorflow as tf

    u8 = np.random.default_rng(1).integers(0, 256, (40, 2, 2, 1), dtype=np.uint8)
    x = to_float(u8)
    ours = np.concatenate(list(make_dataset(x, batch_size=8, seed=5).as_numpy_iterator()))
    ref = tf.data.Dataset.from_tensor_slices(x).shuffle(40, seed=5).batch(8)
    np.testing.assert_allclose(ours, np.concatenate(list(ref.as_numpy_iterator())), atol=1e-7)


@pytest.mark.tensorflow_only
def test_make_dataset_frees_its_images_with_the_dataset_and_not_before():
    """tf.data keeps a traced map function's ``numpy_function`` for the life of the process:
    the pipeline's uint8 copy of float images must not stay with it once the dataset and its
    iterators are gone (each fit() on 60k images kept 47 MB), and must live while they do."""
    import gc
    import tracemalloc

    x = to_float(np.random.default_rng(2).integers(0, 256, (20000, 14, 14), dtype=np.uint8))
    expected = np.sort(x.reshape(len(x), -1).sum(axis=1))
    next(iter(make_dataset(x[:10], batch_size=5)))  # TensorFlow and tf.data loaded before
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        it = iter(make_dataset(x, batch_size=5000, seed=0))  # only the iterator refers to it
        gc.collect()
        assert tracemalloc.get_traced_memory()[0] - before >= x.size  # the uint8 copy, held
        sums = np.concatenate([b.numpy().reshape(len(b), -1).sum(axis=1) for b in it])
        np.testing.assert_allclose(np.sort(sums), expected, rtol=1e-5)
        del it
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < x.size // 4, f"{kept} bytes kept after the dataset was deleted"


@pytest.mark.parametrize(("n", "error"), [("three", TypeError), (0, ValueError),
                                          (2.5, TypeError)])
def test_subset_names_a_bad_count(n, error):
    with pytest.raises(error, match=r"Received: n="):
        subset(np.zeros((4, 2)), n=n)
