"""health.diagnose classifies histories built to show each symptom, stays quiet on healthy ones, and says what it
could not judge; the gradient-norm recorder reads each network's gradients at its own optimizer step."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import data, health, losses
from gan_course.training import History, gan_step

T = 500  # records in a synthetic run
FIXTURES = Path(__file__).parent / "data" / "health"


def run(seed=0, d_x=0.53, d_g_z=0.47, loss_g=(1.0, 0.8), noise=0.03, t=T):
    """A synthetic history: D's outputs around ``d_x`` / ``d_g_z`` (numbers or (T,) arrays) with noise, G's loss
    going linearly from loss_g[0] to loss_g[1], D's loss around its value at D = 1/2."""
    rng = np.random.default_rng(seed)
    n = lambda scale: rng.normal(0, scale, t)
    return {"D_x": list(np.clip(d_x + n(noise), 0, 1)), "D_G_z": list(np.clip(d_g_z + n(noise), 0, 1)),
            "loss_G": list(np.linspace(*loss_g, t) + n(2 * noise)), "loss_D": list(1.33 + n(1.5 * noise))}


def codes(*args, **kwargs):
    return health.diagnose(*args, **kwargs).codes


def test_a_healthy_run_gives_no_finding_and_says_so():
    # D learns a little at the start, then sits near 1/2; G's loss falls slowly
    settle = 0.08 * np.exp(-np.arange(T) / 30)
    for seed in range(5):
        found = health.diagnose(run(seed, d_x=0.53 + settle, d_g_z=0.47 - settle))
        assert found == [] and not found.skipped and not found.too_short
        assert "Nothing looks wrong" in health.report(found)


def test_a_healthy_history_object_and_hinge_run_give_no_finding():
    history = History()
    for i, (a, b, c, d) in enumerate(zip(*run(1).values())):
        history.append(i, {"D_x": a, "D_G_z": b, "loss_G": c, "loss_D": d})
    assert codes(history) == []
    assert codes(run(2, d_x=0.75, d_g_z=0.27, loss_g=(0.5, 0.2)), loss="hinge") == []  # logits past +-1: fine


def test_nan_is_diverged_and_reported_even_in_a_short_run():
    history = run()
    history["loss_D"][300] = math.nan
    found = health.diagnose(history)
    assert found.codes == ["diverged"] and found[0].evidence["first_bad_record"] == 300
    assert codes({"loss_G": [1.0] * 5 + [math.inf]}) == ["diverged"]


def test_discriminator_wins():
    found = health.diagnose(run(d_x=np.linspace(0.6, 0.98, T), d_g_z=np.linspace(0.4, 0.02, T), loss_g=(1, 4),
                                noise=0.01))
    assert found.codes == ["discriminator_wins"]
    assert found[0].evidence["D_x_tail_mean"] > 0.9 and "weaken d" in found[0].try_next.lower()
    # G's loss falling (G catching up) is not "wins"
    assert "discriminator_wins" not in codes(run(d_x=0.98, d_g_z=0.02, loss_g=(4, 1), noise=0.01))


def test_swapped_labels_fool_the_discriminator():
    assert codes(run(d_x=0.3, d_g_z=0.7)) == ["generator_fools_discriminator"]


@pytest.mark.parametrize("kind", ["noise", "identical"])
def test_a_learning_rate_of_zero_is_not_learning(kind):
    history = run(loss_g=(0.9, 0.9))  # everything flat within noise
    if kind == "identical":
        history = {k: [0.7] * T for k in history}
    assert "not_learning" in codes(history)


def test_oscillation_that_does_not_settle():
    wave = 0.3 * np.sin(2 * np.pi * np.arange(T) / 40)
    assert codes(run(d_x=0.5 + wave, d_g_z=0.5 - wave)) == ["oscillating"]
    damped = wave * np.exp(-np.arange(T) / 60)  # swings that settle are fine
    assert codes(run(d_x=0.53 + damped, d_g_z=0.47 - damped)) == []


def test_samples_in_another_range_and_collapsed_samples():
    g = torch.Generator().manual_seed(0)
    real = torch.rand(128, 1, 8, 8, generator=g) * 2 - 1  # [-1, 1]
    assert codes(run(), samples=(real[:64] + 1) / 2, real=real) == ["range_mismatch"]  # [0, 1] against [-1, 1]
    collapsed = real[:1] + 0.01 * torch.randn(64, 1, 8, 8, generator=g)
    assert codes(run(), samples=collapsed, real=real) == ["low_diversity"]
    assert codes(run(), samples=collapsed) == ["low_diversity"]  # without real data: against the samples' scale
    assert codes(run(), samples=real[64:], real=real[:64]) == []


