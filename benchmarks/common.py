"""Shared benchmark plumbing: machine description, peak memory, timing notebooks, recording.

Every benchmark script ends with :func:`record`, which

- prints its figures,
- appends a section to ``benchmarks/RESULTS.md`` (date, machine, command, figures), and
- writes the latest figures as flat JSON to ``benchmarks/results/NAME.json`` (numbers, with
  units in the key names, e.g. ``conv_32_psnr_db``; and the ``*_env`` lines that say which
  settings a notebook ran with, :func:`run_notebook`).
"""

from __future__ import annotations

import contextlib
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


#: What a notebook reads from the environment and the kernel always gets from here, never from
#: the caller's shell: the mode, the shipped models, the model cache (``unsuplab.config``,
#: ``unsuplab.training.cache``), where figures go (``unsuplab.viz``) and TensorFlow's start-up
#: logs (``unsuplab._backend``). ``UNSUPLAB_DATA`` (where Fashion-MNIST lies: the same images
#: wherever they are) is the one ``UNSUPLAB_*`` variable passed through.
KERNEL_SETTINGS = ("UNSUPLAB_QUICK", "UNSUPLAB_PRETRAINED", "UNSUPLAB_CACHE", "UNSUPLAB_FIGURES",
                   "UNSUPLAB_TF_LOGS", "KERAS_BACKEND")
PASSED_THROUGH = ("UNSUPLAB_DATA",)


def kernel_settings(*, quick: bool, pretrained: bool, cache, backend: str | None = None) -> dict:
    """The explicit ``UNSUPLAB_*`` settings (and Keras backend) a benchmarked notebook runs with.

    Args:
        quick: ``UNSUPLAB_QUICK`` 1 or 0.
        pretrained: ``UNSUPLAB_PRETRAINED`` 1 (the shipped full-mode models) or 0 (train them).
        cache: the model cache folder (``UNSUPLAB_CACHE``).
        backend: ``KERAS_BACKEND``; default the caller's, else ``"tensorflow"``.
    """
    for name, value in (("quick", quick), ("pretrained", pretrained)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    backend = os.environ.get("KERAS_BACKEND", "tensorflow") if backend is None else backend
    return {
        "UNSUPLAB_QUICK": "1" if quick else "0",
        "UNSUPLAB_PRETRAINED": "1" if pretrained else "0",
        "UNSUPLAB_CACHE": str(cache),
        "UNSUPLAB_FIGURES": str(ROOT / "build" / "bench" / "figures"),
        "UNSUPLAB_TF_LOGS": "0",
        "KERAS_BACKEND": backend,
    }


def kernel_env(settings: dict, base=None) -> dict:
    """The notebook's whole environment: ``base`` (default ``os.environ``) without any
    ``UNSUPLAB_*`` variable but ``UNSUPLAB_DATA``, then ``settings``, which must name every one
    of :data:`KERNEL_SETTINGS`, so nothing of the caller's shell changes what is measured."""
    missing = [name for name in KERNEL_SETTINGS if name not in settings]
    extra = [name for name in settings if name not in KERNEL_SETTINGS]
    if missing or extra:
        raise ValueError(f"settings must name exactly {KERNEL_SETTINGS}. Received: settings="
                         f"{settings!r} (missing {missing}, unknown {extra})")
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items()
           if not k.startswith("UNSUPLAB_") or k in PASSED_THROUGH}
    return env | {k: str(v) for k, v in settings.items()}


def describe_settings(settings: dict, cache_state: str) -> str:
    """One line for the record: ``UNSUPLAB_QUICK=0 UNSUPLAB_PRETRAINED=0 UNSUPLAB_CACHE=empty
    ... KERAS_BACKEND=tensorflow`` (the cache by its state, ``empty`` or ``warm``, not its
    path; the figures folder, which changes nothing measured, left out)."""
    shown = {k: v for k, v in settings.items() if k != "UNSUPLAB_FIGURES"}
    shown["UNSUPLAB_CACHE"] = cache_state
    return " ".join(f"{k}={v}" for k, v in shown.items())


def default_cache_dir() -> Path:
    """The caller's model cache: ``UNSUPLAB_CACHE`` or ``~/.cache/unsuplab/models`` (as
    ``unsuplab.training.cache.cache_dir``, without importing Keras)."""
    default = Path(os.path.expanduser("~")) / ".cache" / "unsuplab" / "models"
    return Path(os.environ.get("UNSUPLAB_CACHE", default))


def run_notebook(
    path, *, quick: bool, pretrained: bool = False, cold_cache: bool = False, cache_dir=None,
    timeout: int = 3600,
) -> dict:
    """Execute a notebook in a fresh process; return wall seconds, the kernel's peak RSS and
    the settings it ran with.

    The notebook runs through ``jupyter nbconvert --execute`` (outputs discarded), like ``make
    notebooks``, in an environment built by :func:`kernel_env` from :func:`kernel_settings`:
    ``UNSUPLAB_QUICK`` for the mode, ``UNSUPLAB_PRETRAINED`` from ``pretrained`` (off: every
    model is trained or taken from the cache), whatever the caller's shell says. With
    ``cold_cache`` it gets an empty model cache, so every model is trained (a student's first
    run); ``cache_dir`` names that cache instead, so the models it trains stay for later
    benchmarks; with neither it uses the caller's cache (:func:`default_cache_dir`).

    Returns:
        ``{"seconds", "peak_rss_mb", "env"}``; ``env`` is :func:`describe_settings`'s line, for
        the record (``notebook_<mode>_env``).
    """
    path = Path(path)
    if cache_dir is not None:  # a cache of the caller's: kept for the benchmarks that follow
        return _execute_with(path, cache_dir, quick=quick, pretrained=pretrained,
                             timeout=timeout)
    if cold_cache:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="unsuplab-cache-") as cache:
            return _execute_with(path, cache, quick=quick, pretrained=pretrained,
                                 timeout=timeout)
    return _execute_with(path, default_cache_dir(), quick=quick, pretrained=pretrained,
                         timeout=timeout)


