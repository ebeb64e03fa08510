"""Colab and Binder: one repository address for the install cell and the README's links.

Every notebook opens with the same install cell (:data:`INSTALL_CELL`): on Colab or a bare
kernel it installs ``unsuplab`` with everything any chapter needs (the ``classical`` extra
included, so the chapter a student opens first installs it for all), and on Colab it turns on
Colab's custom widget manager, which its front end needs to draw ipywidgets 8's controls (it
ships ipywidgets 7; colabtools issues #3020 and #4525). Locally the cell does nothing.

``python -m tools.colab`` prints the README's table of "Open in Colab" / "launch Binder" links;
``tests/tools/test_colab.py`` checks the cells, the table and that the requirement resolves
against Colab's pinned versions (``binder/colab-constraints.txt``).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The GitHub repository (owner/name) and branch the links and the install cell point to.
REPOSITORY = "unsuplab/unsuplab"
BRANCH = "main"
REQUIREMENT = f"unsuplab[classical] @ git+https://github.com/{REPOSITORY}"

INSTALL_CELL = f'''\
# Colab / a bare kernel: install unsuplab if it is missing (does nothing locally). Every
# notebook starts with this same cell, so whichever is opened first installs all it needs.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("unsuplab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "{REQUIREMENT}"], check=True)
if "google.colab" in sys.modules:  # Colab draws ipywidgets 8 through its custom manager
    from google.colab import output

    output.enable_custom_widget_manager()'''


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def colab_url(notebook: str) -> str:
    return (f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/"
            f"notebooks/{notebook}")


def binder_url(notebook: str) -> str:
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?labpath=notebooks%2F{notebook}"


def links_table() -> str:
    """The README's table: one row per notebook, a Colab and a Binder link each."""
    rows = ["| notebook | Colab | Binder |", "| --- | --- | --- |"]
    for path in notebooks():
        rows.append(f"| `{path.stem}` | [open in Colab]({colab_url(path.name)}) | "
                    f"[launch Binder]({binder_url(path.name)}) |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(links_table())
