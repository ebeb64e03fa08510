"""tools/workspace.py: students work on copies, never on the tracked notebooks."""

import json

from tools import workspace


def test_copies_once_never_overwrites_and_reports_upstream_changes(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    source = root / "notebooks" / "01_x.ipynb"
    source.write_text("v1")
    monkeypatch.setattr(workspace, "ROOT", root)
    space = root / "workspace"

    assert workspace.sync(space) == ["01_x.ipynb: copied to workspace/01_x.ipynb"]
    (space / "01_x.ipynb").write_text("student's work")
    source.write_text("v2")
    messages = workspace.sync(space)
    assert len(messages) == 1 and "changed since your copy" in messages[0]
    assert (space / "01_x.ipynb").read_text() == "student's work"

    workspace.sync(space, reset={"01_x.ipynb"})
    assert (space / "01_x.ipynb").read_text() == "v2"
    assert (space / "01_x.before-reset.ipynb").read_text() == "student's work"
    assert workspace.sync(space) == []
    assert set(json.loads((space / ".copied-from.json").read_text())) == {"01_x.ipynb"}


def test_reset_takes_a_name_with_or_without_ipynb_or_a_number(tmp_path, monkeypatch):
    import pytest

    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    for name in ("01_x", "02_y"):
        (root / "notebooks" / f"{name}.ipynb").write_text("v1")
    monkeypatch.setattr(workspace, "ROOT", root)
    for names in (["01_x"], ["01_x.ipynb"], ["01"], ["1"], ["workspace/01_x.ipynb"]):
        assert workspace.resolve(names) == {"01_x.ipynb"}
    with pytest.raises(ValueError, match="known: 01_x, 02_y. Received: '03'"):
        workspace.resolve(["03"])
    space = root / "workspace"
    workspace.sync(space)
    (space / "02_y.ipynb").write_text("mine")
    workspace.main(["--dir", str(space), "--reset", "02_y"])
    assert (space / "02_y.ipynb").read_text() == "v1"
    with pytest.raises(SystemExit):
        workspace.main(["--dir", str(space), "--reset", "nope"])
