"""Worked examples in the notebooks' text, recomputed with the library.

The arrays are read from the notebook's code cell and the values from the markdown cell after
it, so neither can change without the other.
"""

import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from unsuplab.metrics.segmentation import iou_matrix, matched_iou, miou

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks" / "py"


def _cells(name):
    text = (NOTEBOOKS / name).read_text(encoding="utf-8")
    return re.split(r"^# %%.*$", text, flags=re.MULTILINE)


def _iou_example():
    cells = _cells("07_unsupervised_segmentation.py")
    i = next(j for j, c in enumerate(cells) if "matched_iou(truth, pred)" in c)
    namespace = {"np": np}
    for line in cells[i].splitlines():
        if line.startswith(("truth = ", "pred = ")):
            exec(line, namespace)  # noqa: S102 - the notebook's own two array literals
    return namespace["truth"], namespace["pred"], cells[i + 1]


def test_chapter_07_iou_example_states_the_library_values():
    truth, pred, text = _iou_example()
    text = " ".join(line.lstrip("# ") for line in text.splitlines())
    table, true_ids, pred_ids = iou_matrix(truth, pred)
    stated = re.findall(r"IoU\(region (\d+), segment (\d+)\) = (?:(\d+)/(\d+) = )?(\d+)/?(\d*)",
                        text)
    assert len(stated) == 4  # every (region, segment) pair of the example
    for region, segment, num, den, last_num, last_den in stated:
        got = table[list(true_ids).index(int(region)), list(pred_ids).index(int(segment))]
        want = Fraction(int(last_num), int(last_den) if last_den else 1)
        assert got == float(want), (region, segment, got, want)
        if num:  # the unreduced fraction counts pixels: |intersection| / |union|
            a, b = truth == int(region), pred == int(segment)
            assert (int(num), int(den)) == ((a & b).sum(), (a | b).sum())
    ious, matching = matched_iou(truth, pred)
    assert matching == {0: 5, 1: 7}  # what the text says the matching does
    assert "segment 5 to region 0 and segment 7 to region 1" in text
    # region 1's best segment is not the one it is matched with: the example shows one-to-one
    assert pred_ids[table[1].argmax()] != matching[1]
    want_miou = re.search(r"mIoU = (\d+)/(\d+) = (\d+\.\d+)", text)
    assert miou(truth, pred) == float(Fraction(int(want_miou[1]), int(want_miou[2])))
    assert f"{miou(truth, pred):.3f}" == want_miou[3]
    # the greedy matching (largest IoU first) ends with the lower total the text states
    best_r, best_c = np.unravel_index(table.argmax(), table.shape)
    greedy = table[best_r, best_c] + table[1 - best_r, 1 - best_c]
    assert greedy < ious.sum() and "lower total 1/2" in text and greedy == 0.5
