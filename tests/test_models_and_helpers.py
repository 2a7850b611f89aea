import json
import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from gan_course import config, environment, losses, plotting, results, training
from gan_course.board import TrainingBoard
from gan_course.device import get_device
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.sampling import sample
from gan_course.seeding import set_seed
from gan_course.tables import Column, show_table

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
    assert fig.axes[1].get_title() == "what D believes" and len(fig.axes[1].lines) == 3  # D(x), D(G(z)), the 0.5 line
    hinge = plotting.plot_history(history, hinge=True)  # a sigmoid of a hinge score is no probability: no 0.5 line
    assert "not a probability" in hinge.axes[1].get_title() and len(hinge.axes[1].lines) == 2
    assert hinge.axes[0].get_title().startswith("hinge losses")
    with_lines = plotting.plot_history(history, equilibrium=losses.BCE_EQUILIBRIUM)  # one dotted line per loss
    assert len(with_lines.axes[0].lines) == 4  # two curves and their two dotted lines
    assert {round(float(line.get_ydata()[0]), 4) for line in with_lines.axes[0].lines if line.get_linestyle() == ":"} == {
        round(2 * math.log(2), 4), round(math.log(2), 4)}
    with pytest.raises(ValueError, match=r"expected equilibrium values for the plotted losses \['loss_D', 'loss_G'\], got \['loss_X'\]"):
        plotting.plot_history(history, equilibrium={"loss_X": 1.0})
    with pytest.raises(ValueError, match="got an empty one"):
        plotting.plot_history(training.History())
    with pytest.raises(ValueError, match=r"got \(10, 784\)"):
        plotting.image_grid(torch.zeros(10, 784))


def test_the_symptom_row_draws_four_panels_and_says_when_a_gradient_is_exactly_zero():
    history = training.History()
    for step in range(1, 21):
        history.append(step, {"loss_D": 1.0, "loss_G": 2.0, "D_x": 0.6, "D_G_z": 0.4})
    norms = {"G": {"net.0": [0.0] * 20}, "D": {"net.1": [0.5] * 20, "net.4": [0.1] * 20}}
    fig = plotting.plot_symptoms(history, torch.rand(36, 1, 28, 28) * 2 - 1, norms, title="t")
    assert len(fig.axes) == 4 and fig.axes[3].get_yscale() == "log"
    assert [t.get_text() for t in fig.axes[3].get_legend().get_texts()] == ["G (exactly 0 at every step)", "D"]
    plt.close(fig)


def test_image_rows_needs_one_label_per_row():
    rows = [torch.zeros(4, 1, 28, 28)] * 2
    assert isinstance(plotting.image_rows(rows, ["a", "b"]), matplotlib.figure.Figure)
    with pytest.raises(ValueError, match="one label per row, got 2 rows and 1 labels"):
        plotting.image_rows(rows, ["a"])


def test_captioned_rows_puts_each_caption_under_its_image_and_rows_may_differ_in_length():
    rows = [torch.zeros(3, 1, 28, 28), torch.zeros(2, 1, 28, 28)]
    fig = plotting.captioned_rows(rows, ["inputs", "translated"], [None, ["read 9", "read 4"]])
    axes = np.asarray(fig.axes).reshape(2, 3)
    assert [ax.get_xlabel() for ax in axes[1]] == ["read 9", "read 4", ""] and not axes[1, 2].axison
    assert axes[0, 0].get_ylabel() == "inputs" and axes[0, 0].get_xlabel() == ""
    plt.close(fig)
    with pytest.raises(ValueError, match="one caption per image in row 1, got 1 for 2 images"):
        plotting.captioned_rows(rows, ["a", "b"], [None, ["read 9"]])
    with pytest.raises(ValueError, match="got 2 rows, 1 labels and 2 caption lists"):
        plotting.captioned_rows(rows, ["a"], [None, None])


def test_training_board_keeps_snapshots_and_draws_nothing_outside_ipython(monkeypatch):
    drawn = []
    board = TrainingBoard(lambda: torch.zeros(4, 1, 28, 28), total_steps=10, nrow=2)
    monkeypatch.setattr(board, "figure", lambda step, history: drawn.append(step))
    history = training.History()
    history.append(10, {"loss_D": 1.0, "loss_G": 2.0, "D_x": 0.6, "D_G_z": 0.4})
    board(10, history)
    assert list(board.snapshots) == [10] and drawn == []  # no IPython kernel in pytest: nothing is drawn or printed


@pytest.mark.parametrize("keys, panels", [({"loss_D": 1.0, "loss_G": 2.0, "D_x": 0.6, "D_G_z": 0.4}, 3),
                                          ({"loss_cycle": 0.1, "loss_D_a": 0.2}, 2)])
