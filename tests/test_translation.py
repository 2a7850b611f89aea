"""Lesson 05's measurements: label preservation, the hand-made baselines and the cycle error."""

import pytest
import torch

from gan_course import data, metrics
from gan_course.metrics import translation


def slanted_bar(lean: float) -> torch.Tensor:
    """One (1, 1, 28, 28) image: a 2-pixel-wide stroke from row 6 to row 21 that moves ``lean`` columns right per row up."""
    image = torch.full((1, 1, 28, 28), -1.0)
    for row in range(6, 22):
        col = 14 + int(round((13.5 - row) * lean))
        image[0, 0, row, col : col + 2] = 1.0
    return image


def ink_columns(image: torch.Tensor) -> torch.Tensor:
    """Each inked row's centre column: (rows,)."""
    ink = (image[0, 0] + 1) / 2
    rows = ink.sum(1) > 0.5
    cols = torch.arange(28, dtype=torch.float32)
    return (ink[rows] * cols).sum(1) / ink[rows].sum(1)


def test_deskew_stands_a_leaning_stroke_upright_and_keeps_an_upright_one():
    leaning = slanted_bar(lean=0.5)  # leans right by 8 columns over 16 rows
    assert ink_columns(leaning).max() - ink_columns(leaning).min() > 6
    upright = translation.deskewed(leaning)
    assert upright.shape == leaning.shape and upright.min() >= -1 and upright.max() <= 1
    assert ink_columns(upright).max() - ink_columns(upright).min() < 1.5
    straight = slanted_bar(lean=0.0)
    assert torch.allclose(translation.deskewed(straight), straight, atol=1e-4)


def test_deskew_stands_mnist_digits_upright():
    images, _ = data.load_mnist("test")
    mean_lean = lambda x: float(translation.lean(x)[0].abs().mean())
    assert mean_lean(images) > 0.15 and mean_lean(translation.deskewed(images)) < 0.05


def test_hand_made_baselines_stay_in_range_and_look_like_their_target():
    mnist, _ = data.load_mnist("test")
    digits, _ = data.load_sklearn_digits("test")
    as_digits = translation.mnist_as_8x8_digits(mnist[:50])
    assert as_digits.shape == (50, 1, 28, 28) and as_digits.min() >= -1 and as_digits.max() <= 1
    assert (as_digits[:, :, :4] == -1).all()  # the 4-pixel frame stays empty, as in the UCI digits
    sharpened = translation.sharpened_digits(digits[:50])
    grey = lambda x: ((x > -0.9) & (x < 0.9)).float().mean()  # share of pixels that are neither ink nor paper
    assert grey(sharpened) < grey(digits[:50])


def test_label_preservation_counts_the_labels_kept_and_checks_its_inputs():
    images, labels = data.load_mnist("test")
    reader = metrics.load_classifier()
    assert translation.label_preservation(images, labels, reader) > 0.95
    assert translation.label_preservation(images, (labels + 1) % 10, reader) < 0.05
    with pytest.raises(ValueError, match="one source label per image"):
        translation.label_preservation(images, labels[:10], reader)


def test_cycle_error_is_zero_for_a_perfect_round_trip_and_checks_shapes():
    images, _ = data.load_mnist("test")
    assert translation.cycle_error(images, images) == 0
    assert translation.cycle_error(images, -images) > 0
    with pytest.raises(ValueError, match="expected reconstructions of shape"):
        translation.cycle_error(images, images[:, :, :14])
