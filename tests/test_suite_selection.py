"""The JAX run skips only tests that run no backend code (``BACKEND_FREE`` in conftest)."""

import glob
import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _conftest():
    spec = importlib.util.spec_from_file_location("_suite_conftest", f"{ROOT}/tests/conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("path", "free"),
    [
        ("tests/metrics/test_clustering.py", True),
        ("tests/viz/test_viz.py", True),
        ("tests/test_architecture.py", True),
        ("tests/metrics/test_likelihood.py", False),  # IWAE runs a VAE
        ("tests/data/test_pipeline.py", False),  # tf.data / PyDataset
        ("tests/models/test_vae.py", False),
        ("tests/training/test_loop.py", False),
        ("tests/exercises/test_core.py", False),
    ],
)
def test_backend_free_verdicts(path, free):
    assert _conftest().backend_free(os.path.join(ROOT, path)) is free


def test_every_backend_dependent_folder_still_runs_on_jax():
    conftest = _conftest()
    for folder in ("models", "networks", "training", "exercises", "widgets"):
        for path in glob.glob(f"{ROOT}/tests/{folder}/**/test_*.py", recursive=True):
            assert not conftest.left_out_on_jax(path), path


def test_every_chapter_recipe_runs_on_jax_through_its_notebook():
    """The JAX unit run leaves tests/chapters to the notebooks: every chapter module must be
    imported by its notebook, which `make nbtest-jax` runs on JAX."""
    conftest = _conftest()
    assert conftest.left_out_on_jax(f"{ROOT}/tests/chapters/test_ch01.py")
    assert not conftest.backend_free(f"{ROOT}/tests/chapters/test_ch01.py")
    chapters = sorted(glob.glob(f"{ROOT}/unsuplab/chapters/ch[0-9][0-9].py"))
    assert len(chapters) >= 9
    for module in chapters:
        number = Path(module).stem[2:]
        notebooks = glob.glob(f"{ROOT}/notebooks/{number}_*.ipynb")
        assert len(notebooks) == 1, number
        source = Path(notebooks[0]).read_text(encoding="utf-8")
        assert re.search(rf"from unsuplab\.chapters import [^\n]*\bch{number}\b", source), (
            f"{Path(notebooks[0]).name} does not import unsuplab.chapters.ch{number}")



def test_backend_free_files_import_no_backend_code():
    """The skipped files must not reach a backend through the package either: every unsuplab
    module they name must be one that imports no Keras (checked on its source)."""
    import re

    conftest = _conftest()
    free = [
        p
        for p in glob.glob(f"{ROOT}/tests/**/test_*.py", recursive=True)
        if conftest.backend_free(p)
    ]
    assert len(free) >= 10
    for path in free:
        source = Path(path).read_text(encoding="utf-8")
        for module in set(re.findall(r"from unsuplab\.([\w.]+) import", source)):
            target = f"{ROOT}/unsuplab/{module.replace('.', '/')}"
            for name in (f"{target}.py", f"{target}/__init__.py"):
                if not os.path.exists(name):
                    continue
                text = Path(name).read_text(encoding="utf-8")
                assert not re.search(r"^\s*(import|from) (keras|tensorflow|jax)\b", text, re.M), (
                    f"{os.path.relpath(path, ROOT)} is treated as backend-free but imports "
                    f"unsuplab.{module}, which imports a backend"
                )
