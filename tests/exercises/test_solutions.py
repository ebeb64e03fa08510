"""Every exercise: its reference solution passes, its planted wrong answer fails."""

import importlib

import pytest

from unsuplab.exercises import Mismatch, all_exercises, verify

EXERCISES = all_exercises()


def _solutions(chapter):
    return importlib.import_module(f"solutions.ch{chapter}")


def test_there_are_exercises():
    assert len(EXERCISES) >= 3


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_solution_passes(ex):
    module = _solutions(ex.id[:2])
    assert ex.id in module.SOLUTIONS, f"solutions/ch{ex.id[:2]}.py lacks {ex.id}"
    verify(ex.id, module.SOLUTIONS[ex.id])


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_planted_wrong_answer_fails(ex):
    module = _solutions(ex.id[:2])
    assert ex.id in module.WRONG, f"solutions/ch{ex.id[:2]}.py lacks a wrong answer for {ex.id}"
    with pytest.raises(Mismatch):
        verify(ex.id, module.WRONG[ex.id])
