"""Binder as a class uses it: quick mode, shipped models, idle kernels of closed notebooks
culled."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_binder_culls_idle_kernels_of_closed_notebooks():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "binder")).load_config()
    manager = config.MappingKernelManager
    assert 0 < manager.cull_idle_timeout <= 900 and manager.cull_interval <= 120
    assert manager.cull_connected is False  # an open notebook keeps its kernel
    assert "binder/jupyter_server_config.py" in (ROOT / "binder" / "postBuild").read_text()


def test_binder_starts_in_quick_mode_with_the_shipped_models():
    start = (ROOT / "binder" / "start").read_text()
    assert 'UNSUPLAB_QUICK="${UNSUPLAB_QUICK:-1}"' in start
    assert 'UNSUPLAB_PRETRAINED="${UNSUPLAB_PRETRAINED:-1}"' in start
