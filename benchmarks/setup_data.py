"""Chapter 00 benchmark: Fashion-MNIST load time and the k-means raw-pixel baseline.

Usage:
    python benchmarks/setup_data.py            # full: 60k training images, n_init=10
    python benchmarks/setup_data.py --quick    # smoke run, recorded as setup_data_quick

Figures: load_s (verify checksums + parse the four files), kmeans_fit_s, ACC/NMI/ARI on the
images k-means was fitted on and on the 10k test images, peak RSS, and the chapter-00 notebook
wall time in quick and full mode.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, peak_rss_mb, record, run_notebook, trained_here  # noqa: E402

from unsuplab.chapters import ch00  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--no-notebook", action="store_true", help="skip the notebook timings")
    args = parser.parse_args(argv)

    loads = []
    for _ in range(3):
        start = time.perf_counter()
        d = ch00.load_data()
        loads.append(time.perf_counter() - start)
    with trained_here("quick" if args.quick else "full"):
        base = ch00.kmeans_baseline(d, seed=0)
    n, n_init = len(base.x_fit), base.model.n_init
    train, test, fit_s = base.fit_scores, base.test_scores, base.fit_seconds
    figures = {
        "load_s": min(loads),
        "kmeans_n_images": n,
        "kmeans_n_init": n_init,
        "kmeans_fit_s": fit_s,
        "kmeans_train_acc": train["acc"],
        "kmeans_train_nmi": train["nmi"],
        "kmeans_train_ari": train["ari"],
        "kmeans_test_acc": test["acc"],
        "kmeans_test_nmi": test["nmi"],
        "kmeans_test_ari": test["ari"],
        "peak_rss_mb": peak_rss_mb(),
    }
    if not args.no_notebook:
        notebook = ROOT / "notebooks" / "00_setup_and_data.ipynb"
        quick = run_notebook(notebook, quick=True)
        figures["notebook_quick_s"] = quick["seconds"]
        figures["notebook_quick_env"] = quick["env"]
        if not args.quick:
            full = run_notebook(notebook, quick=False)
            figures["notebook_full_s"] = full["seconds"]
            figures["notebook_full_peak_rss_mb"] = full["peak_rss_mb"]
            figures["notebook_full_env"] = full["env"]
    record("setup_data_quick" if args.quick else "setup_data", figures,
           notes="load_s: best of 3 (checksums + parsing); k-means: scikit-learn KMeans, "
                 "random_state=0; test scores use predict() on the 10k test images")


if __name__ == "__main__":
    main()
