"""Result tables in a notebook: a list of rows (dicts) shown as a Markdown table."""

from __future__ import annotations

import numbers


def _cell(value, digits):
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(rows, *, digits=2) -> str:
    """The Markdown text of a table: one row per dict, the columns of the first row, real
    numbers with ``digits`` decimals.

    Example:
        >>> print(markdown_table([{"method": "bm3d", "PSNR dB": 27.031}]))
        | method | PSNR dB |
        | --- | --- |
        | bm3d | 27.03 |
    """
    rows = list(rows)
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"rows must be a non-empty list of dicts. Received: rows={rows!r:.80}")
    cols = list(rows[0])
    missing = [c for r in rows for c in cols if c not in r]
    if missing:
        raise ValueError(f"every row must have the columns of the first row {cols}. "
                         f"Received: a row without {missing[0]!r}")
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + " --- |" * len(cols)]
    lines += ["| " + " | ".join(_cell(r[c], digits) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def show_table(rows, *, digits=2):
    """A table for a notebook cell: :func:`markdown_table` as an IPython ``Markdown`` object
    (put it last in a cell to show it)."""
    from IPython.display import Markdown

    return Markdown(markdown_table(rows, digits=digits))


__all__ = ["markdown_table", "show_table"]
