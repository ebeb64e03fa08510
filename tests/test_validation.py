import numpy as np
import pytest

from unsuplab._validation import (
    MAX_HOLES,
    check_array,
    check_batch_size,
    check_choice,
    check_class_labels,
    check_hole_count,
    check_images,
    check_mask,
    check_methods,
    check_number,
    check_seed,
    describe,
)


def test_describe_arrays_by_shape():
    assert describe(np.zeros((2, 3), np.float32)) == "array of shape (2, 3) and dtype float32"
    assert describe("x" * 100).endswith("...")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"value": True}, TypeError, "number"),
        ({"value": float("nan")}, ValueError, "finite"),
        ({"value": 0, "low": 0, "low_inclusive": False}, ValueError, "> 0"),
        ({"value": 5, "high": 4}, ValueError, "<= 4"),
        ({"value": 1.5, "integer": True}, TypeError, "integer"),
    ],
)
def test_check_number(kwargs, error, match):
    with pytest.raises(error, match=match):
        check_number(name="n", **kwargs)


def test_check_number_passes_and_names_value():
    assert check_number(3, "n", low=1, integer=True) == 3
    with pytest.raises(ValueError, match=r"Received: sigma=-1"):
        check_number(-1, "sigma", low=0)


def test_check_choice_lists_choices():
    with pytest.raises(ValueError, match=r"\('a', 'b'\)"):
        check_choice("c", "kind", ("a", "b"))


def test_check_array_and_images():
    assert check_array([[1, 2]], "x", ndim=2).shape == (1, 2)
    with pytest.raises(TypeError, match="numeric"):
        check_array(np.array([object()]), "x")
    with pytest.raises(TypeError, match="array"):
        check_array(None, "x")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        check_images(np.array([[0.5, 1.2]]))


def test_check_seed():
    gen = np.random.default_rng(0)
    assert check_seed(gen) is gen
    assert check_seed(3).integers(100) == np.random.default_rng(3).integers(100)
    with pytest.raises(ValueError, match="seed"):
        check_seed(-2)


def test_check_range():
    from unsuplab._validation import check_range

    assert check_range(0.2, "sigma", 0, 1) == (0.2, 0.2)
    assert check_range((0.1, 0.3), "sigma", 0, 1) == (0.1, 0.3)
    with pytest.raises(ValueError, match="low <= high"):
        check_range((0.3, 0.1), "sigma", 0, 1)
    with pytest.raises(ValueError, match="pair"):
        check_range((0.1, 0.2, 0.3), "sigma", 0, 1)
    with pytest.raises(ValueError, match=r"sigma\[1\]"):
        check_range((0.1, 2.0), "sigma", 0, 1)


def test_check_mask_accepts_a_binary_mask_of_the_spatial_shape():
    m = check_mask(np.array([[1, 0], [0, 1]], np.uint8), (2, 2))
    assert m.dtype == np.float32 and m.sum() == 2


@pytest.mark.parametrize(
    ("mask", "match"),
    [
        (np.ones((3, 2)), r"spatial shape \(2, 2\). Received: mask of shape \(3, 2\)"),
        (np.full((2, 2), 0.5), "only 0 \\(missing\\) and 1 \\(kept\\)"),
        ("zeros", "mask must be an array"),
    ],
)
def test_check_mask_rejects_bad_masks(mask, match):
    with pytest.raises((ValueError, TypeError), match=match):
        check_mask(mask, (2, 2))


def test_check_images_hints_at_grey_levels_and_checks_uint8():
    with pytest.raises(ValueError, match=r"images / 255"):
        check_images(np.full((2, 4, 4), 200.0))
    with pytest.raises(ValueError, match=r"\[0, 1\]") as info:
        check_images(np.full((2, 4, 4), 1.5))  # unclipped noise, not grey levels
    assert "255" not in str(info.value).split("Received")[0]
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        check_images(np.full((2, 2), 300, np.int32), dtype_kind="uif")


