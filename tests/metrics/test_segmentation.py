import numpy as np
import pytest

from unsuplab.metrics.segmentation import (
    adapted_rand_error,
    iou_matrix,
    matched_iou,
    miou,
    pixel_ari,
    segmentation_scores,
    variation_of_information,
)

TRUTH = np.array([[0, 0, 1, 1]] * 2)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
def test_perfect_up_to_renaming(dtype):
    pred = np.where(TRUTH == 0, 7, 3).astype(dtype)
    s = segmentation_scores(TRUTH, pred)
    assert s["miou"] == 1.0 and s["ari"] == pytest.approx(1.0)
    assert s["vi"] == pytest.approx(0.0, abs=1e-12) and s["are"] == pytest.approx(0.0)


def test_hand_computed_iou_and_matching():
    pred = np.array([[5, 5, 5, 9]] * 2)
    # region 0 (4 px) vs segment 5 (6 px): 4 / 6; region 1 vs 5: 2 / 8; vs 9: 2 / 4
    iou, t_ids, p_ids = iou_matrix(TRUTH, pred)
    np.testing.assert_allclose(iou, [[4 / 6, 0.0], [2 / 8, 2 / 4]])
    ious, matching = matched_iou(TRUTH, pred)
    np.testing.assert_allclose(ious, [4 / 6, 1 / 2])
    assert matching == {0: 5, 1: 9}
    assert miou(TRUTH, pred) == pytest.approx((4 / 6 + 1 / 2) / 2)


def test_one_to_one_matching_is_not_greedy():
    truth = np.array([[0, 0, 0, 1, 1, 1]])
    pred = np.array([[5, 5, 5, 5, 7, 9]])
    # greedy would give both regions segment 5; one-to-one gives region 1 segment 7 or 9
    assert miou(truth, pred) == pytest.approx((3 / 4 + 1 / 3) / 2)


def test_missing_and_extra_segments_count_as_misses():
    truth = np.array([[0, 0, 1, 1, 2, 2]])
    one_segment = np.zeros_like(truth)
    assert miou(truth, one_segment) == pytest.approx((2 / 6) / 3)
    every_pixel = np.arange(6).reshape(1, 6)
    assert miou(truth, every_pixel) == pytest.approx(0.5)


def test_connected_components_option():
    truth = np.array([[0, 0, 1, 1, 0, 0]])
    pred = np.array([[3, 3, 4, 4, 3, 3]])  # the two pieces of region 0 share a label
    assert miou(truth, pred) == 1.0
    assert miou(truth, pred, connected=True) == pytest.approx((0.5 + 1.0) / 2)


def test_ari_vi_and_adapted_rand_against_known_values():
    pred = np.array([[0, 0, 0, 0]] * 2)
    assert pixel_ari(TRUTH, pred) == pytest.approx(0.0)
    assert variation_of_information(TRUTH, pred) == pytest.approx(1.0)  # log2(2) = one bit
    # label 0 is a real region here, not ignored: error is > 0
    assert adapted_rand_error(TRUTH, pred) > 0.2


def test_bad_label_maps_raise():
    with pytest.raises(ValueError, match="same shape"):
        miou(TRUTH, TRUTH[:, :3])
    with pytest.raises(ValueError, match="empty"):
        miou(np.zeros((0, 3), int), np.zeros((0, 3), int))
    with pytest.raises(ValueError, match="rank"):
        miou(TRUTH.ravel(), TRUTH.ravel())
    with pytest.raises(TypeError, match="int"):
        miou(TRUTH.astype(float), TRUTH)


def _vi_reference(t, p):
    """VI = H(T) + H(P) - 2 I(T; P) in bits, from scipy's entropy and scikit-learn's mutual
    information (both in nats), independent of scikit-image."""
    from scipy.stats import entropy
    from sklearn.metrics import mutual_info_score

    t, p = t.ravel(), p.ravel()
    h_t, h_p = (entropy(np.unique(m, return_counts=True)[1]) for m in (t, p))
    return (h_t + h_p - 2.0 * mutual_info_score(t, p)) / np.log(2.0)


@pytest.mark.parametrize("low", [0, -1, -7])
def test_vi_with_negative_labels_matches_a_reference(low):
    rng = np.random.default_rng(-low)
    truth = rng.integers(low, low + 3, size=(9, 8))
    pred = rng.integers(low - 2, low + 2, size=(9, 8))
    assert variation_of_information(truth, pred) == pytest.approx(_vi_reference(truth, pred))
    scores = segmentation_scores(truth, pred)  # every score accepts what the check accepts
    assert scores["vi"] == pytest.approx(_vi_reference(truth, pred))
    assert scores["are"] == pytest.approx(adapted_rand_error(truth - low, pred - low + 2))
    # -1 and 2 are two regions, not one (no wrap-around of a negative index)
    two = np.array([[-1, -1, 2, 2]])
    assert variation_of_information(two, np.zeros_like(two)) == pytest.approx(1.0)


def test_any_integer_segment_ids_score_as_their_renaming():
    """Labels are names: negative or huge ids (which scikit-image indexes a table by) score
    exactly as the same partition numbered 0..k-1."""
    truth = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [3, 3, 2, 1]])
    pred = np.array([[0, 0, 1, 1], [0, 0, 2, 2], [3, 3, 2, 2]])
    scores = segmentation_scores(truth, pred)
    for renamed in (pred - 7, pred * 2**40, pred.astype(np.int8) - 100):
        assert segmentation_scores(truth, renamed) == pytest.approx(scores)
        assert segmentation_scores(renamed, truth)["vi"] == pytest.approx(scores["vi"])
    with pytest.raises(ValueError, match="int64"):
        segmentation_scores(truth, pred.astype(np.uint64) + np.uint64(2**63))
