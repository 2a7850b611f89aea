import pytest
import torch

from gan_course import data, metrics
from gan_course.course.classifier_asset import train_classifier
from gan_course.metrics import accuracy
from gan_course.models.classifier import CLASSIFIER_WEIGHTS, DigitClassifier, asset_path


def test_shipped_classifier_loads_weights_only_and_reaches_its_reported_accuracy():
    card = metrics.classifier_card()
    assert card["held_out_accuracy"] >= 0.97
    path = asset_path(CLASSIFIER_WEIGHTS)
    assert path.stat().st_size < 600_000  # a few hundred KB: it ships inside the package
    model = DigitClassifier()
    model.load_state_dict(torch.load(path, weights_only=True))
    images, labels = data.load_mnist("test")
    assert abs(accuracy(model, images, labels) - card["held_out_accuracy"]) < 1e-3


def test_the_training_script_reproduces_a_working_classifier_in_quick_mode(tmp_path):
    from gan_course.course.classifier_asset import save_classifier

    model, acc = train_classifier(epochs=2, progress=False)
    assert acc >= 0.90
    path, shipped_acc = save_classifier(model, epochs=2, seed=0, folder=tmp_path)
    assert path.parent == tmp_path and abs(shipped_acc - acc) <= 0.004  # float16 storage changes almost nothing


def test_fid_is_near_zero_for_the_same_images_and_orders_real_below_noise():
    reference, _ = data.load_mnist("all")
    same = metrics.fid(reference[:1000], reference[:1000])
    points = metrics.fid_reference_points()
    assert abs(same) < 1e-2
    assert 0 < points["floor"] < points["ceiling"] / 10


def test_the_fid_split_is_disjoint_balanced_and_fixed():
    reference, floor_images = metrics.fid_split()
    assert reference.shape == (3000, 1, 28, 28) and floor_images.shape == (2000, 1, 28, 28)
    flat = {x.numpy().tobytes() for x in reference}
    assert not any(x.numpy().tobytes() in flat for x in floor_images)
    shares = metrics.class_coverage(floor_images)["shares"]
    assert min(shares) > 0.08 and max(shares) < 0.12
    again = metrics.fid_split()
    assert torch.equal(again[0], reference)  # the same split every time
    floor_images[0] = 0  # a copy: the cached split is not changed
    assert not torch.equal(again[1][0], floor_images[0])


def test_the_floor_is_real_digits_at_the_same_sample_size():
    _, floor_images = metrics.fid_split()
    report = metrics.fid_report(floor_images[:500])
    assert set(report) == {"fid", "fid_floor", "fid_vs_floor", "fid_n"}
    assert report["fid"] == pytest.approx(report["fid_floor"]) and report["fid_vs_floor"] == pytest.approx(1.0)
    assert report["fid_n"] == 500
    assert metrics.fid_floor(2000) < metrics.fid_floor(500) < metrics.fid_floor(100)  # FID shrinks as N grows
    noise = torch.rand(500, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert metrics.fid_report(noise)["fid_vs_floor"] > 100


def test_fid_report_refuses_a_sample_larger_than_the_floor_set():
    with pytest.raises(ValueError, match="expected between 2 and 2,000 samples, the real digits the floor is measured on, got 2,001"):
        metrics.fid_report(torch.zeros(2001, 1, 28, 28))


def test_class_coverage_of_real_digits_is_balanced_and_confident():
    held_out, _ = data.load_mnist("test")
    coverage = metrics.class_coverage(held_out)
    assert len(coverage["shares"]) == 10 and abs(sum(coverage["shares"]) - 1) < 1e-3
    assert coverage["min_share"] > 0.08 and coverage["mean_confidence"] > 0.9


def test_class_coverage_sees_a_collapse():
    ones = data.load_mnist("test")[0][data.load_mnist("test")[1] == 1]
    coverage = metrics.class_coverage(ones)
    assert coverage["min_share"] == 0 and max(coverage["shares"]) > 0.9


def test_nearest_training_image_of_a_training_image_is_itself():
    train, _ = data.load_mnist("train")
    idx, dist = metrics.nearest_training_images(train[[5, 17]], train[:100])
    assert idx.tolist() == [5, 17] and torch.all(dist < 0.05)  # 0 up to cdist's matmul rounding


@pytest.mark.parametrize("images, message", [
    (torch.zeros(10, 784), r"got \(10, 784\)"),
    (torch.zeros(10, 3, 28, 28), r"expected samples of shape \(N, 1, 28, 28\) in \[-1, 1\], got \(10, 3, 28, 28\)"),
    (torch.full((10, 1, 28, 28), 255.0), r"in \[-1, 1\] \(a tanh output\), got values in \[255, 255\]"),
])
def test_metrics_reject_wrong_shapes_and_ranges(images, message):
    reference, _ = data.load_mnist("test")
    with pytest.raises(ValueError, match=message):
        metrics.fid(images, reference)
    with pytest.raises(ValueError):
        metrics.class_coverage(images)


@pytest.mark.parametrize("mode", ["quick", "class", "full"])
def test_every_lesson_scores_fid_on_no_more_samples_than_the_floor_set_holds(mode):
    from gan_course import config

    floor_size = len(metrics.fid_split()[1])
    for lesson, key in (("02_dcgan", "n_eval"), ("03_mode_collapse", "mnist_eval"), ("04_conditional_gan", "n_eval")):
        assert config.BUDGETS[lesson][mode][key] <= floor_size, (lesson, mode)
    with pytest.raises(ValueError, match="expected between 2 and 2,000 samples"):
        metrics.floor_images(1)