def _execute_with(path: Path, cache, *, quick: bool, pretrained: bool, timeout: int) -> dict:
    cache = Path(cache)
    state = "warm" if cache.is_dir() and any(cache.iterdir()) else "empty"
    settings = kernel_settings(quick=quick, pretrained=pretrained, cache=cache)
    run = _execute(path, kernel_env(settings), quick=quick, timeout=timeout)
    return run | {"env": describe_settings(settings, state)}


def notebook_figures(path, which: str) -> dict:
    """Time a notebook cold (empty model cache) in ``which`` mode(s): "quick", "full" or "both".

    Returns ``notebook_<mode>_s``, ``notebook_<mode>_peak_rss_mb`` and ``notebook_<mode>_env``
    (the settings, :func:`run_notebook`) for each mode run; the shipped models are off.
    """
    if which not in ("quick", "full", "both"):
        raise ValueError(f"which must be 'quick', 'full' or 'both'. Received: which={which!r}")
    figures = {}
    for mode in ("quick", "full"):
        if which in (mode, "both"):
            run = run_notebook(path, quick=mode == "quick", cold_cache=True)
            figures[f"notebook_{mode}_s"] = run["seconds"]
            figures[f"notebook_{mode}_peak_rss_mb"] = run["peak_rss_mb"]
            figures[f"notebook_{mode}_env"] = run["env"]
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
        "- units: in the key names: `_s` seconds, `_mb` MiB (2^20 bytes; Binder's limit is"
        " 2 GiB = 2048 MiB), `_db` dB; accuracies and shares are fractions",
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


@contextlib.contextmanager
def trained_here(mode: str):
    """The benchmark's own models, trained in ``mode`` (``"quick"`` or ``"full"``): the mode is
    set whatever ``UNSUPLAB_QUICK`` says, and the shipped models stay out whatever
    ``UNSUPLAB_PRETRAINED`` says, so a shell that opened ``make lab`` cannot turn a training
    measurement into a load. Both settings come back afterwards. (A shipped model that a
    benchmark scores on purpose is loaded by name, ``unsuplab.training.pretrained.load``.)
    """
    from unsuplab import config  # not at the top: this module is imported without unsuplab

    with config.pretrained_context(False), config.use_mode(mode):
        yield


def notebook_benchmark(name: str, notebook, figures_fn, notes_fn, *, description: str,
                       smoke_flag: str = "--smoke", smoke_mode: str = "full", argv=None) -> dict:
    """The ``main`` of a benchmark that also times its chapter's notebook (``gan``, ``diffusion``).

    Command line: ``--notebooks quick|full|both|none`` and ``smoke_flag`` (tiny sizes, nothing
    recorded). The full notebook runs first, from an empty model cache (a temporary folder
    ``unsuplab-<name>-bench-*``) that is then kept: the benchmark's models (the same recipes)
    load from it instead of training again. Then ``figures_fn(smoke)`` runs under
    ``config.use_mode`` (``"full"``; ``smoke_mode`` when smoke), and ``bench_peak_rss_mb`` and
    ``bench_s`` are added. Smoke: the figures are printed and returned, nothing recorded.
    Otherwise the quick notebook runs from an empty cache, the notebooks' figures are added
    (``peak_rss_mb``: the full notebook's kernel if it ran, else this process) and
    :func:`record` writes them as ``name``, with ``notes_fn(figures)`` followed by any notebook
    failures as notes.

    Args:
        argv: the command line (default ``sys.argv[1:]``).

    Returns:
        The figures.
    """
    import argparse
    import tempfile


    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--notebooks", choices=("quick", "full", "both", "none"),
                        default="both", help="time the notebook from an empty model cache")
    parser.add_argument(smoke_flag, dest="smoke", action="store_true",
                        help="tiny sizes; record nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    timed, notes = {}, ""
    cache = Path(tempfile.mkdtemp(prefix=f"unsuplab-{name}-bench-"))
    if not args.smoke and args.notebooks in ("full", "both"):
        try:
            timed["full"] = run_notebook(notebook, quick=False, cache_dir=cache, timeout=1800)
        except subprocess.CalledProcessError as err:
            notes += f" The full notebook failed ({err}); its keys are missing."
    os.environ["UNSUPLAB_CACHE"] = str(cache)
    with trained_here(smoke_mode if args.smoke else "full"):
        figures = figures_fn(args.smoke)
    figures["bench_peak_rss_mb"] = peak_rss_mb()
    figures["bench_s"] = time.perf_counter() - start
    if args.smoke:
        for key, value in figures.items():
            print(f"{key}: {value}")
        return figures
    if args.notebooks in ("quick", "both"):
        try:
            timed["quick"] = run_notebook(notebook, quick=True, cold_cache=True, timeout=600)
        except subprocess.CalledProcessError as err:
            notes += f" The quick notebook failed ({err}); its keys are missing."
    figures["peak_rss_mb"] = figures["bench_peak_rss_mb"]
    for mode, run in timed.items():
        figures[f"notebook_{mode}_s"] = run["seconds"]
        figures[f"notebook_{mode}_peak_rss_mb"] = run["peak_rss_mb"]
        figures[f"notebook_{mode}_env"] = run["env"]
    if "full" in timed:
        figures["peak_rss_mb"] = timed["full"]["peak_rss_mb"]
    record(name, figures, notes=notes_fn(figures) + notes)
    return figures
