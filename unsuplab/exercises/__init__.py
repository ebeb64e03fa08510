"""Classroom exercises with automatic checks.

In a notebook::

    from unsuplab.exercises import check

    def my_psnr(x, y):
        ...  # your code

    check("01.3", my_psnr)   # prints ✅ or ❌ with specific feedback

Checkers never reveal the solution. Reference solutions for teachers are in ``solutions/``
at the top of the repository.
"""

from .core import (
    Exercise,
    Mismatch,
    all_exercises,
    as_array,
    as_number,
    check,
    describe,
    exercise,
    expect_close,
    get,
    run_compiled,
    run_in_model,
    short_error,
    student_error,
    verify,
)
from .stepping import value_and_grad

__all__ = [
    "Exercise",
    "Mismatch",
    "all_exercises",
    "as_array",
    "as_number",
    "check",
    "describe",
    "exercise",
    "expect_close",
    "get",
    "run_compiled",
    "run_in_model",
    "short_error",
    "student_error",
    "value_and_grad",
    "verify",
]
