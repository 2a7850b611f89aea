"""The mode metrics on constructed samples with known answers."""

import math

import pytest
import torch

from gan_course import data
from gan_course.metrics.modes import mmd, mode_histogram, mode_report, nearest_modes, occupancy

RING, GRID = data.ring(), data.grid()


def test_samples_from_the_mixture_capture_every_mode_with_high_quality():
    report = mode_report(RING.sample(2500, seed=0), RING)
    assert report["modes_captured"] == 8
    assert report["high_quality_share"] > 0.98  # 3 std covers 98.9% of a 2-D Gaussian
    assert report["reverse_kl"] < 0.01


def test_one_mode_is_one_mode_however_sharp():
    points = RING.centers[3].repeat(2500, 1)  # a collapsed generator: every sample on mode 3
    report = mode_report(points, RING)
    assert report["modes_captured"] == 1 and report["high_quality_share"] == 1.0
    assert report["reverse_kl"] == pytest.approx(math.log(8))
    assert report["histogram"][3] == 2500


def test_samples_off_every_mode_capture_nothing():
    points = torch.zeros(2500, 2)  # the centre of the ring: 2 away from every mode
    report = mode_report(points, RING)
    assert report == {"high_quality_share": 0.0, "modes_captured": 0, "reverse_kl": pytest.approx(math.log(8)),
                      "histogram": [0] * 8}


def test_a_skewed_histogram_has_a_positive_reverse_kl():
    counts = torch.tensor([1000, 500, 250, 125, 60, 30, 20, 15])
    points = torch.cat([RING.centers[i].repeat(int(c), 1) for i, c in enumerate(counts)])
    report = mode_report(points, RING)
    q = counts.double() / counts.sum()
    assert report["modes_captured"] == 8
    assert report["reverse_kl"] == pytest.approx(float((q * torch.log(q * 8)).sum()))
    assert 0.3 < report["reverse_kl"] < math.log(8)


def test_far_samples_are_not_counted_on_their_nearest_mode():
    near = RING.centers[0] + torch.tensor([[2.5 * RING.std, 0.0]])  # inside 3 std
    far = RING.centers[0] + torch.tensor([[4.0 * RING.std, 0.0]])  # outside
    assert mode_histogram(torch.cat([near, far]), RING).tolist() == [1] + [0] * 7
    assert nearest_modes(far, RING)[0].tolist() == [0]


def test_grid_metrics_see_all_25_modes():
    assert mode_report(GRID.sample(2500, seed=1), GRID)["modes_captured"] == 25


def test_mmd_is_small_for_the_same_distribution_and_not_fooled_by_shrinking():
    reference = RING.sample(1000, seed=1)
    same = mmd(RING.sample(1000, seed=2), reference)
    shrunk = mmd(RING.centers.repeat_interleave(125, dim=0), reference)  # every mode hit, zero variance
    one_mode = mmd(RING.centers[:1].repeat(1000, 1), reference)
    assert abs(same) < 0.01 < shrunk < one_mode
    assert mode_report(RING.centers.repeat_interleave(125, dim=0), RING)["high_quality_share"] == 1.0


def test_occupancy_trace_shows_a_hop():
    first, second = RING.centers[0].repeat(100, 1), RING.centers[5].repeat(100, 1)
    trace = occupancy([first, second], RING)
    assert trace.shape == (2, 8) and trace[0, 0] == 1 and trace[1, 5] == 1 and trace.sum() == 2


@pytest.mark.parametrize("points, message", [
    (torch.zeros(10, 3), r"shape \(N, 2\), got \(10, 3\)"),
    (torch.full((4, 2), float("nan")), "did training diverge"),
    (torch.zeros(0, 2), "at least one point"),
])
def test_bad_points_are_explained(points, message):
    with pytest.raises(ValueError, match=message):
        mode_report(points, RING)
