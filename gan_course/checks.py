"""Exercise checks: each runs a student's code on fixed inputs, prints one line when it is right, and
otherwise raises ``ExerciseError`` (an AssertionError) naming what is wrong and hinting at the fix.

Checks compare against the package's reference pieces and diagnose the common mistakes by name:
wrong labels, a sigmoid before ``BCEWithLogits``, a missing ``.detach()``, a forgotten ``zero_grad``.
"""

from __future__ import annotations

import copy
import functools
import warnings
from typing import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gan_course import losses
from gan_course.models import MLPDiscriminator, MLPGenerator


class ExerciseError(AssertionError):
    """An exercise's check failed; the message says what is wrong and how to fix it."""


NOT_WRITTEN = "is not written yet"  # grading reads this phrase as "not attempted"


def exercise_check(check: Callable) -> Callable:
    """Run a check with its own random state, so checking never shifts the notebook's random numbers,
    and without library warnings, so its output is the one line nbval compares in every environment."""
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return check(*args, **kwargs)
    return wrapper


def fail(problem: str, hint: str) -> None:
    """Raise the one exception type every check uses (``from None``: the student's cell is the story)."""
    raise ExerciseError(f"{problem}\n  Hint: {hint}")


def passed(exercise: str, detail: str) -> None:
    """Print the single, deterministic success line of a check."""
    print(f"[ok] {exercise}: {detail}")


def call(fn: Callable, *args, what: str, hint: str = "run your code on these inputs in a cell and read the error"):
    """Call student code; turn an exception from inside it into an ExerciseError that says where."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except NotImplementedError:
        raise ExerciseError(f"{what} {NOT_WRITTEN}: it still raises NotImplementedError\n"
                            "  Hint: replace the `raise NotImplementedError(...)` line with your code") from None
    except Exception as err:  # any bug in student code: report it as feedback, not as a deep traceback
        raise ExerciseError(f"{what} raised {type(err).__name__}: {err}\n  Hint: {hint}") from None


def build_from_class(cls, what: str, *args, **kwargs) -> nn.Module:
    """Construct a student's nn.Module class with the check's own sizes, seeded, so hand-written sizes show up."""
    if not isinstance(cls, type) or not issubclass(cls, nn.Module):
        fail(f"expected the class itself (an nn.Module subclass), got {type(cls).__name__}",
             f"pass the class, not an instance: {what.split('(')[0]}, without brackets")
    torch.manual_seed(0)
    return call(lambda: cls(*args, **kwargs), what=what, hint="build every layer from the constructor's arguments")


def _shape(t) -> str:
    return str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def _close(a: torch.Tensor | float, b: torch.Tensor | float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=atol))


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def _fixed_logits(seed: int, n: int = 32) -> torch.Tensor:
    # Spread over [-4, 4]: confident and unsure scores alike, so different formulas give different values.
    return (torch.randn(n, generator=torch.Generator().manual_seed(seed)) * 2.0).requires_grad_(True)


def _scalar_loss(fn: Callable, args: Sequence[torch.Tensor], exercise: str) -> torch.Tensor:
    """Call a loss function and insist on a differentiable scalar tensor."""
    out = call(
        fn, *args, what=f"{exercise}(...)",
        hint="inputs are raw logits of any sign; F.binary_cross_entropy_with_logits accepts those, "
        "nn.BCELoss / F.binary_cross_entropy only accept probabilities in [0, 1]",
    )
    if not isinstance(out, torch.Tensor):
        fail(f"{exercise} returned a {type(out).__name__}, expected a scalar torch.Tensor",
             "return the loss tensor itself, without .item(), so that .backward() can run through it")
    if out.dim() != 0:
        fail(f"{exercise} returned shape {_shape(out)}, expected a scalar (shape ())",
             "average over the batch: BCEWithLogits' default reduction='mean' does it")
    if not out.requires_grad:
        fail(f"{exercise} returned a loss that does not depend on the logits' graph",
             "build the loss with torch operations on the logits (no .detach(), .item() or numpy)")
    return out


def _diagnose(value: torch.Tensor, candidates: Mapping[str, tuple[torch.Tensor, str]]) -> None:
    """Raise the message of the first wrong formula whose value matches ``value``."""
    for problem, (expected, hint) in candidates.items():
        if _close(value.detach(), expected.detach()):
            fail(problem, hint)


# ---------------------------------------------------------------- lesson 01: the losses

@exercise_check
def check_discriminator_loss(discriminator_loss: Callable) -> None:
    """Lesson 01: D's loss -[log D(x) + log(1 - D(G(z)))] from logits, as a scalar."""
    real, fake = _fixed_logits(1), _fixed_logits(2)
    out = _scalar_loss(discriminator_loss, (real, fake), "discriminator_loss")
    right = _bce(real, 1) + _bce(fake, 0)
    if _close(out, right) or _close(out, right / 2):  # a sum or a mean of the two terms: Adam doesn't mind
        passed("discriminator_loss", "real logits scored against 1, fake logits against 0")
        return
    sig = torch.sigmoid
    _diagnose(out, {
        "discriminator_loss has the labels swapped: it scores real images as 0 and fakes as 1":
            (_bce(real, 0) + _bce(fake, 1), "real -> torch.ones_like(real_logits), fake -> torch.zeros_like(fake_logits)"),
        "discriminator_loss applies a sigmoid before BCEWithLogits, so the sigmoid is applied twice":
            (_bce(sig(real), 1) + _bce(sig(fake), 0),
             "pass the raw logits: binary_cross_entropy_with_logits applies the sigmoid itself"),
        "discriminator_loss only scores the real images":
            (_bce(real, 1), "add the fake term: BCE(fake_logits, zeros)"),
        "discriminator_loss only scores the fake images":
            (_bce(fake, 0), "add the real term: BCE(real_logits, ones)"),
        "discriminator_loss has the wrong sign: minimising it would make D worse":
            (-right, "BCE is already the negative log-likelihood; don't negate it"),
    })
    fail(f"discriminator_loss returned {out.item():.4f} on test logits, expected {right.item():.4f}",
         "loss = BCEWithLogits(real_logits, ones) + BCEWithLogits(fake_logits, zeros)")


