"""Build reveal.js slides from the notebooks: ``build/slides/NN_topic.slides.html``.

The slides come from the same source as the notebooks, so a lecture shows the notebook's own
figures. Each notebook is copied, its Markdown cells are split at their ``##``/``###``
headings, and every cell gets the ``slideshow`` metadata that ``nbconvert --to slides`` reads:

- the title cell and every ``## Section`` start a slide; every ``### Subsection`` a sub-slide
  (reveal.js shows sub-slides below their slide);
- the Colab install cell is skipped; everything else continues the current slide.

With ``--execute`` (what ``make slides`` does) each notebook is first run in a fresh kernel
from the notebooks' folder (quick mode is the caller's ``UNSUPLAB_QUICK=1``), so the slides
carry its outputs; without it the slides show the cells only (what ``make test`` builds, to
check every deck builds without running the notebooks twice). The stored notebooks are never
changed. Viewing the slides loads reveal.js from its CDN (``--reveal-prefix`` to change it).

Usage: ``python -m tools.slides [--execute] [--out build/slides] [NOTEBOOK ...]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^(#{1,3}) \S")


def split_markdown(source: str) -> list[str]:
    """Split Markdown at every heading of level 1–3 (outside code blocks), each heading
    opening a new piece."""
    pieces, current, fenced = [], [], False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced  # a "# comment" inside a code block is not a heading
        if not fenced and HEADING.match(line) and any(s.strip() for s in current):
            pieces.append("\n".join(current).strip("\n"))
            current = []
        current.append(line)
    if any(s.strip() for s in current):
        pieces.append("\n".join(current).strip("\n"))
    return pieces or [source]


def slide_type(cell) -> str:
    """The reveal.js role of one (already split) cell."""
    if cell.cell_type == "code":
        return "skip" if 'find_spec("unsuplab") is None' in cell.source else "-"
    match = HEADING.match(cell.source)
    if match is None:
        return "-"
    return "subslide" if len(match.group(1)) == 3 else "slide"


def as_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose Markdown is split at headings and whose cells carry the
    ``slideshow`` metadata (outputs are kept)."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cells = [nbformat.v4.new_markdown_cell(piece) for piece in split_markdown(cell.source)]
        else:
            cells = [nbformat.from_dict(dict(cell))]
        for new in cells:
            new.metadata = dict(new.get("metadata", {}))
            new.metadata["slideshow"] = {"slide_type": slide_type(new)}
            new.pop("id", None)
            out.cells.append(new)
    for i, cell in enumerate(out.cells):
        cell.id = f"slide-cell-{i:03d}"
    return out


def execute(nb: nbformat.NotebookNode, folder: Path, timeout: int) -> nbformat.NotebookNode:
    """Run ``nb`` in a fresh python3 kernel, from ``folder``; return it with its outputs."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def build(path: Path, out_dir: Path, *, run=False, timeout=900, reveal_prefix=None) -> Path:
    """Write ``out_dir/<name>.slides.html`` for the notebook at ``path``; return its path."""
    from nbconvert import SlidesExporter

    nb = nbformat.read(path, as_version=4)
    if run:
        nb = execute(nb, path.parent, timeout)
    exporter = SlidesExporter(reveal_scroll=True)
    if reveal_prefix:
        exporter.reveal_url_prefix = reveal_prefix
    body, _ = exporter.from_notebook_node(as_slides(nb))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--execute", action="store_true", help="run each notebook first")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--reveal-prefix", default=None, help="where reveal.js is served from")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        target = build(path, args.out, run=args.execute, timeout=args.timeout,
                       reveal_prefix=args.reveal_prefix)
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{path.name} -> {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
