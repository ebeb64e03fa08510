import numpy as np
import pytest

from unsuplab.exercises import Mismatch, check, exercise, expect_close, get, verify


def test_check_prints_and_never_raises(capsys):
    assert check("00.1", None) is False
    assert "No answer yet" in capsys.readouterr().out
    assert check("00.1", lambda images: (_ for _ in ()).throw(NotImplementedError)) is False
    assert "Not implemented" in capsys.readouterr().out
    assert check("00.1", lambda images: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert check("00.1", 3) is False
    assert "function itself" in capsys.readouterr().out


def test_feedback_is_specific_without_revealing_the_answer():
    with pytest.raises(Mismatch, match="255 times"):
        verify("00.1", lambda images: images.astype(float).mean(0))
    with pytest.raises(Mismatch, match="axis 0"):
        verify("00.1", lambda images: images.mean(axis=(1, 2)) / 255)


def test_expect_close_detects_factor_and_offset():
    with pytest.raises(Mismatch, match="factor of 2"):
        expect_close([2.0, 4.0], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match=r"constant \+0.5"):
        expect_close([1.5, 2.5], [1.0, 2.0], what="x")
    with pytest.raises(Mismatch, match="shape"):
        expect_close([1.0], [1.0, 2.0], what="x")
    expect_close(np.float32(1.0), 1.0, what="x")


def test_unknown_and_malformed_ids():
    with pytest.raises(ValueError, match="Unknown exercise"):
        get("00.99")
    with pytest.raises(TypeError, match="id"):
        get(3)
    with pytest.raises(ValueError, match="03.1"):
        exercise("3.1", "bad id")
    with pytest.raises(ValueError, match="answer"):
        exercise("99.1", "t", answer="essay")
