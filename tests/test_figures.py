"""Figures quoted in the text are tied to the benchmark record they come from (issue 26).

A figure in a notebook's markdown (``notebooks/py/*.py``) or in ``README.md`` that comes from a
benchmark carries a *tie*: an HTML comment right after the number (and its unit), naming the
record and key it was read from, relative to ``benchmarks/``::

    reaches **21.9 dB**<!-- results/autoencoders.json:conv_32_psnr_db --> at d = 32
    | 02 | ... | 27.08<!-- results/correction_networks.json:dae_s25_psnr_db --> vs ... |
    (+2.4 dB<!-- results/correction_networks.json:dae_s25_psnr_db
         - results/correction.json:bm3d_s25_psnr_db --> on 1000 test images)

A comment is invisible once rendered (JupyterLab, GitHub, the slides) and works inside a table
cell; it must follow the number on the same line (a line that *starts* with ``<!--`` would open
an HTML block). A tie holds one record key or an arithmetic expression of several
(``+ - * / **``, parentheses, numbers, ``min(...)``, ``max(...)``) for a derived figure (a
difference, a ratio, an interval, the ends of a range).

The test reads the records when it runs, so a new record only needs the text to follow. It fails

- when a tied number differs from the record at the precision it is printed with (units are
  converted: the record's unit is in its key, ``_s`` seconds, ``_mb`` MiB, ``_db`` dB, else a
  plain number or fraction; the text may say ``ms``/``s``/``min``, ``MiB``/``GiB``, ``%`` or
  ``points`` (×100), ``dB``, ``nats``, ``×``);
- when a tie names a missing file or key, or is not right after a number;
- when a figure that looks measured has no tie: a number with a unit of time, memory, dB, %,
  points, nats or ×, or a decimal with two or more digits, outside maths (``$...$``), code and
  the class plan, and not in the short allow-list below;
- when memory is written in MB or GB (one unit: MiB, against Binder's 2 GiB).
"""

from __future__ import annotations

