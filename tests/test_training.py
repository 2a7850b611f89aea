import pytest
import torch
from torch import nn

from gan_course import data, losses, training
from gan_course.board import TrainingBoard
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.seeding import set_seed


def make_run(seed=0, lr_G=1e-3, init=None):
    set_seed(seed)
    G, D = MLPGenerator(z_dim=8, hidden=16), MLPDiscriminator(hidden=16)
    if init is not None:
        G.apply(init)
    opt_G, opt_D = torch.optim.Adam(G.parameters(), lr_G), torch.optim.Adam(D.parameters(), 1e-3)
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
    history = training.train(step, batches, 5, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    run_file = history.status.checkpoint  # c.<fingerprint>.pt, beside the path given
    assert run_file.parent == tmp_path and run_file.name.startswith("c.") and run_file.suffix == ".pt"
    payload = torch.load(run_file, weights_only=True)
    assert payload["step"] == 5 and set(payload["state"]) == {"G", "D", "opt_G", "opt_D"}
    assert set(payload["setup"]["components"]) == {"step", "optimizers", "networks", "batches"}


def counted(calls, seed=0):
    """make_run's step, counting its calls in a list: the list is read by the step, but a log is not the setup."""
    step, batches, state = make_run(seed)
    return (lambda real: (calls.append(1), step(real))[1]), batches, state


def test_a_finished_checkpoint_is_not_trained_again(tmp_path):
    calls = []
    step, batches, state = counted(calls)
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    finished = params(state["G"])
    step, batches, state = counted(calls)
    history = training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert len(calls) == 6 and len(history) == 6 and torch.equal(params(state["G"]), finished)
    assert history.status.resumed and history.status.line() == "resumed from step 6 of a saved run with the same setup"


def test_bad_arguments_are_explained(tmp_path):
    step, batches, state = make_run()
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        training.train(step, batches, -1, progress=False)
    with pytest.raises(ValueError, match="state=.*to go with checkpoint"):
        training.train(step, batches, 3, checkpoint=tmp_path / "x.pt", progress=False)
    with pytest.raises(ValueError, match=r"snapshot_at to hold steps in \[0, 3\], got \[4\]"):
        training.train(step, batches, 3, state=state, snapshot_at=(4,), progress=False)
    with pytest.raises(ValueError, match="state=.*to go with snapshot_at=, got no modules"):
        training.train(step, batches, 3, snapshot_at=(1,), progress=False)


def interrupt_at(stop):
    def callback(step, history):
        if step == stop:
            raise KeyboardInterrupt
    return callback


def test_the_same_setup_resumes_bit_for_bit_and_calls_back_with_the_start_step(tmp_path):
    step, batches, state = make_run()
    straight = training.train(step, batches, 20, progress=False)
    expected = params(state["G"])
    step, batches, state = make_run()
    with pytest.raises(KeyboardInterrupt):
        training.train(step, batches, 20, state=state, checkpoint=tmp_path / "c.pt", checkpoint_every=4, every=1,
                       callback=interrupt_at(10), progress=False)
    step, batches, state = make_run()
    seen = []
    resumed = training.train(step, batches, 20, state=state, checkpoint=tmp_path / "c.pt", checkpoint_every=4,
                             every=5, callback=lambda s, h: seen.append((s, len(h))), progress=False)
    assert resumed.status.resumed and resumed.status.start == 8  # the last save before the interrupt
    assert seen == [(8, 8), (10, 10), (15, 15), (20, 20)]  # once at the start step, then as usual
    assert resumed.values == straight.values and torch.equal(params(state["G"]), expected)


def test_a_changed_learning_rate_trains_afresh_says_so_and_switching_back_resumes(tmp_path):
    step, batches, state = make_run()
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    step, batches, state = make_run(lr_G=4e-4)
    changed = training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert not changed.status.resumed and changed.status.start == 0
    assert changed.status.line() == ("started fresh: the optimizer settings changed since the saved run "
                                     "(opt_G lr 0.001 -> 0.0004)")
    step, batches, _ = make_run(lr_G=4e-4)
    assert changed.values == training.train(step, batches, 6, progress=False).values  # a true fresh run
    step, batches, state = make_run()
    back = training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert back.status.resumed and back.status.start == 6  # the first setup's run was kept


NOTEBOOK_CELL = """
def train_step(G, D, opt_G, opt_D, real):
    # {comment}
    return training.gan_step(G, D, opt_G, opt_D, real, 8{losses})
"""


def test_an_edited_step_function_trains_afresh_through_an_unchanged_lambda(tmp_path):
    notebook = {"__name__": "__main__", "training": training, "losses": losses}  # a kernel's globals
    exec(NOTEBOOK_CELL.format(comment="BCE", losses=""), notebook)
    step = eval("lambda real: train_step(G, D, opt_G, opt_D, real)", notebook)  # the same lambda object throughout

    def run():
        _, batches, state = make_run()
        notebook.update(state)  # the training cell builds the models again, as a rerun does
        return training.train(step, batches, 4, state=state, checkpoint=tmp_path / "c.pt", progress=False)

    assert run().status.line() == "started fresh: no saved run"
    exec(NOTEBOOK_CELL.format(comment="an edited comment", losses=""), notebook)
    assert run().status.resumed  # a comment is not the code
    exec(NOTEBOOK_CELL.format(comment="hinge", losses=", losses.discriminator_hinge_loss, "
                                                      "losses.generator_hinge_loss"), notebook)
    edited = run()
    assert edited.status.line() == "started fresh: the step function's code changed since the saved run (train_step)"


def test_a_changed_weight_initialisation_trains_afresh(tmp_path):
    def dcgan_like(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)

    step, batches, state = make_run()
    training.train(step, batches, 4, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    step, batches, state = make_run(init=dcgan_like)
    history = training.train(step, batches, 4, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert history.status.line() == ("started fresh: the networks' initial weights or structure changed since the "
                                     "saved run (G)")


def test_asking_for_more_steps_extends_a_finished_run_and_fewer_starts_afresh(tmp_path):
    step, batches, state = make_run()
    straight = training.train(step, batches, 10, progress=False)
    expected = params(state["G"])
    step, batches, state = make_run()
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    step, batches, state = make_run()
    extended = training.train(step, batches, 10, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert extended.status.resumed and extended.status.start == 6
    assert extended.values == straight.values and torch.equal(params(state["G"]), expected)
    step, batches, state = make_run()
    shorter = training.train(step, batches, 4, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert shorter.status.line() == "started fresh: the saved run with this setup is at step 10, past the 4 asked for"
    assert len(shorter) == 4


K = 8  # the step a snapshot is taken at


def weights_at_k():
    step, batches, state = make_run()
    kept = {}
    training.train(step, batches, 14, every=1, progress=False,
                   callback=lambda s, h: kept.setdefault(s, params(state["G"])) if s == K else None)
    return kept[K]


@pytest.mark.parametrize("stop, resumed_at", [(None, None), (5, 4), (11, 10)], ids=["fresh", "before-k", "after-k"])
def test_a_snapshot_holds_the_weights_an_uninterrupted_run_had_at_that_step(tmp_path, stop, resumed_at):
    expected = weights_at_k()
    settings = dict(checkpoint=tmp_path / "c.pt", checkpoint_every=2, snapshot_at=(K,), progress=False)
    if stop is not None:
        step, batches, state = make_run()
        with pytest.raises(KeyboardInterrupt):
            training.train(step, batches, 14, state=state, every=1, callback=interrupt_at(stop), **settings)
    step, batches, state = make_run()
    history = training.train(step, batches, 14, state=state, **settings)
    assert history.status.start == (resumed_at or 0)
    G_at_k = MLPGenerator(z_dim=8, hidden=16)
    training.load_snapshot(history, K, {"G": G_at_k})
    assert torch.equal(params(G_at_k), expected)
    with pytest.raises(ValueError, match=r"expected a snapshot of step 3, got snapshots of steps \[8\]"):
        training.load_snapshot(history, 3, {"G": G_at_k})
    with pytest.raises(ValueError, match=r"expected module names among \['D', 'G'\], got \['opt_G'\]"):
        training.load_snapshot(history, K, {"opt_G": G_at_k})


def test_snapshots_without_a_checkpoint_are_kept_in_memory():
    expected = weights_at_k()
    step, batches, state = make_run()
    history = training.train(step, batches, 14, state=state, snapshot_at=(K,), progress=False)
    assert history.status.line() == "started fresh: this run keeps no checkpoint" and list(history.snapshots) == [K]
    G_at_k = MLPGenerator(z_dim=8, hidden=16)
    training.load_snapshot(history, K, {"G": G_at_k})
    assert torch.equal(params(G_at_k), expected) and not torch.equal(params(state["G"]), expected)


def test_a_saved_run_past_a_snapshot_it_never_took_is_trained_again(tmp_path):
    step, batches, state = make_run()
    training.train(step, batches, 14, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    step, batches, state = make_run()
    history = training.train(step, batches, 14, state=state, checkpoint=tmp_path / "c.pt", snapshot_at=(K,),
                             progress=False)
    assert history.status.line() == f"started fresh: the saved run is past step {K} and kept no snapshot of it"
    G_at_k = MLPGenerator(z_dim=8, hidden=16)
    training.load_snapshot(history, K, {"G": G_at_k})
    assert torch.equal(params(G_at_k), weights_at_k())


def test_the_board_prints_one_status_line_per_run(tmp_path, capsys):
    step, batches, state = make_run()
    board = TrainingBoard(lambda: torch.zeros(4, 1, 28, 28), total_steps=6, nrow=2)
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", every=2, callback=board, progress=False)
    assert capsys.readouterr().out == "training: started fresh: no saved run\n" and list(board.snapshots) == [2, 4, 6]
    step, batches, state = make_run()
    board = TrainingBoard(lambda: torch.zeros(4, 1, 28, 28), total_steps=6, nrow=2)
    training.train(step, batches, 6, state=state, checkpoint=tmp_path / "c.pt", every=2, callback=board, progress=False)
    assert capsys.readouterr().out == "training: resumed from step 6 of a saved run with the same setup\n"
    assert list(board.snapshots) == [6]  # the restored run's one call


def test_a_stale_file_never_loads_and_old_setups_are_pruned(tmp_path):
    step, batches, state = make_run()
    training.save_checkpoint(tmp_path / "c.pt", 6, training.History(), state)  # a checkpoint from before fingerprints
    for lr in (1e-3, 2e-3, 3e-3, 4e-3, 5e-3):
        step, batches, state = make_run(lr_G=lr)
        history = training.train(step, batches, 2, state=state, checkpoint=tmp_path / "c.pt", snapshot_at=(1,),
                                  progress=False)
        assert not history.status.resumed
    assert history.status.line() == ("started fresh: the optimizer settings changed since the saved run "
                                     "(opt_G lr 0.004 -> 0.005)")
    runs = sorted(p.name for p in tmp_path.glob("c.*.pt") if ".step" not in p.name)
    assert len(runs) == 4 and len(list(tmp_path.glob("c.*.step1.pt"))) == 4  # the newest KEEP_RUNS setups
    history.status.checkpoint.write_bytes(b"half a file")  # the same setup's file, unreadable
    step, batches, state = make_run(lr_G=5e-3)
    history = training.train(step, batches, 2, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert history.status.line() == f"started fresh: the saved run {history.status.checkpoint.name} could not be read"


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


def test_a_table_is_complete_after_an_interrupt_and_resume_and_a_rerun_adds_no_duplicate(tmp_path):
    """The lessons' pattern: the row at step K comes from a snapshot, the final row from the end of the run."""
    from gan_course.tables import add_row

    def lesson_cell(table, callback=None):
        step, batches, state = make_run()
        history = training.train(step, batches, 14, state=state, checkpoint=tmp_path / "c.pt", checkpoint_every=2,
                                 snapshot_at=(K,), every=1, callback=callback, progress=False)
        G_then = MLPGenerator(z_dim=8, hidden=16)
        training.load_snapshot(history, K, {"G": G_then})
        add_row(table, {"model": f"at step {K}", "weights": params(G_then)})
        add_row(table, {"model": "final", "weights": params(state["G"])})
        return history

    table = []
    with pytest.raises(KeyboardInterrupt):
        lesson_cell(table, callback=interrupt_at(11))  # interrupted after step K, before the end
    assert table == []
    history = lesson_cell(table)
    assert history.status.resumed and history.status.start == 10
    lesson_cell(table)  # the same cell again, in the same kernel
    assert [row["model"] for row in table] == [f"at step {K}", "final"]
    assert torch.equal(table[0]["weights"], weights_at_k())


def test_seconds_add_up_over_the_sessions_of_a_resumed_run_and_are_kept_at_snapshot_steps(tmp_path):
    settings = dict(checkpoint=tmp_path / "c.pt", checkpoint_every=2, snapshot_at=(K,), progress=False)
    step, batches, state = make_run()
    with pytest.raises(KeyboardInterrupt):
        training.train(step, batches, 14, state=state, every=1, callback=interrupt_at(11), **settings)
    run_file = next(p for p in tmp_path.glob("c.*.pt") if ".step" not in p.name)
    first = training.checkpoints.read_checkpoint(run_file)["history"]
    assert first["seconds"] > 0 and 0 < first["seconds_at"][K] <= first["seconds"]
    step, batches, state = make_run()
    history = training.train(step, batches, 14, state=state, **settings)
    assert history.status.resumed and history.seconds > first["seconds"]
    assert history.seconds_at[K] == first["seconds_at"][K]  # measured in the first session, kept through the resume


def test_a_saved_run_without_the_time_of_a_snapshot_step_is_trained_again(tmp_path):
    """A checkpoint written before snapshot times were kept: its table row would have no seconds, so it starts fresh."""
    settings = dict(checkpoint=tmp_path / "c.pt", checkpoint_every=2, snapshot_at=(K,), progress=False)
    step, batches, state = make_run()
    history = training.train(step, batches, 14, state=state, **settings)
    payload = training.checkpoints.read_checkpoint(history.status.checkpoint)
    del payload["history"]["seconds_at"]
    torch.save(payload, history.status.checkpoint)
    step, batches, state = make_run()
    again = training.train(step, batches, 14, state=state, **settings)
    assert again.status.line() == ("started fresh: the saved run comes from an older version of the course, which did "
                                   "not keep its training time")
    assert K in again.seconds_at
