"""Engine calls a function question forbids: unavailable while the student's function runs, and found in its source.

Exercise 1's ``next_hop(table, destination)`` must loop over the routes, not
call ``table.lookup``. While the grader (or ``ex.check``) calls the student's
function, each forbidden engine function raises :class:`ForbiddenCall` when
called from outside the engine (or the library that defines it); their own use
of it (``aggregate`` calling ``covering_prefix``, netaddr's ``cidr_merge``
calling ``spanning_cidr``) still works. The function object itself is
changed (its ``__code__``), so an alias made earlier (``from workbook import
covering_prefix``) is caught too.

>>> from workbook.net.multicast import multicast_mac
>>> with unavailable(["workbook.net.multicast:multicast_mac"], "q8"):
...     multicast_mac("239.1.2.3")
Traceback (most recent call last):
...
workbook.exercises.forbid.ForbiddenCall: q8 asks you not to call multicast_mac: work it out in your own code
>>> str(multicast_mac("239.1.2.3"))  # available again afterwards
'01-00-5E-01-02-03'
>>> calls_in("def f(t, d):\\n    return t.lookup(d).next_hop", "f", ["RouteTable.lookup"])
['lookup']
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from workbook.errors import WorkbookError

__all__ = ["ForbiddenCall", "calls_in", "unavailable"]

ENGINE = str(Path(__file__).resolve().parents[1])
_ACTIVE: dict[str, tuple[types.FunctionType, str, tuple[str, ...]]] = {}


class ForbiddenCall(WorkbookError):
    """The student's function called an engine function its question forbids."""


def _resolve(spec: str) -> tuple[types.FunctionType, str]:
    """'module:Qualified.name' -> the function object (a property's getter) and its short name."""
    module_name, _, qualified = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualified.split("."):
        owner, target = target, getattr(target, part)
        if isinstance(owner, type):
            target = owner.__dict__.get(part, target)
    if isinstance(target, property):
        target = target.fget
    if not isinstance(target, types.FunctionType):
        raise TypeError(f"{spec} is not a Python function")
    return target, qualified.rsplit(".", 1)[-1]


def _dispatch(key: str, args: tuple, kwargs: dict) -> Any:
    original, message, allowed = _ACTIVE[key]
    caller = sys._getframe(2).f_code.co_filename
    if not caller.startswith(allowed):
        raise ForbiddenCall(message)
    return original(*args, **kwargs)


def _library(function: types.FunctionType) -> str:
    """The folder of the top-level package that defines ``function`` (its own callers may use it)."""
    top = sys.modules.get(function.__module__.split(".")[0])
    location = getattr(top, "__file__", None)
    return str(Path(location).resolve().parent) if location else ENGINE


def _stub(key: str) -> types.CodeType:
    source = (f"def stub(*args, **kwargs):\n"
              f"    from workbook.exercises.forbid import _dispatch\n"
              f"    return _dispatch({key!r}, args, kwargs)\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<forbidden call>", "exec"), namespace)
    return namespace["stub"].__code__


@contextlib.contextmanager
def unavailable(specs: Sequence[str], question: str) -> Iterator[None]:
    """Within the block, the functions ``specs`` ('module:Qualified.name') raise ForbiddenCall outside the engine."""
    swapped = []
    try:
        for spec in specs:
            function, short = _resolve(spec)
            if function.__code__.co_freevars:
                continue  # a closure cannot take another code object; none of the engine's forbidden ones is
            original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                          function.__defaults__, function.__closure__)
            original.__kwdefaults__ = function.__kwdefaults__
            _ACTIVE[spec] = (original, f"{question} asks you not to call {short}: work it out in your own code",
                             (ENGINE + "/", _library(function) + "/"))
            swapped.append((function, function.__code__, spec))
            function.__code__ = _stub(spec)
        yield
    finally:
        for function, code, spec in swapped:
            function.__code__ = code
            _ACTIVE.pop(spec, None)


def calls_in(source: str, function: str, specs: Sequence[str]) -> list[str]:
    """The forbidden names the definition of ``function`` in ``source`` mentions (as a name or an attribute)."""
    forbidden = {spec.rsplit(".", 1)[-1].rsplit(":", 1)[-1] for spec in specs}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            for inner in ast.walk(node):
                name = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", None)
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                    name = inner.value
                if name in forbidden and name not in found:
                    found.append(name)
    return found
