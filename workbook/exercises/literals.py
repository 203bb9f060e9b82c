"""Answers as the student typed them: each answer variable's last assignment, read from the source, not run.

A prediction is graded only when it is typed as a value (``q1_next_hop =
'172.16.5.1'``). An answer computed with the engine (``q1_next_hop =
v.table.lookup(...).next_hop``) would be right for whoever runs it, so a
notebook copied from a classmate would score; it is reported as computed and
scores nothing. The grader reads these from the notebook's source before any
of its code runs; ``ex.check`` reads them from the notebook's history to warn
early.

>>> answers = typed_answers(["q1 = '10.0.0.1'", "q2 = v.table.lookup(d).next_hop", "q3 = ..."], ["q1", "q2", "q3"])
>>> answers["q1"]
Typed(cell=1, value='10.0.0.1')
>>> answers["q2"]
Computed(cell=2, expression='v.table.lookup(d).next_hop')
>>> answers["q3"]
Blank(cell=3)
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import netaddr

from workbook.exercises.core import AnswerError, plain

__all__ = ["Blank", "Computed", "Typed", "fingerprint", "parse_cells", "typed_answers"]

#: Calls that build a value from one piece of text, accepted inside a typed answer.
CONSTRUCTORS: dict[str, Callable[[str], Any]] = {"IPAddress": netaddr.IPAddress, "IPNetwork": netaddr.IPNetwork,
                                                 "EUI": netaddr.EUI}
MAX_DEPTH = 4


@dataclass(frozen=True)
class Typed:
    """An answer typed as a value: ``value`` is its plain data (see :func:`workbook.exercises.core.plain`)."""

    cell: int
    value: Any


@dataclass(frozen=True)
class Computed:
    """An answer the notebook computes (``expression`` is a short slice of it)."""

    cell: int
    expression: str


@dataclass(frozen=True)
class Blank:
    """The unanswered ``...`` of the student version."""

    cell: int


Answer = Typed | Computed | Blank


class _NotLiteral(Exception):
    pass


def _value(node: ast.AST, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise _NotLiteral
    if isinstance(node, ast.Constant) and node.value is not Ellipsis:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [_value(item, depth + 1) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else set(items) if isinstance(node, ast.Set) else items
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        argument = node.args[0]
        if name in CONSTRUCTORS and isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            try:
                return CONSTRUCTORS[name](argument.value)
            except Exception as error:  # netaddr's own errors: the typed text is not an address
                raise AnswerError(f"{name}({argument.value!r}) is not valid: {error}") from None
    raise _NotLiteral


def parse_cells(cells: Sequence[str], transform: Callable[[str], str] | None = None) -> list[ast.Module | None]:
    """Each cell's syntax tree (None for a cell that does not parse), after ``transform`` (IPython's magics)."""
    trees: list[ast.Module | None] = []
    for source in cells:
        try:
            trees.append(ast.parse(transform(source) if transform else source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            trees.append(None)
    return trees


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        return [node.target]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    if isinstance(node, ast.With | ast.AsyncWith):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return []


def _bound_names(node: ast.AST) -> set[str]:
    """Every name a statement (and what it contains, functions excepted) binds."""
    names: set[str] = set()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    for target in _targets(node):
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            names |= _bound_names(child)
    return names


def _typed(cell: int, target: ast.expr, value: ast.expr, wanted: set[str]) -> dict[str, Answer]:
    """What a top-level ``target = value`` gives each wanted name it binds."""
    if isinstance(target, ast.Name):
        if target.id not in wanted:
            return {}
        if isinstance(value, ast.Constant) and value.value is Ellipsis:
            return {target.id: Blank(cell)}
        try:
            return {target.id: Typed(cell, plain(_value(value)))}
        except (_NotLiteral, AnswerError):
            return {target.id: Computed(cell, ast.unparse(value)[:80])}
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List) \
            and len(target.elts) == len(value.elts):
        found: dict[str, Answer] = {}
        for inner_target, inner_value in zip(target.elts, value.elts, strict=True):
            found.update(_typed(cell, inner_target, inner_value, wanted))
        return found
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & wanted
    return {name: Computed(cell, ast.unparse(value)[:80]) for name in names}


def typed_answers(cells: Sequence[str] | Sequence[ast.Module | None], variables: Iterable[str]) -> dict[str, Answer]:
    """For each variable the notebook assigns, its last assignment: typed, computed, or left blank.

    Only a plain top-level ``name = value`` (or a tuple of them) counts as typed;
    an assignment inside a loop, a condition or a ``with``, an augmented one, an
    import under that name, a function of that name: all are computed.
    """
    trees = parse_cells(cells) if cells and isinstance(cells[0], str) else list(cells)  # type: ignore[arg-type]
    wanted = set(variables)
    found: dict[str, Answer] = {}
    for number, tree in enumerate(trees, start=1):
        if tree is None:
            continue
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and not any(isinstance(n, ast.NamedExpr)
                                                             for n in ast.walk(statement.value)):
                for target in statement.targets:
                    found.update(_typed(number, target, statement.value, wanted))
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None and statement.simple:
                found.update(_typed(number, statement.target, statement.value, wanted))
            else:
                for name in _bound_names(statement) & wanted:
                    found[name] = Computed(number, ast.unparse(statement).splitlines()[0][:80])
    return found


def fingerprint(trees: Sequence[ast.Module | None], variables: Iterable[str],
                functions: Iterable[str]) -> dict[str, str]:
    """A digest per answer: the statements that assign each variable or define each function, without layout,
    comments or docstrings. Two notebooks with the same digest typed the same thing."""
    wanted = set(variables) | set(functions)
    statements: dict[str, list[str]] = {}
    for tree in trees:
        if tree is None:
            continue
        for statement in tree.body:
            for name in _bound_names(statement) & wanted:
                statements.setdefault(name, []).append(ast.dump(_without_docstrings(statement)))
    return {name: hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16] for name, parts in statements.items()}


def _without_docstrings(node: ast.AST) -> ast.AST:
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            inner.body = body[1:] or [ast.Pass()]
    return node
