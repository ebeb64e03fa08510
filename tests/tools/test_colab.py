"""Colab: one install cell in every notebook, one repository address, links that match it."""

import json
import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

from tools import colab

ROOT = Path(__file__).resolve().parents[2]


def _first_code_cell(path):
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", colab.notebooks(), ids=lambda p: p.stem)
def test_every_notebook_opens_with_the_same_install_cell(path):
    assert _first_code_cell(path).strip() == colab.INSTALL_CELL.strip(), (
        f"{path.name}: the first code cell must be tools.colab.INSTALL_CELL (the same in every "
        "notebook, so the chapter opened first installs what every chapter needs)"
    )


def test_the_requirement_has_every_extra_a_chapter_imports():
    assert colab.REQUIREMENT.startswith("unsuplab[classical] @ ")  # bm3d, chapter 02
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "classical" in project["optional-dependencies"]


def test_readme_links_every_notebook_to_colab_and_binder_from_one_address():
    readme = (ROOT / "README.md").read_text()
    assert colab.links_table() in readme, "run `python -m tools.colab` and paste the table"
    for path in colab.notebooks():
        assert colab.colab_url(path.name) in readme and colab.binder_url(path.name) in readme
    assert f"github.com/{colab.REPOSITORY}" in colab.INSTALL_CELL


def _run_cell(monkeypatch, *, installed, on_colab):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(("pip", a)))
    spec = object() if installed else None
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    if on_colab:
        output = types.SimpleNamespace(
            enable_custom_widget_manager=lambda: calls.append(("widgets", ())))
        package = types.ModuleType("google.colab")
        package.output = output
        monkeypatch.setitem(sys.modules, "google.colab", package)
        monkeypatch.setitem(sys.modules, "google.colab.output", output)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(colab.INSTALL_CELL, "install-cell", "exec"), {})
    return [kind for kind, _ in calls], calls


def test_install_cell_installs_only_when_missing_and_enables_colabs_widgets(monkeypatch):
    assert _run_cell(monkeypatch, installed=True, on_colab=False)[0] == []  # locally: nothing
    kinds, calls = _run_cell(monkeypatch, installed=False, on_colab=True)
    assert kinds == ["pip", "widgets"]
    assert calls[0][1][0][-1] == colab.REQUIREMENT


@pytest.mark.skipif(os.environ.get("UNSUPLAB_OFFLINE") == "1", reason="UNSUPLAB_OFFLINE=1")
def test_requirements_resolve_against_colabs_pinned_versions(tmp_path):
    """``pip install --dry-run`` of unsuplab's dependencies (with the extra the install cell
    asks for) under Colab's pins, for Colab's Python: nothing Colab ships must have to move."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["classical"]
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
        "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
        "--platform", "manylinux2014_x86_64", "-c", str(ROOT / "binder" / "colab-constraints.txt"),
        "--report", str(report), *requirements,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    offline = ("NewConnectionError", "Temporary failure in name resolution",
               "Network is unreachable")
    if result.returncode and any(s in result.stderr for s in offline):
        pytest.skip("no package registry reachable")
    assert result.returncode == 0, result.stderr[-3000:]
    chosen = {i["metadata"]["name"].lower(): i["metadata"]["version"]
              for i in json.loads(report.read_text())["install"]}
    for line in (ROOT / "binder" / "colab-constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            if name.lower() in chosen:
                assert chosen[name.lower()] == version, name
    assert chosen["ipywidgets"].startswith("8.")
