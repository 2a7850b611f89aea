"""Checks that a student's network is the one the lesson specifies, by behaviour: the layer modules it actually
runs, in the order it runs them (forward hooks: a Sequential or layers called one by one in forward count alike;
an activation written as a function call, which no hook sees, counts as missing), then its output when it is given
the reference network's weights.

A missing BatchNorm, a ReLU where the lesson says LeakyReLU(0.2), a wrong padding or a bias before BatchNorm shows
up as the first layer that differs; a wiring slip in ``forward`` (a subtraction for the residual sum, layers run
in another order) shows up as a different output from the same weights.
"""

from __future__ import annotations

import copy
import difflib
from typing import Mapping, Sequence

import torch
from torch import nn
from torch.nn.utils import parametrize

from gan_course.checks.core import call, fail

# Layers that only reshape: writing x.view(len(x), -1) instead of nn.Flatten() is the same network.
_SHAPE_ONLY = (nn.Flatten, nn.Unflatten, nn.Identity)


def describe(module: nn.Module) -> str:
    """A layer as the lessons write it, with the settings that change what it computes."""
    text = _describe(module)
    if parametrize.is_parametrized(module):  # e.g. spectral_norm(nn.Conv2d(...)): "Conv2d(..., SpectralNorm)"
        added = ", ".join(type(p[0]).__name__.strip("_") for p in module.parametrizations.values())
        text = text[:-1] + f", {added})" if text.endswith(")") else f"{text}({added})"
    return text


def _describe(module: nn.Module) -> str:
    # a parametrized layer's class is a subclass made on the fly (ParametrizedConv2d): name the layer it wraps
    kind = (type(module).__mro__[1] if parametrize.is_parametrized(module) else type(module)).__name__
    if isinstance(module, nn.Linear):
        return f"{kind}({module.in_features}, {module.out_features}{', bias=False' if module.bias is None else ''})"
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        extra = f", output_padding={module.output_padding[0]}" if any(getattr(module, "output_padding", (0,))) else ""
        return (f"{kind}({module.in_channels}, {module.out_channels}, kernel_size={module.kernel_size[0]}, "
                f"stride={module.stride[0]}, padding={module.padding[0]}{extra}"
                f"{', bias=False' if module.bias is None else ''})")
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d)):
        flags = [*(["affine=False"] if isinstance(module, nn.modules.batchnorm._BatchNorm) and not module.affine else []),
                 *(["affine=True"] if isinstance(module, nn.InstanceNorm2d) and module.affine else []),
                 *(["track_running_stats=" + str(module.track_running_stats)]
                   if module.track_running_stats != isinstance(module, nn.modules.batchnorm._BatchNorm) else [])]
        size = [str(module.num_features)] if not isinstance(module, nn.InstanceNorm2d) else []
        return f"{kind}({', '.join(size + flags)})".replace("()", "")
    if isinstance(module, nn.LeakyReLU):
        return f"{kind}({module.negative_slope:g})"
    if isinstance(module, nn.Dropout):
        return f"{kind}({module.p:g})"
    if isinstance(module, (nn.ReflectionPad2d, nn.ZeroPad2d, nn.ReplicationPad2d)):
        return f"{kind}({module.padding[0]})"
    if isinstance(module, nn.Embedding):
        return f"{kind}({module.num_embeddings}, {module.embedding_dim})"
    return kind


def _is_layer(module: nn.Module) -> bool:
    return not any(True for _ in module.children()) or parametrize.is_parametrized(module)


def layers_run(module: nn.Module, *inputs: torch.Tensor, what: str) -> list[tuple[str, nn.Module]]:
    """The layers ``module`` runs on ``inputs``, in order, as (description, layer); eval mode, no gradients."""
    trace: list[tuple[str, nn.Module]] = []
    hooks = [m.register_forward_hook(lambda m, i, o: trace.append((describe(m), m)))
             for m in _layers(module)]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            call(module, *inputs, what=what)
    finally:
        for h in hooks:
            h.remove()
        module.train(was_training)
    return trace


def _layers(module: nn.Module) -> list[nn.Module]:
    """The layer modules of ``module``, without the inner workings of a parametrization (spectral norm's own)."""
    inner = {id(m) for p in module.modules() if parametrize.is_parametrized(p) for m in p.parametrizations.modules()}
    return [m for m in module.modules()
            if m is not module and id(m) not in inner and _is_layer(m) and not isinstance(m, _SHAPE_ONLY)]


def _why(layers: Sequence[str], rules: Mapping[str, str]) -> str:
    """The lesson's reason for the first of ``layers`` it gives one for (matched on the layer's kind)."""
    for layer in layers:
        kind = layer.split("(")[0]
        for key, reason in rules.items():
            if key == kind:
                return reason
    return "build the layers in the order and with the settings the lesson gives"


def _settings(description: str) -> dict[str, str]:
    """'Conv2d(1, 8, kernel_size=4, stride=2)' -> {'0': '1', '1': '8', 'kernel_size': '4', 'stride': '2'}."""
    inside = description[description.find("(") + 1:-1] if "(" in description else ""
    parts = [p.strip() for p in inside.split(",") if p.strip()]
    return {(p.split("=")[0] if "=" in p else str(i)): p.split("=")[-1] for i, p in enumerate(parts)}


