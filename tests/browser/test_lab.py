"""Every notebook, run as a student runs it: JupyterLab in a real (headless) browser.

For each ``notebooks/NN_*.ipynb`` (copied to a temporary folder by ``conftest.lab``) the test
opens the notebook, runs JupyterLab's "Run All" command in quick mode, waits for the kernel to
finish, then checks what a student would see:

- no cell shows an error or TensorFlow's C++ log lines, and every code cell ran;
- every widget rendered: no "Loading widget…", no "Error displaying widget", no raw
  ``VBox(children=...)`` text in place of a widget;
- moving each slider with the arrow keys, as a student can, redraws its figure with a new
  image; sliders are wide enough to drag;
- no widget label is cut ("learning r…"): a description wider than its box;
- MathJax typeset the maths of every markdown cell that has ``$...$``, without TeX errors;
- no figure title overlaps a panel, and no panel title overlaps another panel (measured in the
  kernel on every figure as it is shown, widgets' redraws included).

A planted notebook with one defect of each kind checks that the checks find them. A screenshot
of each notebook is saved to ``build/browser/`` for humans, beside a JSON record of timings and
findings. Run with ``make browser`` (``make test`` runs it after the notebooks).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUT = ROOT / "build" / "browser"
#: Seconds for "Run All" to finish one notebook (quick mode takes 10-60 s on two cores).
RUN_TIMEOUT = float(os.environ.get("UNSUPLAB_BROWSER_TIMEOUT", "600"))
#: Seconds for a figure to be redrawn after a slider moved (a redraw may run a model).
REDRAW_TIMEOUT = 60.0
#: A slider track narrower than half of ipywidgets' default (about 150 px) is hard to drag by
#: small steps; chapter 01's were 32 px (a 40 px drag jumped from 0 to 3σ).
MIN_SLIDER_PX = 75
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
RAW_REPR = re.compile(r"\b[A-Z]\w*\(children=\(")
#: TensorFlow's C++ log lines (absl, oneDNN, CPU features, CUDA plugins): a student must not
#: see them in a notebook (issue 17's "clean first run").
TF_LOG = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d|oneDNN custom operations|cpu_feature_guard|absl::"
    r"|TF_ENABLE_ONEDNN_OPTS|Unable to register cu(DNN|FFT|BLAS)|NodeDef mentions attribute",
    re.M,
)

# --- JavaScript run in the page (JupyterLab exposes its application as window.jupyterapp) -------
_PANEL = """
const app = window.jupyterapp;
const panel = app && Array.from(app.shell.widgets('main')).find(
    w => w.context && w.context.path === name && w.content && w.sessionContext);