@exercise_check
def check_generator_loss(generator_loss: Callable) -> None:
    """Lesson 01: the non-saturating generator loss -log D(G(z)) from logits, as a scalar."""
    fake = _fixed_logits(3)
    out = _scalar_loss(generator_loss, (fake,), "generator_loss")
    right = _bce(fake, 1)
    if _close(out, right):
        passed("generator_loss", "non-saturating: fake logits scored against 1")
        return
    _diagnose(out, {
        "generator_loss is the saturating minimax form log(1 - D(G(z))): its gradient vanishes "
        "exactly when D confidently rejects the fakes, at the start of training":
            (-_bce(fake, 0), "use the non-saturating loss: BCEWithLogits(fake_logits, ones)"),
        "generator_loss scores the fakes against 0: that is D's goal, and would teach G to look fake":
            (_bce(fake, 0), "G wants D to call its fakes real: target torch.ones_like(fake_logits)"),
        "generator_loss applies a sigmoid before BCEWithLogits, so the sigmoid is applied twice":
            (_bce(torch.sigmoid(fake), 1), "pass the raw logits to binary_cross_entropy_with_logits"),
        "generator_loss has the wrong sign":
            (-right, "BCE is already the negative log-likelihood; don't negate it"),
    })
    fail(f"generator_loss returned {out.item():.4f} on test logits, expected {right.item():.4f}",
         "loss = BCEWithLogits(fake_logits, ones)")


# ---------------------------------------------------------------- lesson 01: the networks

def _images(n: int, seed: int) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1  # (n, 1, 28, 28)


