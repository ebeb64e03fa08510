"""The benchmarks' notebook runs: every setting a notebook reads comes from an explicit dict,
never from the caller's shell (issue 29: a shell with UNSUPLAB_PRETRAINED=1 measured another
notebook than the one recorded)."""

import importlib
import json
import sys

import nbformat
import pytest

from benchmarks import common

SHELL = {
    "PATH": "/usr/bin",
    "UNSUPLAB_PRETRAINED": "1",
    "UNSUPLAB_QUICK": "1",
    "UNSUPLAB_CACHE": "/somewhere/warm",
    "UNSUPLAB_FIGURES": "/somewhere/figures",
    "UNSUPLAB_TF_LOGS": "1",
    "UNSUPLAB_SOMETHING_NEW": "x",
    "UNSUPLAB_DATA": "/data/fashion",
}


def test_kernel_env_is_the_explicit_settings_over_a_shell_without_unsuplab(tmp_path):
    settings = common.kernel_settings(quick=False, pretrained=False, cache=tmp_path,
                                      backend="tensorflow")
    assert set(settings) == set(common.KERNEL_SETTINGS)
    env = common.kernel_env(settings, base=SHELL)
    assert env["UNSUPLAB_PRETRAINED"] == "0"
    assert env["UNSUPLAB_QUICK"] == "0"
    assert env["UNSUPLAB_CACHE"] == str(tmp_path)
    assert env["UNSUPLAB_TF_LOGS"] == "0"
    assert env["UNSUPLAB_FIGURES"] != SHELL["UNSUPLAB_FIGURES"]
    assert env["KERAS_BACKEND"] == "tensorflow"
    assert "UNSUPLAB_SOMETHING_NEW" not in env  # an unknown setting never reaches the kernel
    assert env["UNSUPLAB_DATA"] == "/data/fashion"  # where the images lie: passed through
    assert env["PATH"] == "/usr/bin"
    on = common.kernel_settings(quick=True, pretrained=True, cache=tmp_path)
    assert common.kernel_env(on, base={})["UNSUPLAB_PRETRAINED"] == "1"
    assert common.kernel_env(on, base={})["UNSUPLAB_QUICK"] == "1"


def test_kernel_env_refuses_settings_that_miss_one(tmp_path):
    settings = common.kernel_settings(quick=False, pretrained=False, cache=tmp_path)
    del settings["UNSUPLAB_PRETRAINED"]
    with pytest.raises(ValueError, match="missing \\['UNSUPLAB_PRETRAINED'\\]"):
        common.kernel_env(settings, base=SHELL)
    with pytest.raises(TypeError, match="pretrained=1"):
        common.kernel_settings(quick=False, pretrained=1, cache=tmp_path)


def test_run_notebook_ignores_the_shells_settings_and_says_which_it_used(monkeypatch, tmp_path):
    for name, value in SHELL.items():
        if name != "PATH":
            monkeypatch.setenv(name, value)
    seen = []

    def execute(path, env, *, quick, timeout):
        seen.append(dict(env))
        return {"seconds": 1.0, "peak_rss_mb": 2.0}

    monkeypatch.setattr(common, "_execute", execute)
    run = common.run_notebook(tmp_path / "01_x.ipynb", quick=False, cold_cache=True)
    assert seen[-1]["UNSUPLAB_PRETRAINED"] == "0" and seen[-1]["UNSUPLAB_QUICK"] == "0"
    assert seen[-1]["UNSUPLAB_CACHE"] != SHELL["UNSUPLAB_CACHE"]
    assert "UNSUPLAB_SOMETHING_NEW" not in seen[-1]
    assert run["env"].startswith("UNSUPLAB_QUICK=0 UNSUPLAB_PRETRAINED=0 UNSUPLAB_CACHE=empty")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "a_model").mkdir()
    run = common.run_notebook(tmp_path / "01_x.ipynb", quick=True, pretrained=True,
                              cache_dir=tmp_path / "cache")
    assert seen[-1]["UNSUPLAB_PRETRAINED"] == "1" and seen[-1]["UNSUPLAB_QUICK"] == "1"
    assert "UNSUPLAB_CACHE=warm" in run["env"] and "UNSUPLAB_PRETRAINED=1" in run["env"]
    common.run_notebook(tmp_path / "01_x.ipynb", quick=True)  # the caller's cache
    assert seen[-1]["UNSUPLAB_CACHE"] == SHELL["UNSUPLAB_CACHE"]


