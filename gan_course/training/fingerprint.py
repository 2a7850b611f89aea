"""What defines a training run, as plain data with a short digest: the step function's code, the optimizers'
settings, the networks' structure and initial weights, and the batches. A checkpoint is reused only for the same
digest; when an earlier run of the same checkpoint path differs, ``describe_change`` says what changed.

Code is hashed as bytecode (``co_code``, constants, names), so a comment or a blank line does not matter and an
edited line does. The walk starts at the step function and follows every function and class of ours that it names
through globals, closures and default arguments: notebook cells, test files and the course package. It stops at
torch, the standard library and installed packages, which a student does not edit. The values the code reads count
too: numbers, strings, tuples, dicts and dataclasses by content (hyperparameters), tensors by their bytes, batches
by their fingerprint; lists and sets by type only (a log the step appends to is not the setup), other objects by class.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import re
import types
from typing import Any, Callable, Mapping

import torch
from torch import nn

from gan_course.training.code_reading import cell_contents, code_token, is_ours, names_used

# The four components of a fingerprint, as the line that reports a change names them.
COMPONENTS = {"step": "the step function's code", "optimizers": "the optimizer settings",
              "networks": "the networks' initial weights or structure", "batches": "the batches"}
MAX_ITEMS = 100  # a tuple or dict the step reads counts item by item up to this size, else by type and length
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # memory addresses in a repr differ in every process


def fingerprint_run(step_fn: Callable, batches: Any, state: Mapping[str, Any] | None) -> dict[str, Any]:
    """The components of a run as plain data (saved with its checkpoint, compared with the next run's):
    {"step": {function: digest}, "optimizers": {name: settings}, "networks": {name: digest}, "batches": {...}}."""
    state = state or {}
    walk = CodeWalk(state)
    walk.visit(step_fn)
    optimizers = {name: settings(obj) for name, obj in state.items() if not isinstance(obj, nn.Module)}
    networks = {name: network_digest(obj) for name, obj in state.items() if isinstance(obj, nn.Module)}
    read = {f"{where} in the step": fingerprint for where, fingerprint in walk.data.items()}  # lesson 05's two domains
    return {"step": walk.digests, "optimizers": optimizers, "networks": networks,
            "batches": {"batches": batches_fingerprint(batches), **read}}


def digest(components: Mapping[str, Any]) -> str:
    """16 hex digits that change whenever any component does: the name of this setup's checkpoint."""
    return _sha1(components)[:16]


def describe_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """One clause: "the optimizer settings changed since the saved run (opt_G lr 0.0002 -> 0.0004)"."""
    changed = [key for key in COMPONENTS if _sha1(old.get(key)) != _sha1(new.get(key))]
    if not changed:
        return "the setup changed since the saved run"
    names = [COMPONENTS[key] for key in changed]
    what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    details = "; ".join(d for key in changed if (d := _details(key, old.get(key) or {}, new.get(key) or {})))
    return f"{what} changed since the saved run" + (f" ({details})" if details else "")


def tensor_digest(tensor: torch.Tensor) -> str:
    """sha1 of a tensor's dtype, shape and bytes: about 0.1 s for 60,000 MNIST images (188 MB) on one core."""
    tensor = tensor.detach()
    h = hashlib.sha1(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
    if tensor.numel():
        h.update(tensor.resolve_conj().resolve_neg().contiguous().cpu().reshape(-1).view(torch.uint8).numpy())
    return h.hexdigest()


def network_digest(module: nn.Module) -> str:
    """The module's structure (its repr, and the code of its classes that are ours) and its weights right now."""
    h = hashlib.sha1(ADDRESS.sub("", repr(module)).encode())
    for name, value in module.state_dict().items():
        h.update(name.encode() + (tensor_digest(value) if isinstance(value, torch.Tensor) else repr(value)).encode())
    walk = CodeWalk()  # forward() of a notebook's Generator; an EMA's averaging function and its decay
    for sub in module.modules():
        walk.visit(type(sub))
        for value in vars(sub).values():
            if isinstance(value, (types.FunctionType, functools.partial)):
                walk.visit(value)
    h.update(json.dumps(walk.digests, sort_keys=True).encode())
    return h.hexdigest()[:16]


def settings(obj: Any) -> dict[str, Any]:
    """An optimizer's class and ``param_groups`` with the parameters' sizes instead of parameters; for other state
    (a learning-rate schedule), its class and ``state_dict()``."""
    if isinstance(obj, torch.optim.Optimizer):
        groups = [{**{k: _plain(v) for k, v in group.items() if k != "params"}, "params":
                   f"{len(group['params'])} tensors of {sum(p.numel() for p in group['params']):,} numbers"}
                  for group in obj.param_groups]
        return {"class": type(obj).__name__, "groups": groups}
    state = obj.state_dict() if hasattr(obj, "state_dict") else {}
    return {"class": type(obj).__name__, "state": _plain(state)}


def batches_fingerprint(batches: Any) -> Any:
    """What the batches are: ``Batches.fingerprint()``; a range by its start and stride (its end is the budget);
    anything else as the step's values count: a tensor by its bytes, a function by its code."""
    if callable(getattr(batches, "fingerprint", None)):
        return batches.fingerprint()
    if isinstance(batches, range):
        return {"type": "range", "start": batches.start, "step": batches.step}
    walk = CodeWalk()
    return {"type": type(batches).__qualname__, "value": walk.token(batches, "batches"), "code": walk.digests,
            "data": walk.data}  # e.g. a function of a step that indexes a Batches: that Batches' fingerprint


class CodeWalk:
    """Visits functions and classes from a root and keeps ``digests`` {name: sha1 of its code and the data it reads}
    for each one of ours it reaches, and ``data`` {where: fingerprint} for each set of batches it reads. Objects of
    ``state`` count by name: their weights and settings are components of their own."""

    def __init__(self, state: Mapping[str, Any] | None = None):
        self.digests: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self._state = {id(obj): name for name, obj in (state or {}).items()}
        self._seen: dict[int, str] = {}
        self._keep: list[Any] = []  # visited objects stay alive, so no id is reused during the walk

    def visit(self, obj: Any) -> str:
        """Walk ``obj`` (a function, class, partial or method) once; return the name it is known by in the digests."""
        if isinstance(obj, functools.partial):
            return f"partial({self.visit(obj.func)}, {json.dumps(self.token((obj.args, obj.keywords), 'partial'))})"
        if isinstance(obj, (types.MethodType, staticmethod, classmethod)):
            return self.visit(obj.__func__)
        if id(obj) in self._seen:
            return self._seen[id(obj)]
        name = f"{getattr(obj, '__module__', None)}:{getattr(obj, '__qualname__', type(obj).__qualname__)}"
        key, n = name, 1
        while key in self._seen.values():  # two lambdas of one cell: <lambda>, <lambda>#2
            n += 1
            key = f"{name}#{n}"
        self._seen[id(obj)], self._keep = key, self._keep + [obj]
        if isinstance(obj, types.FunctionType):
            self._function(obj, key)
        elif isinstance(obj, type) and is_ours(obj):
            self._class(obj, key)
        return key

    def _function(self, fn: types.FunctionType, key: str) -> None:
        code = fn.__code__
        cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
        closure = {n: self.token(cell_contents(c), n) for n, c in cells.items()}
        if not is_ours(fn):  # library code: not its code, only the data it closes over (an EMA's decay)
            if closure:
                self.digests[key] = _sha1(closure)
            return
        names, attributes = names_used(code)
        reads = {n: fn.__globals__[n] for n in names if n in fn.__globals__}
        modules = [v for v in reads.values() if isinstance(v, types.ModuleType) and is_ours(v)]
        for module in modules:  # training.gan_step names gan_step: follow it into our module
            for n in attributes:
                value = getattr(module, n, None)
                if isinstance(value, types.ModuleType) and is_ours(value) and value not in modules:
                    modules.append(value)
                elif value is not None and not isinstance(value, types.ModuleType):
                    reads[f"{module.__name__}.{n}"] = value
        self.digests[key] = _sha1({
            "code": code_token(code), "closure": closure,
            "globals": {n: self.token(v, n) for n, v in reads.items() if not isinstance(v, types.ModuleType)},
            "defaults": self.token(fn.__defaults__, "defaults"), "kwdefaults": self.token(fn.__kwdefaults__, "defaults"),
        })

    def _class(self, cls: type, key: str) -> None:
        members = {}
        for n, value in vars(cls).items():
            if isinstance(value, property):
                members[n] = [self.visit(f) for f in (value.fget, value.fset) if f is not None]
            elif not (n.startswith("__") and n.endswith("__")) or isinstance(value, types.FunctionType):
                members[n] = self.token(value, f"{key}.{n}")
        self.digests[key] = _sha1({"bases": [self.visit(b) for b in cls.__bases__], "members": members})

    def token(self, value: Any, where: str) -> Any:
        """A JSON stand-in for a value that code reads: data as itself, code by the name it is walked under,
        batches by their fingerprint (kept in ``data``), a network or optimizer outside the state by its digest or
        settings, any other object by its class."""
        if id(value) in self._state:
            return f"state {self._state[id(value)]}"
        if value is None or isinstance(value, (bool, int, float, complex, str, bytes, enum.Enum, range, torch.dtype)):
            return repr(value)
        if isinstance(value, (list, set)):  # by type only: a log the step appends to must not change the setup
            return type(value).__name__
        if isinstance(value, (tuple, frozenset, dict)):  # by content: hyperparameters
            if len(value) > MAX_ITEMS:
                return f"{type(value).__name__} of {len(value)}"
            items = ([[self.token(k, where), self.token(v, where)] for k, v in value.items()]
                     if isinstance(value, dict) else [self.token(v, where) for v in value])
            return [type(value).__name__, items if isinstance(value, tuple) else sorted(items, key=json.dumps)]
        if isinstance(value, torch.Tensor):
            return tensor_digest(value)
        if isinstance(value, (types.FunctionType, type, functools.partial, types.MethodType)):
            return self.visit(value)
        if callable(getattr(value, "fingerprint", None)):
            self.data[where if where not in self.data else f"{where}#{len(self.data)}"] = value.fingerprint()
            return "batches"
        if dataclasses.is_dataclass(value):  # a notebook's hyperparameters
            return [self.visit(type(value)), {f.name: self.token(getattr(value, f.name), where)
                                              for f in dataclasses.fields(value)}]
        if isinstance(value, nn.Module):  # e.g. a frozen classifier in a loss
            return network_digest(value)
        return settings(value) if isinstance(value, torch.optim.Optimizer) else f"object of {self.visit(type(value))}"


def _plain(value: Any) -> Any:
    """Settings as data a checkpoint can hold (``weights_only``) and a report can print."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, torch.Tensor):
        return value.tolist() if value.numel() <= 16 else tensor_digest(value)
    return ADDRESS.sub("", repr(value))


def _details(key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """What differs inside one component, briefly: "opt_G lr 0.0002 -> 0.0004", "G", "seed 0 -> 1"."""
    names = sorted(set(old) | set(new), key=lambda n: (n not in new, n))
    differing = [n for n in names if _sha1(old.get(n)) != _sha1(new.get(n))]
    if key in ("step", "networks"):
        edited = [n for n in differing if n in old and n in new] or differing  # not what an edit newly calls
        shown = [n.split(":", 1)[-1] for n in edited]  # "__main__:train_step" -> "train_step"
        return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")
    found = []
    for name in differing:
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            found.append(f"{name} {'added' if a is None else 'removed'}")
        elif a.get("class") != b.get("class"):
            found.append(f"{name} {a.get('class')} -> {b.get('class')}")
        else:
            groups = list(zip(a.get("groups", [a]), b.get("groups", [b])))
            for i, (x, y) in enumerate(groups):
                where = name if len(groups) == 1 else f"{name} group {i}"
                where = "" if where == "batches" else where + " "
                for k in sorted(set(x) | set(y)):
                    if x.get(k) != y.get(k):
                        simple = all(isinstance(v, (int, float, str, bool, tuple)) for v in (x.get(k), y.get(k)))
                        label = {"params": "parameters", "tensors": "data"}.get(k, k)
                        found.append(f"{where}{label} {x.get(k)!r} -> {y.get(k)!r}" if simple else f"{where}{label}")
    return "; ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")


def _sha1(data: Any) -> str:
    return hashlib.sha1(json.dumps(data, sort_keys=True, default=repr).encode()).hexdigest()