"""
STATE_JS = f"""name => {{ {_PANEL}
  if (!panel || !panel.context.isReady) return null;
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel;
  let running = 0, unrun = 0;
  for (const cell of panel.content.widgets) {{
    if (cell.model.type !== 'code') continue;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    if (cell.model.executionState === 'running' || (prompt && prompt.textContent.includes('*')))
      running += 1;
    if (cell.model.executionCount === null && cell.model.sharedModel.getSource().trim())
      unrun += 1;
  }}
  return {{kernel: kernel ? kernel.status : null, running, unrun,
          cells: panel.content.widgets.length}};
}}"""
RUN_ALL_JS = f"""name => {{ {_PANEL}
  app.shell.activateById(panel.id);
  app.commands.execute('notebook:run-all-cells');  // not awaited: the test bounds the wait
  return true;
}}"""
OUTPUTS_JS = f"""name => {{ {_PANEL}
  return panel.content.widgets.map(cell => ({{
    type: cell.model.type,
    tags: cell.model.getMetadata('tags') || [],
    outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
  }}));
}}"""
#: The widget views: the renderers of widget outputs (not the outputs nested inside widgets),
#: tagged ``data-unsuplab-widget`` so that Playwright can find them again.
WIDGETS_JS = f"""name => {{ {_PANEL}
  const failed = o => /Loading widget|Error displaying widget/.test(o.textContent);
  const view = o => o.querySelector(':scope > .jupyter-widgets');
  const views = Array.from(panel.node.querySelectorAll('.jp-OutputArea-output')).filter(
    o => !o.parentElement.closest('.jupyter-widgets') && (view(o) || failed(o)));
  views.forEach(v => v.setAttribute('data-unsuplab-widget',
                                    panel.content.widgets.findIndex(c => c.node.contains(v))));
  const areas = Array.from(panel.node.querySelectorAll('.jp-OutputArea'));
  return {{
    text: areas.map(a => a.innerText).join('\\n'),
    views: views.length,
    rendered: views.filter(o => view(o) && !failed(o)).length,
  }};
}}"""
MATH_JS = f"""([name, indices]) => {{ {_PANEL}
  const cells = panel.content.widgets;
  return {{
    missing: indices.filter(i => !cells[i].node.querySelector('mjx-container')),
    errors: Array.from(panel.node.querySelectorAll('mjx-merror')).map(e => e.textContent),
  }};
}}"""
LAYOUT_JS = f"""([name, minSlider]) => {{ {_PANEL}
  const found = [];
  const shown = e => e.offsetParent !== null;
  for (const e of panel.node.querySelectorAll(
      '.jupyter-widgets .widget-label, .jupyter-widgets .widget-readout')) {{
    if (shown(e) && e.scrollWidth > e.clientWidth + 1)
      found.push(`label cut: "${{e.textContent.trim()}}" needs ${{e.scrollWidth}} px, `
                 + `has ${{e.clientWidth}} px`);
  }}
  for (const s of panel.node.querySelectorAll('.jupyter-widgets.widget-slider')) {{
    const track = s.querySelector('.noUi-target');
    const label = s.querySelector('.widget-label');
    if (track && shown(track) && track.clientWidth < minSlider)
      found.push(`slider "${{label ? label.textContent.trim() : ''}}" is `
                 + `${{track.clientWidth}} px wide (< ${{minSlider}} px)`);
  }}
  return found;
}}"""
#: The image(s) of a widget's figure, and whether they were drawn anew since ``MARK_JS``.
_FIGURE = """
const images = Array.from(view.querySelectorAll('img, canvas'));
const pixels = images.map(e => e.tagName === 'IMG' ? e.src : e.toDataURL()).join('|');
"""
MARK_JS = f"""view => {{ {_FIGURE}
  images.forEach(e => e.dataset.unsuplabSeen = '1');
  return pixels;
}}"""
REDRAWN_JS = f"""view => {{ {_FIGURE}
  return images.length && !images.some(e => e.dataset.unsuplabSeen) ? pixels : null;
}}"""
EXECUTE_JS = f"""async ([name, code]) => {{ {_PANEL}
  const future = panel.sessionContext.session.kernel.requestExecute(
      {{code, silent: false, store_history: false}});
  let text = '';
  future.onIOPub = msg => {{
    if (msg.header.msg_type === 'stream') text += msg.content.text;
    if (msg.header.msg_type === 'error')
      text += `ERROR ${{msg.content.ename}}: ${{msg.content.evalue}}`;
  }};
  await future.done;
  return text;
}}"""
#: Make room for a screenshot of the whole notebook: side bars closed, scrolled to the top.
SCREENSHOT_JS = f"""name => {{ {_PANEL}
  app.shell.collapseLeft();
  app.shell.collapseRight();
  const scroller = panel.node.querySelector('.jp-WindowedPanel-outer');
  scroller.scrollTop = 0;
  return scroller.scrollHeight;
}}"""

#: Installed in the kernel before "Run All": every figure the notebook shows (an inline plot,
#: an explorer's redraw, a saved file) goes through ``print_figure``; after it is printed its
#: titles are measured against the panels, and the overlaps are kept for the test to read.
FIGURE_HOOK = r"""
def _unsuplab_install_title_check():
    import matplotlib.pyplot  # noqa: F401  (the inline backend is set up first)
    from matplotlib.backend_bases import FigureCanvasBase

    found = {}

    def box(artist, renderer):
        b = artist.get_window_extent(renderer)
        return b if b.width > 0 and b.height > 0 else None

    def overlap(a, boxes):
        return any(min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1
                   for b in boxes if b is not None)

    def check(fig):
        renderer = fig._get_renderer()
        axes = [ax for ax in fig.axes if ax.get_visible()]
        titles = {ax: [t for t in (ax.title, ax._left_title, ax._right_title)
                       if t.get_visible() and t.get_text().strip()] for ax in axes}
        # what a panel draws: its plot area (if it shows something), titles, ticks and labels;
        # not the union box, whose empty corners other titles may legitimately cross
        parts = {ax: ([ax.get_window_extent(renderer)] if ax.axison or ax.has_data() else [])
                     + [box(t, renderer) for t in titles[ax]]
                     + ([ax.xaxis.get_tightbbox(renderer), ax.yaxis.get_tightbbox(renderer)]
                        if ax.axison else []) for ax in axes}
        sup = fig._suptitle
        sup = sup if sup is not None and sup.get_visible() and sup.get_text().strip() else None
        first = next((t.get_text() for ax in axes for t in titles[ax]), "untitled")
        name = (sup.get_text() if sup else first)[:60]
        problems = []
        sup_box = box(sup, renderer) if sup else None
        hit = [ax for ax in axes if sup_box and overlap(sup_box, parts[ax])]
        if hit:
            problems.append(f"its title overlaps {len(hit)} panels")
        hit = [f"{t.get_text()[:30]!r} over {other.get_title()[:30]!r}"
               for ax in axes for t in titles[ax] for other in axes
               if other is not ax and (b := box(t, renderer)) and overlap(b, parts[other])]
        if hit:
            problems.append(f"{len(hit)} panel titles overlap another panel (e.g. {hit[0]})")
        if problems and name not in found:
            found[name] = f"figure {name!r}: " + "; ".join(problems)

    print_figure = FigureCanvasBase.print_figure

    def print_and_check(self, *args, **kwargs):
        result = print_figure(self, *args, **kwargs)
        try:
            check(self.figure)
        except Exception as error:  # the measurement must never break the notebook
            found.setdefault("probe", f"title check failed: {error!r}")
        return result

    FigureCanvasBase.print_figure = print_and_check
    return found