def _param_check(module: nn.Module, name: str, loss: torch.Tensor) -> None:
    params = list(module.parameters())
    if not params:
        fail(f"{name} has no parameters", "build the layers in __init__ and assign them to self (e.g. self.net = ...)")
    module.zero_grad()
    if not loss.requires_grad:
        fail(f"{name}'s output is cut off from its parameters: no gradient reaches {name}",
             "don't use .detach(), torch.no_grad() or .data in forward: the output must stay on the graph")
    loss.backward()
    dead = [n for n, p in module.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    if len(dead) == len(params):
        fail(f"no gradient reaches {name}'s parameters",
             "don't use .detach(), torch.no_grad() or .data in forward: the output must stay on the graph")


@exercise_check
def check_generator(G: nn.Module, z_dim: int) -> None:
    """Lesson 01: G maps z of shape (B, z_dim) to images (B, 1, 28, 28) in [-1, 1], differentiably."""
    _validate_generator(G, z_dim)
    passed("generator", f"z (16, {z_dim}) -> images (16, 1, 28, 28) in [-1, 1], trainable")


def _validate_generator(G: nn.Module, z_dim: int) -> None:
    if not isinstance(G, nn.Module):
        fail(f"expected an nn.Module instance, got {type(G).__name__}", "pass the network itself: G = Generator(...)")
    z = torch.randn(16, z_dim, generator=torch.Generator().manual_seed(0))
    G.train()
    out = call(G, z, what=f"G(z) with z of shape {tuple(z.shape)}",
               hint="the first layer must take z_dim inputs: nn.Linear(z_dim, hidden)")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (16, 1, 28, 28):
        flat = isinstance(out, torch.Tensor) and tuple(out.shape) == (16, 784)
        fail(f"G(z) for z of shape (16, {z_dim}) returned {_shape(out)}, expected images of shape (16, 1, 28, 28)",
             "reshape the last layer's (B, 784) output with .view(len(z), 1, 28, 28)" if flat
             else "the last Linear layer needs 784 = 1*28*28 outputs, then .view(len(z), 1, 28, 28)")
    with torch.no_grad():
        wide = G(z * 6)  # large z pushes the pre-activations out, revealing the output range
    lo, hi = min(out.min().item(), wide.min().item()), max(out.max().item(), wide.max().item())
    if lo >= 0 and hi <= 1:
        fail(f"G's images lie in [{lo:.2f}, {hi:.2f}], inside [0, 1], but the training images are in [-1, 1]",
             "end the generator with nn.Tanh(), not nn.Sigmoid(): tanh covers [-1, 1]")
    if lo < -1 or hi > 1:
        fail(f"G's images reach [{lo:.2f}, {hi:.2f}], outside [-1, 1], the range of the training images",
             "end the generator with nn.Tanh() so every pixel lands in [-1, 1]")
    if out.std(dim=0).mean().item() < 1e-4:
        fail("G returns the same image for every z", "the output must be computed from z, e.g. self.net(z)")
    _param_check(G, "G", out.square().mean())


@exercise_check
def check_discriminator(D: nn.Module) -> None:
    """Lesson 01: D maps images (B, 1, 28, 28) to one raw logit each, shape (B,), with no sigmoid."""
    _validate_discriminator(D)
    passed("discriminator", "images (16, 1, 28, 28) -> logits (16,), no sigmoid, trainable")


def _validate_discriminator(D: nn.Module) -> None:
    if not isinstance(D, nn.Module):
        fail(f"expected an nn.Module instance, got {type(D).__name__}", "pass the network itself: D = Discriminator(...)")
    x = _images(16, 1)
    D.train()
    out = call(D, x, what="D(x) with x of shape (16, 1, 28, 28)",
               hint="flatten the images first (nn.Flatten() or x.view(len(x), -1)) so the first Linear sees 784 inputs")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (16,):
        squeeze = isinstance(out, torch.Tensor) and tuple(out.shape) == (16, 1)
        fail(f"D(x) for 16 images returned {_shape(out)}, expected one logit per image, shape (16,)",
             "drop the trailing dimension with .squeeze(1)" if squeeze
             else "end with nn.Linear(hidden, 1) and .squeeze(1), keeping the batch dimension")
    if any(isinstance(m, nn.Sigmoid) for m in D.modules()) or _ends_in_sigmoid(D, x):
        fail("D ends in a sigmoid, but the losses use BCEWithLogits, which applies the sigmoid itself",
             "remove the final sigmoid: D returns raw logits (any real number)")
    if out.std().item() < 1e-6:
        fail("D gives every image the same score", "the output must be computed from x")
    _param_check(D, "D", out.square().mean())


def _ends_in_sigmoid(D: nn.Module, x: torch.Tensor) -> bool:
    """Scale the last weighted layer by 1000: raw logits then leave [0, 1]; a squashed output cannot."""
    probe = copy.deepcopy(D).eval()
    last = [m for m in probe.modules() if isinstance(getattr(m, "weight", None), torch.Tensor)][-1]
    with torch.no_grad():
        last.weight.mul_(1000)
        if getattr(last, "bias", None) is not None:
            last.bias.mul_(1000)
        out = probe(x)
    return bool(out.min() >= 0 and out.max() <= 1)


# ---------------------------------------------------------------- lesson 01: the training step

class _FixedNoiseGenerator(nn.Module):
    """Wraps G so every call uses the same z bank: the check can recompute exactly what the step saw."""

    def __init__(self, G: nn.Module, z_bank: torch.Tensor):
        super().__init__()
        self.G, self.z_bank = G, z_bank

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.G(self.z_bank[: len(z)])


class _GradientSpy:
    """Records, for each optimizer.step(), the gradients its parameters hold and the gradients that the
    backward passes since the previous step() contributed, and whether the other network got any."""

    def __init__(self, named: Mapping[str, tuple[nn.Module, torch.optim.Optimizer]], on_step: Callable):
        self.nets = {name: list(net.parameters()) for name, (net, _) in named.items()}
        self.window = {name: [torch.zeros_like(p) for p in ps] for name, ps in self.nets.items()}
        self.events: list[tuple] = []
        self.recording = True  # off while the check computes its own reference gradients
        for name, params in self.nets.items():
            for i, p in enumerate(params):
                p.register_hook(self._hook(name, i))
        for name, (_, opt) in named.items():
            opt.step = self._spy(name, opt.step, on_step)

    def _hook(self, name: str, i: int):
        def hook(grad):
            if self.recording:
                self.window[name][i] += grad
        return hook

    def _spy(self, name: str, step: Callable, on_step: Callable):
        def spied(*args, **kwargs):
            grads = [None if p.grad is None else p.grad.detach().clone() for p in self.nets[name]]
            window = {n: [g.clone() for g in gs] for n, gs in self.window.items()}
            self.recording = False
            try:
                reference = on_step(name)
            finally:
                self.recording = True
            self.events.append((name, grads, window, reference))
            for gs in self.window.values():
                for g in gs:
                    g.zero_()
            return step(*args, **kwargs)
        return spied


def _flat(tensors: Sequence[torch.Tensor | None], like: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(torch.zeros_like(p) if t is None else t).flatten() for t, p in zip(tensors, like)])


