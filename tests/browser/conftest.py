"""JupyterLab and a headless Chromium for the browser tests (``make browser``).

The server runs on a free localhost port with a known token, in quick mode with an empty model
cache, on copies of the notebooks in a temporary folder (the tracked ``notebooks/*.ipynb`` are
never opened, so nothing is autosaved into git). The browser is Debian's ``/usr/bin/chromium``
driven by Playwright; no browser is ever downloaded (``playwright install`` is never run).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("UNSUPLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A laptop screen: labels and sliders are judged at the width a student has.
VIEWPORT = {"width": 1366, "height": 900}
#: JupyterLab settings for the test: every cell attached to the page (no windowing, so widgets
#: and math below the fold render and can be measured), no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class Lab:
    """A running JupyterLab: its address, token and notebook folder."""

    url: str
    token: str
    notebook_dir: Path
    log: Path

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel, so that the next notebook starts with the CPU and memory free."""
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    notebook_dir = root / "notebooks"
    notebook_dir.mkdir()
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copyfile(source, notebook_dir / source.name)
    settings_dir = root / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # the kernel gets a student's environment: not the test session's agg backend, TensorFlow
    # log level or backend choice
    unset = ("MPLBACKEND", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    cache = root / "model-cache"
    # empty: every model trains, as on a fresh clone; or (`make test`) a copy of the models
    # that nbval's run of the same quick notebooks trained, so the browser checks the pages
    models = os.environ.get("UNSUPLAB_BROWSER_MODELS")
    if models and Path(models).is_dir():
        shutil.copytree(models, cache)
    env.update(
        UNSUPLAB_QUICK="1",
        UNSUPLAB_CACHE=str(cache),
        UNSUPLAB_FIGURES=str(root / "figures"),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        # nothing from this machine's user configuration (~/.jupyter, ~/.ipython startup files)
        JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
        IPYTHONDIR=str(root / "ipython"),
    )
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebook_dir}", "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = root / "jupyterlab.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    running = Lab(f"http://127.0.0.1:{port}", token, notebook_dir, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                running.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start in 120 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield running
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (as root), or set "
            "UNSUPLAB_CHROMIUM to a Chromium executable"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        lab.shutdown_kernels()