_unsuplab_title_overlaps = _unsuplab_install_title_check()
del _unsuplab_install_title_check
print("installed")
"""
FIGURE_REPORT = "import json; print(json.dumps(sorted(_unsuplab_title_overlaps.values())))"


def _math_cells(path: Path) -> list[int]:
    """Indices of the markdown cells whose text (outside code) has ``$...$`` maths."""
    indices = []
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"```.*?```", "", cell.source, flags=re.S)
        text = re.sub(r"`[^`\n]*`", "", text).replace(r"\$", "")
        if re.search(r"\$[^$]+\$", text):
            indices.append(i)
    return indices


def _wait(poll, timeout: float, interval: float = 0.5):
    """Call ``poll()`` until it returns something true; return it, or the last value on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = poll()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def _open(page, lab, name: str) -> None:
    """Open the notebook on a fresh workspace, wait for its kernel, install the figure check."""
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
    ready = _wait(lambda: (s := page.evaluate(STATE_JS, name)) and s["kernel"] == "idle", 120)
    assert ready, f"{name}: the notebook did not open with an idle kernel in 120 s"
    hook = page.evaluate(EXECUTE_JS, [name, FIGURE_HOOK])
    assert "installed" in hook, f"{name}: the figure check did not install: {hook}"


def _run_all(page, name: str) -> None:
    """JupyterLab's "Run All", then wait until no cell runs and the kernel stays idle."""
    page.evaluate(RUN_ALL_JS, name)
    page.wait_for_timeout(1000)
    quiet_since, state = None, None
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS, name)
        if state["kernel"] in ("dead", "autorestarting"):
            pytest.fail(f"{name}: the kernel died during 'Run All' (out of memory?)")
        if state["kernel"] == "idle" and state["running"] == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 2.0:  # idle between two queued cells is brief
                return
        else:
            quiet_since = None
        page.wait_for_timeout(500)
    pytest.fail(f"{name}: 'Run All' did not finish in {RUN_TIMEOUT:.0f} s (state {state})")


def _cell_findings(page, name: str) -> tuple[list[str], list[str]]:
    """Error outputs, TensorFlow log lines and cells that did not run (findings); stderr
    streams (reported only: a student sees them in red, but a warning is not a failure)."""
    findings, stderr, stopped = [], [], False
    for i, cell in enumerate(page.evaluate(OUTPUTS_JS, name)):
        for output in cell["outputs"]:
            if output["output_type"] == "error" and "raises-exception" not in cell["tags"]:
                findings.append(f"cell {i}: {output['ename']}: {output['evalue'][:300]}")
                stopped = True  # "Run All" stops at an error
            if output["output_type"] == "stream" and output["name"] == "stderr":
                text = output["text"]
                text = text if isinstance(text, str) else "".join(text)
                stderr.append(f"cell {i}: {text.strip()[:200]}")
                if log := TF_LOG.search(text):
                    findings.append(f"cell {i} shows TensorFlow's log: {log.group(0)!r}")
    unrun = page.evaluate(STATE_JS, name)["unrun"]
    if unrun and not stopped:
        findings.append(f"{unrun} code cells did not run")
    return findings, stderr


