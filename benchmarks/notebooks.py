"""Time every notebook in quick mode (or full with --full), each in a fresh kernel with an empty
model cache, as a student's first run. Records ``<notebook>_<mode>_s``, the kernel's peak RSS
and the settings it ran with (``<notebook>_<mode>_env``) per notebook.

Every ``UNSUPLAB_*`` setting the notebooks read is set explicitly, whatever the shell says
(``common.kernel_settings``): the shipped full-mode models are off, so every model is trained,
unless ``--pretrained`` asks for the pretrained start (keys ``<notebook>_<mode>_pretrained_*``).

Usage:
    python benchmarks/notebooks.py                    # quick mode, all notebooks
    python benchmarks/notebooks.py --full --only 01   # full mode (long), one notebook
    python benchmarks/notebooks.py --pretrained       # quick mode on the shipped models
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
    parser.add_argument("--only", nargs="*", default=None, help="notebook numbers, e.g. 01 02")
    parser.add_argument(
        "--cache",
        default=None,
        help="an empty folder used as the model cache and kept afterwards (the benchmarks "
        "then load the notebooks' models: UNSUPLAB_CACHE=<folder> python benchmarks/...)",
    )
    parser.add_argument(
        "--pretrained",
        action="store_true",
        help="start from the shipped full-mode models (UNSUPLAB_PRETRAINED=1); default off",
    )
    args = parser.parse_args(argv)
    if args.cache is not None:
        cache = Path(args.cache)
        if cache.exists() and any(cache.iterdir()):
            raise SystemExit(f"--cache {cache} is not empty: the notebooks must start cold")
    mode = "full" if args.full else "quick"
    key = f"{mode}_pretrained" if args.pretrained else mode
    figures = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if args.only is not None and path.name[:2] not in args.only:
            continue
        run = run_notebook(path, quick=not args.full, pretrained=args.pretrained,
                           cold_cache=True, cache_dir=args.cache)
        figures[f"{path.stem}_{key}_s"] = run["seconds"]
        figures[f"{path.stem}_{key}_peak_rss_mb"] = run["peak_rss_mb"]
        figures[f"{path.stem}_{key}_env"] = run["env"]
        print(f"{path.name}: {run['seconds']:.1f} s, {run['peak_rss_mb']:.0f} MiB", flush=True)
    record(f"notebooks_{mode}", figures,
           notes="each notebook in a fresh kernel via nbconvert, empty model cache, with the "
                 "settings of its *_env key (the shell's UNSUPLAB_* ignored); peak RSS is the "
                 "notebook's own kernel (VmHWM of each process nbconvert starts)",
           merge=True)  # results/notebooks_<mode>.json: the newest figures of every notebook


if __name__ == "__main__":
    main()