def test_training_board_figure_has_a_panel_for_d_only_when_the_run_reports_it(keys, panels):
    board = TrainingBoard(lambda: torch.zeros(4, 1, 28, 28), total_steps=10, nrow=2, log_loss=True)
    history = training.History()
    for step in range(1, 11):
        history.append(step, keys)
    board.take(10)
    fig = board.figure(10, history)
    assert len(fig.axes) == panels and fig.axes[0].get_title() == "step 10: fixed noise"
    assert fig.axes[1].get_yscale() == "log"
    assert [line.get_label() for line in fig.axes[1].lines] == [k.removeprefix("loss_") for k in keys if k.startswith("loss")]


@pytest.mark.parametrize("last, every, max_frames, shown", [
    (2000, 100, 5, [0, 500, 1000, 1500, 2000]),
    (5000, 500, 8, [0, 1000, 2000, 3000, 4000, 5000]),  # every other: evenly spaced, rather than 8 uneven frames
    (3800, 200, 8, [0, 600, 1200, 1800, 2400, 3000, 3600, 3800]),  # and always the last
    (300, 100, 8, [0, 100, 200, 300]),
])
def test_film_strip_shows_every_kth_snapshot_and_the_last(last, every, max_frames, shown):
    images = {step: torch.zeros(12, 1, 28, 28) for step in range(0, last + 1, every)}
    fig = plotting.film_strip(images, max_frames=max_frames)
    assert [ax.get_ylabel() for ax in fig.axes] == [f"step {s}" for s in shown]


def test_film_strip_draws_2d_points_over_their_modes():
    points = {10: torch.zeros(50, 2), 20: torch.ones(50, 2)}
    assert len(plotting.film_strip(points, centers=torch.zeros(3, 2)).axes) == 2
    with pytest.raises(ValueError, match="mode centers"):
        plotting.film_strip(points)


def test_show_table_aligns_columns_and_dashes_missing_values(capsys):
    rows = [{"model": "plain", "fid": 12.345, "cycle": None}, {"model": "full recipe", "fid": 3.2, "cycle": 0.05}]
    show_table(rows, [Column("model", "model"), Column("FID", "fid", "{:.2f}"), Column("cycle", "cycle", "{:.3f}"),
                      Column("FID x2", lambda r: 2 * r["fid"], "{:.1f}")], title="t", note="n")
    assert capsys.readouterr().out.splitlines() == [
        "t",
        "model          FID  cycle  FID x2",
        "---------------------------------",
        "plain        12.35      –    24.7",
        "full recipe   3.20  0.050     6.4",
        "",
        "n",
    ]


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


def test_environment_judge_reports_the_embedded_data():
    line = environment.check_embedded_data()
    assert line.startswith("embedded MNIST: 4500 training + 500 held-out digits, 10 classes")
    assert environment.versions()["torch"] != "missing"
    assert environment.report()["mode"] == config.mode()


def test_sample_runs_in_eval_mode_in_chunks_and_restores_the_mode():
    torch.manual_seed(0)
    G = MLPGenerator(z_dim=8, hidden=16)
    G(torch.randn(32, 8)).sum().backward()  # a train-mode pass: BatchNorm's running statistics move
    z = torch.randn(50, 8)
    with torch.no_grad():
        expected = G.eval()(z)
    G.train()
    out = sample(G, z, chunk=16)
    assert torch.allclose(out, expected, atol=1e-6) and G.training and not out.requires_grad  # chunks may round apart
    G.eval()
    sample(G, z)
    assert not G.training


def test_sample_passes_several_inputs_chunk_by_chunk_and_refuses_unequal_ones():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(()))

        def forward(self, z, labels):
            return self.w * z + labels[:, None]

    out = sample(Pair(), torch.zeros(7, 2), torch.arange(7), chunk=3)
    assert out.tolist() == [[float(i)] * 2 for i in range(7)]
    with pytest.raises(ValueError, match="equal length, got lengths \\[7, 6\\]"):
        sample(Pair(), torch.zeros(7, 2), torch.arange(6))


def test_the_bce_equilibrium_is_what_the_losses_give_when_d_says_one_half():
    zeros = torch.zeros(8)  # logit 0: D(x) = 1/2 for every image
    assert losses.discriminator_loss(zeros, zeros).item() == pytest.approx(losses.BCE_EQUILIBRIUM["loss_D"])
    assert losses.generator_loss(zeros).item() == pytest.approx(losses.BCE_EQUILIBRIUM["loss_G"])
