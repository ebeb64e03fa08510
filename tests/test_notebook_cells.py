"""Notebook cells as a student sees them: no figure shown twice."""

import ast
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks" / "py").glob("*.py"))
#: viz functions that draw and return nothing (a bare call to them is fine)
RETURN_NOTHING = {"set_style", "show_table"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_ends_in_a_bare_figure(path):
    """A cell whose last line is ``viz.image_grid(...)`` shows its figure twice: once drawn by
    the inline backend, once as the cell's value. Assign it (``fig = viz...``)."""
    offending = []
    for cell in re.split(r"^# %%.*$", path.read_text(), flags=re.M):
        try:
            body = ast.parse(cell).body
        except SyntaxError:  # a markdown cell
            continue
        last = body[-1] if body else None
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            func = last.value.func
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "viz" and func.attr not in RETURN_NOTHING):
                offending.append(f"viz.{func.attr}(...) ending a cell: {cell.strip()[:60]!r}")
    assert not offending, f"{path.name}: " + "; ".join(offending)
