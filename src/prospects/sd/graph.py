"""Walking the equation graph: references, hidden smooth stocks, evaluation order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

from .expr import Expr, Reduce, Select, Smooth
from .model import Model, ModelError, SmoothState, Variable


def nodes(expr: Expr, into_smooth: bool = True) -> Iterable[Expr]:
    """Every node of an expression, stopping at named variables (and smooths, if asked)."""
    yield expr
    if isinstance(expr, Smooth) and not into_smooth:
        return
    for child in expr.children():
        yield from nodes(child, into_smooth)


def references(expr: Expr, into_smooth: bool = True) -> list[Variable]:
    """Named variables an expression reads, each once, in order of appearance."""
    seen: dict[int, Variable] = {}
    for node in nodes(expr, into_smooth):
        if isinstance(node, Variable):
            seen.setdefault(id(node), node)
    return list(seen.values())


def dims_of(model: Model, expr: Expr) -> set[str]:
    """Dimensions an expression spans, in a checked model (where every variable has its)."""
    if isinstance(expr, Variable):
        return set(expr.dims)
    if isinstance(expr, Smooth):
        return set(model.smooths[id(expr)].dims)
    if isinstance(expr, Reduce | Select):
        return dims_of(model, expr.operand) - {expr.dim}
    return set().union(*(dims_of(model, c) for c in expr.children()))


def smooth_states(model: Model) -> dict[int, SmoothState]:
    """The hidden stock of each ``smooth()`` in the model, keyed by id of its node."""
    states: dict[int, SmoothState] = {}
    for var in model.variables.values():
        eq = var.equation()
        if eq is None:
            continue
        found = [n for n in nodes(eq) if isinstance(n, Smooth)]
        for k, node in enumerate(found):
            suffix = "" if k == 0 else str(k + 1)
            states[id(node)] = SmoothState(f"{var.name}_smooth{suffix}", node, var)
    return states


def instant_dependencies(var: Variable) -> list[str]:
    """Auxiliaries and flows a variable needs, at the same instant, to be computed."""
    eq = var.equation()
    if eq is None or var.kind == "stock":
        return []
    return [v.name for v in references(eq, into_smooth=False) if v.kind in ("aux", "flow")]


def order(deps: Mapping[str, Iterable[str]], what: str) -> list[str]:
    """Topological order of ``deps``; a cycle is a ModelError that prints the loop."""
    try:
        return list(TopologicalSorter({k: list(v) for k, v in deps.items()}).static_order())
    except CycleError as err:
        loop = list(err.args[1])
        raise ModelError(f"{what}: {' -> '.join(loop)}") from None