def _grads(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    grads = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)  # several losses share a graph
    return _flat(grads, params)


def _match(a: torch.Tensor, b: torch.Tensor) -> bool:
    scale = max(b.norm().item(), 1e-12)
    return (a - b).norm().item() / scale < 1e-3


@exercise_check
def check_train_step(train_step: Callable, z_dim: int = 8) -> None:
    """Lesson 01: ``train_step(G, D, opt_G, opt_D, real, z_dim)`` updates D then G and returns the four metrics.

    The check runs the step twice on small networks with spied optimizers and compares every gradient
    with the one the right losses give.
    """
    torch.manual_seed(0)
    G_net = MLPGenerator(z_dim=z_dim, hidden=16)
    D = MLPDiscriminator(hidden=16, dropout=0.0)  # no dropout: the check must recompute D exactly
    z_bank = torch.randn(64, z_dim, generator=torch.Generator().manual_seed(1))
    G = _FixedNoiseGenerator(G_net, z_bank)
    real = _images(16, 2)
    opt_G = torch.optim.SGD(G_net.parameters(), lr=0.05)
    opt_D = torch.optim.SGD(D.parameters(), lr=0.05)
    G_params, D_params = list(G_net.parameters()), list(D.parameters())

    def reference(name: str) -> dict[str, torch.Tensor]:
        """Gradients of the right loss and of its usual mistakes, at the parameters about to be stepped."""
        fake = G_net(z_bank[: len(real)])
        if name == "D":
            r, f = D(real), D(fake.detach())
            sig = torch.sigmoid
            return {
                "right": _grads(_bce(r, 1) + _bce(f, 0), D_params),
                "swapped": _grads(_bce(r, 0) + _bce(f, 1), D_params),
                "sigmoid": _grads(_bce(sig(r), 1) + _bce(sig(f), 0), D_params),
                "loss_D": (_bce(r, 1) + _bce(f, 0)).detach(),
                "D_x": sig(r).mean().detach(),
                "D_G_z": sig(f).mean().detach(),
            }
        g = D(fake)
        return {
            "right": _grads(_bce(g, 1), G_params),
            "minimax": _grads(-_bce(g, 0), G_params),
            "d_loss": _grads(_bce(g, 0), G_params),  # G pushed the way D's loss wants: towards "fake"
            "sigmoid": _grads(_bce(torch.sigmoid(g), 1), G_params),
            "loss_G": _bce(g, 1).detach(),
            "D_G_z": torch.sigmoid(g).mean().detach(),
        }

    spy = _GradientSpy({"G": (G_net, opt_G), "D": (D, opt_D)}, on_step=reference)
    results = []
    for attempt in range(2):  # twice: a forgotten zero_grad only shows on the second call
        results.append(call(
            train_step, G, D, opt_G, opt_D, real, z_dim, what=f"train_step (call {attempt + 1})",
            hint=_hint_for_runtime_error(),
        ))
        expected = _check_step_events(spy.events, attempt, G_params, D_params)
        spy.events.clear()
        _check_step_result(results[-1], expected)
    passed("train_step", "D then G updated with the right gradients; detach and zero_grad in place")


def _hint_for_runtime_error() -> str:
    return ("'Trying to backward through the graph a second time' means the D step back-propagated into G: "
            "score the fakes with D(fake.detach()) in the D step")


