"""Give students their own copies of the notebooks: ``workspace/`` (ignored by git).

JupyterLab rewrites a notebook's metadata when it opens it and autosaves its outputs, so
working on the tracked ``notebooks/*.ipynb`` leaves ``git status`` dirty and makes the next
``git pull`` conflict. ``make lab`` runs this first and opens ``workspace/`` instead:

- a notebook not yet in ``workspace/`` is copied there;
- a student's copy is never overwritten; when the tracked notebook has changed since it was
  copied, this says so (delete the copy, or run with ``--reset NAME``, to take the new one).

Usage: ``python -m tools.workspace [--reset NAME ...] [--dir workspace]``.
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


def sync(workspace: Path, reset=()) -> list[str]:
    """Copy new notebooks into ``workspace``; return messages for the user."""
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / ".copied-from.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    messages = []
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        target = workspace / source.name
        digest = _digest(source)
        if target.exists() and source.name not in reset:
            if manifest.get(source.name) not in (None, digest):
                messages.append(
                    f"{source.name}: the collection's version changed since your copy was made; "
                    f"run `python -m tools.workspace --reset {source.name}` to take it "
                    "(your copy is replaced)"
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
    parser.add_argument("--reset", nargs="*", default=[], help="notebooks to copy afresh")
    args = parser.parse_args(argv)
    for line in sync(Path(args.dir), reset=set(args.reset)):
        print(line)


if __name__ == "__main__":
    main()