def test_several_codes_at_once():
    real = torch.rand(64, 1, 8, 8) * 2 - 1
    samples = 0.5 + 0.001 * torch.randn(64, 1, 8, 8)  # one grey image, in [0, 1]
    found = health.diagnose(run(d_x=0.98, d_g_z=0.02, loss_g=(1, 4), noise=0.01), samples=samples, real=real)
    assert set(found.codes) == {"discriminator_wins", "range_mismatch", "low_diversity"}
    text = health.report(found)
    assert all(f"[{code}]" in text for code in found.codes) and "try next" in text


def test_missing_keys_are_skipped_and_reported():
    history = {k: v for k, v in run().items() if k in ("loss_D", "loss_G")}
    found = health.diagnose(history)
    assert found == [] and set(found.skipped) == {"discriminator_wins", "generator_fools_discriminator", "oscillating"}
    assert "Skipped discriminator_wins: needs D_x, D_G_z" in health.report(found)
    wasserstein = health.diagnose(history, loss="wasserstein")
    assert set(wasserstein.skipped) == {"discriminator_wins", "generator_fools_discriminator"}
    critic_swings = {"loss_D": list(np.sin(np.arange(T) / 5) + np.linspace(-3, 0, T)), "loss_G": history["loss_G"]}
    assert codes(critic_swings, loss="wasserstein") == ["oscillating"]
    settling = -3 * np.exp(-np.arange(T) / 50) * (1 - np.exp(-np.arange(T) / 5)) + np.random.default_rng(0).normal(
        0, 0.5, T)  # a critic loss that dips, recovers and stays within noise
    assert codes({"loss_D": list(settling), "loss_G": history["loss_G"]}, loss="wasserstein") == []
    assert "Wasserstein" in health.report(wasserstein)


def test_a_short_run_is_too_short_to_judge():
    found = health.diagnose(run(d_x=0.3, d_g_z=0.7, t=20))  # swapped labels, but 20 steps say nothing yet
    assert found == [] and found.too_short
    assert "Too short to judge: 20 records" in health.report(found)


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="expected loss among"):
        health.diagnose(run(), loss="mse")
    with pytest.raises(ValueError, match="one value per record"):
        health.diagnose({"loss_D": [1.0] * 60, "loss_G": [1.0] * 59})


def tiny_pair(saturated: bool):
    torch.manual_seed(0)
    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    if saturated:  # D scores real data (near +3) about +300 and G's samples (near -3) about -300
        with torch.no_grad():
            D.weight.fill_(50.0), D.bias.zero_(), G.bias.fill_(-3.0)
    return G, D, torch.optim.SGD(G.parameters(), lr=0.01), torch.optim.SGD(D.parameters(), lr=0.0)


def test_the_recorder_reads_each_network_at_its_own_step():
    G, D, opt_G, opt_D = tiny_pair(saturated=False)
    opt_G.param_groups[0]["lr"] = 0.0  # nothing moves, so the step can be replayed by hand
    recorder = health.GradientNorms(named={"G": (G, opt_G), "D": (D, opt_D)})
    real = torch.randn(16, 2)
    torch.manual_seed(1)
    gan_step(G, D, opt_G, opt_D, real, z_dim=2)
    after_step = D.weight.grad.norm().item()  # G's loss reached D's .grad after D stepped
    torch.manual_seed(1)
    fake = G(torch.randn(16, 2))
    D.zero_grad(), G.zero_grad()
    losses.discriminator_loss(D(real), D(fake.detach())).backward()
    expected_D = D.weight.grad.norm().item(), D.bias.grad.norm().item()
    norms = recorder.norms
    assert set(norms) == {"G", "D"} and list(norms["D"]) == ["weight", "bias"]
    assert norms["D"]["weight"] == pytest.approx([expected_D[0]], rel=1e-5)
    assert norms["D"]["bias"] == pytest.approx([expected_D[1]], rel=1e-5)
    assert norms["D"]["weight"][0] != pytest.approx(after_step, rel=1e-3)
    assert norms["G"]["weight"][0] > 0
    recorder.remove()
    gan_step(G, D, opt_G, opt_D, real, z_dim=2)
    assert len(recorder.norms["D"]["weight"]) == 1  # removed: no more records


def test_layers_group_weight_and_bias():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    recorder = health.GradientNorms(named={"N": (net, opt)})
    net(torch.randn(5, 3)).sum().backward()
    opt.step()
    by_layer = recorder.norms["N"]
    assert list(by_layer) == ["0", "2"]
    assert by_layer["0"][0] == pytest.approx(torch.cat([net[0].weight.grad.flatten(), net[0].bias.grad]).norm().item())