def _difference(got: str, expected: str) -> str:
    """In words, which setting of one layer differs from the lesson's."""
    a, b = _settings(got), _settings(expected)
    names = {"0": "input size", "1": "output size"}
    differ = [f"extra {a[k]}" if k.isdigit() and int(k) >= 2 and k not in b else
              f"{names.get(k, k)} {a.get(k, 'the default')} instead of {b.get(k, 'the default')}"
              for k in dict.fromkeys([*b, *a]) if a.get(k) != b.get(k)]
    if got.split("(")[0] == "LeakyReLU" and differ:
        return f"its negative slope is {a.get('0')} instead of {b.get('0')}"
    return "its " + ", ".join(differ) if differ else "its settings differ"


def compare_layers(student: nn.Module, reference: nn.Module, inputs: Sequence[torch.Tensor], name: str,
                   rules: Mapping[str, str] | None = None, outputs: bool = True) -> None:
    """Fail, naming the layers that differ, unless ``student`` runs the reference's layers in its order; then
    (``outputs``) fail unless it computes the reference's output when given the reference's weights.
    ``outputs=False`` where the lesson leaves a free choice that changes the output, e.g. the order of a join.
    ``rules``: the lesson's reason for each kind of layer (e.g. "BatchNorm2d"), for the hint."""
    rules = rules or {}
    what = f"{name} on inputs of shape {', '.join(str(tuple(x.shape)) for x in inputs)}"
    got, expected = layers_run(student, *inputs, what=what), layers_run(reference, *inputs, what=what)
    repeated = [d for i, (d, m) in enumerate(got) if any(m is other for _, other in got[:i])]
    if repeated and len(got) > len(expected):
        fail(f"{name} runs some of its layers twice in one call ({repeated[0]} among them): forward applies part of "
             "the network more than once", "run each layer once, in the order the lesson gives")
    built = {describe(m) for m in _layers(student)} - {d for d, _ in got}
    _compare_kinds(got, expected, built, name, rules)
    for (g, _), (e, _), index in zip(got, expected, range(1, len(got) + 1)):
        if g != e:
            a, b = _settings(g), _settings(e)
            setting = next((k for k in rules if k in {*a, *b} and a.get(k) != b.get(k)), None)
            fail(f"{name}'s layer {index} is {g}, expected {e}: {_difference(g, e)}",
                 rules[setting] if setting else _why([e], rules))
    if outputs:
        same_output(student, reference, inputs, got, expected, name)


def _compare_kinds(got, expected, built: set[str], name: str, rules: Mapping[str, str]) -> None:
    """The first place where the KINDS of layers differ (a missing BatchNorm, a ReLU for a LeakyReLU), in words."""
    kinds = lambda trace: [d.split("(")[0] for d, _ in trace]  # noqa: E731
    got_kinds, expected_kinds = kinds(got), kinds(expected)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, got_kinds, expected_kinds, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        where = f" after its {got[i1 - 1][0]} (layer {i1})" if i1 else " at the start"
        extra, missing = [d for d, _ in got[i1:i2]], [d for d, _ in expected[j1:j2]]
        unused = [d for d in missing if d in built]
        if unused:
            fail(f"{name} builds {unused[0]} but forward never runs it", "use every layer you build, in the order "
                 "the lesson gives: " + _why(unused, rules))
        if tag == "delete":
            fail(f"{name} runs {', '.join(extra)}{where}, which the lesson's network does not have",
                 _why(extra, rules))
        if tag == "insert":
            fail(f"{name} is missing {', '.join(missing)}{where}", _why(missing, rules))
        fail(f"{name} runs {', '.join(extra)}{where}, where the lesson's network has {', '.join(missing)}",
             _why(missing, rules))


def same_output(student: nn.Module, reference: nn.Module, inputs: Sequence[torch.Tensor],
                got: list, expected: list, name: str) -> None:
    """Give the student's layers the reference's weights (layer by layer) and compare the outputs (eval mode)."""
    student_copy, reference_copy = copy.deepcopy(student), copy.deepcopy(reference)
    copies = dict(zip((id(m) for m in student.modules()), student_copy.modules()))
    reference_copies = dict(zip((id(m) for m in reference.modules()), reference_copy.modules()))
    generator = torch.Generator().manual_seed(11)
    for (_, s), (_, r) in zip(got, expected):
        target, source = copies[id(s)], reference_copies[id(r)]
        with torch.no_grad():  # fresh random weights, not an initialisation that could hide a difference
            for p in source.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.3)
        try:
            target.load_state_dict(source.state_dict())
        except RuntimeError:  # same layer, other parametrization or buffers: settings describe() does not show
            fail(f"{name}'s {describe(s)} holds other weights or buffers than the lesson's {describe(r)}",
                 "build the layers with the lesson's settings, and no extra parametrization")
    student_copy.eval(), reference_copy.eval()
    with torch.no_grad():
        a, b = student_copy(*inputs), reference_copy(*inputs)
    if not isinstance(a, torch.Tensor):
        fail(f"{name} returns a {type(a).__name__}, expected one tensor", "forward returns the network's output alone")
    if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-4, atol=1e-5):
        fail(f"{name} runs the right layers, but with the same weights its output differs from the lesson's network: "
             "forward combines them differently",
             "read forward against the lesson's description: the order of the layers, the reshape, any sum or join")


def infer(student: nn.Module, kind: type, attribute: str, index: int = 0, default=None) -> int:
    """A size of the student's own network (e.g. its first Linear's out_features), to build the reference alike."""
    found = [m for m in student.modules() if isinstance(m, kind)]
    if not found or abs(index) > len(found) - (index >= 0):
        return default
    return int(getattr(found[index], attribute))
