"""Give students their own copies of the notebooks: ``workspace/`` (ignored by git).

JupyterLab rewrites a notebook's metadata when it opens it and autosaves its outputs, so
working on the tracked ``notebooks/*.ipynb`` leaves ``git status`` dirty and makes the next
``git pull`` conflict. ``make lab`` runs this first and opens ``workspace/`` instead:

- a notebook not yet in ``workspace/`` is copied there;
- a student's copy is never overwritten; when the tracked notebook has changed since it was
  copied, this says so (delete the copy, or run with ``--reset NAME``, to take the new one).

Usage: ``python -m tools.workspace [--reset NAME ...] [--dir workspace]``. ``NAME`` is a
notebook's file name with or without ``.ipynb`` (``03_variational_autoencoders``), or its
number (``03``); a reset keeps the replaced copy beside it as ``NAME.before-reset.ipynb``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def resolve(names) -> set[str]:
    """The notebook file names meant by ``names``: each a file name with or without
    ``.ipynb`` (a path is reduced to its name) or a chapter number such as ``03``."""
    known = {p.name: p for p in _notebooks()}
    chosen = set()
    for name in names:
        stem = Path(str(name)).name.removesuffix(".ipynb")
        matches = [n for n in known if n.removesuffix(".ipynb") == stem
                   or (stem.isdigit() and n.startswith(f"{int(stem):02d}_"))]
        if len(matches) != 1:
            raise ValueError(
                f"--reset takes a notebook's name (with or without .ipynb) or its number; "
                f"known: {', '.join(n.removesuffix('.ipynb') for n in known)}. "
                f"Received: {name!r}"
            )
        chosen.add(matches[0])
    return chosen


def sync(workspace: Path, reset=()) -> list[str]:
    """Copy new notebooks into ``workspace``; return messages for the user."""
    reset = resolve(reset)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / ".copied-from.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    messages = []
    for source in _notebooks():
        target = workspace / source.name
        digest = _digest(source)
        if target.exists() and source.name in reset:
            backup = target.with_suffix(".before-reset.ipynb")
            shutil.copyfile(target, backup)
            messages.append(f"{source.name}: your copy was kept as {backup.name}")
        elif target.exists():
            if manifest.get(source.name) not in (None, digest):
                messages.append(
                    f"{source.name}: the collection's version changed since your copy was made; "
                    f"run `python -m tools.workspace --reset {source.name.removesuffix('.ipynb')}`"
                    " to take it (your copy is kept beside it as .before-reset.ipynb)"
                )
            continue
        shutil.copyfile(source, target)
        manifest[source.name] = digest
        messages.append(f"{source.name}: copied to {target.relative_to(workspace.parent)}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return messages


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(ROOT / "workspace"), help="the students' folder")
    parser.add_argument("--reset", nargs="*", default=[], metavar="NAME",
                        help="notebooks to copy afresh: 03, 03_variational_autoencoders or "
                             "03_variational_autoencoders.ipynb")
    args = parser.parse_args(argv)
    try:
        messages = sync(Path(args.dir), reset=args.reset)
    except ValueError as error:
        parser.error(str(error))
    for line in messages:
        print(line)


if __name__ == "__main__":
    main()
