import json

import matplotlib
import numpy as np
import pytest
import torch

from gan_course import config, environment, plotting, results, training
from gan_course.device import get_device
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.seeding import set_seed

matplotlib.use("Agg")


def test_generator_maps_noise_to_images_in_range():
    G = MLPGenerator(z_dim=16, hidden=32)
    out = G(torch.randn(5, 16) * 10)
    assert out.shape == (5, 1, 28, 28) and out.min() >= -1 and out.max() <= 1


def test_discriminator_returns_one_logit_per_image():
    assert MLPDiscriminator(hidden=32)(torch.zeros(3, 1, 28, 28)).shape == (3,)


def test_set_seed_repeats_numbers_and_rejects_bad_seeds():
    set_seed(7)
    a = (torch.rand(3), np.random.rand(3))
    set_seed(7)
    b = (torch.rand(3), np.random.rand(3))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        set_seed(-1)


def test_get_device_falls_back_to_the_cpu_here():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type in (expected, "mps")
    assert get_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="expected prefer to be one of"):
        get_device("tpu")


def test_image_grid_and_history_plots_return_figures():
    fig = plotting.image_grid(torch.rand(10, 1, 28, 28) * 2 - 1, nrow=5, title="t")
    assert isinstance(fig, matplotlib.figure.Figure)
    history = training.History()
    for step in range(1, 21):
        history.append(step, {"loss_D": 1.0, "loss_G": 2.0, "D_x": 0.6, "D_G_z": 0.4})
    fig = plotting.plot_history(history)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylim() == (0, 1)
    with pytest.raises(ValueError, match="got an empty one"):
        plotting.plot_history(training.History())
    with pytest.raises(ValueError, match=r"got \(10, 784\)"):
        plotting.image_grid(torch.zeros(10, 784))


def test_image_rows_needs_one_label_per_row():
    rows = [torch.zeros(4, 1, 28, 28)] * 2
    assert isinstance(plotting.image_rows(rows, ["a", "b"]), matplotlib.figure.Figure)
    with pytest.raises(ValueError, match="one label per row, got 2 rows and 1 labels"):
        plotting.image_rows(rows, ["a"])


def test_live_figure_outside_ipython_does_nothing():
    calls = []
    live = plotting.LiveFigure(lambda fig, step, h: calls.append(step), total_steps=10)
    live(10, training.History())
    assert calls == []  # no IPython kernel in pytest: nothing is drawn or printed


def test_results_are_only_written_in_a_benchmark_run(monkeypatch, tmp_path):
    images, labels = torch.zeros(4, 1, 28, 28), torch.arange(4)
    assert results.record("01_x", {"a": 1.0}, images=images) is False
    monkeypatch.setenv("GAN_COURSE_RESULTS", str(tmp_path))
    assert results.record("01_x", {"a": 1.0, "table": {"b": [1, 2]}}, images=images, labels=labels) is True
    assert json.loads((tmp_path / "01_x.metrics.json").read_text())["table"] == {"b": [1, 2]}
    saved = np.load(tmp_path / "01_x.npz")
    assert saved["images"].shape == (4, 1, 28, 28) and saved["labels"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("metrics, message", [
    ({"loss": torch.tensor(1.0)}, r"use \.item\(\)"),
    ({"loss": float("nan")}, "finite number"),
])
def test_results_reject_what_json_cannot_hold(metrics, message):
    with pytest.raises((TypeError, ValueError), match=message):
        results.record("01_x", metrics)


def test_environment_check_reports_the_embedded_data():
    line = environment.check_embedded_data()
    assert line.startswith("embedded MNIST: 4500 training + 500 held-out digits, 10 classes")
    assert environment.versions()["torch"] != "missing"
    assert environment.report()["mode"] == config.mode()