import ast
import json
import operator
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SOURCES = sorted((ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py")) + [ROOT / "README.md"]

#: Figures that look measured but are not benchmark figures: (pattern on the line, why).
ALLOWED = (
    (r"25/255 ≈ 0\.098", "the noise level σ = 25/255 written as a decimal"),
    (r"ceiling of 58\.9 dB|scores 58\.9 dB", "10·log10(12·255²): the PSNR of 8-bit rounding"),
    (r"(?:Python ≥|[Vv]ersions?(?: before)?|pins) \d+\.\d+(?:\.\d+)?", "a software version"),
    (r"95% (?:t-)?intervals?", "the confidence level of an interval"),
    (r"Binder's (?:limit: )?2 GiB(?: = 2048 MiB)?|2 GiB of RAM",
     "Binder's memory limit: a platform's setting"),
    (r"= \d+/\d+ = 0\.\d+", "the arithmetic of a worked example"),
    (r"labels dropped 10 ?%", "a training setting (classifier-free guidance)"),
    (r"idle for \d+ minutes", "a setting of the server (binder/jupyter_server_config.py)"),
    (r"about 10%", "1/10: the share of each class in a balanced data set"),
    (r"10× faster", "a setting of the collapse experiment (the discriminator's learning rate)"),
    (r"86\.76 nats at k = 5000", "a published figure (Burda et al. 2016), cited as such"),
    (r"around −300 nats", "the order of magnitude of a log-weight, for a numerical exercise"),
    (r"pixels \(ACC \.474\), autoencoder \+ k-means \(\.61\), DEC \(\.62\), N2D \(\.672",
     "published figures (Xiao et al. 2017, Xie et al. 2016, McConville et al. 2020)"),
    (r"the paper's mIoU of \.305", "a published figure (Kim et al. 2020), cited as such"),
    (r"N2D's published \.672 / \.684|\(N2D published 0\.672 / 0\.684\)",
     "published figures (McConville et al. 2020), cited as such"),
    (r"target (?:is )?\d+ dB|target 0\.\d+|the 0\.\d+ we aimed at|≥ best classical \+ 0\.10"
     r"|our 5%–15% target",
     "a target set before the measurement, not a measurement"),
)

UNIT = (r"(?P<unit>minutes|minute|min|seconds|second|ms|s|MiB|GiB|MB|GB|KB|kB|dB|%|points|point"
        r"|nats|×(?!\s?\d))(?![A-Za-z])")
NUMBER = r"(?P<num>[+\-−]?(?:\d{1,3}(?:[ \u2009\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))"
#: A tie: an HTML comment naming ``results/<file>.json:<key>`` (or an expression of them).
TIE = re.compile(r"<!--\s*(?P<expr>[^<>]*?results/[^<>]*?)\s*-->")
#: What a tie binds to: the number just before it, with its unit and bold/italic markers.
BOUND = re.compile(NUMBER + r"(?:\s?" + UNIT + r")?[*_]*\s*$")
REF = re.compile(r"results/(?P<file>[\w.-]+\.json):(?P<key>[\w.]*\w)")
#: Candidates: a number with a unit of measurement, or a decimal with two or more digits.
WITH_UNIT = re.compile(r"(?<![\w.])" + NUMBER + r"\s?" + UNIT)
#: ... and the first of two figures compared ("19.4 vs 19.0 dB", "28.7 against 30.0 dB").
COMPARED = re.compile(r"(?<![\w.])" + NUMBER + r"(?=\s*(?:vs\.?|against|and|/|→|to|or|–)\s*"
                      r"[+\-−]?[\d.]*\d\s?" + UNIT + ")")
DECIMAL = re.compile(r"(?<![\w.])[+\-−]?\d*\.\d{2,}(?!\w|\.\d)")
OLD_MEMORY_UNIT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:MB|GB|KB|kB)(?![A-Za-z])")

#: Text unit -> (kind of record key it applies to, factor from the record's unit).
UNITS = {
    None: {"s": 1, "mb": 1, "db": 1, "": 1},
    "×": {"": 1, "s": 1, "mb": 1},  # a ratio (of times, of memory)
    "nats": {"": 1},
    "dB": {"db": 1},
    "ms": {"s": 1000},
    "s": {"s": 1},
    "second": {"s": 1},
    "seconds": {"s": 1},
    "min": {"s": 1 / 60},
    "minute": {"s": 1 / 60},
    "minutes": {"s": 1 / 60},
    "MiB": {"mb": 1},
    "GiB": {"mb": 1 / 1024},
    "%": {"": 100},
    "point": {"": 100},
    "points": {"": 100},
}
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg,
             ast.UAdd: operator.pos}


@dataclass(frozen=True)
class Line:
    path: Path
    number: int
    text: str
    class_plan: bool  # in the **Class plan.** paragraph (teaching minutes, not measurements)
    cell: int = 0  # the markdown cell (maths may run over lines, not over cells)

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.number}"


def markdown_lines(path: Path) -> list[Line]:
    """The markdown a reader sees, line by line with the source's line numbers: the markdown
    cells of a jupytext notebook, or a markdown file without its fenced code blocks."""
    lines, in_markdown, in_fence, class_plan = [], path.suffix == ".md", False, False
    cell = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        if path.suffix == ".py":
            if raw.startswith("# %%"):
                in_markdown, class_plan, cell = "[markdown]" in raw, False, cell + 1
                continue
            if not in_markdown or not raw.startswith("#"):
                continue
            raw = raw[2:] if raw.startswith("# ") else raw[1:]
        if raw.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not raw.strip():
            class_plan = False
        elif raw.startswith("**Class plan"):
            class_plan = True
        lines.append(Line(path, number, raw, class_plan, cell))
    return lines


def _blank(text: str, pattern: str, flags=0) -> str:
    """``text`` with every match of ``pattern`` replaced by spaces (columns kept)."""
    return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=flags)


