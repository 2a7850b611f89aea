"""The check framework every lesson's exercise checks are built on.

A check runs a student's code on fixed inputs, prints one deterministic line when it is right (``passed``) and
otherwise raises ``ExerciseError`` (an AssertionError) whose message names what is wrong and hints at the fix
(``fail``). In a notebook the student sees that message, and the lines of their own code it points to, not a
traceback through the check machinery. The probes live in ``probes``, the gradient spy in ``gradient_spy``.
"""

from __future__ import annotations

import functools
import site
import sysconfig
import traceback
import warnings
from pathlib import Path
from typing import Callable, Mapping

import torch
from torch import nn

# Frames in the course package, the standard library or installed libraries are machinery, not the student's code.
_LIBRARIES = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
_LIBRARIES |= {*site.getsitepackages(), site.getusersitepackages()}
_NOT_STUDENT_CODE = tuple(str(Path(p).resolve()) for p in (Path(__file__).parents[1], *sorted(_LIBRARIES)))


class ExerciseError(AssertionError):
    """An exercise's check failed; the message says what is wrong and how to fix it.

    ``student_frames``: where, in the student's own code, an exception they raised came from (empty otherwise).
    """

    def __init__(self, message: str, student_frames: traceback.StackSummary | None = None):
        super().__init__(message)
        self.student_frames = student_frames or traceback.StackSummary()

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message, then only the student's own lines."""
        lines = [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]
        if self.student_frames:
            lines += ["", "It happened here, in your code:"]
            lines += [line.rstrip("\n") for line in self.student_frames.format()]
        return lines


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
    raise ExerciseError(f"{problem}\n  Hint: {hint}") from None


def passed(exercise: str, detail: str) -> None:
    """Print the single, deterministic success line of a check."""
    print(f"[ok] {exercise}: {detail}")


def _student_frames(tb) -> traceback.StackSummary:
    """The frames of a traceback that are not the course package's own, e.g. a notebook cell's lines."""
    frames = [f for f in traceback.extract_tb(tb) if not str(Path(f.filename).resolve()).startswith(_NOT_STUDENT_CODE)
              and "dist-packages" not in f.filename]  # Debian's and Colab's installed libraries
    return traceback.StackSummary.from_list(frames)


# Hints for the errors students meet most, matched on the error's text: a crash gets the hint for what it says,
# not the check's hint for a different mistake.
COMMON_ERRORS = {
    "NameError": "a name is used before it is defined, or is misspelt: read the line the error points at",
    "UnboundLocalError": "a variable is used before the line that assigns it: check the order of your lines",
    "Trying to backward through the graph a second time": "a second backward pass went through a graph the first "
        "one had already freed: when D learns, score fakes detached from G's graph, so only G's own loss reaches G",
    "does not require grad and does not have a grad_fn": "the loss does not depend on any trainable weight: a network "
        "is still frozen (requires_grad False), or the loss was computed from detached tensors",
    "mat1 and mat2 shapes cannot be multiplied": "a Linear layer got inputs of another size than it was built for: "
        "compare each layer's input size with what the layer (or flatten) before it gives",
    "running_mean should contain": "a BatchNorm's size must equal the number of channels (or features) that the "
        "layer before it gives",
    "expected input": "a layer got another number of channels than it was built for: each layer's in_channels must "
        "equal the out_channels of the layer before it",
    "object has no attribute": "the code reads an attribute that this object does not have (None, or a layer "
        "without a bias?): check which object the line works on",
}


def _hint_for(err: Exception, hint: str, hints: Mapping[str, str] | None) -> str:
    text = f"{type(err).__name__}: {err}"
    for table in (hints or {}, COMMON_ERRORS):
        for key, value in table.items():
            if not key.startswith("_") and key in text:  # "_name": a hint the check uses itself, not error text
                return value
    return hint


def call(fn: Callable, *args, what: str, hint: str = "run your code on these inputs in a cell and read the error",
         hints: Mapping[str, str] | None = None):
    """Call student code; turn an exception from inside it into an ExerciseError that says where.

    ``hint`` is for an exception the check expects; ``hints`` maps text of the error to a hint (first match), before
    the hints for common errors (``COMMON_ERRORS``)."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except NotImplementedError:
        raise ExerciseError(f"{what} {NOT_WRITTEN}: it still raises NotImplementedError\n"
                            "  Hint: replace the `raise NotImplementedError(...)` line with your code") from None
    except Exception as err:  # any bug in student code: report it as feedback, not as a deep traceback
        raise ExerciseError(f"{what} raised {type(err).__name__}: {err}\n  Hint: {_hint_for(err, hint, hints)}",
                            _student_frames(err.__traceback__)) from None


def build_from_class(cls, what: str, *args, **kwargs) -> nn.Module:
    """Construct a student's nn.Module class with the check's own sizes, seeded, so hand-written sizes show up."""
    if not isinstance(cls, type) or not issubclass(cls, nn.Module):
        fail(f"expected the class itself (an nn.Module subclass), got {type(cls).__name__}",
             f"pass the class, not an instance: {what.split('(')[0]}, without brackets")
    torch.manual_seed(0)
    return call(lambda: cls(*args, **kwargs), what=what, hint="build every layer from the constructor's arguments")
