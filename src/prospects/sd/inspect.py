"""Looking at a model: a table of its variables, equations and what each reads."""

from __future__ import annotations

from dataclasses import dataclass

from .graph import references
from .model import Model
from .render import render


@dataclass(frozen=True)
class VariableInfo:
    name: str
    kind: str
    dims: tuple[str, ...]
    unit: str
    equation: str
    doc: str
    claims: tuple[str, ...]
    depends_on: tuple[str, ...]


def describe(model: Model) -> list[VariableInfo]:
    """Every variable with its equation, unit, doc, claims and what it reads."""
    model.check()
    rows = []
    for var in model.variables.values():
        eq = var.equation()
        if var.kind == "param":
            text = ", ".join(f"{x:g}" for x in var.default.ravel())
            deps: tuple[str, ...] = ()
        else:
            text = render(eq)
            deps = tuple(v.name for v in references(eq))
            if var.kind == "stock":
                net = [f"+{f.name}" for f in var.inflows] + [f"-{f.name}" for f in var.outflows]
                text = f"integral({' '.join(net) or '0'}), starting at {text}"
                deps = tuple(f.name for f in var.inflows + var.outflows) + deps
        rows.append(VariableInfo(var.name, var.kind, var.dims, var.unit or "", text, var.doc,
                                 var.claims, deps))
    return rows
