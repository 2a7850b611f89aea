"""Lesson 06's checks, the GAN clinic: ``check_diagnosis`` (a multiple-choice answer to "what is wrong with this
run?") and the checks of each drill's fix, which judge what the fixed code does (a gradient spy, a one-batch probe).

A right diagnosis prints the chain from the cause to the symptoms; a wrong one says why that cause does not fit the
symptoms, and never names the right one. The options and the explanations live in ``DIAGNOSES``; what each broken
run must show (its finding codes) in ``EXPECTED_CODES``, which the tests and the benchmark hold the drills to.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.probes import random_images
from gan_course.checks.train_step import judge_train_step
from gan_course.models.mlp import MLPGenerator

# drill -> (the right option, {option: (the cause as the lesson lists it, why it fits or does not fit)}).
# For the right option the text is the chain from cause to symptoms; for the others, why the symptoms rule it out.
DIAGNOSES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "drill_1": ("b", {
        "a": ("D's loss has the real and fake labels swapped",
              "swapped labels make D call the fakes real: D(G(z)) would rise above D(x). Here D(x) went to 1 and "
              "D(G(z)) to 0, the right way round."),
        "b": ("G is updated with the gradients of D's loss",
              "the fakes reach D without .detach(), so D's loss back-propagates into G, and G's optimizer steps on "
              "those gradients: G moves its fakes the way D wants them, towards 'obviously fake'. D wins at once "
              "(D(x) -> 1, D(G(z)) -> 0), the G loss it logs climbs, and with D saturated even that gradient fades."),
        "c": ("G's learning rate is far too high",
              "a G that moves too fast makes its samples near-copies of one another; here they stay varied, and "
              "the report finds no low diversity."),
        "d": ("D's BatchNorm normalises real and fake images together in its update",
              "this D has no BatchNorm; and a D that computes another function in G's update leaves G's loss "
              "moderate, while here G's loss climbs into the tens."),
    }),
    "drill_2": ("c", {
        "a": ("D's optimizer never steps",
              "a D that never updates stays near its starting point, D(x) and D(G(z)) both near 1/2. Here D is "
              "anything but idle: it moved its outputs all the way to 0 and 1."),
        "b": ("G's learning rate is far too high",
              "a fast G can fool D for a moment, but D recovers; it cannot make D call the real digits fake. Here "
              "D(x) went to 0 and stayed there."),
        "c": ("D's loss has the real and fake labels swapped",
              "D is taught that real digits are class 0 and fakes class 1, and learns exactly that: D(x) -> 0, "
              "D(G(z)) -> 1. G, whose loss asks for D(G(z)) = 1, is then 'winning' with any output, so its loss "
              "goes to 0, and nothing rewards its samples for looking real any more."),
        "d": ("G is updated with the gradients of D's loss",
              "that makes D win (D(x) -> 1, D(G(z)) -> 0). Here it is the opposite: D rates the fakes as more real "
              "than the real digits."),
    }),
    "drill_3": ("a", {
        "a": ("D's scores go through a sigmoid before a loss that applies its own",
              "binary_cross_entropy_with_logits applies a sigmoid itself; fed probabilities in [0, 1], G's loss can "
              "never rise above ln 2 = 0.693 and D's never fall below 1.006. Pushing the fakes' scores to 0 is D's "
              "easiest gain, but it drives every score down together, to where the first sigmoid saturates and "
              "passes no gradient: D gets stuck rejecting everything, real digits included, the losses freeze at "
              "ln 2 per term (0.693 and 1.386), and little gradient reaches G."),
        "b": ("D's learning rate is far too high",
              "a D that learns too fast may overshoot or win, but no learning rate makes a classifier call the "
              "real digits fake too (D(x) = 0) while its loss stays frozen."),
        "c": ("D's loss has the real and fake labels swapped",
              "swapped labels give D(x) -> 0 and D(G(z)) -> 1. Here both went to 0, and the losses froze at "
              "round values instead of going to 0."),
        "d": ("the real images are in another range than G's output",
              "a range mismatch lets D win by telling the ranges apart: D(x) high, D(G(z)) low. Here D(x) is 0, "
              "and the report finds no range mismatch."),
    }),
    "drill_4": ("d", {
        "a": ("G's learning rate is far too high",
              "a G that moves too fast makes its samples near-copies of one image; here they differ, and many of "
              "their backgrounds sit at a grey that no real digit has."),
        "b": ("D's loss has the real and fake labels swapped",
              "swapped labels make D call the fakes real, D(G(z)) above D(x). Here D tells them apart the right "
              "way round."),
        "c": ("G is updated with the gradients of D's loss",
              "that drives D(x) to 1 and D(G(z)) to 0 within a few hundred steps, with G's loss climbing into the "
              "tens; here D is ahead but not saturated, and G's loss stays within a few units."),
        "d": ("the real images are in another range than G's output",
              "prepare() scales the pixels to [0, 1], but G ends in tanh, whose range is [-1, 1]. D can tell real "
              "from fake by the range alone (no real pixel is below 0), so it pulls ahead; G has to move its "
              "background from tanh's saturated -1 to 0, its steepest and least stable point: the backgrounds turn "
              "grey, and many samples break up into black-and-white speckle. The report sees samples and data in "
              "different ranges."),
    }),
    "drill_5": ("b", {
        "a": ("G is updated with the gradients of D's loss",
              "that makes the G loss the step logs climb as D wins, into the tens once D saturates, and G's "
              "gradient fade; here G's loss stays under 1 while D reports perfect scores, and G's gradient stays "
              "strong."),
        "b": ("D's BatchNorm normalises real and fake images together in its update",
              "D scores real and fake images in one batch, so its BatchNorm statistics come from the mixture; "
              "in G's update D sees a batch of fakes only, with other statistics. D learns to tell the two halves "
              "of a mixed batch apart (D(x) -> 1, D(G(z)) -> 0 on its own batches), while G trains against the "
              "different function D computes on an all-fake batch: G's loss stays moderate and its gradient "
              "strong, yet what it learns does not fool D on a mixed batch, and its samples drift into noise. The "
              "two players no longer play the same game."),
        "c": ("the real images are in another range than G's output",
              "the report finds no range mismatch: samples and data both span [-1, 1]."),
        "d": ("G's loss never reaches G's parameters",
              "G's gradient norm stays well above zero here, and its samples keep changing."),
    }),
    "drill_6": ("c", {
        "a": ("D's loss has the real and fake labels swapped",
              "swapped labels drive D(x) to 0 and D(G(z)) to 1 and keep them there; here D's outputs swing back "
              "and forth, and D's loss grows far beyond anything a binary cross-entropy of a working D reaches."),
        "b": ("G's learning rate is far too high",
              "that makes G's updates huge, not D's; here it is D's loss that grows into the tens and D's outputs "
              "that swing."),
        "c": ("D's gradients are never cleared",
              "without zero_grad() PyTorch adds each step's gradients to all earlier ones, so D's update is the sum "
              "of every gradient since the start: a growing push in a stale direction. D overshoots, its loss grows "
              "to tens or more, its outputs swing, and it ends up rating the fakes as more real than the real "
              "digits."),
        "d": ("G is updated with the gradients of D's loss",
              "that makes D win steadily, D(x) at 1 and D(G(z)) at 0; here D's outputs swing, and D's loss grows "
              "instead of going to 0."),
    }),
    "drill_7": ("a", {
        "a": ("G's loss never reaches G's parameters",
              "the fakes are detached once, right after G makes them, and that detached copy is what G's loss is "
              "computed from: G's loss has no path back to G, its gradient is exactly 0 and its optimizer steps on "
              "nothing. G's samples stay as they were (still digits), while D keeps learning to reject those same "
              "fakes: D(x) -> 1, D(G(z)) -> 0, G's loss climbs."),
        "b": ("G is updated with the gradients of D's loss",
              "that pushes G's samples towards noise within a few hundred steps; here the samples have not changed "
              "at all, and G's gradient norm is exactly zero."),
        "c": ("D's learning rate is far too high",
              "however fast D learns, G would still get a gradient and keep changing; here G's gradient is zero at "
              "every step."),
        "d": ("D's BatchNorm normalises real and fake images together in its update",
              "this D has no BatchNorm, and G would still get a gradient; here G's gradient is exactly zero."),
    }),
    "drill_8": ("d", {
        "a": ("D's learning rate is far too high",
              "make_optimizers_8 leaves D's learning rate at the patient's 2e-4, so D's speed has not changed."),
        "b": ("G's loss never reaches G's parameters",
              "a G without gradients keeps its samples as they were (varied digits); here they changed completely, "
              "into one repeated image."),
        "c": ("the real images are in another range than G's output",
              "the report finds no range mismatch, and a range mismatch does not make every sample the same."),
        "d": ("G's learning rate is far too high",
              "each G step is so large that G jumps to whatever single output fools the current D, dragging every "
              "z along: the samples become near-copies of one image (low diversity), and D, which then sees only "
              "that image among the fakes, learns to reject it (D(G(z)) near 0) while G keeps jumping."),
    }),
}

# The findings each drill's broken run must raise (other findings may come with them); its fixed run raises none.
EXPECTED_CODES: dict[str, tuple[str, ...]] = {
    "drill_1": ("discriminator_wins",),
    "drill_2": ("generator_fools_discriminator",),
    "drill_3": ("double_sigmoid",),
    "drill_4": ("range_mismatch",),
    "drill_5": ("discriminator_wins",),
    "drill_6": ("generator_fools_discriminator",),  # and oscillating, in two of three benchmark seeds
    "drill_7": ("discriminator_wins", "vanishing_generator_gradient"),
    "drill_8": ("low_diversity",),
}


def options(drill: str) -> str:
    """The drill's options as the lesson lists them, one per line: "(a) ...". """
    _, table = _drill(drill)
    return "\n".join(f"({letter}) {cause}" for letter, (cause, _) in table.items())


