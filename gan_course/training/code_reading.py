"""Reading code the way a fingerprint needs: which global names a function reads and which attribute names it
uses, its bytecode without line numbers (comments do not count), and whether code is ours (a notebook's, the
course's, a file of one's own) or a library's, which a walk does not follow."""

from __future__ import annotations

import dis
import functools
import hashlib
import site
import sys
import sysconfig
import types
from pathlib import Path
from typing import Any


def code_token(code: types.CodeType) -> list:
    """Bytecode, constants (nested functions included) and names: not line numbers, so comments do not count."""
    consts = [code_token(c) if isinstance(c, types.CodeType) else
              sorted(map(repr, c)) if isinstance(c, frozenset) else repr(c) for c in code.co_consts]
    return [hashlib.sha1(code.co_code).hexdigest(), consts, list(code.co_names), code.co_argcount,
            code.co_kwonlyargcount]


def names_used(code: types.CodeType) -> tuple[list[str], list[str]]:
    """The global names the code and its nested functions read, and the attribute names they use, each in order.
    Apart, so that ``opt.step()`` never makes a notebook global called ``step`` part of the setup."""
    reads, attributes = [], []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            reads.append(instruction.argval)
        elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            attributes.append(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            nested_reads, nested_attributes = names_used(const)
            reads, attributes = reads + nested_reads, attributes + nested_attributes
    return list(dict.fromkeys(reads)), list(dict.fromkeys(attributes))


def cell_contents(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return "<empty>"


@functools.lru_cache(maxsize=None)
def library_roots() -> tuple[Path, ...]:
    """Where the standard library and installed packages live (this environment's and the base Python's)."""
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    paths = {sysconfig.get_paths()[k] for k in keys} | {base[k] for k in keys}
    paths |= {*getattr(site, "getsitepackages", list)(), site.getusersitepackages()}
    return tuple(Path(p).resolve() for p in paths)


@functools.lru_cache(maxsize=None)
def installed(file: str) -> bool:
    return any(Path(file).resolve().is_relative_to(root) for root in library_roots())


def is_ours(obj: Any) -> bool:
    """Code a student or this course wrote, which the walk follows: a notebook cell, code run by exec, the course
    package (wherever pip put it), a file of one's own; not the standard library, builtins or installed packages."""
    module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
    if (not isinstance(module, str) or module == "__main__" or module.split(".")[0] == "gan_course"
            or module not in sys.modules):
        return True
    file = getattr(sys.modules[module], "__file__", None)
    return file is not None and not installed(file)