def prose(lines: list[Line]) -> list[str]:
    """Each line with ties, code spans, link targets and maths (``$...$``, ``$$...$$``, also
    over several lines of one cell) blanked out."""
    out = []
    for cell in dict.fromkeys(line.cell for line in lines):
        text = "\n".join(line.text for line in lines if line.cell == cell)
        text = _blank(text, TIE.pattern)
        text = _blank(text, r"`[^`\n]*`")
        text = _blank(text, r"\]\([^)]*\)|arXiv:\S+|https?://\S+")
        text = _blank(text, r"\$\$.*?\$\$", re.S)
        text = _blank(text, r"\$[^$]*\$", re.S)
        out += text.split("\n")
    return out


@cache
def record(name: str) -> dict:
    return json.loads((BENCHMARKS / "results" / name).read_text())


def _key_kind(key: str) -> str:
    """The unit of a record key, from its name: 's', 'mb' (MiB), 'db', or '' (a plain number)."""
    if re.search(r"(?:^|_)s(?:_per_[a-z]+)?$", key):
        return "s"
    return {"_mb": "mb", "_db": "db"}.get(key[-3:], "")


def evaluate(expr: str) -> tuple[float, str]:
    """The value of a tie's expression and the unit kind of its first key."""
    refs = {}

    def name(match):
        file, key = match["file"], match["key"]
        path = BENCHMARKS / "results" / file
        if not path.exists():
            raise LookupError(f"no record {path.relative_to(ROOT)}")
        if key not in record(file):
            raise LookupError(f"no key {key!r} in {path.relative_to(ROOT)}")
        value = record(file)[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LookupError(f"{file}:{key} is not a number ({value!r})")
        refs[f"v{len(refs)}"] = (value, key)
        return f"v{len(refs) - 1}"

    code = REF.sub(name, expr)
    if not refs:
        raise LookupError(f"no results/<file>.json:<key> in the tie {expr!r}")

    def run(node):
        if isinstance(node, ast.Expression):
            return run(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](run(node.left), run(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](run(node.operand))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("min", "max") and node.args and not node.keywords):
            return {"min": min, "max": max}[node.func.id](run(a) for a in node.args)
        if isinstance(node, ast.Name) and node.id in refs:
            return refs[node.id][0]
        raise LookupError(f"the tie {expr!r} is not arithmetic on record keys")

    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise LookupError(f"the tie {expr!r} is not arithmetic on record keys") from None
    return float(run(tree)), _key_kind(refs["v0"][1])


def parse_number(text: str) -> tuple[float, int]:
    """A printed number and its number of decimals ('−1.32' -> (-1.32, 2), '60 000' -> ...)."""
    text = re.sub(r"[ \u2009\u202f]", "", text).replace("−", "-")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text), decimals


@dataclass(frozen=True)
class Tie:
    line: Line
    start: int  # column of the bound number (-1: none; -2: a comment that is not a tie)
    printed: str
    unit: str | None
    expr: str


def ties(lines: list[Line]) -> list[Tie]:
    found = []
    for line in lines:
        code = [m.span() for m in re.finditer(r"`[^`]*`", line.text)]  # examples, not ties
        whole = {m.start() for m in TIE.finditer(line.text)}
        for match in re.finditer(r"<!--", line.text):
            if any(a <= match.start() < b for a, b in code):
                continue
            if match.start() not in whole:  # a comment split over lines, or not naming a record
                found.append(Tie(line, -2, "", None, line.text[match.start():].strip()))
        for match in TIE.finditer(line.text):
            if any(a <= match.start() < b for a, b in code):
                continue
            bound = BOUND.search(line.text[: match.start()])
            if bound is None:
                found.append(Tie(line, -1, "", None, match["expr"]))
            else:
                found.append(Tie(line, bound.start("num"), bound["num"], bound["unit"],
                                 match["expr"]))
    return found


