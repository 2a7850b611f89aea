"""Lesson 04's package pieces: the conditional networks, label fidelity, spread within a class, the few-label data."""

import pytest
import torch

from gan_course import config, data, metrics, plotting, widgets
from gan_course.models.conditional import ConcatDiscriminator, ConditionalGenerator, ProjectionDiscriminator, label_maps
from gan_course.training import fit_classifier


def test_conditional_networks_have_the_documented_shapes():
    z, labels, x = torch.randn(5, 64), torch.arange(5), torch.rand(5, 1, 28, 28) * 2 - 1
    G = ConditionalGenerator().eval()
    images = G(z, labels)
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    assert not torch.allclose(images, G(z, labels + 1))  # the label changes the image
    for D in (ConcatDiscriminator(), ProjectionDiscriminator()):
        assert D(x, labels).shape == (5,)
    assert label_maps(torch.tensor([2]), 10).shape == (1, 10, 28, 28)
    assert label_maps(torch.tensor([2]), 10)[0, 2].min() == 1 and label_maps(torch.tensor([2]), 10)[0, 3].max() == 0


def test_projection_discriminator_starts_unconditional():
    D, x = ProjectionDiscriminator().eval(), torch.rand(4, 1, 28, 28) * 2 - 1  # eval: spectral norm stops iterating
    assert torch.equal(D(x, torch.zeros(4, dtype=torch.long)), D(x, torch.full((4,), 7)))


def test_label_fidelity_of_real_digits_with_their_labels():
    images, labels = data.load_mnist("test")
    report = metrics.label_fidelity(images, labels)
    confusion = torch.tensor(report["confusion"])
    assert report["accuracy"] == pytest.approx(metrics.classifier_card()["held_out_accuracy"], abs=0.002)
    assert confusion.shape == (10, 10) and confusion.sum() == 500 and (confusion.sum(1) == 50).all()
    assert confusion.diag().sum() / 500 == pytest.approx(report["accuracy"])
    shuffled = metrics.label_fidelity(images, (labels + 1) % 10)  # every label wrong: accuracy near 0
    assert shuffled["accuracy"] < 0.05


def test_within_class_spread_sees_one_image_per_class():
    images, labels = data.load_mnist("test")
    real = metrics.within_class_spread(images, labels)
    first = torch.stack([images[labels == c][0] for c in range(10)])  # one image per class, repeated
    copies = metrics.within_class_spread(first.repeat_interleave(20, 0), torch.arange(10).repeat_interleave(20))
    assert real.shape == (10,) and (real > 0).all()
    assert torch.allclose(copies, torch.zeros(10), atol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.label_fidelity(torch.zeros(4, 1, 28, 28), torch.zeros(3, dtype=torch.long)), "one requested label"),
    (lambda: metrics.within_class_spread(torch.zeros(4, 1, 28, 28), torch.zeros(4, 1, dtype=torch.long)), "one label per image"),
    (lambda: fit_classifier(torch.zeros(4, 1, 28, 28), torch.zeros(4, dtype=torch.long), 0), "positive integer"),
    (lambda: plotting.confusion_matrix([[1, 2, 3]]), "square"),
])
def test_lesson04_helpers_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_few_labelled_mnist_is_balanced_disjoint_and_seeded():
    (x, y), (rest_x, rest_y) = data.few_labelled_mnist(20, seed=3)
    assert x.shape == (200, 1, 28, 28) and torch.bincount(y).tolist() == [20] * 10
    assert len(rest_y) == 4800
    assert torch.cdist(x.flatten(1), rest_x.flatten(1)).min() > 0  # no chosen digit is in the rest
    (x2, _), _ = data.few_labelled_mnist(20, seed=3)
    (x3, _), _ = data.few_labelled_mnist(20, seed=4)
    assert torch.equal(x, x2) and not torch.equal(x, x3)


def test_fit_classifier_is_reproducible():
    (x, y), _ = data.few_labelled_mnist(2, seed=0)
    a, b = (fit_classifier(x, y, 3, seed=1, batch_size=8, augment=True) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_digit_picker_builds_a_widget():
    G = ConditionalGenerator().eval()
    with torch.no_grad():
        picker = widgets.digit_picker(lambda z, labels: G(z, labels), 64, n_show=3)
    assert picker is not None and len(picker.children) == 3


def test_lesson04_budgets_ask_for_the_same_number_of_samples_per_digit():
    for mode in config.MODES:
        budget = config.budget("04_conditional_gan", mode)
        assert budget["n_eval"] % 10 == 0 and budget["few_seeds"] >= 3 and budget["ablation_steps"] <= budget["steps"]
        assert budget["ablation_steps"] % budget["every"] == 0  # the main run is measured at the ablation's step


def test_fit_classifier_takes_its_own_augmentation_and_width():
    (x, y), _ = data.few_labelled_mnist(2, seed=0)
    seen = []

    def spy(image):  # one image (1, 28, 28) at a time, returned unchanged
        seen.append(tuple(image.shape))
        return image

    model = fit_classifier(x, y, 2, seed=1, batch_size=8, augment=spy, channels=8)
    assert seen == [(1, 28, 28)] * 16
    assert model.body[0].out_channels == 8
    plain = fit_classifier(x, y, 2, seed=1, batch_size=8, augment=False, channels=8)
    assert all(torch.equal(p, q) for p, q in zip(model.state_dict().values(), plain.state_dict().values()))