@pytest.mark.parametrize(
    ("shape", "batch_shape"),
    [((5, 6), (1, 5, 6, 1)), ((3, 5, 6), (3, 5, 6, 1)), ((3, 5, 6, 2), (3, 5, 6, 2))],
)
def test_as_image_batch_round_trips_every_layout(shape, batch_shape):
    from unsuplab._validation import as_image_batch

    x = np.random.default_rng(0).random(shape)
    batch, back = as_image_batch(x)
    assert batch.shape == batch_shape and batch.dtype == np.float32
    np.testing.assert_allclose(back(batch), x, rtol=1e-6)


def test_as_image_batch_scales_uint8_and_checks_channels():
    from unsuplab._validation import as_image_batch

    batch, _ = as_image_batch(np.full((2, 3, 3), 255, np.uint8))
    assert batch.max() == 1.0
    with pytest.raises(ValueError, match="1 channel"):
        as_image_batch(np.zeros((2, 3, 3, 3)), channels=1)
    with pytest.raises(TypeError, match="float"):
        as_image_batch(np.zeros((2, 3, 3), np.uint8), allow_uint8=False)
    kept, back = as_image_batch(np.full((2, 3, 3), 255, np.uint8), scale=False)
    assert kept.dtype == np.uint8 and kept.shape == (2, 3, 3, 1) and back(kept).shape == (2, 3, 3)
    floats, _ = as_image_batch(np.ones((2, 3, 3)), scale=False)  # floats: float32 as always
    assert floats.dtype == np.float32


def test_check_sigma_catches_grey_level_noise_levels():
    from unsuplab._validation import check_sigma

    assert check_sigma(25 / 255) == pytest.approx(0.098, abs=1e-3)
    with pytest.raises(ValueError, match=r"did you mean sigma=25/255"):
        check_sigma(25)
    with pytest.raises(ValueError, match=">= 0"):
        check_sigma(-0.1)


def test_check_labels_needs_a_name_per_class():
    from unsuplab._validation import check_labels

    assert check_labels([0, 2, 1], 3, class_names=["a", "b", "c"]).tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match="class_names must name every class up to 2"):
        check_labels([0, 2], 2, class_names=["a", "b"])
    with pytest.raises(ValueError, match="one entry per sample"):
        check_labels([0, 1], 3)
    with pytest.raises(ValueError, match=">= 0"):
        check_labels([0, -1], 2)


def test_check_class_labels():
    np.testing.assert_array_equal(check_class_labels([0, 2, 1], 3, 3), [0, 2, 1])
    np.testing.assert_array_equal(check_class_labels([0, -1], 2, 2, allow_unlabelled=True),
                                  [0, -1])
    with pytest.raises(ValueError, match=r"in \[0, 3\) \(n_classes=3\); its values span "
                                         r"\[0, 3\]"):
        check_class_labels([0, 3], 2, 3)
    with pytest.raises(ValueError, match=r"or -1 \(unlabelled\)"):
        check_class_labels([-2, 0], 2, 3, allow_unlabelled=True)
    with pytest.raises(ValueError, match=r"\[-1, 0\]"):
        check_class_labels([-1, 0], 2, 3)
    with pytest.raises(ValueError, match="one entry per sample"):
        check_class_labels([0, 1], 3, 3)
    with pytest.raises(TypeError, match="int"):
        check_class_labels([0.0, 1.0], 2, 3)


def test_check_methods_names_the_argument_and_what_is_missing():
    class Half:
        def encode(self):
            return None

        decode = None  # not callable

    assert isinstance(check_methods(Half(), "model", ("encode",)), Half)
    with pytest.raises(TypeError, match=r"model must be a latent model with the method\(s\) "
                                        r"decode. Received: model=Half object"):
        check_methods(Half(), "model", ("encode", "decode"), what="a latent model")


def test_check_hole_count():
    assert check_hole_count(3) == 3 and check_hole_count(0) == 0
    for bad in (MAX_HOLES + 1, 10**9, -1):
        with pytest.raises(ValueError, match="n_holes"):
            check_hole_count(bad)
    with pytest.raises(TypeError, match="n_holes"):
        check_hole_count("2")


def test_check_batch_size_with_a_static_batch():
    assert check_batch_size(np.zeros((2, 3)), 2, "too few").shape == (2, 3)
    with pytest.raises(ValueError, match="too few"):
        check_batch_size(np.zeros((1, 3)), 2, "too few")
