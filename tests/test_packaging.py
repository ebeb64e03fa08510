"""The package as Colab and other hosted kernels get it: the built wheel, not the checkout."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("unsuplab-*.whl")
    return path


def test_the_wheel_holds_every_module_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "unsuplab").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert any(n.endswith(".keras") for n in expected)  # the shipped models are data files
    assert expected and expected <= names, sorted(expected - names)


def test_a_notebook_runs_against_the_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_setup_and_data.ipynb", work)
    env = {**os.environ, "PYTHONPATH": str(target), "UNSUPLAB_QUICK": "1",
           "UNSUPLAB_CACHE": str(tmp_path / "cache"), "MPLBACKEND": "agg"}
    where = subprocess.run(
        [sys.executable, "-c", "import unsuplab; print(unsuplab.__file__)"],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    ).stdout
    assert where.startswith(str(target)), where  # the wheel's copy, not the checkout
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--output", "executed", "00_setup_and_data.ipynb"],
        cwd=work, env=env, check=True, capture_output=True,
    )
    assert (work / "executed.ipynb").is_file()