def check_tie(tie: Tie) -> str | None:
    """What is wrong with a tie, or None."""
    head = f"{tie.line.where()}: tie <!-- {tie.expr} -->"
    if tie.start == -2:
        return (f"{tie.line.where()}: {tie.expr!r} is not a tie: write "
                "<!-- results/<file>.json:<key> --> on one line")
    if tie.start < 0:
        return f"{head} follows no number on its line"
    try:
        value, kind = evaluate(tie.expr)
    except LookupError as error:
        return f"{head} after {tie.printed!r}: {error}"
    factors = UNITS.get(tie.unit)
    if factors is None or kind not in factors:
        return (f"{head}: the unit {tie.unit!r} of {tie.printed!r} does not fit the record's "
                f"unit ({kind or 'a plain number'}); say it in {sorted(map(str, UNITS))}")
    expected = value * factors[kind]
    printed, decimals = parse_number(tie.printed)
    if abs(printed - expected) > 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(expected)):
        shown = f"{expected:.{decimals}f}"
        return (f"{head}: the text says {tie.printed}{' ' + tie.unit if tie.unit else ''}, "
                f"the record says {value:g} (= {shown}{' ' + tie.unit if tie.unit else ''})")
    return None


def untied_figures(lines: list[Line]) -> list[str]:
    """Numbers that look measured and have no tie, each as 'file:line: number in context'."""
    bound = {(t.line.number, t.line.path, t.start) for t in ties(lines) if t.start >= 0}
    problems = []
    for line, text in zip(lines, prose(lines), strict=True):
        if line.class_plan:
            continue
        allowed = [m.span() for pattern, _ in ALLOWED for m in re.finditer(pattern, line.text)]
        for match in OLD_MEMORY_UNIT.finditer(text):
            problems.append(f"{line.where()}: {match[0]!r} — memory is written in MiB (or GiB)")
        spans = {m.start("num"): m.group(0) for m in WITH_UNIT.finditer(text)}
        for m in COMPARED.finditer(text):
            spans.setdefault(m.start("num"), m["num"])
        for m in DECIMAL.finditer(text):
            spans.setdefault(m.start(), m.group(0))
        for start, figure in sorted(spans.items()):
            if (line.number, line.path, start) in bound:
                continue
            if any(a <= start < b for a, b in allowed):
                continue
            context = line.text[max(0, start - 30): start + len(figure) + 20].strip()
            problems.append(f"{line.where()}: {figure!r} has no tie (…{context}…)")
    return problems


