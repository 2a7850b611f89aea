"""What a training step returns for the history: plain floats, each the value of what the step really computed.

A step that trains on the right loss but reports another (a sum for a mean, the loss before a sign flip, D_a's loss
under D_b's name) draws curves that lie; the checks compare every reported number with the reference's.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from gan_course.checks.core import fail
from gan_course.checks.probes import close


def judge_report(result, expected: Mapping[str, Sequence[torch.Tensor]], step: str,
                 meaning: Mapping[str, str]) -> None:
    """Fail unless ``result`` is a dict with exactly ``expected``'s keys, each a Python float close to one of
    the accepted values; ``meaning[key]`` says in words what the number is."""
    keys = set(expected)
    if not isinstance(result, dict) or set(result) != keys:
        got = sorted(result) if isinstance(result, dict) else type(result).__name__
        fail(f"{step} returned {got}, expected a dict with the keys {sorted(keys)}",
             "return one plain number per key, for the history and the live curves")
    for key in expected:
        if not isinstance(result[key], (float, int)) or isinstance(result[key], bool):
            fail(f"{step} returned {key} as {type(result[key]).__name__}, expected a Python float",
                 "turn each one-element tensor into a number with .item(), so the history stores plain numbers")
    for key, accepted in expected.items():
        if not any(close(result[key], value, rtol=1e-3, atol=1e-5) for value in accepted):
            fail(f"{step} reported {key}={result[key]:.4f}, expected {float(accepted[0]):.4f}: {meaning[key]}",
                 "report the value of the very tensor the step computed (the loss it called backward on, the mean "
                 "probability over the batch), not a recomputation or another term")
