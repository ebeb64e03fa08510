"""benchmarks/gpu.py: every chapter listed, the steps-per-second arithmetic, and the smoke mode
on the CPU (the chapter that compiles fastest, in-process)."""

import math
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks import gpu

CHAPTERS_DIR = Path(__file__).resolve().parent.parent / "unsuplab" / "chapters"


def test_every_chapter_that_trains_is_timed():
    numbers = {p.stem[2:] for p in CHAPTERS_DIR.glob("ch[0-9][0-9].py")}
    assert set(gpu.CHAPTERS) == numbers - {"00"}  # chapter 00 trains nothing (k-means baseline)


def test_steps_per_second_is_the_difference_of_two_runs(monkeypatch):
    clock = {"now": 0.0}
    calls = []

    def factory(steps, batch):
        def train(k):
            calls.append((k, steps, batch))
            clock["now"] += 5.0 + 0.5 * k  # building and compiling (5 s), 0.5 s per N steps

        return train

    monkeypatch.setattr(gpu, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    monkeypatch.setitem(gpu.CHAPTERS, "01", ("fake", factory))
    figures = gpu.run(("01",), smoke=True)
    # a warm-up run of N steps, then N and 2N
    assert calls == [(1, gpu.SMOKE_STEPS, gpu.SMOKE_BATCH)] * 2 + [
        (2, gpu.SMOKE_STEPS, gpu.SMOKE_BATCH)
    ]
    assert figures["ch01_steps_per_s"] == pytest.approx(gpu.SMOKE_STEPS / 0.5)
    assert figures["ch01_n_steps_s"] == pytest.approx(5.5)
    assert figures["ch01_2n_steps_s"] == pytest.approx(6.0)


def test_smoke_mode_trains_a_chapter_for_real():
    backend = os.environ.get("KERAS_BACKEND")
    figures = gpu.main(["--smoke", "--chapters", "05"])
    # main() leaves the process's environment alone (later subprocesses inherit it)
    assert os.environ.get("KERAS_BACKEND") == backend
    assert figures["steps"] == gpu.SMOKE_STEPS and figures["batch_size"] == gpu.SMOKE_BATCH
    assert figures["ch05_2n_steps_s"] > 0 and figures["ch05_n_steps_s"] > 0
    assert "ch05_steps_per_s" in figures and "ch01_steps_per_s" not in figures
    # on a loaded CPU two tiny runs may take the same time (then nan), never a negative rate
    rate = figures["ch05_steps_per_s"]
    assert math.isnan(rate) or rate > 0