def _drill(drill: str) -> tuple[str, dict[str, tuple[str, str]]]:
    if drill not in DIAGNOSES:
        fail(f"expected a drill among {', '.join(DIAGNOSES)}, got {drill!r}",
             "pass the drill's name as the cell above the check writes it, e.g. \"drill_1\"")
    return DIAGNOSES[drill]


@exercise_check
def check_diagnosis(drill: str, answer) -> None:
    """Lesson 06: ``answer`` (a letter, or a function that returns one) names the option that explains ``drill``'s
    symptoms."""
    right, table = _drill(drill)
    letters = ", ".join(f"'{k}'" for k in table)
    if callable(answer):
        answer = call(answer, what=f"the diagnosis of {drill}")
    if answer is Ellipsis or answer is None:
        fail(f"the diagnosis for {drill} is not given yet", f"return one letter, one of {letters}")
    if not isinstance(answer, str) or answer.strip().strip("()").lower() not in table:
        fail(f"expected one letter, one of {letters}, got {answer!r}",
             "return the letter of the cause you pick, as a string, e.g. \"a\"")
    letter = answer.strip().strip("()").lower()
    cause, why = table[letter]
    if letter != right:
        fail(f"({letter}) '{cause}' does not fit what this run shows: {why}",
             "read the symptoms again (D's outputs, the losses, G's gradient norm, the samples and the health "
             "report), and pick the cause that explains all of them")
    passed(f"{drill} diagnosis", f"({letter}) {cause}. {why[0].upper()}{why[1:]}")