def _check_step_events(events, attempt: int, G_params, D_params) -> dict:
    """Diagnose one call's optimizer steps; return the values the step should report."""
    names = [e[0] for e in events]
    for net in ("D", "G"):
        if names.count(net) != 1:
            fail(f"opt_{net}.step() was called {names.count(net)} times in one train_step, expected once",
                 f"each step updates each network once: opt_{net}.zero_grad(); loss_{net}.backward(); opt_{net}.step()")
    for name, grads, window, ref in events:
        params = D_params if name == "D" else G_params
        other = "G" if name == "D" else "D"
        held, contributed = _flat(grads, params), _flat(window[name], params)
        if name == "D" and _flat(window["G"], G_params).abs().sum() > 0:
            fail("the D step back-propagated into G: D's loss gave G gradients",
                 "score the fakes with D(fake.detach()) when training D; only G's own loss should reach G")
        if held.abs().sum() == 0 and contributed.abs().sum() > 0:
            fail(f"opt_{name}.step() ran with all-zero gradients: zero_grad() was called after backward()",
                 f"order: opt_{name}.zero_grad(), then loss_{name}.backward(), then opt_{name}.step()")
        if contributed.abs().sum() == 0:
            fail(f"no gradient reached {name} before opt_{name}.step()",
                 f"call loss_{name}.backward() before opt_{name}.step()"
                 + (", and don't detach the fakes in the G step" if name == "G" else ""))
        if not _match(held, contributed):
            fail(f"{name}'s gradients at opt_{name}.step() include leftovers from earlier backward passes "
                 f"(seen on call {attempt + 1}): zero_grad() is missing",
                 f"call opt_{name}.zero_grad() before loss_{name}.backward(); PyTorch adds gradients up otherwise")
        if name == "G" and _match(contributed, ref["d_loss"]):
            fail("G was trained on D's objective: its update pushes the fakes towards 'fake'",
                 "in the G step use generator_loss(D(fake)), which labels the fakes 1, not D's loss")
        if _match(contributed, ref["right"]) or (name == "D" and _match(contributed, ref["right"] / 2)):
            continue
        wrong = {
            "D": {"swapped": ("D's loss has the real/fake labels swapped",
                              "real images -> 1, fakes -> 0 in the D step"),
                  "sigmoid": ("D's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                              "pass raw logits to discriminator_loss")},
            "G": {"minimax": ("G used the saturating minimax loss log(1 - D(G(z)))",
                              "use generator_loss(D(fake)), the non-saturating -log D(G(z))"),
                  "sigmoid": ("G's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                              "pass raw logits to generator_loss")},
        }[name]
        for key, (problem, hint) in wrong.items():
            if _match(contributed, ref[key]):
                fail(problem, hint)
        fail(f"{name}'s gradients do not match those of {'discriminator_loss' if name == 'D' else 'generator_loss'}",
             f"the {name} step should be: opt_{name}.zero_grad(); "
             + ("loss_D = discriminator_loss(D(real), D(fake.detach()))" if name == "D"
                else "loss_G = generator_loss(D(fake))") + f"; loss_{name}.backward(); opt_{name}.step()")
    if names != ["D", "G"]:
        fail(f"the networks were stepped in the order {names}, expected D first, then G",
             "update D on the current fakes, then update G against the improved D")
    d_ref, g_ref = events[0][3], events[1][3]
    # D(G(z)) may be reported before D's update (as the D step saw it) or after (as the G step saw it).
    return {"loss_D": d_ref["loss_D"], "D_x": d_ref["D_x"], "loss_G": g_ref["loss_G"],
            "D_G_z": (d_ref["D_G_z"], g_ref["D_G_z"])}


def _check_step_result(result, exp: Mapping) -> None:
    keys = {"loss_D", "loss_G", "D_x", "D_G_z"}
    if not isinstance(result, dict) or set(result) != keys:
        got = sorted(result) if isinstance(result, dict) else type(result).__name__
        fail(f"train_step returned {got}, expected a dict with keys {sorted(keys)}",
             "return {'loss_D': loss_D.item(), 'loss_G': loss_G.item(), 'D_x': ..., 'D_G_z': ...}")
    for key in ("loss_D", "loss_G", "D_x", "D_G_z"):
        if not isinstance(result[key], (float, int)) or isinstance(result[key], bool):
            fail(f"train_step returned {key} as {type(result[key]).__name__}, expected a Python float",
                 "use .item() on the tensor so the history stores plain numbers")
    if not (_close(result["loss_D"], exp["loss_D"], rtol=1e-3) or _close(result["loss_D"], exp["loss_D"] / 2, rtol=1e-3)):
        fail(f"train_step reported loss_D={result['loss_D']:.4f}, but the loss D was trained on is {exp['loss_D'].item():.4f}",
             "report loss_D.item() of the loss you called backward() on")
    if not _close(result["loss_G"], exp["loss_G"], rtol=1e-3):
        fail(f"train_step reported loss_G={result['loss_G']:.4f}, but the loss G was trained on is {exp['loss_G'].item():.4f}",
             "report loss_G.item() of the loss you called backward() on")
    if not _close(result["D_x"], exp["D_x"], rtol=1e-3):
        fail(f"train_step reported D_x={result['D_x']:.4f}, expected the mean probability D gave the real batch, "
             f"{exp['D_x'].item():.4f}", "D_x = torch.sigmoid(real_logits).mean().item(): a probability, not a logit")
    if not any(_close(result["D_G_z"], v, rtol=1e-3) for v in exp["D_G_z"]):
        fail(f"train_step reported D_G_z={result['D_G_z']:.4f}, expected the mean probability D gave the fakes, "
             f"{exp['D_G_z'][0].item():.4f}", "D_G_z = torch.sigmoid(fake_logits).mean().item()")



# ---------------------------------------------------------------- lesson 02: DCGAN blocks, init, assembly

def _layers(module: nn.Module, kind) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, kind)]


def _size_hint(kind: str) -> str:
    formula = ("out = (in - 1) * stride - 2 * padding + kernel" if kind == "transposed"
               else "out = floor((in + 2 * padding - kernel) / stride) + 1")
    return f"{formula}; kernel_size=4, stride=2, padding=1 gives exactly {'2x' if kind == 'transposed' else '1/2x'} the size"


@exercise_check
def check_generator_block(generator_block: Callable) -> None:
    """Lesson 02: ``generator_block(in, out)`` doubles height and width: ConvTranspose2d, BatchNorm2d, ReLU."""
    block = call(generator_block, 8, 4, what="generator_block(8, 4)")
    if not isinstance(block, nn.Module):
        fail(f"generator_block returned a {type(block).__name__}, expected an nn.Module",
             "return nn.Sequential(nn.ConvTranspose2d(...), nn.BatchNorm2d(...), nn.ReLU())")
    x = torch.randn(2, 8, 7, 7, generator=torch.Generator().manual_seed(0))
    out = call(block, x, what="generator_block(8, 4) on a (2, 8, 7, 7) input",
               hint="the first layer must take in_channels (here 8) input channels")
    if tuple(out.shape) != (2, 4, 14, 14):
        fail(f"generator_block(8, 4) turned (2, 8, 7, 7) into {_shape(out)}, expected (2, 4, 14, 14): "
             "twice the height and width, out_channels channels", _size_hint("transposed"))
    if not _layers(block, nn.ConvTranspose2d):
        fail("generator_block has no nn.ConvTranspose2d", "DCGAN upsamples with a learned, strided transposed convolution")
    if not _layers(block, nn.BatchNorm2d):
        fail("generator_block has no BatchNorm2d after its transposed convolution",
             "add nn.BatchNorm2d(out_channels): it keeps each layer's activations on scale and stops G collapsing early")
    if not _layers(block, nn.ReLU) or _layers(block, nn.LeakyReLU):
        fail("generator_block should end in nn.ReLU()", "Radford et al. use ReLU in G (LeakyReLU in D)")
    passed("generator_block", "(2, 8, 7, 7) -> (2, 4, 14, 14) with ConvTranspose2d, BatchNorm2d, ReLU")


@exercise_check
def check_discriminator_block(discriminator_block: Callable) -> None:
    """Lesson 02: ``discriminator_block(in, out, batchnorm)`` halves height and width: Conv2d, [BatchNorm2d], LeakyReLU."""
    x = torch.randn(2, 4, 14, 14, generator=torch.Generator().manual_seed(0))
    for batchnorm in (True, False):
        block = call(discriminator_block, 4, 8, batchnorm, what=f"discriminator_block(4, 8, batchnorm={batchnorm})")
        if not isinstance(block, nn.Module):
            fail(f"discriminator_block returned a {type(block).__name__}, expected an nn.Module",
                 "return nn.Sequential(nn.Conv2d(...), ..., nn.LeakyReLU(0.2))")
        out = call(block, x, what=f"discriminator_block(4, 8, batchnorm={batchnorm}) on a (2, 4, 14, 14) input")
        if tuple(out.shape) != (2, 8, 7, 7):
            fail(f"discriminator_block(4, 8) turned (2, 4, 14, 14) into {_shape(out)}, expected (2, 8, 7, 7)",
                 _size_hint("conv"))
        if _layers(block, (nn.MaxPool2d, nn.AvgPool2d)):
            fail("discriminator_block downsamples with pooling", "use a strided convolution (stride=2) instead: D learns how to downsample")
        has_bn = bool(_layers(block, nn.BatchNorm2d))
        if batchnorm and not has_bn:
            fail("discriminator_block(..., batchnorm=True) has no BatchNorm2d", "add nn.BatchNorm2d(out_channels) when batchnorm is True")
        if not batchnorm and has_bn:
            fail("discriminator_block(..., batchnorm=False) still has a BatchNorm2d",
                 "the input layer skips BatchNorm (Radford et al.): only add it when batchnorm is True")
        if not _layers(block, nn.LeakyReLU):
            fail("discriminator_block has no LeakyReLU", "end with nn.LeakyReLU(0.2): a plain ReLU gives D dead units and G no gradient there")
    passed("discriminator_block", "(2, 4, 14, 14) -> (2, 8, 7, 7) with a strided Conv2d, optional BatchNorm2d, LeakyReLU")


def _init_problems(model: nn.Module) -> list[str]:
    """What differs from Radford et al.'s init in ``model`` (empty when it is right)."""
    problems = []
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            w = m.weight.detach()
            if w.numel() >= 64 and not (0.012 < w.std().item() < 0.028 and abs(w.mean().item()) < 0.01):
                problems.append(f"{type(m).__name__} '{name}' has weights with std {w.std().item():.3f}, expected ~0.02")
        elif isinstance(m, nn.BatchNorm2d):
            w = m.weight.detach()
            if torch.all(w == 1):
                problems.append(f"BatchNorm2d '{name}' still has its default scale 1.0, expected ~N(1, 0.02)")
            elif not (0.005 < w.std().item() < 0.04 and abs(w.mean().item() - 1) < 0.02):
                problems.append(f"BatchNorm2d '{name}' has scale mean {w.mean().item():.3f} std {w.std().item():.3f}, expected ~N(1, 0.02)")
    return problems


@exercise_check
def check_weights_init(weights_init: Callable) -> None:
    """Lesson 02: ``weights_init(module)`` sets conv weights ~N(0, 0.02), BatchNorm scale ~N(1, 0.02), shift 0."""
    from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator

    torch.manual_seed(0)
    for model in (DCGANGenerator(z_dim=16, channels=16), DCGANDiscriminator(channels=16)):
        call(model.apply, weights_init, what=f"{type(model).__name__}().apply(weights_init)")
        problems = _init_problems(model)
        if problems:
            missed_transposed = any("ConvTranspose2d" in p for p in problems) and not any(p.startswith("Conv2d") for p in problems)
            fail(f"after model.apply(weights_init): {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                 "isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)) covers both kinds of convolution" if missed_transposed
                 else "nn.init.normal_(module.weight, 0.0, 0.02) for convolutions; for BatchNorm2d "
                      "nn.init.normal_(module.weight, 1.0, 0.02) and nn.init.zeros_(module.bias); change them in place")
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d) and torch.any(m.bias != 0):
                fail("a BatchNorm2d shift (bias) is not zero after weights_init", "nn.init.zeros_(module.bias)")
    passed("weights_init", "convolutions ~N(0, 0.02), BatchNorm scale ~N(1, 0.02), shift 0")


