import numpy as np
import pytest

from unsuplab.exercises import (
    Mismatch,
    all_exercises,
    check,
    describe,
    exercise,
    expect_close,
    get,
    short_error,
    verify,
)
from unsuplab.exercises.core import _REGISTRY


def mean_image(images):
    ...  # your code here


def raising_stub(images):
    """Docstrings and comments do not count as an answer."""
    raise NotImplementedError


def forgot_return(images):
    images.astype(float).mean(axis=0) / 255


def divides_by_zero(images):
    scale = 0
    return images.mean(axis=0) / 255 // scale if scale else 1 / scale


def test_check_prints_and_returns_nothing(capsys):
    assert check("00.1", None) is None
    assert "No answer yet" in capsys.readouterr().out
    assert check("00.1", 3) is None
    assert "function itself" in capsys.readouterr().out
    assert check("00.1", lambda images: images.mean(axis=0) / 255) is None
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("stub", [mean_image, raising_stub, lambda images: None])
def test_an_untouched_stub_is_not_answered_yet(stub, capsys):
    check("00.1", stub)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "not answered yet: fill in" in out
    assert "Error" not in out and "line" not in out


@pytest.mark.parametrize("ex", [e.id for e in all_exercises(("00", "01", "02", "03", "05"))])
def test_the_same_stub_message_in_every_chapter(ex):
    with pytest.raises(Mismatch, match=r"^not answered yet: fill in the function `mean_image`"):
        verify(ex, mean_image)


def test_a_forgotten_return_is_named():
    with pytest.raises(Mismatch, match="`forgot_return` returned None: .* `return`"):
        verify("00.1", forgot_return)


def test_an_error_in_the_students_code_points_at_their_line():
    with pytest.raises(Mismatch) as info:
        verify("00.1", divides_by_zero)
    message = str(info.value)
    assert "ZeroDivisionError" in message and "in divides_by_zero" in message
    assert "1 / scale" in message  # their line, quoted
    assert "core.py" not in message and "ch00.py" not in message


def test_a_library_error_on_the_returned_value_describes_the_value():
    with pytest.raises(Mismatch) as info:
        verify("00.3", lambda y_true, y_pred: {"accuracy": 1.0})  # not a number
    message = str(info.value)
    assert "a dict" in message and "Traceback" not in message


def test_a_number_expected_but_an_array_returned():
    with pytest.raises(Mismatch, match=r"one number; yours is an array of shape \(3,\)"):
        verify("00.3", lambda y_true, y_pred: np.ones(3))


def test_in_place_changes_of_an_argument_fail_even_with_the_right_result():
    def mean_in_place(images):
        result = images.mean(axis=0) / 255
        images[:] = 0
        return result

    with pytest.raises(Mismatch, match="changed its argument `images` in place"):
        verify("00.1", mean_in_place)


def test_none_is_accepted_where_the_exercise_says_so():
    calls = []

    @exercise("99.7", "may return None", returns_none=True)
    def checker(answer):
        calls.append(answer(1))

    try:
        verify("99.7", lambda x: None if x else 0)
    finally:
        _REGISTRY.pop("99.7")
    assert calls == [None]


def test_feedback_is_specific_without_revealing_the_answer():
    with pytest.raises(Mismatch, match="255 times"):
        verify("00.1", lambda images: images.astype(float).mean(0))
    with pytest.raises(Mismatch, match="axis 0"):
        verify("00.1", lambda images: images.mean(axis=(1, 2)) / 255)


def test_expect_close_detects_factor_offset_sign_and_constants():
    with pytest.raises(Mismatch, match="factor of 2"):
        expect_close([2.0, 4.0], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match=r"constant \+0.5"):
        expect_close([1.5, 2.5], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match="wrong sign"):
        expect_close([-1.0, -2.0], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match="same value"):
        expect_close([0.5, 0.5], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match="shape"):
        expect_close([1.0], [1.0, 2.0], what="x")
    expect_close(np.float32(1.0), 1.0, what="x")


def test_expect_close_agrees_with_its_subject():
    with pytest.raises(Mismatch, match="^Your updated weights are not right"):
        expect_close([1.0], [2.0], what="Your updated weights")
    with pytest.raises(Mismatch, match="^Your loss on a batch is not right"):
        expect_close([1.0], [2.0], what="Your loss on a batch")
    with pytest.raises(Mismatch, match=r"^Your bound for log-weights around -1000 is not"):
        expect_close([1.0], [2.0], what="Your bound for log-weights around -1000")


