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


# --- what a teacher needs from every chapter (issue #18) ---------------------------------------

SOLUTIONS = ROOT / "solutions"
#: A question without an automatic check: "(no check)", "(open)" or "(question)" in its title.
OPEN_EXERCISE = re.compile(r"\*\*(\d\d\.\d+) — ([^*]*?)\*\*")
CONCEPTUAL = "### Conceptual and derivation questions"
#: A model is trained in the notebook (a recipe, an estimator's fit, a per-image training) ...
TRAINS = re.compile(r"\b(cached_\w+|train_\w+)\(|\.fit\(|\.segment\(")
#: ... so its learning curve is shown: `viz.plot_history`, or the recorded history plotted.
LEARNING_CURVE = re.compile(r"plot_history\(|\.training_history\b|\.history_\b")


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _answered():
    """Question ids with a reference answer: headings of solutions/answers.md, and the keys of
    an ``ANSWERS`` dict in solutions/chNN.py."""
    ids = set(re.findall(r"^### (\d\d\.C?\d+)\b", (SOLUTIONS / "answers.md").read_text(), re.M))
    for module in SOLUTIONS.glob("ch[0-9][0-9].py"):
        match = re.search(r"^ANSWERS = \{(.*?)^\}", module.read_text(), re.S | re.M)
        if match:
            ids |= set(re.findall(r'^\s+"(\d\d\.C?\d+)":', match.group(1), re.M))
    return ids


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_teacher_skeleton(path):
    nb = nbformat.read(path, as_version=4)
    markdown = _markdown(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for label in ("Objectives", "Class plan", "Prerequisites"):
        assert re.search(rf"\*\*{label}\.?\*\*", markdown), f"missing **{label}.** near the top"
    plan = re.search(r"\*\*Class plan\.?\*\*(.*?)(?:\n#\s*\n|\n\n|$)", markdown, re.S).group(1)
    assert "Lecture" in plan and "Lab" in plan, "the class plan covers a lecture and a lab"
    assert len(re.findall(r"\(\d+\)", plan)) >= 4, "minutes per section, written (15)"
    assert "NOTATION.md" in markdown, "link the collection's notation table"
    positions = [markdown.find(h) for h in ("## Summary", "## References", "## Exercises")]
    assert -1 not in positions and positions == sorted(positions), (
        "## Summary, then ## References, then ## Exercises"
    )
    assert CONCEPTUAL in markdown, f"missing {CONCEPTUAL!r} at the end"
    tail = markdown.split(CONCEPTUAL, 1)[1]
    assert not re.search(r"^#{1,3} ", tail, re.M), "the conceptual questions come last"
    assert re.search(r"schematic\w*\(", code), "a block diagram drawn by code (viz.schematic)"
    if TRAINS.search(code):
        assert LEARNING_CURVE.search(code), "a model trains: show its learning curve"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_question_without_a_check_has_a_reference_answer(path):
    markdown = _markdown(nbformat.read(path, as_version=4))
    number = path.name[:2]
    conceptual = re.findall(r"\*\*(\d\d\.C\d+) — ", markdown.split(CONCEPTUAL, 1)[-1])
    assert len(conceptual) >= 2, "at least two conceptual or derivation questions"
    assert all(q.startswith(number) for q in conceptual), conceptual
    open_ones = [q for q, title in OPEN_EXERCISE.findall(markdown)
                 if re.search(r"no check|\(open\)|\(question\)", title)]
    missing = sorted(set(conceptual + open_ones) - _answered())
    assert not missing, f"no reference answer in solutions/ for {missing}"


def test_the_notation_table_is_the_same_in_notation_md_and_chapter_00():
    text = (ROOT / "NOTATION.md").read_text()
    table = text.split("<!-- notation table: start -->")[1].split("<!-- notation table: end -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) > 10
    nb = nbformat.read(ROOT / "notebooks" / "00_setup_and_data.ipynb", as_version=4)
    section = _markdown(nb).split("## Notation used in the collection", 1)[1]
    assert [line for line in section.splitlines() if line.startswith("|")] == rows
