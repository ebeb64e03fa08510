"""tools/slides.py: every section of a notebook becomes a slide, the stored notebook unchanged."""

import nbformat

from tools import slides


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 — Title\n\nIntro."),
        nbformat.v4.new_code_cell('if importlib.util.find_spec("unsuplab") is None:\n    pass'),
        nbformat.v4.new_markdown_cell(
            "## Setup\n\nText.\n\n```python\n# not a heading\nx = 1\n```\n\n### Detail\n\nMore."
            "\n\n## Summary\n\n* one"
        ),
        nbformat.v4.new_code_cell("print(1)"),
    ]
    return nb


def test_split_markdown_at_headings_but_not_inside_code_blocks():
    pieces = slides.split_markdown(_notebook().cells[2].source)
    assert [p.splitlines()[0] for p in pieces] == ["## Setup", "### Detail", "## Summary"]
    assert "# not a heading" in pieces[0]
    assert slides.split_markdown("plain text") == ["plain text"]


def test_sections_become_slides_and_subsections_subslides():
    nb = _notebook()
    before = nbformat.writes(nb)
    deck = slides.as_slides(nb)
    roles = [(c.cell_type, c.metadata["slideshow"]["slide_type"]) for c in deck.cells]
    assert roles == [
        ("markdown", "slide"),  # the title
        ("code", "skip"),  # the Colab install cell
        ("markdown", "slide"),  # ## Setup
        ("markdown", "subslide"),  # ### Detail
        ("markdown", "slide"),  # ## Summary
        ("code", "-"),
    ]
    assert len({c.id for c in deck.cells}) == len(deck.cells)
    assert nbformat.writes(nb) == before, "the source notebook is not modified"


def test_build_writes_a_reveal_deck_without_executing(tmp_path):
    path = tmp_path / "99_x.ipynb"
    nbformat.write(_notebook(), path)
    target = slides.build(path, tmp_path / "out")
    html = target.read_text()
    assert target.name == "99_x.slides.html"
    assert "reveal" in html.lower()
    assert html.count("<section") >= 4  # title, Setup (with Detail below it), Summary
