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
    assert workspace.sync(space) == []
    assert set(json.loads((space / ".copied-from.json").read_text())) == {"01_x.ipynb"}