ALL = {path: markdown_lines(path) for path in SOURCES}
IDS = [p.name for p in SOURCES]


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_tied_figures_match_their_records(path):
    problems = [p for p in map(check_tie, ties(ALL[path])) if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_every_measured_figure_is_tied(path):
    problems = untied_figures(ALL[path])
    assert not problems, (
        "tie each figure to its record (<!-- results/<file>.json:<key> --> right after the "
        "number), rephrase it without a number, or add it to ALLOWED with the reason:\n"
        + "\n".join(problems))


# --- the checker itself ---------------------------------------------------------------------


def _lines(*texts: str) -> list[Line]:
    return [Line(ROOT / "README.md", i, t, False) for i, t in enumerate(texts, 1)]


def test_a_tie_passes_at_the_printed_precision_with_units():
    value = record("correction.json")["bm3d_s25_psnr_db"]
    text = (f"BM3D **{value:.2f} dB**<!-- results/correction.json:bm3d_s25_psnr_db -->, "
            f"{value:.1f}<!-- results/correction.json:bm3d_s25_psnr_db --> again")
    assert [check_tie(t) for t in ties(_lines(text))] == [None, None]
    seconds = record("notebooks_full.json")["01_autoencoders_full_s"]
    text = (f"{seconds / 60:.1f} min<!-- results/notebooks_full.json:01_autoencoders_full_s -->"
            f" or {seconds * 1000:.0f} ms<!-- results/notebooks_full.json:01_autoencoders_full_s"
            " -->")
    assert [check_tie(t) for t in ties(_lines(text))] == [None, None]
    share = record("gan.json")["collapse_max_class_share"]
    text = f"{share * 100:.1f}%<!-- results/gan.json:collapse_max_class_share -->"
    assert check_tie(ties(_lines(text))[0]) is None
    mib = record("notebooks_full.json")["01_autoencoders_full_peak_rss_mb"]
    text = (f"{mib / 1024:.2f} GiB<!-- results/notebooks_full.json:"
            "01_autoencoders_full_peak_rss_mb -->")
    assert check_tie(ties(_lines(text))[0]) is None


def test_a_wrong_figure_fails_with_file_line_number_key_and_record_value():
    value = record("correction.json")["bm3d_s25_psnr_db"]
    text = f"x\n{value + 0.02:.2f} dB<!-- results/correction.json:bm3d_s25_psnr_db -->"
    problem = check_tie(ties(_lines(*text.split("\n")))[0])
    assert problem.startswith("README.md:2: ")
    assert f"{value + 0.02:.2f} dB" in problem and "bm3d_s25_psnr_db" in problem
    assert f"{value:g}" in problem
    # a derived figure: the sign and the expression count
    text = ("+2.43 dB<!-- results/correction_networks.json:dae_s25_psnr_db - "
            "results/correction.json:bm3d_s25_psnr_db -->")
    gain = (record("correction_networks.json")["dae_s25_psnr_db"]
            - record("correction.json")["bm3d_s25_psnr_db"])
    assert (check_tie(ties(_lines(text))[0]) is None) == (abs(gain - 2.43) <= 0.005)
    assert "record says" in check_tie(ties(_lines(text.replace("+2.43", "−2.42")))[0])


def test_a_wrong_unit_a_missing_key_or_file_and_a_lone_tie_fail():
    cases = {
        "21.9 s<!-- results/autoencoders.json:conv_32_psnr_db -->": "does not fit",
        "0.5<!-- results/autoencoders.json:no_such_key -->": "no key 'no_such_key'",
        "0.5<!-- results/nothing.json:key -->": "no record benchmarks/results/nothing.json",
        "see <!-- results/gan.json:dcgan_fid_mean --> here": "follows no number",
        "0.5<!-- results/gan.json:best_gan_name -->": "not a number",
        "0.5<!-- results/gan.json:dcgan_fid_mean; import os -->": "not arithmetic",
        "0.5<!-- results/gan.json:": "is not a tie",
        "0.5<!-- gan.json:dcgan_fid_mean -->": "is not a tie",
    }
    for text, message in cases.items():
        assert message in check_tie(ties(_lines(text))[0]), text
    assert ties(_lines("e.g. `0.5<!-- results/gan.json:no_such_key -->`")) == []


def test_untied_figures_are_found_and_ties_allowlist_maths_and_class_plans_are_not():
    lines = _lines(
        "takes 15–20 minutes and 4.4 GB; FID 8.78 vs $0.99^{30} \\approx 0.74$, `0.125`",
        "FID 8.78<!-- results/gan.json:dcgan_fid_mean --> at σ = 25/255 ≈ 0.098",
        "60 000 images of 28×28 pixels, 10 classes, the 20×20 map",
        "$$",
        "\\mathrm{PSNR} = 48.13 \\text{ dB}",
        "$$",
    )
    found = untied_figures(lines)
    assert [re.search(r"'(.*?)'", p)[1] for p in found] == [
        "4.4 GB", "15", "20 minutes", "4.4 GB", "8.78"]
    assert "written in MiB" in found[0] and found[1].startswith("README.md:1: ")
    plan = [Line(ROOT / "README.md", 1, "**Class plan.** Lecture (90 min): the idea (15)", True)]
    assert untied_figures(plan) == []


def test_every_allowlist_entry_is_used():
    text = "\n".join(line.text for lines in ALL.values() for line in lines)
    unused = [pattern for pattern, _ in ALLOWED if not re.search(pattern, text)]
    assert not unused, f"ALLOWED entries that match nothing any more: {unused}"