def _widget_findings(page, name: str) -> tuple[list[str], int]:
    """Widgets rendered, none failed or shown as text, labels whole, sliders wide enough;
    returns (findings, number of widget views)."""
    cells = page.evaluate(OUTPUTS_JS, name)
    expected = sum(WIDGET_MIME in o.get("data", {}) for c in cells for o in c["outputs"])
    widgets = _wait(
        lambda: (
            (w := page.evaluate(WIDGETS_JS, name))["rendered"] >= expected
            and "Loading widget" not in w["text"]
            and w
        ),
        60,
    ) or page.evaluate(WIDGETS_JS, name)
    findings = []
    if widgets["views"] < expected or widgets["rendered"] < expected:
        findings.append(
            f"{expected} widgets displayed, {widgets['views']} on the page, "
            f"{widgets['rendered']} rendered"
        )
    findings += [
        f"an output shows {text!r}"
        for text in ("Loading widget", "Error displaying widget")
        if text in widgets["text"]
    ]
    if raw := RAW_REPR.search(widgets["text"]):
        findings.append(f"a widget shows as text: {raw.group(0)}...")
    findings += page.evaluate(LAYOUT_JS, [name, MIN_SLIDER_PX])
    return findings, widgets["views"]


def _move(page, view, slider, timeout: float) -> str:
    """Move one slider one step with the arrow keys; 'changed', 'same' (redrawn, same image),
    'no redraw' or 'stuck' (the value did not move)."""
    handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
    value, before = readout.inner_text(), view.evaluate(MARK_JS)
    handle.press("ArrowRight")
    if readout.inner_text() == value:  # at its maximum: one step down instead
        handle.press("ArrowLeft")
    if readout.inner_text() == value:
        return "stuck"
    after = _wait(lambda: view.evaluate(REDRAWN_JS), timeout, interval=0.2)
    return "no redraw" if after is None else "changed" if after != before else "same"


def _slider_findings(page) -> tuple[list[str], int]:
    """Move every slider of every widget; its figure must be drawn again, differently.

    A slider whose figure stayed the same is moved again after all the others moved: a
    latent walk's direction shows nothing while its step is 0. Returns (findings, moves)."""
    views = page.locator(".jp-NotebookPanel [data-unsuplab-widget]")
    todo = [
        (views.nth(v), views.nth(v).locator(".jupyter-widgets.widget-slider").nth(s))
        for v in range(views.count())
        for s in range(views.nth(v).locator(".jupyter-widgets.widget-slider").count())
    ]
    findings, moves = [], 0
    for attempt in range(2):
        again = []
        for view, slider in todo:
            label = slider.locator(".widget-label").inner_text().strip()
            label = f"cell {view.get_attribute('data-unsuplab-widget')}: slider {label!r}"
            result = _move(page, view, slider, REDRAW_TIMEOUT)
            moves += result != "stuck"
            if result == "stuck":
                findings.append(f"{label} does not move with the arrow keys")
            elif result == "no redraw":
                findings.append(f"{label}: moving it did not redraw its figure")
            elif result == "same" and attempt == 0:
                again.append((view, slider))
            elif result == "same":
                findings.append(f"{label}: moving it did not change its figure")
        todo = again
    return findings, moves


def _math_findings(page, name: str, indices: list[int]) -> list[str]:
    math = _wait(
        lambda: not (m := page.evaluate(MATH_JS, [name, indices]))["missing"] and m, 30
    ) or page.evaluate(MATH_JS, [name, indices])
    return [f"markdown cell {i} has $...$ but no MathJax output" for i in math["missing"]] + [
        f"MathJax error: {text[:100]}" for text in math["errors"]
    ]


