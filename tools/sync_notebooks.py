"""Build ``notebooks/NN_topic.ipynb`` from its readable source ``notebooks/py/NN_topic.py``.

The ``.py`` files (jupytext "percent" format) are what we edit and review; the ``.ipynb``
files are what students open. ``python -m tools.sync_notebooks`` rewrites every notebook from
its source (no outputs); ``--check`` fails if any pair is out of sync (run by ``make lint``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "py"
DST = ROOT / "notebooks"


def _cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def build(src: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(src)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("lines_to_next_cell", None)
        cell.id = f"cell-{i:03d}"  # stable ids: rebuilding gives the same file
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a pair is out of sync")
    args = parser.parse_args(argv)
    bad = []
    sources = sorted(SRC.glob("[0-9][0-9]_*.py"))
    for src in sources:
        target = DST / f"{src.stem}.ipynb"
        nb = build(src)
        if args.check:
            if not target.exists() or _cells(nbformat.read(target, as_version=4)) != _cells(nb):
                bad.append(target.name)
        else:
            text = nbformat.writes(nb) + "\n"
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
                print(f"wrote {target.relative_to(ROOT)}")
    orphans = [p.name for p in DST.glob("*.ipynb") if not (SRC / f"{p.stem}.py").exists()]
    if args.check and (bad or orphans):
        for name in bad:
            print(f"{name} is out of sync with notebooks/py/: run `python -m tools.sync_notebooks`")
        for name in orphans:
            print(f"{name} has no source in notebooks/py/")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