def test_values_are_described_never_dumped():
    big = np.zeros((3, 28, 28, 1), np.float32)
    assert describe(big) == "an array of shape (3, 28, 28, 1) (dtype float32)"
    assert describe(None) == "None"
    assert describe(np.float64(0.25)) == "the number 0.25"
    assert describe([1, 2]) == "a list of 2 items"
    with pytest.raises(Mismatch) as info:
        expect_close(np.zeros((40, 40)), np.zeros(3), what="x")
    assert len(str(info.value)) < 200


def test_short_error_keeps_the_message_not_the_dump():
    dump = "\n".join(" ".join("0.5" for _ in range(28)) for _ in range(150))
    err = ValueError(f"Input 0 of layer 'dense' is incompatible\n[[{dump}]]\nArguments:\n  • x=1")
    assert short_error(err) == "Input 0 of layer 'dense' is incompatible"
    nested = NotImplementedError(
        'in user code:\n\n    File "/x.py", line 3, in f  *\n        y = np.asarray(x)\n\n'
        "    NotImplementedError: Cannot convert a symbolic tf.Tensor (x:0) to a numpy array.\n")
    assert short_error(nested) == "Cannot convert a symbolic tf.Tensor (x:0) to a numpy array."


def test_unknown_and_malformed_ids():
    with pytest.raises(ValueError, match="Unknown exercise"):
        get("00.99")
    with pytest.raises(TypeError, match="id"):
        get(3)
    with pytest.raises(ValueError, match="03.1"):
        exercise("3.1", "bad id")
    with pytest.raises(ValueError, match="answer"):
        exercise("99.1", "t", answer="essay")


def test_in_place_changes_of_a_list_argument_fail():
    def choose_sorting_the_callers_lists(sizes, psnr_db, target_db):
        pairs = sorted(zip(sizes, psnr_db, strict=True))
        sizes[:], psnr_db[:] = [s for s, _ in pairs], [p for _, p in pairs]  # the caller's
        return next((s for s, p in pairs if p >= target_db), None)

    with pytest.raises(Mismatch, match="changed its argument `sizes` in place.*new list"):
        verify("01.4", choose_sorting_the_callers_lists)


def test_calling_the_library_function_the_exercise_asks_for_is_refused():
    from unsuplab import metrics
    from unsuplab.metrics import psnr

    for answer in (lambda x, y: psnr(x, y), lambda x, y: metrics.psnr(x, y)):
        with pytest.raises(Mismatch, match="calls `unsuplab.metrics.psnr`.*write it yourself"):
            verify("01.3", answer)


def test_a_rounded_answer_is_close_but_fails_and_is_told_so():
    with pytest.raises(Mismatch, match="close, but not within the tolerance"):
        expect_close(round(21.5370, 2), 21.5370, what="Your PSNR")
    with pytest.raises(Mismatch, match="close, but not within the tolerance"):
        verify("00.1", lambda images: np.round(images.mean(axis=0) / 255, 3))


def test_a_factor_is_only_named_when_it_is_not_one():
    with pytest.raises(Mismatch) as info:
        expect_close([1.004, 2.008], [1.0, 2.0], what="x")
    assert "factor" not in str(info.value)
    with pytest.raises(Mismatch, match="factor of 1.5"):
        expect_close([1.5, 3.0], [1.0, 2.0], what="x")


def test_a_float32_float64_mix_keeps_the_useful_part_of_the_error():
    err = ValueError("cannot compute AddV2 as input #1(zero-based) was expected to be a float "
                     "tensor but is a double tensor [Op:AddV2] name: ")
    message = short_error(err)
    assert message.startswith("cannot compute AddV2 as input #1")
    assert "float32 and float64 tensors are mixed" in message and "[Op:" not in message


def test_a_detached_loss_is_told_it_trains_nothing_not_to_avoid_numpy():
    from keras import ops

    from solutions import ch01

    with pytest.raises(Mismatch, match="trains nothing: no gradient") as info:
        verify("01.5", lambda x, y: ops.stop_gradient(ch01.reconstruction_loss(x, y)))
    assert "NumPy" not in str(info.value)