@pytest.mark.slow  # starts nbconvert and a kernel: seconds
def test_a_real_kernel_sees_only_the_explicit_settings(monkeypatch, tmp_path):
    """nbconvert starts a kernel with the built environment: the kernel reports its own."""
    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "1")
    monkeypatch.setenv("UNSUPLAB_SOMETHING_NEW", "x")
    report = tmp_path / "env.json"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, os\n"
        f"json.dump({{k: v for k, v in os.environ.items() if k.startswith('UNSUPLAB_')}}, "
        f"open({str(report)!r}, 'w'))"
    )])
    path = tmp_path / "99_env_probe.ipynb"
    nbformat.write(notebook, path)
    run = common.run_notebook(path, quick=False, cold_cache=True, timeout=60)
    seen = json.loads(report.read_text())
    assert seen["UNSUPLAB_PRETRAINED"] == "0"
    assert seen["UNSUPLAB_QUICK"] == "0"
    assert "UNSUPLAB_SOMETHING_NEW" not in seen
    assert run["peak_rss_mb"] > 0


@pytest.mark.parametrize("pretrained", [False, True])
def test_notebooks_benchmark_records_the_settings(monkeypatch, pretrained):
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts benchmarks/ first
    notebooks_bench = importlib.import_module("benchmarks.notebooks")
    calls, records = [], []

    def run_notebook(path, **kwargs):
        calls.append(kwargs)
        env = f"UNSUPLAB_QUICK=0 UNSUPLAB_PRETRAINED={int(kwargs['pretrained'])}"
        return {"seconds": 3.0, "peak_rss_mb": 4.0, "env": env}

    monkeypatch.setattr(notebooks_bench, "run_notebook", run_notebook)
    monkeypatch.setattr(notebooks_bench, "record",
                        lambda name, figures, **kw: records.append((name, figures)))
    notebooks_bench.main(["--full", "--only", "01"] + (["--pretrained"] if pretrained else []))
    assert len(calls) == 1
    assert calls[0]["pretrained"] is pretrained and calls[0]["quick"] is False
    name, figures = records[0]
    key = "full_pretrained" if pretrained else "full"
    assert name == "notebooks_full"
    assert figures[f"01_autoencoders_{key}_env"].endswith(f"PRETRAINED={int(pretrained)}")
    assert figures[f"01_autoencoders_{key}_s"] == 3.0


def test_a_benchmark_trains_its_models_whatever_the_shell_says(monkeypatch):
    """In-process training too: a shell with UNSUPLAB_PRETRAINED=1 and UNSUPLAB_QUICK=1 must
    not turn a benchmark's full-mode training into a load of the shipped model or a quick run."""
    from unsuplab import config

    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "1")
    monkeypatch.setenv("UNSUPLAB_QUICK", "1")
    assert config.pretrained() and config.is_quick()
    with common.trained_here("full"):
        assert not config.pretrained() and not config.is_quick()
    assert config.pretrained() and config.is_quick()  # the shell's settings come back


def test_every_benchmark_sets_its_mode_through_trained_here():
    from pathlib import Path

    for path in sorted(Path(common.ROOT, "benchmarks").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "config.use_mode(" not in source or path.name == "common.py", path.name


def test_trained_here_refuses_an_unknown_mode_and_leaves_the_settings_as_they_were(monkeypatch):
    from unsuplab import config

    monkeypatch.setenv("UNSUPLAB_PRETRAINED", "1")
    with pytest.raises(ValueError, match=r"mode must be 'quick' or 'full'.*'fast'"):
        with common.trained_here("fast"):
            pass
    assert config.pretrained()