@exercise_check
def check_dcgan(G: nn.Module, D: nn.Module, z_dim: int) -> None:
    """Lesson 02: the assembled, initialised DCGAN: G (B, z_dim) -> (B, 1, 28, 28) in [-1, 1]; D -> logits (B,)."""
    _validate_generator(G, z_dim)
    _validate_discriminator(D)
    if not _layers(G, nn.ConvTranspose2d) or not _layers(D, nn.Conv2d):
        fail("G needs transposed convolutions and D convolutions", "build them from generator_block and discriminator_block")
    if not _layers(G, nn.BatchNorm2d):
        fail("G has no BatchNorm2d", "use generator_block, which has BatchNorm2d after each transposed convolution")
    problems = _init_problems(G) + _init_problems(D)
    if problems:
        fail(f"the networks are not initialised as in DCGAN: {problems[0]}",
             "call G.apply(weights_init) and D.apply(weights_init) after building them")
    passed("dcgan", f"G: (B, {z_dim}) -> (B, 1, 28, 28) in [-1, 1]; D: -> logits (B,); DCGAN init applied")


# ---------------------------------------------------------------- lesson 03: gradient penalty, packing, mode counts

class _QuadraticCritic(nn.Module):
    """D(x) = s * |x|^2 / 2, so grad D(x) = s * x: the penalty at any point is known in closed form."""

    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.s * x.flatten(1).square().sum(1)