@exercise_check
def check_fixed_step(drill: str, step: Callable) -> None:
    """Lesson 06: a drill's fixed ``step(G, D, opt_G, opt_D, real, z_dim)`` is lesson 01's step (gradient spy)."""
    _drill(drill)
    judge_train_step(step, f"{drill}'s fixed step")
    passed(f"{drill} fix", "the step updates D, then G, each with the right gradients, and reports the right numbers")


class _BatchRecorder(nn.Module):
    """A D with BatchNorm that records, for each batch it scores, how many rows are real (rows of ``real``)."""

    def __init__(self, real: torch.Tensor, hidden: int = 16):
        super().__init__()
        self.real, self.seen = real.flatten(1), []
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.detach().flatten(1)
        is_real = (rows[:, None, :] == self.real[None]).all(-1).any(-1)  # (B,)
        self.seen.append((int(is_real.sum()), int((~is_real).sum())))
        return self.net(x).squeeze(1)


@exercise_check
def check_separate_batches(step: Callable) -> None:
    """Lesson 06, drill 5: ``step`` never lets D (with BatchNorm) score real and fake images in one batch, and is
    otherwise lesson 01's step."""
    torch.manual_seed(0)
    real = random_images(16, 3)
    G, D = MLPGenerator(z_dim=8, hidden=16), _BatchRecorder(real)
    opt_G = torch.optim.SGD(G.parameters(), lr=0.01)
    opt_D = torch.optim.SGD(D.parameters(), lr=0.01)
    call(step, G, D, opt_G, opt_D, real, 8, what="drill_5's fixed step")
    mixed = [(r, f) for r, f in D.seen if r and f]
    if mixed:
        r, f = mixed[0]
        fail(f"D scored a batch of {r} real and {f} fake images together: its BatchNorm normalises each batch with "
             "that batch's own statistics, so a mixed batch gives D statistics it never sees when G's update scores "
             "fakes alone", "give D the real batch and the fakes in separate calls, in D's update as in G's")
    if not any(r for r, _ in D.seen) or not any(f for _, f in D.seen):
        fail("D never scored a batch of real images and a batch of fakes in this step",
             "D's update scores the real batch and the (detached) fakes; G's update scores the fakes")
    judge_train_step(step, "drill_5's fixed step")
    passed("drill_5 fix", "D scores real and fake images in separate batches, and the step's gradients are right")


