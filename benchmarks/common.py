"""Shared benchmark plumbing: machine description, peak memory, timing notebooks, recording.

Every benchmark script ends with :func:`record`, which

- prints its figures,
- appends a section to ``benchmarks/RESULTS.md`` (date, machine, command, figures), and
- writes the latest figures as flat JSON to ``benchmarks/results/NAME.json`` (numbers only;
  units in the key names, e.g. ``conv_32_psnr_db``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_DIR = HERE / "results"


def machine() -> str:
    """'N cores, CPU model, GPU(s) or none, Python/TF/Keras versions'."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = "no GPU"
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if out.returncode == 0 and out.stdout.strip():
            gpu = ", ".join(out.stdout.split("\n")[:-1]) or out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    versions = [f"Python {platform.python_version()}"]
    for mod in ("tensorflow", "keras", "jax", "sklearn"):
        if mod in sys.modules:
            versions.append(f"{mod} {sys.modules[mod].__version__}")
    if "keras" in sys.modules:
        versions.append(f"backend {sys.modules['keras'].backend.backend()}")
    return f"{os.cpu_count()} cores, {cpu}, {gpu}; " + ", ".join(versions)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (notebooks: see :func:`_watch_peaks`)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def command_line() -> str:
    return " ".join(shlex.quote(a) for a in ["python", *sys.argv])


def run_notebook(
    path, *, quick: bool, cold_cache: bool = False, cache_dir=None, timeout: int = 3600
) -> dict:
    """Execute a notebook in a fresh process; return wall seconds and the kernel's peak RSS.

    The notebook runs with ``UNSUPLAB_QUICK`` set for the mode, through
    ``jupyter nbconvert --execute`` (outputs discarded), like ``make notebooks``. With
    ``cold_cache`` it gets an empty model cache, so every model is trained (a student's first run);
    ``cache_dir`` names that cache instead, so the models it trains stay for later benchmarks.
    """
    path = Path(path)
    env = dict(os.environ, UNSUPLAB_QUICK="1" if quick else "0")
    if cache_dir is not None:  # a cache of the caller's: kept for the benchmarks that follow
        env["UNSUPLAB_CACHE"] = str(cache_dir)
        return _execute(path, env, quick=quick, timeout=timeout)
    if cold_cache:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="unsuplab-cache-") as cache:
            env["UNSUPLAB_CACHE"] = cache
            return _execute(path, env, quick=quick, timeout=timeout)
    return _execute(path, env, quick=quick, timeout=timeout)


def notebook_figures(path, which: str) -> dict:
    """Time a notebook cold (empty model cache) in ``which`` mode(s): "quick", "full" or "both".

    Returns ``notebook_<mode>_s`` and ``notebook_<mode>_peak_rss_mb`` for each mode run.
    """
    if which not in ("quick", "full", "both"):
        raise ValueError(f"which must be 'quick', 'full' or 'both'. Received: which={which!r}")
    figures = {}
    for mode in ("quick", "full"):
        if which in (mode, "both"):
            run = run_notebook(path, quick=mode == "quick", cold_cache=True)
            figures[f"notebook_{mode}_s"] = run["seconds"]
            figures[f"notebook_{mode}_peak_rss_mb"] = run["peak_rss_mb"]
    return figures


def _execute(path: Path, env: dict, *, quick: bool, timeout: int) -> dict:
    out_dir = ROOT / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        f"--ExecutePreprocessor.timeout={timeout}",
        "--output-dir",
        str(out_dir),
        "--output",
        f"{path.stem}-{'quick' if quick else 'full'}",
        str(path),
    ]
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd, env=env, cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peaks = {}
    watcher = threading.Thread(target=_watch_peaks, args=(process.pid, peaks), daemon=True)
    watcher.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    watcher.join()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, cmd, out, err)
    kernel = max(peaks.values(), default=0.0)
    return {"seconds": seconds, "peak_rss_mb": kernel}


def _hwm_mb(pid: int) -> float:
    """A process's own peak resident memory (``VmHWM``), in MiB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def _watch_peaks(root_pid: int, peaks: dict, interval: float = 0.2) -> None:
    """Until ``root_pid`` ends, record the peak RSS of each of its descendants (the kernel is
    one): ``VmHWM`` is the process's own high-water mark, so no spike is missed between polls.
    The notebook's figure is the largest of them: the kernel's own peak, not a sum over the
    run or a cumulative maximum over earlier notebooks."""
    import psutil

    try:
        root = psutil.Process(root_pid)
    except psutil.NoSuchProcess:
        return
    while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
        try:
            children = root.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        for child in children:
            peaks[child.pid] = max(peaks.get(child.pid, 0.0), _hwm_mb(child.pid))
        time.sleep(interval)


def record(name: str, figures: dict, *, notes: str = "", merge: bool = False) -> None:
    """Print ``figures``, append them to RESULTS.md and write ``results/NAME.json``.

    With ``merge`` the JSON keeps the figures of earlier records that this one does not
    measure (a run of some notebooks updates theirs and keeps the others'); RESULTS.md gets
    only this run's figures.
    """
    flat = {}
    for key, value in figures.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"figure {key!r} must be a number or a string. Received: {value!r}")
        flat[key] = round(value, 4) if isinstance(value, float) else value
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {name} — {stamp}",
        "",
        f"- machine: {machine()}",
        f"- command: `{command_line()}`",
        f"- load average (1/5/15 min) at the end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}"
        " (above ~2 the 2 cores were shared and times are inflated)",
    ]
    if notes:
        lines.append(f"- notes: {notes}")
    lines += ["", "| figure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in flat.items()]
    text = "\n".join(lines) + "\n\n"
    print(text)
    if not RESULTS_MD.exists():
        RESULTS_MD.write_text(
            "# Benchmark results\n\nAppended by the scripts in `benchmarks/`"
            " (newest last). PSNR: mean over images of per-image PSNR, peak"
            " 1.0.\n\n"
        )
    with RESULTS_MD.open("a") as f:
        f.write(text)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    if merge and path.exists():
        flat = json.loads(path.read_text()) | flat
    path.write_text(json.dumps(flat, indent=2, sort_keys=merge) + "\n")