@exercise_check
def check_gradient_penalty(gradient_penalty: Callable) -> None:
    """Lesson 03: ``gradient_penalty(D, real, fake)`` = 10 * E[(||grad D(x_hat)|| - 1)^2] on random mixes x_hat."""
    torch.manual_seed(0)
    D = _QuadraticCritic()
    n = 4096
    direction = F.normalize(torch.randn(n, 2, generator=torch.Generator().manual_seed(1)), dim=1)
    real, fake = direction * 1.0, direction * 3.0  # ||grad|| is 1 on real points, 3 on fakes, 1 + 2(1 - a) between
    out = call(gradient_penalty, D, real, fake, what="gradient_penalty(D, real, fake)")
    if not isinstance(out, torch.Tensor) or out.dim() != 0:
        fail(f"gradient_penalty returned {_shape(out)}, expected a scalar tensor",
             "average over the batch: ((grad_norm - 1) ** 2).mean(), times the weight 10")
    value = out.item()
    expected = 10 * 4 / 3  # 10 * E[(2(1 - a))^2] for a ~ U(0, 1)
    if abs(value) < 1e-6:
        fail("gradient_penalty is 0 where the critic's gradient norm is 1: it was computed on the real samples only",
             "penalise at random points between real and fake: x_hat = a * real + (1 - a) * fake, a ~ U(0, 1) per sample")
    if abs(value - 40) < 2:
        fail("gradient_penalty was computed on the fake samples only",
             "penalise at x_hat = a * real + (1 - a) * fake with a fresh a ~ U(0, 1) per sample")
    if abs(value - 4 * 10 / 3 / 10) < 0.3:
        fail("gradient_penalty is missing its weight of 10", "multiply the mean squared deviation by 10 (Gulrajani et al.)")
    if abs(value - expected) > 0.1 * expected:
        fail(f"gradient_penalty returned {value:.2f} on a critic whose answer is {expected:.2f}",
             "10 * ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean(), with grads = autograd.grad(D(x_hat).sum(), x_hat)")
    if not out.requires_grad:
        fail("the penalty does not depend on the critic's weights, so the critic's update ignores it",
             "torch.autograd.grad(..., create_graph=True): the penalty must stay differentiable")
    (grad_s,) = torch.autograd.grad(out, D.s)
    if grad_s.abs().item() < 1e-6:
        fail("the penalty has no gradient with respect to the critic's weights",
             "torch.autograd.grad(..., create_graph=True), and don't detach the gradients")
    passed("gradient_penalty", "10 * E[(||grad D(x_hat)|| - 1)^2] on real-fake mixes, differentiable for the critic")


