"""Walking the equation graph: the nodes and references of expressions, evaluation order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

from .builtins import BUILTINS
from .expr import Call, Expr
from .model import ModelError, Variable


def delays(node: Expr) -> bool:
    """Whether a node is a call of a builtin whose value now does not read its arguments now."""
    return isinstance(node, Call) and BUILTINS[node.fn].delays


def nodes(expr: Expr, into_delays: bool = True) -> Iterable[Expr]:
    """Every node of an expression, stopping at named variables (and delays, if asked)."""
    yield expr
    if delays(expr) and not into_delays:
        return
    for child in expr.children():
        yield from nodes(child, into_delays)


def references(expr: Expr, into_delays: bool = True) -> list[Variable]:
    """Named variables an expression reads, each once, in order of appearance."""
    seen: dict[int, Variable] = {}
    for node in nodes(expr, into_delays):
        if isinstance(node, Variable):
            seen.setdefault(id(node), node)
    return list(seen.values())


def instant_dependencies(var: Variable) -> list[str]:
    """Auxiliaries and flows a variable needs, at the same instant, to be computed."""
    eq = var.equation()
    if eq is None or var.kind == "stock":
        return []
    return [v.name for v in references(eq, into_delays=False) if v.kind in ("aux", "flow")]


def order(deps: Mapping[str, Iterable[str]], what: str) -> list[str]:
    """Topological order of ``deps``; a cycle is a ModelError that prints the loop."""
    try:
        return list(TopologicalSorter({k: list(v) for k, v in deps.items()}).static_order())
    except CycleError as err:
        loop = list(err.args[1])
        raise ModelError(f"{what}: {' -> '.join(loop)}") from None
