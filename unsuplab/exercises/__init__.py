"""Classroom exercises with automatic checks.

In a notebook::

    from unsuplab.exercises import check

    def my_psnr(x, y):
        ...  # your code

    check("01.2", my_psnr)   # prints ✅ or ❌ with specific feedback

Checkers never reveal the solution. Reference solutions for teachers are in ``solutions/``
at the top of the repository.
"""

from .core import Exercise, Mismatch, all_exercises, check, exercise, expect_close, get, verify

__all__ = [
    "Exercise",
    "Mismatch",
    "all_exercises",
    "check",
    "exercise",
    "expect_close",
    "get",
    "verify",
]