@exercise_check
def check_prepare(prepare: Callable) -> None:
    """Lesson 06, drill 4: ``prepare(pixels)`` maps 8-bit pixels (N, 1, 28, 28) in 0..255 to floats in [-1, 1],
    the range of G's tanh, linearly (0 -> -1, 255 -> 1)."""
    pixels = torch.arange(256, dtype=torch.uint8).repeat(4)[:784].view(1, 1, 28, 28).repeat(2, 1, 1, 1)
    out = call(prepare, pixels.clone(), what="prepare(pixels)", hint="it is given a uint8 tensor (N, 1, 28, 28)")
    if not isinstance(out, torch.Tensor) or out.shape != pixels.shape:
        fail(f"expected a tensor of shape {tuple(pixels.shape)}, got "
             f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}",
             "return the images with the shape they came in")
    if not out.is_floating_point():
        fail(f"expected floating-point images, got dtype {out.dtype}", "convert the pixels to float before scaling")
    expected = pixels.float() / 127.5 - 1
    lo, hi = float(out.min()), float(out.max())
    if not torch.allclose(out.float(), expected, atol=1e-3):
        if abs(lo) < 1e-4 and abs(hi - 1) < 1e-4:
            fail("the images come out in [0, 1], but G ends in tanh, whose outputs span [-1, 1]: D can tell real "
                 "from fake by range alone", "scale the pixels so that 0 becomes -1 and 255 becomes 1")
        fail(f"the images come out in [{lo:.3g}, {hi:.3g}], expected pixel 0 -> -1 and 255 -> 1, evenly in between "
             "(the range of G's tanh)", "a pixel p in 0..255 maps to a straight line through (0, -1) and (255, 1)")
    passed("drill_4 fix", "8-bit pixels map evenly onto [-1, 1], the range of G's tanh")


@exercise_check
def check_optimizers(drill: str, make_optimizers: Callable) -> None:
    """Lesson 06, drill 8: ``make_optimizers(G, D) -> (opt_G, opt_D)``, each holding its own network's
    parameters, with learning rates of the size the lesson trains with (at most 1e-3, within 4x of each other)."""
    _drill(drill)
    torch.manual_seed(0)
    G, D = MLPGenerator(z_dim=8, hidden=16), nn.Sequential(nn.Flatten(), nn.Linear(784, 4), nn.Linear(4, 1))
    out = call(make_optimizers, G, D, what="make_optimizers(G, D)")
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(o, torch.optim.Optimizer) for o in out)):
        fail(f"expected a pair (opt_G, opt_D) of torch optimizers, got {type(out).__name__}",
             "return G's optimizer first, then D's")
    for name, opt, net in (("opt_G", out[0], G), ("opt_D", out[1], D)):
        held = {id(p) for group in opt.param_groups for p in group["params"]}
        if held != {id(p) for p in net.parameters()}:
            fail(f"{name} does not hold exactly {name[-1]}'s parameters",
                 f"build {name} from {name[-1]}.parameters()")
    lr_G, lr_D = (max(g["lr"] for g in o.param_groups) for o in out)
    for name, lr, opt in (("G", lr_G, out[0]), ("D", lr_D, out[1])):
        adaptive = isinstance(opt, (torch.optim.Adam, torch.optim.AdamW))  # other optimizers' scales differ
        if not lr > 0 or (adaptive and not 1e-5 <= lr <= 1e-3):
            fail(f"{name}'s learning rate is {lr:g}; with Adam, GANs like these train at about 1e-4 to 1e-3",
                 f"bring {name}'s learning rate back to the size the rest of the course uses")
    if max(lr_G / lr_D, lr_D / lr_G) > 4:  # the course's limit: two time-scale rules put D at up to 4x G's rate
        fail(f"one network learns {max(lr_G / lr_D, lr_D / lr_G):.0f}x faster than the other (G {lr_G:g}, D "
             f"{lr_D:g}): the faster one keeps outrunning the other", "keep the two learning rates within 4x")
    passed(f"{drill} fix", f"each optimizer holds its own network, learning rates G {lr_G:g} and D {lr_D:g}")
