"""Repository-level promises: Binder files, notebook skeletons, README commands."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_binder_environment_is_the_top_level_one():
    assert (ROOT / "binder" / "environment.yml").read_text() == (
        ROOT / "environment.yml"
    ).read_text()
    assert "dataset-fashion-mnist" in (ROOT / "binder" / "apt.txt").read_text()


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_skeleton(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert re.search(r"\*\*Time:?\*\*", markdown), "a time estimate near the top"
    for heading in ("## Setup", "## Summary", "## Exercises"):
        assert heading in markdown, f"missing {heading}"
    assert 'find_spec("unsuplab") is None' in code[0], "first code cell installs on Colab"
    assert any("config.set_seed(" in c for c in code), "the setup seeds everything"
    assert any("check(" in c for c in code), "exercises with automatic checks"
    assert not any(c.outputs for c in nb.cells if c.cell_type == "code"), "stored without outputs"
