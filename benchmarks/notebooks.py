"""Time every notebook in quick mode (or full with --full), each in a fresh kernel with an empty
model cache, as a student's first run. Records ``<notebook>_<mode>_s`` and peak RSS per notebook.

Usage:
    python benchmarks/notebooks.py           # quick mode, all notebooks
    python benchmarks/notebooks.py --full    # full mode (long)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, record, run_notebook  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="full mode instead of quick")
    args = parser.parse_args(argv)
    mode = "full" if args.full else "quick"
    figures = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        run = run_notebook(path, quick=not args.full, cold_cache=True)
        figures[f"{path.stem}_{mode}_s"] = run["seconds"]
        figures[f"{path.stem}_{mode}_peak_rss_mb"] = run["peak_rss_mb"]
        print(f"{path.name}: {run['seconds']:.1f} s", flush=True)
    record(f"notebooks_{mode}", figures,
           notes="each notebook in a fresh kernel via nbconvert, empty model cache; peak RSS is "
                 "the largest child process so far (monotone over the run)")


if __name__ == "__main__":
    main()
