import numpy as np
import pytest

from unsuplab.networks.unet import check_input_size, crop, pad_to_multiple, unet, unet_multiple


def test_weight_count_and_shapes():
    model = unet((8, 8, 1), 1, filters=(4, 8), convs_per_block=1)
    # down0 1->4 (3x3), down1 4->8, up0 transposed 8->4 (2x2), up0 conv 8->4, head 4->1
    expected = (9 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (4 * 8 * 4 + 4) + (9 * 8 * 4 + 4) + (4 + 1)
    assert model.count_params() == expected
    assert model(np.zeros((2, 8, 8, 1), np.float32)).shape == (2, 8, 8, 1)
    names = {layer.name for layer in model.layers}
    assert {"down0_conv0", "down1_conv0", "pool0", "up0", "up0_conv0", "head"} <= names


@pytest.mark.parametrize("size", [(8, 8), (16, 24), (4, 12)])
def test_any_multiple_size_with_none_dims(size):
    model = unet((None, None, 2), 3, filters=(4, 8, 8))
    assert unet_multiple((4, 8, 8)) == 4
    out = model(np.zeros((1, *size, 2), np.float32))
    assert out.shape == (1, *size, 3)


def test_one_level_is_a_plain_conv_net():
    model = unet((None, None, 1), 2, filters=(4,), convs_per_block=2)
    assert unet_multiple((4,)) == 1
    assert model(np.zeros((1, 5, 7, 1), np.float32)).shape == (1, 5, 7, 2)


def test_skip_connections_join_the_encoder_at_each_resolution():
    model = unet((16, 16, 1), 1, filters=(4, 8, 16), convs_per_block=2)
    for level, (size, width) in enumerate(((16, 4), (8, 8))):
        skip = model.get_layer(f"skip{level}")
        sources = [t._keras_history.operation.name for t in skip.input]
        assert sources == [f"up{level}", f"down{level}_conv1"]
        assert tuple(skip.output.shape) == (None, size, size, 2 * width)


def test_pad_to_multiple_and_crop_round_trip():
    rng = np.random.default_rng(0)
    x = rng.random((2, 13, 10, 1)).astype(np.float32)
    padded, size = pad_to_multiple(x, 4)
    assert padded.shape == (2, 16, 12, 1) and size == (13, 10)
    np.testing.assert_array_equal(crop(padded, size), x)
    np.testing.assert_array_equal(padded[:, 13, :10], x[:, 11])  # mirrored, not zeros
    same, size = pad_to_multiple(x[:, :12, :8], 4)
    assert same.shape == (2, 12, 8, 1) and size == (12, 8)
    tiny, _ = pad_to_multiple(np.ones((1, 2, 2, 1)), 8)  # too small to mirror: edge
    assert tiny.shape == (1, 8, 8, 1) and np.all(tiny == 1)


def test_check_input_size_lets_unknown_and_multiple_sizes_pass():
    check_input_size((None, None, None, 1), 4)
    check_input_size((2, 12, 8, 1), 4)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: unet((8, 8, 1), 1, filters=()), "filters"),
        (lambda: unet((8, 8, 1), 1, filters=(8, 0)), "filters"),
        (lambda: unet((8, 8, 1), 1, filters=16), "filters"),
        (lambda: unet((8, 8, 1), 1, filters=(2, 2, 2, 2, 2, 2)), "1 to 5"),
        (lambda: unet((10, 8, 1), 1, filters=(4, 8, 8)), "height must be a multiple of 4"),
        (lambda: unet((8, 6, 1), 1, filters=(4, 8, 8)), "width must be a multiple of 4"),
        (lambda: unet((8, 8), 1), "input_shape"),
        (lambda: unet((8, 8, None), 1), "input_shape"),
        (lambda: unet((8, 8, 1), 0), "out_channels"),
        (lambda: unet((8, 8, 1), 1, convs_per_block=0), "convs_per_block"),
        (lambda: pad_to_multiple(np.zeros((4, 4)), 2), "batch"),
        (lambda: check_input_size((None, 12, 10, 1), 4), "width must be a multiple of 4"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
