import pytest
import torch

from gan_course import data, losses, training
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.seeding import set_seed


def make_run(seed=0):
    set_seed(seed)
    G, D = MLPGenerator(z_dim=8, hidden=16), MLPDiscriminator(hidden=16)
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    images = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(5)) * 2 - 1
    batches = data.Batches(images, batch_size=16, seed=seed)
    state = {"G": G, "D": D, "opt_G": opt_G, "opt_D": opt_D}
    return (lambda real: training.gan_step(G, D, opt_G, opt_D, real, 8)), batches, state


def params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_train_returns_a_history_of_every_step():
    step, batches, _ = make_run()
    history = training.train(step, batches, 12, progress=False)
    assert len(history) == 12 and history.steps == list(range(1, 13))
    assert set(history.values) == {"loss_D", "loss_G", "D_x", "D_G_z"}
    assert all(0 <= v <= 1 for v in history["D_x"])
    assert set(history.final(window=5)) == set(history.values)


def test_the_same_seed_gives_the_same_numbers():
    histories, generators = [], []
    for _ in range(2):
        step, batches, state = make_run(3)
        histories.append(training.train(step, batches, 10, progress=False))
        generators.append(params(state["G"]))
    assert histories[0].values == histories[1].values
    assert torch.equal(generators[0], generators[1])
    step, batches, _ = make_run(4)
    assert training.train(step, batches, 10, progress=False).values != histories[0].values


def test_the_callback_runs_every_n_steps_and_after_the_last():
    step, batches, _ = make_run()
    seen = []
    training.train(step, batches, 10, every=4, callback=lambda s, h: seen.append((s, len(h))), progress=False)
    assert seen == [(4, 4), (8, 8), (10, 10)]


def test_an_interrupted_run_resumes_to_exactly_the_uninterrupted_result(tmp_path):
    step, batches, state = make_run()
    straight = training.train(step, batches, 20, progress=False)
    expected = params(state["G"])

    ckpt = tmp_path / "run.pt"
    step, batches, state = make_run()

    def interrupt(s, h):
        if s == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        training.train(step, batches, 20, state=state, checkpoint=ckpt, checkpoint_every=5, every=1,
                       callback=interrupt, progress=False)
    step, batches, state = make_run(seed=0)  # a fresh process: new models, then resume from the file
    set_seed(123)  # the RNG state must come from the checkpoint, not from here
    resumed = training.train(step, batches, 20, state=state, checkpoint=ckpt, checkpoint_every=5, progress=False)
    assert resumed.values == straight.values
    assert torch.equal(params(state["G"]), expected)
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no partial files


def test_checkpoints_load_with_weights_only(tmp_path):
    step, batches, state = make_run()
    training.train(step, batches, 5, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    payload = torch.load(tmp_path / "c.pt", weights_only=True)
    assert payload["step"] == 5 and set(payload["state"]) == {"G", "D", "opt_G", "opt_D"}


def test_a_finished_checkpoint_is_not_trained_again(tmp_path):
    step, batches, state = make_run()
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    calls = []
    history = training.train(lambda b: calls.append(1), batches, 6, state=state, checkpoint=tmp_path / "c.pt",
                             progress=False)
    assert calls == [] and len(history) == 6


def test_bad_arguments_are_explained(tmp_path):
    step, batches, state = make_run()
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        training.train(step, batches, -1, progress=False)
    with pytest.raises(ValueError, match="state=.*to go with checkpoint"):
        training.train(step, batches, 3, checkpoint=tmp_path / "x.pt", progress=False)


def test_history_rejects_a_step_with_different_metrics():
    history = training.History()
    history.append(1, {"a": 1.0})
    with pytest.raises(ValueError, match=r"expected the step to report \['a'\], got \['b'\]"):
        history.append(2, {"b": 1.0})


def test_reference_losses_are_what_their_docstrings_say():
    logits = torch.tensor([-2.0, 0.0, 3.0])
    p = torch.sigmoid(logits)
    assert torch.isclose(losses.generator_loss(logits), -torch.log(p).mean())
    assert torch.isclose(losses.generator_loss_minimax(logits), torch.log(1 - p).mean())
    expected = -(torch.log(p).mean() + torch.log(1 - p).mean())
    assert torch.isclose(losses.discriminator_loss(logits, logits), expected)