class _RecordingCritic(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, 1)
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().clone())
        return self.linear(x).squeeze(1)


@exercise_check
def check_packed_scores(packed_scores: Callable, m: int = 4) -> None:
    """Lesson 03: ``packed_scores(D, real, fake, m)`` scores packs of m reals and packs of m fakes, never mixed."""
    n = 32
    real = torch.cat([torch.full((n, 1), 5.0), torch.arange(n).float().unsqueeze(1)], dim=1)  # (n, 2), x = +5
    fake = torch.cat([torch.full((n, 1), -5.0), torch.arange(n).float().unsqueeze(1)], dim=1)  # (n, 2), x = -5
    D = _RecordingCritic(2 * m)
    out = call(packed_scores, D, real, fake, m, what=f"packed_scores(D, real, fake, m={m})",
               hint="pack with gan_course.packing.pack(samples, m): (B, 2) -> (B // m, 2 * m)")
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(f"packed_scores returned {type(out).__name__}, expected a pair (real_scores, fake_scores)",
             "return D(pack(real, m)), D(pack(fake, m))")
    shapes = [_shape(o) for o in out]
    if shapes != [f"({n // m},)"] * 2:
        fail(f"packed_scores returned scores of shapes {shapes}, expected ({n // m},) each: one score per pack of {m}",
             f"pack(real, m) has shape ({n // m}, {2 * m})")
    rows = torch.cat(D.inputs).view(-1, m, 2)[:, :, 0]  # the x coordinate of each sample in each pack
    mixed = ((rows > 0).any(1) & (rows < 0).any(1)).sum().item()
    if mixed:
        fail(f"{mixed} packs mix real and fake samples, so D can no longer tell a real pack from a fake one",
             "pack the real batch and the fake batch separately: D(pack(real, m)) and D(pack(fake, m))")
    real_rows = (rows > 0).all(1).sum().item()
    if real_rows != n // m:
        fail(f"D saw {real_rows} packs of real samples, expected {n // m}", "score every real sample exactly once, in packs of m")
    passed("packed_scores", f"packs of {m} real and packs of {m} fake samples, scored separately")


@exercise_check
def check_mode_counts(mode_counts: Callable) -> None:
    """Lesson 03: ``mode_counts(samples, centers, std)`` counts the high-quality samples (within 3 std) per mode."""
    from gan_course.data import ring
    from gan_course.mode_metrics import mode_histogram, nearest_modes

    mixture = ring()
    cases = {
        "samples spread over every mode": mixture.sample(800, seed=0),
        "samples all on one mode": mixture.centers[2].repeat(100, 1),
        "samples far from every mode": torch.zeros(100, 2),
        "samples 4 std from their nearest mode": mixture.centers[1] + torch.tensor([[4 * mixture.std, 0.0]]),
    }
    for name, samples in cases.items():
        got = call(mode_counts, samples, mixture.centers, mixture.std, what=f"mode_counts on {name}")
        expected = mode_histogram(samples, mixture)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != (mixture.n_modes,):
            fail(f"mode_counts returned {_shape(got)} for {name}, expected one count per mode, shape ({mixture.n_modes},)",
                 "torch.bincount(nearest[high_quality], minlength=len(centers))")
        if not torch.equal(got.long(), expected):
            every_sample = torch.bincount(nearest_modes(samples, mixture)[0], minlength=mixture.n_modes)
            far = torch.equal(got.long(), every_sample)
            fail(f"mode_counts on {name} gave {got.tolist()}, expected {expected.tolist()}",
                 "only samples within 3 std of their nearest centre count: a sample far from every mode is not "
                 "evidence that a mode is covered" if far else
                 "distance to the nearest centre <= 3 * std, then count per nearest centre")
    passed("mode_counts", "counts only samples within 3 std of their nearest mode")