@pytest.mark.parametrize("g_loss, vanishes", [(losses.generator_loss_minimax, True), (losses.generator_loss, False)])
def test_a_saturated_discriminator_starves_the_minimax_generator(g_loss, vanishes):
    G, D, opt_G, opt_D = tiny_pair(saturated=True)
    recorder = health.GradientNorms(named={"G": (G, opt_G), "D": (D, opt_D)})
    history = History()
    for step in range(60):
        history.append(step, gan_step(G, D, opt_G, opt_D, 3 + 0.1 * torch.randn(32, 2), z_dim=2, g_loss=g_loss))
    recorder.remove()
    found = health.diagnose(history, grad_norms=recorder.norms)
    assert ("vanishing_generator_gradient" in found.codes) == vanishes
    assert "vanishing_generator_gradient" not in health.diagnose({k: v[:60] for k, v in history.values.items()}).codes


REAL = {  # recorded run -> (loss, the codes it must give)
    "01_healthy": ("bce", set()), "02_healthy": ("hinge", set()), "04_healthy": ("hinge", set()),
    "01_lr0": ("bce", {"not_learning"}), "01_swapped_labels": ("bce", {"generator_fools_discriminator"}),
    "01_no_detach_G_through_D": ("bce", {"discriminator_wins"}),  # G descends D's loss: D wins, both losses near 0
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_recorded_runs(name):
    path = FIXTURES / f"{name}.npz"
    if not path.exists():
        pytest.skip(f"no fixture {path.name}")
    loss, expected = REAL[name]
    data = np.load(path)
    assert set(codes({k: data[k] for k in data.files}, loss=loss)) == expected


def test_a_sigmoid_before_a_logits_loss_is_double_sigmoid():
    # logged as sigma(sigma(logit)): every D output in [0.5, 0.731]
    squashed = run(d_x=np.linspace(0.55, 0.7, T), d_g_z=0.6, noise=0.01)  # D learns, but cannot leave the band
    assert "double_sigmoid" in codes(squashed)
    assert "double_sigmoid" not in codes(run(d_x=0.62, d_g_z=0.6, noise=0.01))  # a D that never learns
    # logged as the probabilities fed to the loss: G's loss never above ln 2, D's never under 2 softplus(-1)
    stuck = {"D_x": list(np.linspace(0.2, 0.0, T) ** 4), "D_G_z": [0.0] * T, "loss_G": list(np.linspace(0.69, 0.6931, T)),
             "loss_D": list(np.linspace(1.2, 1.3863, T))}
    assert "double_sigmoid" in codes(stuck)
    assert "double_sigmoid" not in codes(stuck, loss="hinge")  # the loss bounds are BCE's
    assert "double_sigmoid" not in codes(run(d_x=0.62, d_g_z=0.6, noise=0.02), loss="lsgan")  # healthy LSGAN scores
    once_below = run(d_x=np.linspace(0.55, 0.7, T), d_g_z=0.6, noise=0.01)
    once_below["D_G_z"][3] = 0.3  # a real sigmoid of a logit leaves the band
    assert "double_sigmoid" not in codes(once_below)


def test_a_frozen_discriminator_is_not_double_sigmoid():
    # D never steps: its outputs stay near their start (about 1/2, in the band), while G fools it more and more
    rng = np.random.default_rng(0)
    frozen = {"D_x": list(0.56 + rng.normal(0, 0.005, T)), "D_G_z": list(np.linspace(0.52, 0.7, T)),
              "loss_G": list(np.linspace(0.65, 0.11, T)), "loss_D": list(np.linspace(1.38, 2.97, T))}
    assert "double_sigmoid" not in codes(frozen)


def test_real_digits_of_one_class_are_not_low_diversity():
    images, labels = data.load_mnist("train")
    ones = images[labels == 1][:256]
    assert "low_diversity" not in codes(run(), samples=ones, real=images[:1000])
    assert "low_diversity" in codes(run(), samples=ones[:1].repeat(256, 1, 1, 1) + 0.3 * torch.rand(256, 1, 28, 28),
                                    real=images[:1000])


def test_the_double_sigmoid_bounds_are_those_a_probability_fed_to_bce_with_logits_allows():
    from gan_course.health import thresholds as th

    p = torch.tensor([0.0, 1.0])  # a probability passed as a logit: the extremes of what the loss can then see
    g = F.binary_cross_entropy_with_logits(p, torch.ones(2), reduction="none")  # G's loss on each extreme
    d_sum = (F.binary_cross_entropy_with_logits(p.flip(0), torch.ones(2), reduction="none")
             + F.binary_cross_entropy_with_logits(p, torch.zeros(2), reduction="none"))  # D's: best and worst case
    assert th.DOUBLE_SIGMOID_LOSS_G == pytest.approx((g.min().item(), g.max().item()), abs=1e-4)
    assert th.DOUBLE_SIGMOID_LOSS_D == pytest.approx((d_sum.min().item() / 2, d_sum.max().item()), abs=1e-4)
