"""Shared pieces of the chapters' mutation audits (``test_ch01.py``, ``test_ch03.py``,
``test_ch04.py``, ``test_ch09.py``, ``test_mutations.py``)."""

import pytest


def mistake_cases(table):
    """One ``pytest.param(ex, wrong)`` per common mistake in ``table`` (exercise -> {name:
    wrong answer}), with the id ``<ex>-<name>``."""
    return [pytest.param(ex, f, id=f"{ex}-{name}") for ex, wrongs in table.items()
            for name, f in wrongs.items()]
