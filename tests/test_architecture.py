"""The layers of ARCHITECTURE.md, enforced: what may import what, and module sizes."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "unsuplab"

#: Layer of each top-level part of the package; a module may import only parts of a layer at
#: or below its own (an arrow never runs back up).
LAYERS = {
    "__init__": 0,
    "config": 0,
    "_validation": 0,
    "_backend": 0,
    "data": 1,
    "metrics": 1,
    "viz": 1,
    "networks": 2,
    "models": 3,
    "training": 4,
    "widgets": 5,
    "exercises": 5,
    "chapters": 6,
}
#: Settings and seeding are read in chapter recipes only (and the cache, whose key holds the
#: mode); models and networks take every value as an argument.
MAY_IMPORT_CONFIG = {"chapters", "training", "exercises", "widgets", "__init__", "config"}
MAX_LINES = 450

MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _part(path):
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path):
    """The package parts ``path`` imports (absolute ``unsuplab.x`` or relative ``..x``)."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below unsuplab/
    parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("unsuplab."):
                    parts.add(alias.name.split(".")[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.startswith("unsuplab"):
                    bits = node.module.split(".")
                    parts.update([bits[1]] if len(bits) > 1 else [a.name for a in node.names])
                continue
            up = node.level - 1  # levels above the module's own folder
            if up > depth:
                continue
            if up < depth:  # still inside the same top-level part
                parts.add(_part(path))
                continue
            if node.module:
                parts.add(node.module.split(".")[0])
            else:
                parts.update(alias.name for alias in node.names)
    return parts


def test_every_part_has_a_layer():
    assert {_part(p) for p in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_never_run_back_up(path):
    own = _part(path)
    for part in _imported_parts(path) - {own, "__version__"}:
        assert part in LAYERS, f"{path.name} imports unknown part {part}"
        assert LAYERS[part] <= LAYERS[own], f"{own} (layer {LAYERS[own]}) imports {part}"
        if part == "config":
            assert own in MAY_IMPORT_CONFIG, f"{own} must not read settings or seed ({path})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines: split it by concern"


def test_the_checker_sees_relative_and_absolute_imports():
    loop = PACKAGE / "training" / "loop.py"  # .._backend, .._validation, ..data, .callbacks
    assert _imported_parts(loop) == {"_backend", "_validation", "data", "training"}
    chapter = PACKAGE / "chapters" / "ch00.py"  # from .. import config, data, metrics; ..models
    assert _imported_parts(chapter) == {"config", "data", "metrics", "models"}