def _figure_findings(page, name: str) -> list[str]:
    report = page.evaluate(EXECUTE_JS, [name, FIGURE_REPORT])
    try:
        return json.loads(report.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [f"the figure check failed: {report[-500:]}"]


def _screenshot(page, name: str, path: Path) -> None:
    """The whole notebook in one image (side bars closed, page as tall as the notebook)."""
    height = min(int(page.evaluate(SCREENSHOT_JS, name)) + 200, 30_000)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    page.wait_for_timeout(1500)
    page.evaluate(SCREENSHOT_JS, name)  # the resize may have scrolled
    page.screenshot(path=path)


def inspect_notebook(page, lab, path: Path) -> dict:
    """Open, run and check one notebook of ``lab.notebook_dir``; the record of what was found
    (also written to ``build/browser/<name>.json``, beside its screenshot)."""
    name, timings = path.name, {}
    OUT.mkdir(parents=True, exist_ok=True)
    failed_shot = OUT / f"{path.stem}-failed.png"
    failed_shot.unlink(missing_ok=True)
    start = time.monotonic()
    try:
        _open(page, lab, name)
        timings["open_s"] = round(time.monotonic() - start, 1)
        _run_all(page, name)
        timings["run_all_s"] = round(time.monotonic() - start - timings["open_s"], 1)
        t = time.monotonic()
        findings, stderr = _cell_findings(page, name)
        widget_findings, n_widgets = _widget_findings(page, name)
        slider_findings, moves = _slider_findings(page)
        timings["widgets_s"] = round(time.monotonic() - t, 1)
        math_cells = _math_cells(path)
        findings += widget_findings + slider_findings + _math_findings(page, name, math_cells)
        findings += _figure_findings(page, name)
        _screenshot(page, name, OUT / f"{path.stem}.png")
    except BaseException:  # a timeout or a dead kernel: what the page showed, for humans
        with contextlib.suppress(Exception):
            page.screenshot(path=failed_shot)
        raise
    timings["total_s"] = round(time.monotonic() - start, 1)
    record = {
        "notebook": name,
        "timings": timings,
        "widgets": n_widgets,
        "slider_moves": moves,
        "math_cells": len(math_cells),
        "findings": findings,
        "stderr": stderr,
    }
    (OUT / f"{path.stem}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    print(json.dumps(record, ensure_ascii=False))
    return record


# --- the tests -------------------------------------------------------------------------------
PLANTED = [
    nbformat.v4.new_markdown_cell(
        "# Planted defects\n\nMaths $x^2$, and a TeX error: $\\frac{1}$."
    ),
    nbformat.v4.new_code_cell(
        """import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from unsuplab.widgets.base import Explorer

def render(n, ignored, narrow):
    fig, axes = plt.subplots(2, 1, figsize=(2.5, 1.6))
    for ax in axes:
        ax.imshow(np.full((4, 4), n + narrow), vmin=0, vmax=20)
        ax.set_title(f"n = {n}")
    fig.suptitle("a planted title", y=0.8)
    return fig

Explorer(render, {
    "n": w.IntSlider(3, 0, 10, description="n"),
    "ignored": w.IntSlider(3, 0, 10, description="a description far too long for its box"),
    "narrow": w.IntSlider(3, 0, 10, description="narrow", layout=w.Layout(width="150px")),
}, wrap=True)"""
    ),
    nbformat.v4.new_code_cell("print(repr(w.VBox([w.IntSlider()])))"),
    nbformat.v4.new_code_cell(
        "import sys\n"
        'print("I0000 00:00:00.000000 1 cpu_feature_guard.cc:210] planted", file=sys.stderr)'
    ),
    nbformat.v4.new_code_cell('raise ValueError("a planted error")'),
]


def test_the_checks_find_planted_defects(lab, page):
    path = lab.notebook_dir / "planted_defects.ipynb"
    notebook = nbformat.v4.new_notebook(cells=PLANTED)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)
    record = inspect_notebook(page, lab, path)
    found = "\n".join(record["findings"])
    for expected in (
        "cell 4: ValueError: a planted error",
        "cell 3 shows TensorFlow's log: 'I0000 00:00:00'",
        "a widget shows as text: VBox(children=(",
        'label cut: "a description far too long for its box"',
        'slider "narrow" is',
        "cell 1: slider 'a description far too long for its box': moving it did not change",
        "figure 'a planted title': its title overlaps",
        "panel titles overlap another panel (e.g. 'n = 3' over 'n = 3')",
        "MathJax error",
    ):
        assert expected in found, f"the check for {expected!r} found nothing:\n{found}"
    assert record["widgets"] == 1 and record["slider_moves"] == 4, record
    assert "slider 'n'" not in found and "slider 'narrow':" not in found, found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(path, lab, page):
    record = inspect_notebook(page, lab, lab.notebook_dir / path.name)
    assert not record["findings"], f"{path.name} in JupyterLab:\n" + "\n".join(record["findings"])
